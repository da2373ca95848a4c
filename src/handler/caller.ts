/**
 * Who called: the identity API Gateway authenticated, read from the proxy event's request context only. Headers and
 * the body are the client's to set, so nothing in them is ever taken as the caller.
 */
import { createHash } from 'crypto';
import type { APIGatewayEventRequestContext } from 'aws-lambda';

/** How API Gateway identified the caller. */
export type CallerType = 'iam' | 'apiKey' | 'cognito' | 'lambdaAuthorizer' | 'managedKey' | 'ip';

/** The caller of one request, in every log line (a searchable property, never a metric dimension). */
export interface Caller {
  readonly type: CallerType;
  readonly id: string;
}

/** What the context of a proxy event may hold; API Gateway leaves out what the method's auth did not produce. */
export type CallerContext = {
  readonly identity?: Partial<APIGatewayEventRequestContext['identity']> | null;
  readonly authorizer?: APIGatewayEventRequestContext['authorizer'];
};

/**
 * The caller, from the strongest identity present. A method has one authorization type (IAM, Cognito or a Lambda
 * authorizer), so those three never meet; an API key can come with any of them. A key identifies a usage plan's
 * client, not a principal (API Gateway's docs: don't use API keys for authentication), so the authenticated
 * principal wins over it. The source IP is the caller only when nothing else is there: with `ApiAuth.none()`.
 * Without even a source IP (not an API Gateway event) the caller is the IP `unknown`, so no request goes unnamed.
 */
export function callerOf(context: CallerContext | null | undefined): Caller {
  const identity = context?.identity ?? undefined;
  const authorizer = context?.authorizer ?? undefined;
  const claims: unknown = authorizer?.claims;
  const candidates: Array<[CallerType, unknown]> = [
    ['iam', identity?.userArn],
    ['cognito', typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>).sub : undefined],
    ['lambdaAuthorizer', authorizer?.principalId],
    ['apiKey', identity?.apiKeyId],
    ['ip', identity?.sourceIp],
  ];
  for (const [type, id] of candidates) {
    if (typeof id === 'string' && id !== '') {
      return { type, id };
    }
  }
  return { type: 'ip', id: 'unknown' };
}

/**
 * The longest runtime user id the handler sends. AgentCore's API reference gives no bound for
 * `X-Amzn-Bedrock-AgentCore-Runtime-User-Id`; its workload identity takes user ids of up to 128 characters
 * (GetWorkloadAccessTokenForUserId), which is where AgentCore passes this one.
 */
export const MAX_RUNTIME_USER_ID = 128;

/**
 * The caller as an AgentCore runtime user id: `<type>:<id>`, stable per caller (the same principal, Cognito user, key
 * or IP gives the same id on every request). An id too long (an assumed role's session ARN can be) or not printable
 * ASCII (an authorizer's principalId may be any text; the id travels in a header) is replaced by
 * `<type>:sha256:<hex>` of it: still stable and distinct, and within MAX_RUNTIME_USER_ID.
 */
export function runtimeUserId(caller: Caller): string {
  const plain = `${caller.type}:${caller.id}`;
  if (plain.length <= MAX_RUNTIME_USER_ID && /^[\x21-\x7e]+$/.test(plain)) {
    return plain;
  }
  return `${caller.type}:sha256:${createHash('sha256').update(caller.id).digest('hex')}`;
}

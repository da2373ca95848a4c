/**
 * The CORS decision, written once: the handler's response headers, the local runner's preflight and gateway errors,
 * and the construct's gateway responses and preflight all follow these rules.
 */

import { AGENT_CORE_INVOCATIONS, SESSION_HEADER } from './agent-core';
import { BUDGET_REMAINING_HEADER, BUDGET_REMAINING_USD_HEADER } from './budget';
import { protocolPreflightHeaders } from './protocols';

/** Who may call the API from a browser (the construct's `cors` prop, reduced to what the rules need). */
export interface CorsPolicy {
  readonly allowOrigins: readonly string[];
  readonly allowCredentials?: boolean;
}

/** Headers a browser may read from a response besides the safelisted ones. */
export const CORS_EXPOSE_HEADERS = [
  'X-Request-Id',
  'Retry-After',
  BUDGET_REMAINING_HEADER,
  BUDGET_REMAINING_USD_HEADER,
];

/** The request headers a preflight allows by default: API Gateway's (CDK's `Cors.DEFAULT_HEADERS`). */
export const CORS_DEFAULT_ALLOW_HEADERS = [
  'Content-Type',
  'X-Amz-Date',
  'Authorization',
  'X-Api-Key',
  'X-Amz-Security-Token',
  'X-Amz-User-Agent',
];

/**
 * The request headers a route's preflight allows when the operator lists none: the default ones, plus those the
 * clients of the route's protocols send (the `openai` client's `X-Stainless-*` on the OpenAI routes), plus the session
 * header on StreamingAgentCoreApi's route. In a browser they make the call non-simple, so the preflight must allow
 * them. (An operator's own `allowHeaders` list is used as given.)
 */
export function defaultPreflightHeaders(path: string): readonly string[] {
  if (path === AGENT_CORE_INVOCATIONS.path) {
    return [...CORS_DEFAULT_ALLOW_HEADERS, SESSION_HEADER];
  }
  return protocolPreflightHeaders(path, CORS_DEFAULT_ALLOW_HEADERS);
}

/** The methods a preflight allows by default (CDK's `Cors.ALL_METHODS`). */
export const CORS_DEFAULT_ALLOW_METHODS = ['OPTIONS', 'GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD'];

/**
 * The allow-origin decision for a request from `origin`: `*` when every origin is allowed without credentials, the
 * origin itself when it is listed, else none. Request headers are never reflected otherwise.
 */
export function allowedOrigin(policy: CorsPolicy | undefined, origin: string | undefined): string | undefined {
  const allowed = policy?.allowOrigins ?? [];
  if (!origin || allowed.length === 0) {
    return undefined;
  }
  if (allowed.includes('*') && !policy?.allowCredentials) {
    return '*';
  }
  return allowed.includes(origin) ? origin : undefined;
}

/**
 * CORS headers of an actual (non-preflight) response from the handler; `expose` names the response's own headers a
 * browser may read besides CORS_EXPOSE_HEADERS (StreamingAgentCoreApi's session header).
 */
export function corsResponseHeaders(
  policy: CorsPolicy | undefined,
  origin: string | undefined,
  expose: readonly string[] = [],
): Record<string, string> {
  const allow = allowedOrigin(policy, origin);
  if (allow === undefined) {
    return {};
  }
  const headers: Record<string, string> = { 'Access-Control-Allow-Origin': allow };
  if (allow !== '*') {
    headers.Vary = 'Origin';
    if (policy?.allowCredentials) {
      headers['Access-Control-Allow-Credentials'] = 'true';
    }
  }
  headers['Access-Control-Expose-Headers'] = [...CORS_EXPOSE_HEADERS, ...expose].join(', ');
  return headers;
}

/** Headers of a preflight answer, as API Gateway's mock integration (CDK `addCorsPreflight`) sends them. */
export function corsPreflightHeaders(
  policy: CorsPolicy | undefined,
  origin: string | undefined,
  options: { readonly allowHeaders?: readonly string[]; readonly allowMethods?: readonly string[] } = {},
): Record<string, string> {
  const allowedOrigins = policy?.allowOrigins ?? [];
  if (allowedOrigins.length === 0) {
    return {};
  }
  // Like CDK's preflight mapping template: '*' when listed (credentials with '*' are refused at synth), else the
  // request's origin when listed, else the first listed origin (which a browser on another origin then refuses).
  const allow = allowedOrigins.includes('*') ? '*' : (allowedOrigin(policy, origin) ?? allowedOrigins[0]);
  const headers: Record<string, string> = {
    'Access-Control-Allow-Origin': allow,
    'Access-Control-Allow-Headers': (options.allowHeaders ?? CORS_DEFAULT_ALLOW_HEADERS).join(','),
    'Access-Control-Allow-Methods': (options.allowMethods ?? CORS_DEFAULT_ALLOW_METHODS).join(','),
  };
  if (allow !== '*') {
    headers.Vary = 'Origin';
  }
  if (policy?.allowCredentials) {
    headers['Access-Control-Allow-Credentials'] = 'true';
  }
  return headers;
}

/**
 * CORS headers of API Gateway's own 4XX/5XX responses (auth, throttling, integration failures). A gateway response
 * has static headers: it cannot pick one origin of several, and request headers are never reflected. So with one
 * allowed origin (or `*`) the header is fixed; with several origins those errors carry no CORS headers, and the
 * construct warns about it at synth.
 */
export function gatewayResponseCorsHeaders(policy: CorsPolicy | undefined): Record<string, string> {
  const origins = policy?.allowOrigins ?? [];
  if (origins.length !== 1) {
    return {};
  }
  const headers: Record<string, string> = { 'Access-Control-Allow-Origin': origins[0] };
  if (origins[0] !== '*') {
    headers.Vary = 'Origin';
    if (policy?.allowCredentials) {
      headers['Access-Control-Allow-Credentials'] = 'true';
    }
  }
  return headers;
}

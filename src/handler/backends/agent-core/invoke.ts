/**
 * InvokeAgentRuntime through `@aws-sdk/client-bedrock-agentcore`: the caller's payload bytes as received (never
 * parsed), its content type and Accept, the session, and the caller as the runtime user. Resolves when AgentCore
 * answered with the agent's status and content type; the body is the agent's bytes as they arrive.
 */
import * as http from 'http';
import * as https from 'https';
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from '@aws-sdk/client-bedrock-agentcore';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AgentCoreConfig } from './config';
import { invokeError } from './errors';

export interface AgentInvocation {
  readonly payload: Uint8Array;
  readonly contentType: string;
  readonly accept: string;
  readonly sessionId: string;
  /** The authenticated caller (caller.ts runtimeUserId), never anything the request says about itself. */
  readonly userId: string;
}

/** The agent's answer: its status (2xx), content type, and bytes. */
export interface AgentAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: AgentBody;
}

/** The SDK's body stream: read as it arrives; destroyed to stop reading (the deadline, a client gone). */
export interface AgentBody extends AsyncIterable<Uint8Array> {
  destroy(error?: Error): void;
}

let cached: { region: string | undefined; client: BedrockAgentCoreClient } | undefined;

/**
 * One client per execution environment, in the runtime's own region (the ARN's: the function may run elsewhere).
 * An agent invocation may act (tools, writes), so nothing is ever retried: where AgentCore may have run it, the
 * caller gets the 429/502/503 (with Retry-After where waiting helps) and decides. So that no retry is ever needed
 * for a connection the service closed while the function was frozen, each invocation opens its own connection (a
 * TLS handshake, a few ms against an agent's seconds). A connection that cannot be opened in 5 s is an unreachable
 * endpoint; there is no timeout on the answer itself (the agent may think for minutes): the request's deadline
 * bounds it.
 */
function client(region: string | undefined): BedrockAgentCoreClient {
  if (cached === undefined || cached.region !== region) {
    cached?.client.destroy();
    const requestHandler = new NodeHttpHandler({
      connectionTimeout: 5000,
      httpAgent: new http.Agent({ keepAlive: false }),
      httpsAgent: new https.Agent({ keepAlive: false }),
    });
    cached = { region, client: new BedrockAgentCoreClient({ region, maxAttempts: 1, requestHandler }) };
  }
  return cached.client;
}

/** The region of a runtime ARN (`arn:<partition>:bedrock-agentcore:<region>:...`), else the function's. */
export function runtimeRegion(arn: string): string | undefined {
  return arn.split(':')[3] || process.env.AWS_REGION;
}

/** Invokes the agent; throws the failure in the API's error model (errors.ts invokeError). */
export async function invokeAgent(
  invocation: AgentInvocation,
  config: Pick<AgentCoreConfig, 'agentRuntimeArn' | 'qualifier'>,
  signal: AbortSignal,
): Promise<AgentAnswer> {
  const command = new InvokeAgentRuntimeCommand({
    agentRuntimeArn: config.agentRuntimeArn,
    qualifier: config.qualifier,
    runtimeSessionId: invocation.sessionId,
    runtimeUserId: invocation.userId,
    contentType: invocation.contentType,
    accept: invocation.accept,
    payload: invocation.payload,
  });
  try {
    const output = await client(runtimeRegion(config.agentRuntimeArn)).send(command, {
      abortSignal: signal,
    });
    const body = output.response as unknown as AgentBody | undefined;
    return {
      status: output.statusCode ?? 200,
      contentType: output.contentType ?? 'application/json',
      body: body ?? emptyBody(),
    };
  } catch (err) {
    throw invokeError(err, signal);
  }
}

function emptyBody(): AgentBody {
  return {
    destroy: () => {},
    async *[Symbol.asyncIterator]() {},
  };
}

/**
 * One AgentCore request, start to end: context -> payload cap -> managed key -> session -> request limits ->
 * InvokeAgentRuntime -> the agent's bytes streamed as they arrive -> the log line. The status is committed at the
 * agent's first byte (or an SSE keep-alive), so a failure before it keeps its real status.
 */
import { randomUUID } from 'crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { loadAgentCoreConfig, type AgentCoreConfig } from './config';
import { AgentErrors } from './errors';
import { invokeAgent, type AgentAnswer } from './invoke';
import { EventBoundary, SSE_PING, isEventStream } from './sse';
import { agentRecord, writeAgentRecord } from './telemetry';
import { SESSION_HEADER, isSessionId } from '../../../contract';
import { RequestBudget } from '../../budget';
import { runtimeUserId } from '../../caller';
import { ApiError, StreamAborted, errorBody, toApiError } from '../../errors';
import { authenticate } from '../../managed-keys';
import { cappedBody, header } from '../../request/http';
import { RequestContext, type LambdaContext } from '../../request-context';
import type { StreamSink } from '../../sinks';
import type { Outcome } from '../../telemetry';

type Call = RequestContext<AgentCoreConfig>;

/** What a request gathered on its way, for the failure path and the log line. */
interface Progress {
  session?: { readonly id: string; readonly generated: boolean };
  budget?: RequestBudget;
  /** The agent's status and content type, once AgentCore answered. */
  agent?: Pick<AgentAnswer, 'status' | 'contentType'>;
  firstByteAt?: number;
  bytes: number;
  readonly boundary: EventBoundary;
}

/** Answers one request into `sink`, then writes the log line. */
export async function serveAgent(event: APIGatewayProxyEvent, lambda: LambdaContext, sink: StreamSink): Promise<void> {
  const call: Call = new RequestContext(event, lambda, 'stream', loadAgentCoreConfig);
  const progress: Progress = { bytes: 0, boundary: new EventBoundary() };
  sink.onClientGone(() => call.abort('client_disconnected'));
  let outcome: Outcome;
  try {
    await answer(call, sink, progress);
    outcome = { status: progress.agent?.status ?? 200 };
  } catch (err) {
    outcome = await writeFailure(call, sink, progress, apiError(err));
  }
  call.end(outcome.error !== undefined);
  await sink.end(call.clientGone);
  log(call, progress, outcome);
}

/** The log line, written before the handler returns: Lambda may freeze the process right after. */
function log(call: Call, progress: Progress, outcome: Outcome): void {
  const parts = {
    requestId: call.requestId,
    caller: call.caller,
    lambdaRequestId: call.lambda.awsRequestId,
    startedAt: call.startedAt,
    session: progress.session,
    contentType: progress.agent?.contentType,
    firstByteAt: progress.firstByteAt,
    bytes: progress.bytes,
    budget: progress.budget?.record,
  };
  writeAgentRecord(agentRecord(parts, outcome), call.config);
}

async function answer(call: Call, sink: StreamSink, progress: Progress): Promise<void> {
  const config = call.configure();
  // A managed key is checked before anything else of the request is read, as in the Bedrock handler.
  if (config.managedKeys) {
    call.identify((await authenticate(call.event, config.managedKeys)).caller);
  }
  const payload = cappedBody(call.event, config.maxRequestBytes);
  if (payload === undefined) {
    throw AgentErrors.missingBody();
  }
  progress.session = sessionOf(call.event);
  if (config.tokenBudget) {
    progress.budget = new RequestBudget(config.tokenBudget, call.caller, undefined);
    await progress.budget.reserveRequest();
  }
  // AgentCore answers with the agent's headers, which a JSON agent may send only when it is done: the idle limit
  // runs while it has not answered, so API Gateway's idle timeout never cuts a request the handler thinks is alive.
  const stopWaiting = sink.whileSilent(config.idleLimitMs, () => call.abort('idle'));
  const agent = await invokeAgent(
    {
      payload: typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload,
      contentType: header(call.event, 'content-type') || 'application/json',
      accept: header(call.event, 'accept') || 'application/json',
      sessionId: progress.session.id,
      userId: runtimeUserId(call.caller),
    },
    config,
    call.signal,
  ).finally(stopWaiting);
  progress.agent = { status: agent.status, contentType: agent.contentType };
  await stream(call, sink, agent, progress);
}

/** The caller's session (validated, never echoed when invalid), or a new one. */
function sessionOf(event: APIGatewayProxyEvent): { id: string; generated: boolean } {
  const asked = header(event, SESSION_HEADER);
  if (asked === undefined) {
    return { id: randomUUID(), generated: true };
  }
  if (!isSessionId(asked)) {
    throw AgentErrors.invalidSession();
  }
  return { id: asked, generated: false };
}

/** The agent's bytes as they arrive, with keep-alive (SSE) or the idle limit (any other type) while it is silent. */
async function stream(call: Call, sink: StreamSink, agent: AgentAnswer, progress: Progress): Promise<void> {
  const commit = () => {
    if (!sink.committed) {
      sink.commit(agent.status, { ...responseHeaders(call, progress, agent.contentType), ...sink.answerHeaders });
    }
  };
  const stopWatching = whileSilent(call, sink, progress, commit);
  const stopReading = () => agent.body.destroy(call.signal.reason as Error);
  call.signal.addEventListener('abort', stopReading);
  if (call.signal.aborted) {
    stopReading(); // aborted as AgentCore answered: the listener came too late
  }
  try {
    for await (const chunk of agent.body) {
      if (chunk.length > 0) {
        progress.firstByteAt ??= Date.now();
        progress.bytes += chunk.length;
        progress.boundary.wrote(chunk);
        commit();
        await sink.write(chunk);
      }
    }
  } catch (err) {
    throw call.signal.reason instanceof StreamAborted ? call.signal.reason : AgentErrors.incomplete(err);
  } finally {
    call.signal.removeEventListener('abort', stopReading);
    stopWatching();
  }
  commit(); // an empty answer still gets its status and headers
}

/**
 * While the agent is silent: for SSE, `: ping` every `heartbeatMs`, only between events (committing the status first
 * if nothing was sent yet); the idle abort after `idleLimitMs` of nothing written, before API Gateway's idle timeout
 * (for SSE that is a silence in the middle of an event, where no ping may go).
 */
function whileSilent(call: Call, sink: StreamSink, progress: Progress, commit: () => void): () => void {
  const config = call.config!;
  const stopIdle = sink.whileSilent(config.idleLimitMs, () => call.abort('idle'));
  if (!isEventStream(progress.agent?.contentType)) {
    return stopIdle;
  }
  const stopPings = sink.whileSilent(config.heartbeatMs, () => {
    if (progress.boundary.atBoundary) {
      commit();
      progress.boundary.wrote(SSE_PING);
      void sink.write(SSE_PING);
    }
  });
  return () => {
    stopPings();
    stopIdle();
  };
}

/** The request's headers, the limits' and the session's; CORS lets a browser read the session header. */
function responseHeaders(call: Call, progress: Progress, contentType: string): Record<string, string> {
  const extra: Record<string, string> = { ...progress.budget?.headers() };
  if (progress.session) {
    extra[SESSION_HEADER] = progress.session.id;
  }
  return call.responseHeaders(contentType, extra, [SESSION_HEADER]);
}

/** The API's error for a failure; the idle limit in this handler's words. */
function apiError(err: unknown): ApiError {
  return err instanceof StreamAborted && err.reason === 'idle' ? AgentErrors.idle() : toApiError(err);
}

/**
 * Before the first byte: the real status and a JSON error body. After it: for SSE an `event: error` (the native
 * protocol's shape; an event the agent left unfinished is ended first), for any other type the answer just ends.
 */
async function writeFailure(call: Call, sink: StreamSink, progress: Progress, error: ApiError): Promise<Outcome> {
  if (call.clientGone) {
    return { status: 499, error, afterOutput: sink.sent };
  }
  const body = errorBody(error, call.requestId);
  if (!sink.sent) {
    sink.commit(error.status, { ...responseHeaders(call, progress, 'application/json'), ...error.headers });
    await sink.write(JSON.stringify(body));
    return { status: error.status, error };
  }
  if (isEventStream(progress.agent?.contentType)) {
    const end = progress.boundary.atBoundary ? '' : '\n\n';
    await sink.write(`${end}event: error\ndata: ${JSON.stringify(body)}\n\n`);
  }
  return { status: progress.agent?.status ?? 200, error, afterOutput: true };
}

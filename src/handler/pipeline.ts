/**
 * One skeleton for every route: context -> decode -> limits (budget) -> backend -> encode -> log. The streamed and
 * the buffered answers differ only in their sink; the model list is an answer without a backend.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { AnswerTally } from './answer-tally';
import { bedrockBackend } from './backends/bedrock';
import { candidateModels } from './backends/bedrock/fallback';
import { dearestPrice, RequestBudget, usageCost } from './budget';
import { publicModelId, type ChatEvent, type ChatRequest, type ResponseEncoder } from './chat';
import type { HandlerConfig } from './config';
import { errorBody, toApiError, type ApiError } from './errors';
import { authenticate, checkModel, scopedConfig } from './managed-keys';
import type { Endpoint } from './protocols/unit';
import { RequestContext, type LambdaContext } from './request-context';
import type { Decoded, RouteHandler } from './routes';
import type { AnswerSink } from './sinks';
import { requestRecord, writeRequestRecord, type Outcome } from './telemetry';

/** What a request gathered on its way, for the failure path and the log line; this module's own. */
interface Progress {
  decoded?: Decoded;
  budget?: RequestBudget;
  /** The backend answered: from here on the model may be spending tokens. */
  modelAnswered: boolean;
  /** The model that answered: the asked one, or a fallback (`fallbackModelIds`). */
  answeredBy?: string;
  tally: AnswerTally;
}

/** Answers one request on `route` into `sink`, then settles the budget and writes the log line. */
export async function serve(
  route: RouteHandler,
  event: APIGatewayProxyEvent,
  lambda: LambdaContext,
  endpoint: Endpoint,
  sink: AnswerSink,
): Promise<void> {
  const call = new RequestContext(event, lambda, endpoint);
  const progress: Progress = { modelAnswered: false, tally: new AnswerTally() };
  sink.onClientGone(() => call.abort('client_disconnected'));
  let outcome: Outcome;
  try {
    await answer(route, call, sink, progress);
    outcome = { status: 200 };
  } catch (err) {
    outcome = await writeFailure(route, call, sink, progress, toApiError(err));
  }
  call.end(outcome.error !== undefined);
  await sink.end(call.clientGone);
  await close(route, call, progress, outcome);
}

async function answer(route: RouteHandler, call: RequestContext, sink: AnswerSink, progress: Progress) {
  const config = await authenticated(call, call.configure());
  progress.tally = new AnswerTally(config.logContent);
  const decoded = route.decode(call.event, config, call.endpoint);
  progress.decoded = decoded;
  if (decoded.request && config.managedKeys) {
    checkModel(decoded.request.modelId, config);
  }
  const events = decoded.request ? await askModel(decoded.request, config, call, progress) : [];
  if (progress.answeredBy !== undefined && progress.answeredBy !== decoded.request?.modelId) {
    decoded.encoder.answeredBy?.(publicModelId(progress.answeredBy));
  }
  await encode(call, sink, decoded, events, progress, config);
}

/**
 * With managed keys, the key is checked before the request is read: its holder becomes the caller, and only the
 * models the key may use are allowed. Without them, the caller is who API Gateway authenticated.
 */
async function authenticated(call: RequestContext, config: HandlerConfig): Promise<HandlerConfig> {
  if (!config.managedKeys) {
    return config;
  }
  const holder = await authenticate(call.event, config.managedKeys);
  call.identify(holder.caller);
  return scopedConfig(config, holder);
}

/** Limits, then the backend: the budget reserves the request's worst case before the model is asked. */
async function askModel(request: ChatRequest, config: HandlerConfig, call: RequestContext, progress: Progress) {
  if (config.tokenBudget) {
    // Reserved at the dearest price of the models that may answer: the worst case holds whichever does.
    const prices = candidateModels(request.modelId, config).map((id) => config.pricing?.[id]);
    progress.budget = new RequestBudget(config.tokenBudget, call.caller, dearestPrice(prices));
    await progress.budget.reserve(request, config);
  }
  const modelAnswer = await bedrockBackend.answer(request, config, call.signal);
  progress.modelAnswered = true;
  progress.answeredBy = modelAnswer.modelId;
  progress.budget?.answeredAt(config.pricing?.[modelAnswer.modelId]);
  return modelAnswer.events;
}

/**
 * Each event as its encoder renders it. The status is committed at the first byte the caller must receive: an event
 * that writes nothing (an empty block start, a tool call sent when complete) leaves a later failure its real status.
 */
async function encode(
  call: RequestContext,
  sink: AnswerSink,
  decoded: Decoded,
  events: Iterable<ChatEvent> | AsyncIterable<ChatEvent>,
  progress: Progress,
  config: HandlerConfig,
): Promise<void> {
  const { encoder } = decoded;
  const commit = () => {
    if (!sink.committed) {
      sink.commit(200, answerHeaders(call, sink, encoder, progress));
    }
  };
  const stopWatching = decoded.request ? keepAlive(call, sink, encoder, config, commit) : () => {};
  try {
    for await (const event of events) {
      progress.tally.add(event, Date.now());
      const chunk = encoder.event(event);
      if (chunk !== '') {
        commit();
        await sink.write(chunk);
      }
    }
  } finally {
    stopWatching();
  }
  const done = encoder.done(progress.tally.summary(Date.now() - call.startedAt));
  commit();
  await sink.write(done);
}

/**
 * While the model is silent: the encoder's keep-alive bytes after `heartbeatMs` (committing 200 first if nothing was
 * sent yet: only then, so a short answer that fails keeps its status), or for a format without any, the idle abort
 * after `idleLimitMs`, before API Gateway's idle timeout cuts the stream.
 */
function keepAlive(
  call: RequestContext,
  sink: AnswerSink,
  encoder: ResponseEncoder,
  config: HandlerConfig,
  commit: () => void,
): () => void {
  const bytes = encoder.keepAlive;
  if (bytes === undefined) {
    return sink.whileSilent(config.idleLimitMs, () => call.abort('idle'));
  }
  return sink.whileSilent(config.heartbeatMs, () => {
    commit();
    // Not awaited: a ping is tiny, and the next chunk's write waits for the drain anyway.
    void sink.write(bytes);
  });
}

function answerHeaders(call: RequestContext, sink: AnswerSink, encoder: ResponseEncoder, progress: Progress) {
  return {
    ...call.responseHeaders(encoder.contentType, progress.budget?.headers()),
    ...encoder.headers,
    ...sink.answerHeaders,
  };
}

/** Before any byte was sent: the real status and a JSON error body. After: the format's terminal error. */
async function writeFailure(
  route: RouteHandler,
  call: RequestContext,
  sink: AnswerSink,
  progress: Progress,
  error: ApiError,
): Promise<Outcome> {
  const body = errorBody(error, call.requestId);
  const encoder = progress.decoded?.encoder;
  if (call.clientGone) {
    return { status: 499, error, afterOutput: sink.sent };
  }
  if (!sink.sent || encoder === undefined) {
    sink.commit(error.status, {
      ...call.responseHeaders('application/json', progress.budget?.headers()),
      ...error.headers,
    });
    await sink.write(JSON.stringify(route.errorShape?.(error, call.requestId) ?? body));
    return { status: error.status, error };
  }
  await sink.write(encoder.error(body));
  return { status: 200, error, afterOutput: true };
}

/**
 * Settles the token budget and writes the log line, before the handler returns: Lambda may freeze the process right
 * after. The settlement may take what is left of the invocation, less a moment for the log line.
 */
async function close(route: RouteHandler, call: RequestContext, progress: Progress, outcome: Outcome) {
  const record = requestRecord({
    call,
    decoded: progress.decoded,
    tally: progress.tally,
    outcome,
    answeredBy: progress.answeredBy,
  });
  const budget = progress.budget;
  await budget?.settle(progress.tally.usage, progress.modelAnswered, call.remainingMs() - 100);
  // Only answers from the model count in the metrics (Requests means model requests): the model list is logged only.
  const costUsd = record.usage && usageCost(record.usage, call.config?.pricing?.[record.modelId ?? '']);
  writeRequestRecord({ ...record, budget: budget?.record, costUsd }, call.config, { metrics: route.asksModel });
}

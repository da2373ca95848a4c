/**
 * The default handler of StreamingBedrockApi. Two entry points share one bundle: `handler` (response streaming) serves
 * every streaming route, each client protocol on its own path, in one function (no extra cold starts);
 * `bufferedHandler` serves POST /buffered (classic proxy).
 *
 * The path of a streamed request (a dialect = one client protocol: decode its request, encode neutral events):
 *
 *   API Gateway event
 *     -> STREAMING_ROUTES      the route (event.resource) picks the dialect
 *     -> dialect.decode        size cap (413), content type (415), JSON + field validation (400) -> ChatRequest, and
 *                              the answer's encoder (native: Accept picks SSE (default) | NDJSON | text | JSON answer)
 *     -> reserveBudget         with token budgets: input estimate + maxTokens reserved in DynamoDB, or 429/503
 *     -> openConverseStream    Bedrock ConverseStream; resolves on its first event; SDK retries throttling here only
 *     -> converseEvents        Bedrock's events as neutral ChatEvents (block start, text, stop, usage)
 *     -> writeAnswer           the prelude (200 + headers, CORS only for allowed origins) at the first content
 *                              event; each event encoded and written as it arrives (backpressure awaited);
 *                              keep-alive bytes while the model is silent, or the idle cap for formats without any;
 *                              the deadline aborts Bedrock in time
 *        (a failure before the prelude: its real HTTP status and a JSON error body; after: the encoder's error event)
 *     -> done | error, end()
 *     -> close                 the budget settled to the real usage; one JSON log line + EMF metrics, written before
 *                              returning
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { Routes } from '../contract';
import { isContent, type ChatEvent, type ChatRequest, type Dialect, type ResponseEncoder } from './chat';
import type { HandlerConfig } from './config';
import { converseEvents, openConverseStream } from './converse';
import { converseStreamInput } from './converse-input';
import { aiSdkDialect } from './dialects/ai-sdk';
import { nativeDialect } from './dialects/native';
import { modelList, openAiDialect } from './dialects/openai';
import { Errors, errorBody } from './errors';
import { Invocation, type LambdaContext } from './invocation';
import { streamingRuntime, type ResponseStream } from './response-stream';
import { ResponseWriter, keepAlive } from './response-writer';

type StreamingRoute = (
  event: APIGatewayProxyEvent,
  responseStream: ResponseStream,
  context: LambdaContext,
) => Promise<void>;

/** What the streaming function serves, by API Gateway resource path. */
const STREAMING_ROUTES: Readonly<Record<string, StreamingRoute>> = {
  [Routes.STREAM.path]: answerWith(nativeDialect),
  [Routes.CHAT_COMPLETIONS.path]: answerWith(openAiDialect),
  [Routes.MODELS.path]: listModels,
  [Routes.AI_SDK_CHAT.path]: answerWith(aiSdkDialect),
};

function answerWith(dialect: Dialect): StreamingRoute {
  return (event, responseStream, context) => streamAnswer(dialect, event, responseStream, context);
}

/** GET /v1/models: the allowed models in OpenAI's list shape; no Bedrock call, one log line like every request. */
async function listModels(event: APIGatewayProxyEvent, responseStream: ResponseStream, context: LambdaContext) {
  const call = new Invocation(event, context, 'stream');
  const writer = new ResponseWriter(responseStream);
  try {
    const body = JSON.stringify(modelList(call.start()));
    call.record.protocol = openAiDialect.name;
    call.record.format = 'models';
    writer.commit(200, call.responseHeaders('application/json'));
    await writer.write(body);
    call.finish(200);
  } catch (err) {
    await writeFailure(call, writer, undefined, err);
  } finally {
    await writer.end(call.clientGone);
    await call.close();
  }
}

/** Streaming entry point: every route but POST /buffered. */
export const handler = streamingRuntime.streamifyResponse(
  (event: APIGatewayProxyEvent, responseStream: ResponseStream, context: LambdaContext) =>
    (STREAMING_ROUTES[event.resource] ?? answerWith(noSuchRoute))(event, responseStream, context),
);

/** A route this function does not serve (only a misrouted integration gets here): 404 in the API's error shape. */
const noSuchRoute: Dialect = {
  name: 'none',
  decode: () => {
    throw Errors.notFound();
  },
};

/** Buffered entry point (POST /buffered): the whole answer as JSON, within API Gateway's 29 s. */
export function bufferedHandler(event: APIGatewayProxyEvent, context: LambdaContext): Promise<APIGatewayProxyResult> {
  return bufferedAnswer(nativeDialect, event, context);
}

async function bufferedAnswer(
  dialect: Dialect,
  event: APIGatewayProxyEvent,
  context: LambdaContext,
): Promise<APIGatewayProxyResult> {
  const call = new Invocation(event, context, 'buffered');
  try {
    const config = call.start();
    const { request, encoder } = dialect.decode(event, config, 'buffered');
    call.onRequest(request, dialect.name, encoder.name);
    for await (const chatEvent of await modelEvents(call, request, config)) {
      call.onEvent(chatEvent);
      encoder.event(chatEvent);
    }
    call.finish(200);
    return { statusCode: 200, headers: call.responseHeaders(encoder.contentType), body: encoder.done(call.summary()) };
  } catch (err) {
    const error = call.toApiError(err);
    call.finish(error.status, error);
    const headers = { ...call.responseHeaders('application/json'), ...error.headers };
    return { statusCode: error.status, headers, body: JSON.stringify(errorBody(error, call.requestId)) };
  } finally {
    await call.close();
  }
}

async function streamAnswer(
  dialect: Dialect,
  event: APIGatewayProxyEvent,
  responseStream: ResponseStream,
  context: LambdaContext,
): Promise<void> {
  const call = new Invocation(event, context, 'stream');
  const writer = new ResponseWriter(responseStream);
  let encoder: ResponseEncoder | undefined;
  // The client went away: stop reading (and paying for) the model. Deployed Lambda gives no such signal today
  // (runtime client issue #145: the stream closes only after end()); local runners and future runtimes do.
  responseStream.once('close', () => call.abort('client_disconnected'));
  responseStream.once('error', () => call.abort('client_disconnected'));
  try {
    const config = call.start();
    const decoded = dialect.decode(event, config, 'stream');
    encoder = decoded.encoder;
    call.onRequest(decoded.request, dialect.name, encoder.name);
    const request = decoded.request;
    await writeAnswer(call, writer, encoder, await modelEvents(call, request, config), config);
    call.finish(200);
  } catch (err) {
    await writeFailure(call, writer, encoder, err);
  } finally {
    await writer.end(call.clientGone);
    await call.close();
  }
}

async function modelEvents(call: Invocation, request: ChatRequest, config: HandlerConfig) {
  await call.reserveBudget(request);
  const stream = await openConverseStream(converseStreamInput(request, config), call.signal);
  call.modelAnswered = true;
  return converseEvents(stream, call.signal);
}

/** Commits 200 at the first content event (an earlier failure keeps its real status), then streams to `done`. */
async function writeAnswer(
  call: Invocation,
  writer: ResponseWriter,
  encoder: ResponseEncoder,
  events: AsyncIterable<ChatEvent>,
  config: HandlerConfig,
): Promise<void> {
  let stopKeepAlive = () => {};
  const commit = () => {
    writer.commit(200, streamHeaders(call, encoder));
    stopKeepAlive = keepAlive(writer, encoder, config, () => call.abort('idle'));
  };
  try {
    for await (const chatEvent of events) {
      call.onEvent(chatEvent);
      if (!writer.committed && isContent(chatEvent)) {
        commit();
      }
      await writer.write(encoder.event(chatEvent));
    }
  } finally {
    stopKeepAlive();
  }
  if (!writer.committed) {
    writer.commit(200, streamHeaders(call, encoder));
  }
  await writer.write(encoder.done(call.summary()));
}

function streamHeaders(call: Invocation, encoder: ResponseEncoder): Record<string, string> {
  return {
    ...call.responseHeaders(encoder.contentType),
    ...encoder.headers,
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
  };
}

async function writeFailure(
  call: Invocation,
  writer: ResponseWriter,
  encoder: ResponseEncoder | undefined,
  err: unknown,
): Promise<void> {
  const error = call.toApiError(err);
  const body = errorBody(error, call.requestId);
  if (call.clientGone) {
    call.finish(499, error, writer.committed);
  } else if (!writer.committed || encoder === undefined) {
    // Nothing was written yet: the caller gets the real status.
    writer.commit(error.status, { ...call.responseHeaders('application/json'), ...error.headers });
    await writer.write(JSON.stringify(body));
    call.finish(error.status, error);
  } else {
    // The status is sent: end with the format's terminal error, earlier output intact.
    await writer.write(encoder.error(body));
    call.finish(200, error, true);
  }
}

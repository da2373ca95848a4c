/**
 * The default handler of StreamingBedrockApi. Two entry points share one bundle:
 * `handler` (POST /stream, response streaming) and `bufferedHandler` (POST /buffered, classic proxy).
 *
 * The path of a streamed request:
 *
 *   API Gateway event
 *     -> parseChatRequest     size cap (413), content type (415), JSON + field validation (400)
 *     -> negotiateFormat      Accept: SSE (default) | NDJSON | text | whole JSON answer
 *     -> openConverseStream   Bedrock ConverseStream; resolves on its first event; SDK retries throttling here only
 *        (any failure so far: a real HTTP status and a JSON error body)
 *     -> write the prelude    status 200 + headers (CORS only for allowed origins)
 *     -> readConverseStream   each text delta formatted and written as it arrives (backpressure awaited);
 *                             heartbeats while the model is silent; the deadline aborts Bedrock in time
 *     -> done | error event   terminal event, then end()
 *     -> writeRequestRecord   one JSON log line + EMF metrics, written before returning
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { corsResponseHeaders } from '../contract';
import { drainedOrClosed } from './backpressure';
import {
  openConverseStream,
  readConverseStream,
  StreamAborted,
  converseStreamInput,
  type StreamOutcome,
} from './bedrock';
import { loadConfig, type HandlerConfig } from './config';
import { ApiError, Errors, describeCause, errorBody } from './errors';
import { negotiateFormat, type StreamFormat, type StreamSummary } from './formats';
import { header, parseChatRequest, type ChatRequest } from './request';
import { streamingRuntime, type ResponseStream } from './response-stream';
import { writeRequestRecord, type RequestRecord } from './telemetry';

type LambdaContext = Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>;

/** Streaming entry point (POST /stream). */
export const handler = streamingRuntime.streamifyResponse(streamAnswer);

/** Buffered entry point (POST /buffered): the whole answer as JSON, within API Gateway's 29 s. */
export async function bufferedHandler(
  event: APIGatewayProxyEvent,
  context: LambdaContext,
): Promise<APIGatewayProxyResult> {
  const call = new Invocation(event, context, 'buffered');
  try {
    const config = call.start();
    const request = parseChatRequest(event, config);
    call.onRequest(request);
    const answer = await collectAnswer(call, request, config);
    return call.finishWith(200, jsonResponse(200, call.responseHeaders(config, 'application/json'), answer));
  } catch (err) {
    const error = call.toApiError(err);
    return call.finishWith(
      error.status,
      jsonResponse(
        error.status,
        { ...call.responseHeaders(call.config, 'application/json'), ...error.headers },
        errorBody(error, call.requestId),
      ),
      error,
    );
  } finally {
    call.close();
  }
}

async function streamAnswer(event: APIGatewayProxyEvent, responseStream: ResponseStream, context: LambdaContext) {
  const call = new Invocation(event, context, 'stream');
  let format: StreamFormat | undefined;
  let output: ResponseStream | undefined;
  // The client went away: stop reading (and paying for) the model.
  responseStream.once('close', () => call.abort('client_disconnected'));
  responseStream.once('error', () => call.abort('client_disconnected'));
  try {
    const config = call.start();
    const request = parseChatRequest(event, config);
    format = negotiateFormat(header(event, 'accept'));
    call.onRequest(request);
    call.record.format = format.name;
    if (format.wholeAnswer) {
      const answer = await collectAnswer(call, request, config);
      output = writePrelude(responseStream, 200, call.responseHeaders(config, format.contentType));
      await write(output, JSON.stringify(answer));
      call.finishWith(200, undefined);
      return;
    }
    const stream = await openConverseStream(converseStreamInput(request, config), call.signal);
    output = writePrelude(responseStream, 200, {
      ...call.responseHeaders(config, format.contentType),
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    });
    const heartbeat = startHeartbeat(output, format, config.heartbeatMs);
    const outcome = await readConverseStream(stream, call.signal, (text) => {
      call.onDelta(text);
      heartbeat.touch();
      return write(output!, format!.delta(text));
    }).finally(heartbeat.stop);
    call.onOutcome(outcome);
    await write(output, format.done(call.summary(outcome)));
    call.finishWith(200, undefined);
  } catch (err) {
    const error = call.toApiError(err);
    if (call.clientGone) {
      call.finishWith(499, undefined, error, output !== undefined);
    } else if (output === undefined) {
      // Nothing was written yet: the caller gets the real status.
      output = writePrelude(responseStream, error.status, {
        ...call.responseHeaders(call.config, 'application/json'),
        ...error.headers,
      });
      await write(output, JSON.stringify(errorBody(error, call.requestId)));
      call.finishWith(error.status, undefined, error);
    } else {
      // Output already started: the status is sent; end with a terminal error event, earlier output intact.
      await write(output, (format ?? negotiateFormat(undefined)).error(errorBody(error, call.requestId)));
      call.finishWith(200, undefined, error, true);
    }
  } finally {
    await endStream(output ?? responseStream, call.clientGone);
    call.close();
  }
}

/** Runs the model to the end and returns the buffered answer (JSON mode and the buffered endpoint). */
async function collectAnswer(call: Invocation, request: ChatRequest, config: HandlerConfig) {
  const stream = await openConverseStream(converseStreamInput(request, config), call.signal);
  const parts: string[] = [];
  const outcome = await readConverseStream(stream, call.signal, (text) => {
    call.onDelta(text);
    parts.push(text);
  });
  call.onOutcome(outcome);
  const summary = call.summary(outcome);
  return {
    text: parts.join(''),
    stopReason: summary.stopReason,
    usage: summary.usage,
    modelId: request.modelId,
    latencyMs: summary.latencyMs,
  };
}

/**
 * Per-invocation state: timing, the deadline, the abort controller and the log record.
 */
class Invocation {
  readonly requestId: string;
  readonly record: RequestRecord;
  config: HandlerConfig | undefined;
  clientGone = false;
  private readonly started = Date.now();
  private readonly controller = new AbortController();
  private deadlineTimer: NodeJS.Timeout | undefined;
  private answerParts: string[] | undefined;
  private firstTokenAt: number | undefined;
  private deltas = 0;

  constructor(
    private readonly event: APIGatewayProxyEvent,
    private readonly context: LambdaContext,
    endpoint: 'stream' | 'buffered',
  ) {
    this.requestId = event.requestContext?.requestId ?? context.awsRequestId;
    this.record = {
      requestId: this.requestId,
      lambdaRequestId: context.awsRequestId,
      endpoint,
      status: 0,
      outcome: 'ok',
    };
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Loads the configuration and arms the deadline: end the answer ourselves before Lambda kills the function. */
  start(): HandlerConfig {
    const remaining = this.context.getRemainingTimeInMillis();
    const margin = Math.min(2000, Math.max(200, remaining * 0.1));
    this.deadlineTimer = setTimeout(() => this.abort('deadline'), Math.max(0, remaining - margin));
    this.config = loadConfig();
    if (this.config.logContent) {
      this.answerParts = [];
    }
    return this.config;
  }

  abort(reason: StreamAborted['reason']): void {
    if (this.controller.signal.aborted || this.record.status !== 0) {
      return;
    }
    if (reason === 'client_disconnected') {
      this.clientGone = true;
    }
    this.controller.abort(new StreamAborted(reason));
  }

  /** The validated request's messages go into the log line only with logContent on. */
  onRequest(request: ChatRequest): void {
    this.record.modelId = request.modelId;
    if (this.config?.logContent) {
      this.record.prompt = request.messages;
    }
  }

  onDelta(text: string): void {
    if (this.firstTokenAt === undefined) {
      this.firstTokenAt = Date.now();
    }
    this.deltas++;
    this.answerParts?.push(text);
  }

  onOutcome(outcome: StreamOutcome): void {
    this.record.stopReason = outcome.stopReason;
    this.record.usage = outcome.usage;
    this.record.modelLatencyMs = outcome.modelLatencyMs;
    this.record.guardrailTrace = outcome.guardrailTrace;
  }

  summary(outcome: StreamOutcome): StreamSummary {
    return { stopReason: outcome.stopReason, usage: outcome.usage, latencyMs: Date.now() - this.started };
  }

  toApiError(err: unknown): ApiError {
    if (err instanceof ApiError) {
      return err;
    }
    if (err instanceof StreamAborted) {
      return err.reason === 'deadline' ? Errors.deadline() : Errors.clientDisconnected();
    }
    return Errors.internal(err);
  }

  /** Response headers: content type, request id, and CORS only when the request's Origin is allowed. */
  responseHeaders(config: HandlerConfig | undefined, contentType: string): Record<string, string> {
    const cors = config && { allowOrigins: config.corsAllowOrigins, allowCredentials: config.corsAllowCredentials };
    return {
      'Content-Type': contentType,
      'X-Request-Id': this.requestId,
      ...corsResponseHeaders(cors, header(this.event, 'origin')),
    };
  }

  finishWith<T>(status: number, result: T, error?: ApiError, afterOutput = false): T {
    this.record.status = status;
    if (error) {
      this.record.outcome = error.code;
      this.record.error = { code: error.code, afterOutput, cause: describeCause(error) };
    }
    return result;
  }

  /** Writes the log line, before the handler returns (Lambda may freeze the process right after). */
  close(): void {
    clearTimeout(this.deadlineTimer);
    const now = Date.now();
    this.record.durationMs = now - this.started;
    this.record.deltas = this.deltas;
    if (this.firstTokenAt !== undefined) {
      this.record.timeToFirstTokenMs = this.firstTokenAt - this.started;
    }
    if (this.answerParts) {
      this.record.answer = this.answerParts.join('');
    }
    writeRequestRecord(this.record, this.config);
  }
}

function writePrelude(stream: ResponseStream, statusCode: number, headers: Record<string, string>): ResponseStream {
  const output = streamingRuntime.HttpResponseStream.from(stream, { statusCode, headers });
  // The runtime sends the metadata with the first write: send it now, so the client sees the status at once.
  output.write('');
  return output;
}

/** Writes a chunk; waits for 'drain' only when the stream's buffer is full (backpressure without per-chunk cost). */
function write(stream: ResponseStream, chunk: string): void | Promise<void> {
  if (chunk === '' || stream.destroyed) {
    return;
  }
  if (!stream.write(chunk)) {
    return drainedOrClosed(stream);
  }
}

function endStream(stream: ResponseStream, clientGone: boolean): Promise<void> {
  if (clientGone || stream.destroyed || stream.writableEnded) {
    return Promise.resolve();
  }
  return new Promise((resolve) => stream.end(() => resolve()));
}

/** SSE heartbeats: a comment line when nothing was written for `intervalMs`, so idle timeouts never cut a slow answer. */
function startHeartbeat(stream: ResponseStream, format: StreamFormat, intervalMs: number) {
  let last = Date.now();
  const ping = format.heartbeat;
  const timer =
    ping === undefined
      ? undefined
      : setInterval(
          () => {
            if (Date.now() - last >= intervalMs && !stream.destroyed) {
              stream.write(ping);
              last = Date.now();
            }
          },
          Math.max(10, Math.floor(intervalMs / 4)),
        );
  return {
    touch: () => {
      last = Date.now();
    },
    stop: () => clearInterval(timer),
  };
}

function jsonResponse(statusCode: number, headers: Record<string, string>, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers, body: JSON.stringify(body) };
}

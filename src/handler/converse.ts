/**
 * Bedrock: the client, the ConverseStream request, and the stream turned into neutral ChatEvents.
 */
import * as http from 'http';
import * as https from 'https';
import {
  BedrockRuntimeClient,
  ConverseStreamCommand,
  type ConverseStreamCommandInput,
  type ConverseStreamOutput,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { ChatEvent, Usage } from './chat';
import { fromBedrockError } from './converse-errors';
import { ApiError, Errors } from './errors';

/**
 * Attempts of the initial call. The SDK retries throttling and transient errors with exponential backoff and
 * jitter, and only until the first event arrives: never after output started.
 */
const MAX_ATTEMPTS = 3;

let cached: { key: string; client: BedrockRuntimeClient } | undefined;

/**
 * One client per container, reused across invocations (the endpoint may be overridden for local runs).
 *
 * HTTP/1.1 with keep-alive instead of the SDK's default HTTP/2 handler: that handler opens an isolated HTTP/2
 * session (a new connection, and in AWS a new TLS handshake) for every event stream. Measured (npm run bench):
 * about half the per-call time and CPU, and connections reused. ConverseStream needs no HTTP/2 (boto3 only speaks
 * HTTP/1.1); only bidirectional streaming APIs do.
 */
function bedrockClient(): BedrockRuntimeClient {
  const key = `${process.env.AWS_REGION}|${process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME ?? ''}`;
  if (cached?.key !== key) {
    cached?.client.destroy();
    cached = {
      key,
      client: new BedrockRuntimeClient({
        maxAttempts: MAX_ATTEMPTS,
        requestHandler: new NodeHttpHandler({
          httpAgent: new http.Agent({ keepAlive: true }),
          httpsAgent: new https.Agent({ keepAlive: true }),
        }),
      }),
    };
  }
  return cached.client;
}

/** Why the handler stopped reading the model before it finished. */
export class StreamAborted extends Error {
  constructor(readonly reason: 'deadline' | 'client_disconnected' | 'idle') {
    super(reason);
    this.name = 'StreamAborted';
  }
}

/**
 * Opens the ConverseStream call. Resolves when Bedrock's first event arrived, so that failures to start
 * (throttling, access, validation) are still known before any byte is written to the caller.
 */
export async function openConverseStream(
  input: ConverseStreamCommandInput,
  signal: AbortSignal,
): Promise<AsyncIterable<ConverseStreamOutput>> {
  try {
    const output = await bedrockClient().send(new ConverseStreamCommand(input), { abortSignal: signal });
    if (!output.stream) {
      throw Errors.upstreamFailed();
    }
    return output.stream;
  } catch (err) {
    throw abortReasonOr(signal, err);
  }
}

/**
 * The model's events as neutral ChatEvents, as they arrive. The consumer's own work runs between the yields, so a
 * slow client slows the read instead of filling memory. Throws ApiError or StreamAborted; a stream that ends
 * without Bedrock's messageStop and metadata is a failure (`upstream_incomplete`), not an answer.
 */
export async function* converseEvents(
  stream: AsyncIterable<ConverseStreamOutput>,
  signal: AbortSignal,
): AsyncGenerator<ChatEvent> {
  const seen = { stop: false, usage: false };
  const iterator = stream[Symbol.asyncIterator]();
  for (;;) {
    const next = await nextEvent(iterator, signal);
    if (next.done) {
      break;
    }
    const event = toChatEvent(next.value);
    if (event) {
      seen.stop ||= event.type === 'stop';
      seen.usage ||= event.type === 'usage';
      yield event;
    }
  }
  // An abort may end the loop silently (it does with the HTTP/2 handler): check why it ended.
  if (signal.aborted) {
    throw abortReasonOr(signal, undefined);
  }
  if (!seen.stop || !seen.usage) {
    throw Errors.upstreamIncomplete();
  }
}

/** Only Bedrock's own failures are mapped here; the consumer's errors (between yields) stay its own. */
async function nextEvent(
  iterator: AsyncIterator<ConverseStreamOutput>,
  signal: AbortSignal,
): Promise<IteratorResult<ConverseStreamOutput>> {
  try {
    return await iterator.next();
  } catch (err) {
    throw abortReasonOr(signal, err);
  }
}

/**
 * One ConverseStream event as a ChatEvent; undefined for what the API does not use (messageStart, blockStop, reasoning
 * signatures; tool use and citations are not enabled).
 */
export function toChatEvent(event: ConverseStreamOutput): ChatEvent | undefined {
  if (event.contentBlockDelta) {
    const { delta, contentBlockIndex: index = 0 } = event.contentBlockDelta;
    if (delta?.text) {
      return { type: 'text', index, text: delta.text };
    }
    const reasoning = delta?.reasoningContent?.text;
    return reasoning ? { type: 'reasoning', index, text: reasoning } : undefined;
  }
  if (event.contentBlockStart) {
    return { type: 'blockStart', index: event.contentBlockStart.contentBlockIndex ?? 0 };
  }
  if (event.messageStop) {
    return { type: 'stop', stopReason: event.messageStop.stopReason ?? 'unknown' };
  }
  if (event.metadata) {
    return {
      type: 'usage',
      usage: toUsage(event.metadata.usage),
      modelLatencyMs: event.metadata.metrics?.latencyMs,
      guardrailTrace: event.metadata.trace?.guardrail,
    };
  }
  return undefined;
}

function toUsage(u: Partial<Usage> | undefined): Usage {
  const inputTokens = u?.inputTokens ?? 0;
  const outputTokens = u?.outputTokens ?? 0;
  return {
    inputTokens,
    outputTokens,
    totalTokens: u?.totalTokens ?? inputTokens + outputTokens,
    cacheReadInputTokens: u?.cacheReadInputTokens ?? 0,
    cacheWriteInputTokens: u?.cacheWriteInputTokens ?? 0,
  };
}

function abortReasonOr(signal: AbortSignal, err: unknown): ApiError | StreamAborted {
  if (signal.aborted && signal.reason instanceof StreamAborted) {
    return signal.reason;
  }
  return fromBedrockError(err);
}

/**
 * Bedrock's ConverseStream: the client, the call, and its stream turned into neutral ChatEvents.
 */
import * as http from 'http';
import * as https from 'https';
import {
  BedrockRuntimeClient,
  ConverseStreamCommand,
  type ContentBlockStartEvent,
  type ConverseStreamCommandInput,
  type ConverseStreamOutput,
  type ReasoningContentBlockDelta,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { fromBedrockError } from './errors';
import type { ChatEvent, Usage } from '../../chat';
import { ApiError, Errors, StreamAborted } from '../../errors';

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
    throw abortReasonOr(signal, err, { structured: asksStructuredOutput(input) });
  }
}

/** The request asks for structured output or strict tool use: Bedrock's refusal of it is told as such. */
function asksStructuredOutput(input: ConverseStreamCommandInput): boolean {
  return input.outputConfig !== undefined || (input.toolConfig?.tools ?? []).some((tool) => tool.toolSpec?.strict);
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
  const toolCalls = new ToolCalls();
  const iterator = stream[Symbol.asyncIterator]();
  for (;;) {
    const next = await nextEvent(iterator, signal);
    if (next.done) {
      break;
    }
    const toolCall = toolCalls.read(next.value);
    if (toolCall) {
      yield toolCall;
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
  if (!seen.stop || !seen.usage || toolCalls.pending) {
    throw Errors.upstreamIncomplete();
  }
}

/** Only Bedrock's own failures are mapped here; the consumer's errors (between yields) stay its own. */
export async function nextEvent(
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
 * Tool calls in progress: Bedrock streams a tool's input as pieces of JSON text. They are kept per content block and
 * parsed once, when the block stops, into one `toolUse` event; input that is not a JSON object is `tool_input_invalid`.
 */
class ToolCalls {
  private readonly open = new Map<number, { toolUseId: string; name: string; parts: string[] }>();

  get pending(): boolean {
    return this.open.size > 0;
  }

  /** Takes the tool-use parts of one Bedrock event; returns the complete call when its block stops. */
  read(event: ConverseStreamOutput): ChatEvent | undefined {
    const start = event.contentBlockStart?.start?.toolUse;
    if (start) {
      const index = event.contentBlockStart?.contentBlockIndex ?? 0;
      this.open.set(index, { toolUseId: start.toolUseId ?? '', name: start.name ?? '', parts: [] });
      return undefined;
    }
    const input = event.contentBlockDelta?.delta?.toolUse?.input;
    if (input !== undefined) {
      const call = this.open.get(event.contentBlockDelta?.contentBlockIndex ?? 0);
      if (!call) {
        throw Errors.toolInputInvalid();
      }
      call.parts.push(input);
      return undefined;
    }
    return event.contentBlockStop ? this.finish(event.contentBlockStop.contentBlockIndex ?? 0) : undefined;
  }

  private finish(index: number): ChatEvent | undefined {
    const call = this.open.get(index);
    if (!call) {
      return undefined;
    }
    this.open.delete(index);
    return { type: 'toolUse', index, toolUseId: call.toolUseId, name: call.name, input: parseToolInput(call.parts) };
  }
}

/** A tool's input: a JSON object; no input at all is an empty object (a tool without parameters). */
function parseToolInput(parts: string[]): Record<string, unknown> {
  const json = parts.join('');
  if (json.trim() === '') {
    return {};
  }
  let input: unknown;
  try {
    input = JSON.parse(json);
  } catch {
    throw Errors.toolInputInvalid();
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw Errors.toolInputInvalid();
  }
  return input as Record<string, unknown>;
}

/**
 * One ConverseStream event as a ChatEvent; undefined for what the API does not pass on (messageStart, tool input
 * pieces, which ToolCalls assembles, and citations, which are not enabled).
 */
export function toChatEvent(event: ConverseStreamOutput): ChatEvent | undefined {
  if (event.contentBlockDelta) {
    const { delta, contentBlockIndex: index = 0 } = event.contentBlockDelta;
    if (delta?.text !== undefined) {
      return delta.text ? { type: 'text', index, text: delta.text } : undefined;
    }
    return delta?.reasoningContent ? toReasoning(index, delta.reasoningContent) : undefined;
  }
  if (event.contentBlockStart) {
    return toBlockStart(event.contentBlockStart);
  }
  if (event.contentBlockStop) {
    return { type: 'blockStop', index: event.contentBlockStop.contentBlockIndex ?? 0 };
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

function toBlockStart(start: ContentBlockStartEvent): ChatEvent {
  const index = start.contentBlockIndex ?? 0;
  const toolUse = start.start?.toolUse;
  return toolUse
    ? { type: 'blockStart', index, toolUse: { toolUseId: toolUse.toolUseId ?? '', name: toolUse.name ?? '' } }
    : { type: 'blockStart', index };
}

/** Reasoning text, its signature, or redacted (encrypted) reasoning as base64: each passed so a client can return it. */
function toReasoning(index: number, delta: ReasoningContentBlockDelta): ChatEvent | undefined {
  if (delta.text) {
    return { type: 'reasoning', index, text: delta.text };
  }
  if (delta.signature) {
    return { type: 'reasoning', index, signature: delta.signature };
  }
  if (delta.redactedContent?.length) {
    return { type: 'reasoning', index, redactedContent: Buffer.from(delta.redactedContent).toString('base64') };
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

function abortReasonOr(
  signal: AbortSignal,
  err: unknown,
  request?: { readonly structured?: boolean },
): ApiError | StreamAborted {
  if (signal.aborted && signal.reason instanceof StreamAborted) {
    return signal.reason;
  }
  return fromBedrockError(err, request);
}

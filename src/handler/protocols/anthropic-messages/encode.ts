/**
 * Anthropic's Messages answer: SSE events named as Anthropic names them (`stream: true`), or one Message object.
 *
 * Stream: `message_start`, then per content block `content_block_start`, `content_block_delta` (`text_delta`,
 * `thinking_delta`, `signature_delta`, `input_json_delta`) and `content_block_stop`, then `message_delta` (stop
 * reason and usage) and `message_stop`; `ping` events while the model is silent; after the first byte a failure is an
 * `error` event. Blocks are numbered in the order they are sent. `message_start` is written with the first block, so
 * that a failure before any output keeps its real status. A tool call's input arrives whole, as one
 * `input_json_delta` (the backend parses it once, complete). Each `data:` line is one JSON encoding, so model text
 * can never forge or split an event.
 */
import { anthropicErrorType, statusOfCode } from './rules';
import type { ChatEvent, ChatSummary, ResponseEncoder, Usage } from '../../chat';
import type { ApiError, ErrorBody } from '../../errors';

/** What the answer repeats: its id and the model as the caller named it. */
export interface AnswerInfo {
  readonly id: string;
  readonly model: string;
}

/** Bedrock's stop reason as Anthropic's (a guardrail or content filter is a refusal). */
export function stopReason(reason: string): string {
  switch (reason) {
    case 'max_tokens':
    case 'stop_sequence':
    case 'tool_use':
    case 'model_context_window_exceeded':
      return reason;
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

/** Usage in Anthropic's terms: like Bedrock's, input tokens exclude the cache's reads and writes. */
export function anthropicUsage(usage: Usage) {
  return {
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    cache_creation_input_tokens: usage.cacheWriteInputTokens,
    cache_read_input_tokens: usage.cacheReadInputTokens,
  };
}

/** Anthropic's error object, from the API's (the status known before output, or the code's after it). */
export function anthropicError(body: ErrorBody, status = statusOfCode(body.error.code)) {
  return {
    type: 'error',
    error: { type: anthropicErrorType(status, body.error.code), message: body.error.message },
    request_id: body.requestId,
  };
}

/** The route's error body before the first byte (unit.ts ErrorShape). */
export const anthropicErrorShape = (error: ApiError, requestId: string) =>
  anthropicError(
    { error: { type: error.type, code: error.code, message: error.message, param: error.param }, requestId },
    error.status,
  );

const sse = (name: string, data: string) => `event: ${name}\ndata: ${data}\n\n`;

/** The message as `message_start` shows it: no content yet, usage unknown until the end. */
const messageHead = (answer: AnswerInfo) =>
  JSON.stringify({
    type: 'message_start',
    message: {
      id: answer.id,
      type: 'message',
      role: 'assistant',
      model: answer.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    },
  });

type BlockKind = 'text' | 'thinking';

/** No text block is open: Bedrock's indexes are never negative. */
const NO_TEXT_BLOCK = { bedrockIndex: -1, head: '' };

/** The SSE events: the blocks Bedrock opens by its index, renumbered in the order they are sent. */
export function sseEncoder(answer: AnswerInfo): ResponseEncoder {
  let started = false;
  let next = 0;
  const open = new Map<number, { index: number; kind: BlockKind }>();
  let text = NO_TEXT_BLOCK;
  const head = () => {
    if (started) {
      return '';
    }
    started = true;
    return sse('message_start', messageHead(answer));
  };
  const start = (block: object) =>
    head() +
    sse(
      'content_block_start',
      `{"type":"content_block_start","index":${next},"content_block":${JSON.stringify(block)}}`,
    );
  const delta = (index: number, body: string) =>
    sse('content_block_delta', `{"type":"content_block_delta","index":${index},"delta":${body}}`);
  const stop = (index: number) => sse('content_block_stop', `{"type":"content_block_stop","index":${index}}`);
  // The block Bedrock's `bedrockIndex` is in, opened as `kind` with its start event the first time.
  const inBlock = (bedrockIndex: number, kind: BlockKind): [prefix: string, index: number] => {
    const current = open.get(bedrockIndex);
    if (current) {
      return ['', current.index];
    }
    const prefix = start(
      kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' },
    );
    open.set(bedrockIndex, { index: next, kind });
    return [prefix, next++];
  };
  // A block sent whole: its start, its one delta (if any) and its stop.
  const wholeBlock = (block: object, body?: string) => {
    const index = next;
    const events = start(block) + (body === undefined ? '' : delta(index, body)) + stop(index);
    next++;
    return events;
  };
  const closeAll = () => {
    text = NO_TEXT_BLOCK;
    const events = [...open.values()].map((block) => stop(block.index)).join('');
    open.clear();
    return events;
  };
  const event = (e: ChatEvent): string => {
    switch (e.type) {
      case 'text': {
        // The hot path: the open text block's event head, made once per block; no object per delta.
        if (e.index === text.bedrockIndex) {
          return text.head + JSON.stringify(e.text) + '}}\n\n';
        }
        const [prefix, index] = inBlock(e.index, 'text');
        text = {
          bedrockIndex: e.index,
          head: `event: content_block_delta\ndata: {"type":"content_block_delta","index":${index},"delta":{"type":"text_delta","text":`,
        };
        return prefix + text.head + JSON.stringify(e.text) + '}}\n\n';
      }
      case 'reasoning':
        if (e.redactedContent !== undefined) {
          return wholeBlock({ type: 'redacted_thinking', data: e.redactedContent });
        }
        const [prefix, index] = inBlock(e.index, 'thinking');
        return (
          prefix +
          (e.text !== undefined
            ? delta(index, `{"type":"thinking_delta","thinking":${JSON.stringify(e.text)}}`)
            : delta(index, `{"type":"signature_delta","signature":${JSON.stringify(e.signature ?? '')}}`))
        );
      case 'toolUse':
        return wholeBlock(
          { type: 'tool_use', id: e.toolUseId, name: e.name, input: {} },
          JSON.stringify({ type: 'input_json_delta', partial_json: JSON.stringify(e.input) }),
        );
      case 'blockStop': {
        text = NO_TEXT_BLOCK;
        const block = open.get(e.index);
        open.delete(e.index);
        return block ? stop(block.index) : '';
      }
      default:
        return '';
    }
  };
  return {
    name: 'anthropic-sse',
    contentType: 'text/event-stream; charset=utf-8',
    keepAlive: sse('ping', '{"type":"ping"}'),
    event,
    done: (summary: ChatSummary) =>
      closeAll() +
      head() +
      sse(
        'message_delta',
        JSON.stringify({
          type: 'message_delta',
          delta: { stop_reason: stopReason(summary.stopReason), stop_sequence: null },
          usage: anthropicUsage(summary.usage),
        }),
      ) +
      sse('message_stop', '{"type":"message_stop"}'),
    error: (body) => sse('error', JSON.stringify(anthropicError(body))),
  };
}

type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown };

/**
 * Non-streaming: one Message object at the end. Keep-alive is whitespace before it (JSON ignores it); an error after
 * the status was committed is Anthropic's error object instead of the message.
 */
export function messageEncoder(answer: AnswerInfo): ResponseEncoder {
  const content: ContentBlock[] = [];
  const byIndex = new Map<number, ContentBlock>();
  const blockOf = <T extends ContentBlock>(index: number, make: () => T): T => {
    let block = byIndex.get(index);
    if (!block) {
      block = make();
      byIndex.set(index, block);
      content.push(block);
    }
    return block as T;
  };
  return {
    name: 'anthropic-json',
    contentType: 'application/json',
    keepAlive: '\n',
    event: (e) => {
      if (e.type === 'text') {
        blockOf(e.index, () => ({ type: 'text' as const, text: '' })).text += e.text;
      } else if (e.type === 'reasoning' && e.redactedContent !== undefined) {
        content.push({ type: 'redacted_thinking', data: e.redactedContent });
      } else if (e.type === 'reasoning') {
        const block = blockOf(e.index, () => ({ type: 'thinking' as const, thinking: '', signature: '' }));
        block.thinking += e.text ?? '';
        block.signature += e.signature ?? '';
      } else if (e.type === 'toolUse') {
        content.push({ type: 'tool_use', id: e.toolUseId, name: e.name, input: e.input });
      }
      return '';
    },
    done: (summary) =>
      JSON.stringify({
        id: answer.id,
        type: 'message',
        role: 'assistant',
        model: answer.model,
        content,
        stop_reason: stopReason(summary.stopReason),
        stop_sequence: null,
        usage: anthropicUsage(summary.usage),
      }),
    error: (body) => JSON.stringify(anthropicError(body)),
  };
}

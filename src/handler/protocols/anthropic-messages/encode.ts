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
  return new AnthropicSseEncoder(answer);
}

class AnthropicSseEncoder implements ResponseEncoder {
  readonly name = 'anthropic-sse';
  readonly contentType = 'text/event-stream; charset=utf-8';
  readonly keepAlive = sse('ping', '{"type":"ping"}');
  private started = false;
  /** The index the next block is sent with. */
  private next = 0;
  /** The blocks open, by Bedrock's index. */
  private readonly open = new Map<number, { index: number; kind: BlockKind }>();
  private text = NO_TEXT_BLOCK;

  constructor(private answer: AnswerInfo) {}

  answeredBy(model: string): void {
    this.answer = { ...this.answer, model };
  }

  event(e: ChatEvent): string {
    switch (e.type) {
      case 'text':
        return this.textDelta(e.index, e.text);
      case 'reasoning':
        return this.reasoning(e);
      case 'toolUse':
        return this.wholeBlock(
          { type: 'tool_use', id: e.toolUseId, name: e.name, input: {} },
          JSON.stringify({ type: 'input_json_delta', partial_json: JSON.stringify(e.input) }),
        );
      case 'blockStop':
        return this.blockStop(e.index);
      default:
        return '';
    }
  }

  done(summary: ChatSummary): string {
    const delta = {
      type: 'message_delta',
      delta: { stop_reason: stopReason(summary.stopReason), stop_sequence: null },
      usage: anthropicUsage(summary.usage),
    };
    return (
      this.closeAll() +
      this.head() +
      sse('message_delta', JSON.stringify(delta)) +
      sse('message_stop', '{"type":"message_stop"}')
    );
  }

  error(body: ErrorBody): string {
    return sse('error', JSON.stringify(anthropicError(body)));
  }

  /** The hot path: the open text block's event head, made once per block; no object per delta. */
  private textDelta(bedrockIndex: number, chunk: string): string {
    if (bedrockIndex === this.text.bedrockIndex) {
      return this.text.head + JSON.stringify(chunk) + '}}\n\n';
    }
    const [prefix, index] = this.inBlock(bedrockIndex, 'text');
    this.text = {
      bedrockIndex,
      head: `event: content_block_delta\ndata: {"type":"content_block_delta","index":${index},"delta":{"type":"text_delta","text":`,
    };
    return prefix + this.text.head + JSON.stringify(chunk) + '}}\n\n';
  }

  private reasoning(e: Extract<ChatEvent, { type: 'reasoning' }>): string {
    if (e.redactedContent !== undefined) {
      return this.wholeBlock({ type: 'redacted_thinking', data: e.redactedContent });
    }
    const [prefix, index] = this.inBlock(e.index, 'thinking');
    const body =
      e.text !== undefined
        ? `{"type":"thinking_delta","thinking":${JSON.stringify(e.text)}}`
        : `{"type":"signature_delta","signature":${JSON.stringify(e.signature ?? '')}}`;
    return prefix + this.delta(index, body);
  }

  private blockStop(bedrockIndex: number): string {
    this.text = NO_TEXT_BLOCK;
    const block = this.open.get(bedrockIndex);
    this.open.delete(bedrockIndex);
    return block ? this.stop(block.index) : '';
  }

  /** `message_start`, before the first block (or before the end of an answer without one). */
  private head(): string {
    if (this.started) {
      return '';
    }
    this.started = true;
    return sse('message_start', messageHead(this.answer));
  }

  private start(block: object): string {
    const data = `{"type":"content_block_start","index":${this.next},"content_block":${JSON.stringify(block)}}`;
    return this.head() + sse('content_block_start', data);
  }

  private delta(index: number, body: string): string {
    return sse('content_block_delta', `{"type":"content_block_delta","index":${index},"delta":${body}}`);
  }

  private stop(index: number): string {
    return sse('content_block_stop', `{"type":"content_block_stop","index":${index}}`);
  }

  /** The block Bedrock's `bedrockIndex` is in, opened as `kind` with its start event the first time. */
  private inBlock(bedrockIndex: number, kind: BlockKind): [prefix: string, index: number] {
    const current = this.open.get(bedrockIndex);
    if (current) {
      return ['', current.index];
    }
    const prefix = this.start(
      kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' },
    );
    this.open.set(bedrockIndex, { index: this.next, kind });
    return [prefix, this.next++];
  }

  /** A block sent whole: its start, its one delta (if any) and its stop. */
  private wholeBlock(block: object, body?: string): string {
    const index = this.next;
    const events = this.start(block) + (body === undefined ? '' : this.delta(index, body)) + this.stop(index);
    this.next++;
    return events;
  }

  private closeAll(): string {
    this.text = NO_TEXT_BLOCK;
    const events = [...this.open.values()].map((block) => this.stop(block.index)).join('');
    this.open.clear();
    return events;
  }
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
  let model = answer.model;
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
    answeredBy: (answering) => {
      model = answering;
    },
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
        model,
        content,
        stop_reason: stopReason(summary.stopReason),
        stop_sequence: null,
        usage: anthropicUsage(summary.usage),
      }),
    error: (body) => JSON.stringify(anthropicError(body)),
  };
}

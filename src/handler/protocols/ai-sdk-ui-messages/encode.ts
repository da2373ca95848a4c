/**
 * The AI SDK UI message stream (`POST /chat`, what `useChat`'s DefaultChatTransport reads): SSE `data: {json}`
 * chunks, `start` .. `finish`, then `data: [DONE]`. Text and reasoning are framed per Bedrock content block
 * (start, deltas, end, with ids from the block index); the reasoning signature (or redacted reasoning) rides on
 * `reasoning-end` as `providerMetadata.bedrock`, which the client keeps and sends back on the next turn.
 */
import type { ChatEvent, ChatSummary, ResponseEncoder } from '../../chat';
import type { ErrorBody } from '../../errors';

/** Bedrock's stop reasons as the AI SDK's finish reasons. */
const FINISH_REASONS: Readonly<Record<string, string>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool-calls',
  guardrail_intervened: 'content-filter',
  content_filtered: 'content-filter',
};

export function finishReason(stopReason: string): string {
  return FINISH_REASONS[stopReason] ?? 'other';
}

const chunk = (value: object) => `data: ${JSON.stringify(value)}\n\n`;
const DONE = 'data: [DONE]\n\n';

/**
 * A text or reasoning delta, built from the encoded string directly: no object per delta on the hot path. (Block ids
 * are `t<index>` / `r<index>`: nothing in them needs escaping.)
 */
const delta = (kind: Kind, id: string, text: string) =>
  `data: {"type":"${kind}-delta","id":"${id}","delta":${JSON.stringify(text)}}\n\n`;

type Kind = 'text' | 'reasoning';
interface OpenBlock {
  readonly kind: Kind;
  readonly id: string;
  providerMetadata?: { bedrock: Record<string, string> };
}

/**
 * The chunks of one answer. Text and reasoning blocks open at their first delta (Bedrock sends no block start for
 * them) and close at their block stop; every delta follows its start and precedes its end, as the client requires.
 */
class UiMessageStream {
  private readonly blocks = new Map<number, OpenBlock>();
  private started = false;

  constructor(
    private readonly messageId: string,
    private modelId: string,
  ) {}

  /** Another model answers (a fallback): the start chunk's metadata names it. */
  answeredBy(modelId: string): void {
    this.modelId = modelId;
  }

  /** The message starts with its first content chunk: an event that writes nothing (an empty block) starts nothing. */
  event(event: ChatEvent): string {
    const content = this.content(event);
    return content === '' ? '' : this.preamble() + content;
  }

  done(summary: ChatSummary): string {
    const closing = [...this.blocks.keys()].map((index) => this.close(index)).join('');
    const finish = {
      type: 'finish',
      finishReason: finishReason(summary.stopReason),
      messageMetadata: { usage: summary.usage },
    };
    return this.preamble() + closing + chunk({ type: 'finish-step' }) + chunk(finish) + DONE;
  }

  private preamble(): string {
    if (this.started) {
      return '';
    }
    this.started = true;
    const start = { type: 'start', messageId: this.messageId, messageMetadata: { modelId: this.modelId } };
    return chunk(start) + chunk({ type: 'start-step' });
  }

  private content(event: ChatEvent): string {
    switch (event.type) {
      case 'blockStart':
        return event.toolUse
          ? chunk({ type: 'tool-input-start', toolCallId: event.toolUse.toolUseId, toolName: event.toolUse.name })
          : '';
      case 'text':
        return this.open('text', event.index) + delta('text', this.id(event.index), event.text);
      case 'reasoning':
        return this.reasoning(event);
      case 'toolUse':
        return this.toolUse(event);
      case 'blockStop':
        return this.close(event.index);
      default:
        return '';
    }
  }

  /** A reasoning chunk as a delta; the signature or redacted data waits for the block's end. */
  private reasoning(event: Extract<ChatEvent, { type: 'reasoning' }>): string {
    const start = this.open('reasoning', event.index);
    if (event.text !== undefined) {
      return start + delta('reasoning', this.id(event.index), event.text);
    }
    this.blocks.get(event.index)!.providerMetadata =
      event.signature !== undefined
        ? { bedrock: { signature: event.signature } }
        : { bedrock: { redactedData: event.redactedContent ?? '' } };
    return start;
  }

  /** A complete tool call: its input JSON as one delta, then the parsed input. */
  private toolUse(event: Extract<ChatEvent, { type: 'toolUse' }>): string {
    const { toolUseId: toolCallId, name: toolName, input } = event;
    return (
      chunk({ type: 'tool-input-delta', toolCallId, inputTextDelta: JSON.stringify(input) }) +
      chunk({ type: 'tool-input-available', toolCallId, toolName, input })
    );
  }

  private open(kind: Kind, index: number): string {
    if (this.blocks.has(index)) {
      return '';
    }
    const id = `${kind === 'text' ? 't' : 'r'}${index}`;
    this.blocks.set(index, { kind, id });
    return chunk({ type: `${kind}-start`, id });
  }

  private id(index: number): string {
    return this.blocks.get(index)!.id;
  }

  private close(index: number): string {
    const block = this.blocks.get(index);
    if (!block) {
      return '';
    }
    this.blocks.delete(index);
    const { kind, id, providerMetadata } = block;
    return chunk({ type: `${kind}-end`, id, ...(providerMetadata && { providerMetadata }) });
  }
}

export function uiMessageStreamEncoder(messageId: string, modelId: string): ResponseEncoder {
  const stream = new UiMessageStream(messageId, modelId);
  return {
    name: 'ai-sdk',
    contentType: 'text/event-stream; charset=utf-8',
    keepAlive: ': ping\n\n',
    headers: { 'x-vercel-ai-ui-message-stream': 'v1' },
    answeredBy: (answering) => stream.answeredBy(answering),
    event: (event) => stream.event(event),
    done: (summary) => stream.done(summary),
    error: (body: ErrorBody) => chunk({ type: 'error', errorText: body.error.message }) + DONE,
  };
}

/**
 * The AI SDK UI message stream (`POST /chat`, what `useChat`'s DefaultChatTransport reads): SSE `data: {json}`
 * chunks, `start` .. `finish`, then `data: [DONE]`. Text and reasoning are framed per Bedrock content block
 * (start, deltas, end, with ids from the block index); the reasoning signature (or redacted reasoning) rides on
 * `reasoning-end` as `providerMetadata.bedrock`, which the client keeps and sends back on the next turn.
 */
import { randomUUID } from 'crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { publicModelId, type ChatEvent, type ChatSummary, type Dialect, type ResponseEncoder } from '../chat';
import type { HandlerConfig } from '../config';
import type { ErrorBody } from '../errors';
import { readJsonBody } from '../http-request';
import { decodeAiSdkRequest } from './ai-sdk-request';

export const aiSdkDialect: Dialect = {
  name: 'ai-sdk',
  decode: (event: APIGatewayProxyEvent, config: HandlerConfig) => {
    const { request, continuesMessageId } = decodeAiSdkRequest(readJsonBody(event, config.maxRequestBytes), config);
    const messageId = continuesMessageId ?? `msg_${randomUUID().replace(/-/g, '')}`;
    return { request, encoder: uiMessageStreamEncoder(messageId, publicModelId(request.modelId)) };
  },
};

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

type Kind = 'text' | 'reasoning';
interface OpenBlock {
  readonly kind: Kind;
  readonly id: string;
  providerMetadata?: { bedrock: Record<string, string> };
}

/**
 * The encoder of one answer. Text and reasoning blocks open at their first delta (Bedrock sends no block start for
 * them) and close at their block stop; every delta follows its start and precedes its end, as the client requires.
 */
export function uiMessageStreamEncoder(messageId: string, modelId: string): ResponseEncoder {
  const blocks = new Map<number, OpenBlock>();
  let started = false;
  const preamble = () => {
    if (started) {
      return '';
    }
    started = true;
    return chunk({ type: 'start', messageId, messageMetadata: { modelId } }) + chunk({ type: 'start-step' });
  };
  const open = (kind: Kind, index: number): string => {
    if (blocks.has(index)) {
      return '';
    }
    const id = `${kind === 'text' ? 't' : 'r'}${index}`;
    blocks.set(index, { kind, id });
    return chunk({ type: `${kind}-start`, id });
  };
  const close = (index: number): string => {
    const block = blocks.get(index);
    if (!block) {
      return '';
    }
    blocks.delete(index);
    const providerMetadata = block.providerMetadata;
    return chunk({ type: `${block.kind}-end`, id: block.id, ...(providerMetadata && { providerMetadata }) });
  };
  const reasoning = (event: Extract<ChatEvent, { type: 'reasoning' }>): string => {
    const start = open('reasoning', event.index);
    const block = blocks.get(event.index)!;
    if (event.text !== undefined) {
      return start + chunk({ type: 'reasoning-delta', id: block.id, delta: event.text });
    }
    block.providerMetadata =
      event.signature !== undefined
        ? { bedrock: { signature: event.signature } }
        : { bedrock: { redactedData: event.redactedContent ?? '' } };
    return start;
  };
  const content = (event: ChatEvent): string => {
    switch (event.type) {
      case 'blockStart':
        return event.toolUse
          ? chunk({ type: 'tool-input-start', toolCallId: event.toolUse.toolUseId, toolName: event.toolUse.name })
          : '';
      case 'text':
        return (
          open('text', event.index) + chunk({ type: 'text-delta', id: blocks.get(event.index)!.id, delta: event.text })
        );
      case 'reasoning':
        return reasoning(event);
      case 'toolUse':
        return (
          chunk({
            type: 'tool-input-delta',
            toolCallId: event.toolUseId,
            inputTextDelta: JSON.stringify(event.input),
          }) +
          chunk({ type: 'tool-input-available', toolCallId: event.toolUseId, toolName: event.name, input: event.input })
        );
      case 'blockStop':
        return close(event.index);
      default:
        return '';
    }
  };
  return {
    name: 'ai-sdk',
    contentType: 'text/event-stream; charset=utf-8',
    keepAlive: ': ping\n\n',
    headers: { 'x-vercel-ai-ui-message-stream': 'v1' },
    event: (event) => {
      if (event.type === 'stop' || event.type === 'usage') {
        return '';
      }
      return preamble() + content(event);
    },
    done: (summary: ChatSummary) =>
      preamble() +
      [...blocks.keys()].map(close).join('') +
      chunk({ type: 'finish-step' }) +
      chunk({
        type: 'finish',
        finishReason: finishReason(summary.stopReason),
        messageMetadata: { usage: summary.usage },
      }) +
      DONE,
    error: (body: ErrorBody) => chunk({ type: 'error', errorText: body.error.message }) + DONE,
  };
}

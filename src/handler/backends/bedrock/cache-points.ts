/**
 * Conversation caching (with `promptCaching`): besides the points after the system prompt and the tools, two cache
 * points in the conversation, so that a multi-turn conversation or a coding agent's loop pays for its history once.
 * - at the end of the conversation (after the newest user turn): it writes the whole prompt for the next turn;
 * - at the end of the previous request's conversation (the user turn before the latest assistant turn): it reads
 *   exactly what the previous turn wrote there.
 * Within Bedrock's 4 points in all (the write point first, it also reads by Claude's look-back), never doubling a
 * point the caller placed, and skipping a point whose part of the prompt since the previous point is estimated below
 * the model's minimum (Bedrock would not cache it).
 */
import type { ContentBlock, ConverseStreamCommandInput, Message } from '@aws-sdk/client-bedrock-runtime';
import type { ChatContentBlock } from '../../chat';
import { estimateTextTokens, TOKENS_PER_ATTACHMENT, TOKENS_PER_MESSAGE } from '../../token-estimate';

const CACHE_POINT = { cachePoint: { type: 'default' } } as const;

/**
 * The smallest prefix a cache point caches, by model (Bedrock's prompt caching table): Claude Opus 4.5+ and Haiku
 * 4.5 4,096 tokens, Claude 3.5 Haiku 2,048, Nova 1,000, other Claude models 1,024.
 */
export function minimumCachedTokens(modelId: string): number {
  if (/claude-(opus-4-[5-9]|opus-[5-9]|haiku-4-5)/.test(modelId)) {
    return 4096;
  }
  if (modelId.includes('claude-3-5-haiku')) {
    return 2048;
  }
  return modelId.includes('amazon.nova') ? 1000 : 1024;
}

/** Adds the conversation's cache points to `input` (whose other points are already placed), within `limit`. */
export function placeConversationCachePoints(
  input: ConverseStreamCommandInput,
  context: { readonly modelId: string; readonly limit: number },
): void {
  const messages = input.messages ?? [];
  const placed = countCachePoints(input);
  const candidates = [messages.length - 1, messages.length - 3].filter((index) => index >= 0);
  const chosen = candidates
    .filter((index) => !endsWithCachePoint(messages[index]))
    .slice(0, Math.max(0, context.limit - placed))
    .sort((a, b) => a - b);
  const minimum = minimumCachedTokens(context.modelId);
  let since = uncachedPrefixTokens(input);
  let from = 0;
  for (const index of chosen) {
    since += messageTokens(messages.slice(from, index + 1));
    from = index + 1;
    if (since >= minimum) {
      messages[index] = { ...messages[index], content: [...(messages[index].content ?? []), CACHE_POINT] };
      since = 0;
    }
  }
}

function countCachePoints(input: ConverseStreamCommandInput): number {
  const lists: Array<Array<{ cachePoint?: unknown }>> = [
    input.toolConfig?.tools ?? [],
    input.system ?? [],
    ...(input.messages ?? []).map((message) => message.content ?? []),
  ];
  return lists.reduce((sum, list) => sum + list.filter((block) => block.cachePoint).length, 0);
}

function endsWithCachePoint(message: Message): boolean {
  const content = message.content ?? [];
  return content.length > 0 && content[content.length - 1].cachePoint !== undefined;
}

/** The system prompt and tools after their last cache point (all of them without one): no point covers them yet. */
function uncachedPrefixTokens(input: ConverseStreamCommandInput): number {
  const parts: Array<{ cachePoint?: unknown; text?: unknown }> = [
    ...(input.toolConfig?.tools ?? []),
    ...(input.system ?? []),
  ];
  const last = parts.map((part) => part.cachePoint !== undefined).lastIndexOf(true);
  return parts
    .slice(last + 1)
    .reduce(
      (sum, part) => sum + estimateTextTokens(typeof part.text === 'string' ? part.text : JSON.stringify(part)),
      0,
    );
}

function messageTokens(messages: Message[]): number {
  return messages.reduce(
    (sum, message) =>
      sum +
      TOKENS_PER_MESSAGE +
      (message.content ?? []).reduce(
        (inner, block) => inner + blockTokens(block as ChatContentBlock | ContentBlock),
        0,
      ),
    0,
  );
}

/** A block's text as the model reads it (attachments at the estimate's flat rate). */
function blockTokens(block: ChatContentBlock | ContentBlock): number {
  const record = block as Record<string, unknown>;
  if (typeof record.text === 'string') {
    return estimateTextTokens(record.text);
  }
  if (record.image !== undefined || record.document !== undefined) {
    return TOKENS_PER_ATTACHMENT;
  }
  if (record.cachePoint !== undefined) {
    return 0;
  }
  return estimateTextTokens(JSON.stringify(record, (_key, value) => (value instanceof Uint8Array ? '' : value)));
}

/**
 * Rules across the blocks of a conversation: attachment counts, documents with text, tool results answering the
 * previous tool calls, tool blocks only with tool definitions.
 */
import type { ChatContentBlock, ChatMessage } from '../chat';
import { invalidRequest } from '../errors';
import { RequestLimits } from './limits';

/** Places a protocol gives to conversation-level errors: a block, or one of its fields. */
export type BlockPath = (message: number, block: number, field?: string) => string;

/** Rules across blocks: attachment counts, documents with text, tool results answering the previous tool calls. */
export function checkConversation(messages: readonly ChatMessage[], path: BlockPath, hasTools: boolean): void {
  checkAttachmentCounts(messages, path);
  messages.forEach((message, i) => {
    checkDocumentsHaveText(message, (j) => path(i, j));
    checkToolResults(message, messages[i - 1], (j) => path(i, j, 'toolResult.toolUseId'));
  });
  if (!hasTools) {
    checkNoToolBlocks(messages, path);
  }
}

function forEachBlock(messages: readonly ChatMessage[], fn: (block: ChatContentBlock, i: number, j: number) => void) {
  messages.forEach((message, i) => message.content.forEach((block, j) => fn(block, i, j)));
}

function checkAttachmentCounts(messages: readonly ChatMessage[], path: BlockPath): void {
  const { MAX_IMAGES, MAX_DOCUMENTS } = RequestLimits;
  let images = 0;
  let documents = 0;
  forEachBlock(messages, (block, i, j) => {
    if ('image' in block && ++images > MAX_IMAGES) {
      throw invalidRequest('invalid_value', `A request may carry at most ${MAX_IMAGES} images.`, path(i, j));
    }
    if ('document' in block && ++documents > MAX_DOCUMENTS) {
      throw invalidRequest('invalid_value', `A request may carry at most ${MAX_DOCUMENTS} documents.`, path(i, j));
    }
  });
}

function checkDocumentsHaveText(message: ChatMessage, path: (block: number) => string): void {
  const document = message.content.findIndex((block) => 'document' in block);
  if (document >= 0 && !message.content.some((block) => 'text' in block)) {
    throw invalidRequest(
      'invalid_value',
      'A message with a document needs a text block too (the model requires one beside documents).',
      path(document),
    );
  }
}

function checkToolResults(message: ChatMessage, previous: ChatMessage | undefined, path: (block: number) => string) {
  const calls = new Set(previous?.content.flatMap((block) => ('toolUse' in block ? [block.toolUse.toolUseId] : [])));
  message.content.forEach((block, j) => {
    if ('toolResult' in block && !calls.has(block.toolResult.toolUseId)) {
      throw invalidRequest(
        'invalid_value',
        'A tool result must answer a tool call (toolUseId) of the previous assistant message.',
        path(j),
      );
    }
  });
}

function checkNoToolBlocks(messages: readonly ChatMessage[], path: BlockPath): void {
  forEachBlock(messages, (block, i, j) => {
    if ('toolUse' in block || 'toolResult' in block) {
      throw invalidRequest(
        'missing_field',
        'A conversation with tool calls or tool results needs the tool definitions: send tools.',
        path(i, j),
      );
    }
  });
}

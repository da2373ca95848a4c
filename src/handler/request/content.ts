/**
 * Content blocks in Converse's shapes, whatever the protocol: which role may carry which block, attachments (only
 * inline bytes, strict base64, Bedrock's caps) and the tool and reasoning blocks a conversation sends back.
 */
import type { ChatContentBlock, ChatMessage, DocumentFormat, ImageFormat } from '../chat';
import { ApiError, invalidRequest } from '../errors';
import {
  boundedArray,
  fields,
  identifier,
  jsonObject,
  nonBlankText,
  nonEmptyString,
  oneOf,
  record,
} from './json-shape';
import { RequestLimits } from './limits';
import { checkMagicBytes } from './magic-bytes';
import { toolsDisabled } from './tools';

const IMAGE_FORMATS: readonly ImageFormat[] = ['png', 'jpeg', 'gif', 'webp'];
const DOCUMENT_FORMATS: readonly DocumentFormat[] = ['pdf', 'csv', 'doc', 'docx', 'xls', 'xlsx', 'html', 'txt', 'md'];

/** Bedrock's document names: letters, digits, hyphens, parentheses, square brackets and single spaces. */
const DOCUMENT_NAME = /^(?=.*[^ ])(?!.* {2})[A-Za-z0-9 ()[\]-]+$/;

type Role = ChatMessage['role'];
type BlockKind = 'text' | 'image' | 'document' | 'toolUse' | 'toolResult' | 'reasoningContent';

/** Which message role may carry which block. */
const BLOCK_ROLES: Readonly<Record<BlockKind, readonly Role[]>> = {
  text: ['user', 'assistant'],
  image: ['user'],
  document: ['user'],
  toolUse: ['assistant'],
  toolResult: ['user'],
  reasoningContent: ['assistant'],
};
const BLOCK_KINDS = Object.keys(BLOCK_ROLES) as BlockKind[];

/** Where a block sits: its role, and whether this API accepts client tools. */
export interface BlockContext {
  readonly role: Role;
  readonly clientTools: boolean;
}

/** One content block in Converse's shape, with its bytes decoded. */
export function contentBlock(value: unknown, param: string, context: BlockContext): ChatContentBlock {
  const kind = blockKind(value, param);
  if (!context.clientTools && (kind === 'toolUse' || kind === 'toolResult')) {
    throw toolsDisabled(param);
  }
  const roles = BLOCK_ROLES[kind];
  if (!roles.includes(context.role)) {
    throw invalidRequest('invalid_value', `${kind} blocks are accepted only in ${roles[0]} messages.`, param);
  }
  return BLOCK_READERS[kind]((value as Record<string, unknown>)[kind], `${param}.${kind}`);
}

function blockKind(value: unknown, param: string): BlockKind {
  const keys = Object.keys(record(value, param));
  if (keys.length === 1 && keys[0] === 'cachePoint') {
    throw invalidRequest(
      'unknown_field',
      'Cache points are placed by the API (prompt caching), not by callers.',
      param,
    );
  }
  if (keys.length !== 1 || !BLOCK_KINDS.includes(keys[0] as BlockKind)) {
    throw invalidRequest(
      'unknown_field',
      `A content block must have exactly one of the keys ${BLOCK_KINDS.join(', ')}.`,
      param,
    );
  }
  return keys[0] as BlockKind;
}

const BLOCK_READERS: Record<BlockKind, (value: unknown, param: string) => ChatContentBlock> = {
  text: (value, param) => ({ text: nonBlankText(value, param) }),
  image: (value, param) => ({ image: imageBlock(value, param) }),
  document: (value, param) => ({ document: documentBlock(value, param) }),
  toolUse: (value, param) => ({ toolUse: toolUseBlock(value, param) }),
  toolResult: (value, param) => ({ toolResult: toolResultBlock(value, param) }),
  reasoningContent: (value, param) => ({ reasoningContent: reasoningBlock(value, param) }),
};

function imageBlock(value: unknown, param: string) {
  const image = fields(value, param, ['format', 'source']);
  return {
    format: oneOf(image.format, IMAGE_FORMATS, `${param}.format`),
    source: {
      bytes: checkMagicBytes(
        image.format as ImageFormat,
        inlineBytes(image.source, `${param}.source`, RequestLimits.MAX_IMAGE_BYTES),
        `${param}.source.bytes`,
      ),
    },
  };
}

function documentBlock(value: unknown, param: string) {
  const document = fields(value, param, ['format', 'name', 'source']);
  return {
    format: oneOf(document.format, DOCUMENT_FORMATS, `${param}.format`),
    name: documentName(document.name, `${param}.name`),
    source: {
      bytes: checkMagicBytes(
        document.format as DocumentFormat,
        inlineBytes(document.source, `${param}.source`, RequestLimits.MAX_DOCUMENT_BYTES),
        `${param}.source.bytes`,
      ),
    },
  };
}

function documentName(value: unknown, param: string): string {
  const max = RequestLimits.MAX_DOCUMENT_NAME_LENGTH;
  if (typeof value !== 'string' || value.length > max || !DOCUMENT_NAME.test(value)) {
    throw invalidRequest(
      'invalid_value',
      `${param} must be 1 to ${max} letters, digits, hyphens, parentheses, square brackets and single spaces ` +
        '(no dots: leave the file extension out).',
      param,
    );
  }
  return value;
}

/** Only inline bytes: nothing is ever fetched on a caller's behalf. */
function inlineBytes(value: unknown, param: string, maxBytes: number): Uint8Array {
  const source = record(value, param);
  if (Object.keys(source).some((key) => key !== 'bytes')) {
    throw invalidRequest(
      'unsupported_source',
      `${param} accepts only inline bytes ({"bytes": "<base64>"}): S3 locations, URLs and other sources are not fetched.`,
      param,
    );
  }
  return decodeBase64(source.bytes, `${param}.bytes`, maxBytes);
}

/**
 * Strict base64 (standard alphabet, `=` padding, no whitespace, no URL-safe letters), decoded. The length is checked
 * before decoding, so an oversized value is never decoded.
 */
export function decodeBase64(value: unknown, param: string, maxBytes: number): Uint8Array {
  if (typeof value !== 'string') {
    throw invalidRequest('invalid_type', `${param} must be a base64 string.`, param);
  }
  if (value.length > Math.ceil(maxBytes / 3) * 4) {
    throw tooLarge(param, maxBytes);
  }
  const bytes = Buffer.from(value, 'base64');
  // Node skips characters outside the alphabet and accepts missing padding: canonical base64 encodes back to itself.
  if (bytes.length === 0 || bytes.toString('base64') !== value) {
    throw invalidRequest(
      'invalid_base64',
      `${param} must be non-empty standard base64 (A-Z, a-z, 0-9, +, / with = padding, no whitespace).`,
      param,
    );
  }
  if (bytes.length > maxBytes) {
    throw tooLarge(param, maxBytes);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

function tooLarge(param: string, maxBytes: number): ApiError {
  return invalidRequest('invalid_value', `${param} must decode to at most ${maxBytes} bytes.`, param);
}

function toolUseBlock(value: unknown, param: string) {
  const toolUse = fields(value, param, ['toolUseId', 'name', 'input']);
  return {
    toolUseId: identifier(toolUse.toolUseId, `${param}.toolUseId`),
    name: identifier(toolUse.name, `${param}.name`),
    input: jsonObject(toolUse.input, `${param}.input`),
  };
}

function toolResultBlock(value: unknown, param: string) {
  const toolResult = fields(value, param, ['toolUseId', 'content', 'status']);
  return {
    toolUseId: identifier(toolResult.toolUseId, `${param}.toolUseId`),
    content: boundedArray(toolResult.content, `${param}.content`, RequestLimits.MAX_CONTENT_BLOCKS).map((item, i) =>
      toolResultItem(item, `${param}.content[${i}]`),
    ),
    status:
      toolResult.status === undefined ? undefined : oneOf(toolResult.status, ['success', 'error'], `${param}.status`),
  };
}

function toolResultItem(value: unknown, param: string): { text: string } | { json: unknown } {
  const keys = Object.keys(record(value, param));
  if (keys.length === 1 && keys[0] === 'text') {
    return { text: nonBlankText((value as { text: unknown }).text, `${param}.text`) };
  }
  if (keys.length === 1 && keys[0] === 'json') {
    return { json: jsonObject((value as { json: unknown }).json, `${param}.json`) };
  }
  throw invalidRequest('unknown_field', 'A tool result item must be {"text": "..."} or {"json": {...}}.', param);
}

function reasoningBlock(value: unknown, param: string) {
  const keys = Object.keys(record(value, param));
  const reasoning = value as Record<string, unknown>;
  if (keys.length === 1 && keys[0] === 'redactedContent') {
    // Bounded by the body cap: the model's encrypted reasoning, sent back unchanged.
    return { redactedContent: decodeBase64(reasoning.redactedContent, `${param}.redactedContent`, Infinity) };
  }
  if (keys.length !== 1 || keys[0] !== 'reasoningText') {
    throw invalidRequest('unknown_field', `${param} must have exactly one of reasoningText or redactedContent.`, param);
  }
  const text = fields(reasoning.reasoningText, `${param}.reasoningText`, ['text', 'signature']);
  return {
    reasoningText: {
      text: nonEmptyString(text.text, `${param}.reasoningText.text`),
      signature:
        text.signature === undefined ? undefined : nonEmptyString(text.signature, `${param}.reasoningText.signature`),
    },
  };
}

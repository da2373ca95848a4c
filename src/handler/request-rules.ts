/**
 * What a caller may send, whatever the protocol: content blocks in Converse's shapes, tools and tool choice, the
 * attachment caps and strict base64. A dialect passes `param`, the caller's own path to the value; every rule throws
 * a 400 ApiError naming it and never quoting the value.
 */
import type { ChatContentBlock, ChatMessage, ChatTool, ChatToolChoice, DocumentFormat, ImageFormat } from './chat';
import type { HandlerConfig } from './config';
import { ApiError, invalidRequest } from './errors';
import { checkMagicBytes } from './request/magic-bytes';

/** The caps on a request. Attachment and tool caps are Bedrock's own, so a request we accept is not refused there. */
export const RequestLimits = {
  MAX_MESSAGES: 100,
  /** Blocks in one message: room for 20 images, a question beside them, or a reply to many parallel tool calls. */
  MAX_CONTENT_BLOCKS: 32,
  MAX_STOP_SEQUENCES: 4,
  MAX_STOP_SEQUENCE_LENGTH: 100,
  /** Images per request (Bedrock: 20). */
  MAX_IMAGES: 20,
  /** Decoded bytes of one image (Bedrock: 3.75 MB). */
  MAX_IMAGE_BYTES: 3_750_000,
  /** Documents per request (Bedrock: 5). */
  MAX_DOCUMENTS: 5,
  /** Decoded bytes of one document (Bedrock: 4.5 MB). */
  MAX_DOCUMENT_BYTES: 4_500_000,
  MAX_DOCUMENT_NAME_LENGTH: 200,
  MAX_TOOLS: 64,
  MAX_TOOL_DESCRIPTION_LENGTH: 4096,
  /** A tool's inputSchema, serialized as JSON. */
  MAX_TOOL_SCHEMA_BYTES: 16 * 1024,
} as const;

export const IMAGE_FORMATS: readonly ImageFormat[] = ['png', 'jpeg', 'gif', 'webp'];
export const DOCUMENT_FORMATS: readonly DocumentFormat[] = [
  'pdf',
  'csv',
  'doc',
  'docx',
  'xls',
  'xlsx',
  'html',
  'txt',
  'md',
];

/** Bedrock's pattern for tool names, which tool calls and results repeat; tool use ids follow it too. */
const IDENTIFIER = /^[a-zA-Z0-9_-]{1,64}$/;
/** Bedrock's document names: letters, digits, hyphens, parentheses, square brackets and single spaces. */
const DOCUMENT_NAME = /^(?=.*[^ ])(?!.* {2})[A-Za-z0-9 ()[\]-]+$/;

type Role = ChatMessage['role'];
export type BlockKind = 'text' | 'image' | 'document' | 'toolUse' | 'toolResult' | 'reasoningContent';

/** Which message role may carry which block. */
export const BLOCK_ROLES: Readonly<Record<BlockKind, readonly Role[]>> = {
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

export function toolsDisabled(param: string): ApiError {
  return invalidRequest(
    'tools_disabled',
    'Tool use is turned off for this API: tools, tool choice, tool calls and tool results are not accepted.',
    param,
  );
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

/** Places a dialect gives to conversation-level errors: a block, or one of its fields. */
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

/** Tool definitions: unique names of Bedrock's pattern, an optional description, a JSON-schema object. */
export function validateTools(value: unknown, param: string): ChatTool[] | undefined {
  if (value === undefined) {
    return undefined;
  }
  const tools = boundedArray(value, param, RequestLimits.MAX_TOOLS).map((tool, i) =>
    toolDefinition(tool, `${param}[${i}]`),
  );
  const names = new Set<string>();
  tools.forEach((tool, i) => {
    if (names.has(tool.name)) {
      throw invalidRequest('invalid_value', 'Tool names must be unique.', `${param}[${i}].name`);
    }
    names.add(tool.name);
  });
  return tools;
}

function toolDefinition(value: unknown, param: string): ChatTool {
  const tool = fields(value, param, ['name', 'description', 'inputSchema']);
  return {
    name: identifier(tool.name, `${param}.name`),
    description: tool.description === undefined ? undefined : toolDescription(tool.description, `${param}.description`),
    inputSchema: toolSchema(tool.inputSchema, `${param}.inputSchema`),
  };
}

function toolDescription(value: unknown, param: string): string {
  const max = RequestLimits.MAX_TOOL_DESCRIPTION_LENGTH;
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
    throw invalidRequest('invalid_value', `${param} must be a non-blank string of at most ${max} characters.`, param);
  }
  return value;
}

function toolSchema(value: unknown, param: string): Record<string, unknown> {
  const schema = jsonObject(value, param);
  const max = RequestLimits.MAX_TOOL_SCHEMA_BYTES;
  if (Buffer.byteLength(JSON.stringify(schema), 'utf8') > max) {
    throw invalidRequest('invalid_value', `${param} must be at most ${max} bytes as JSON.`, param);
  }
  return schema;
}

/** `auto`, `any`, or `{tool: name}` of a defined tool. */
export function validateToolChoice(
  value: unknown,
  tools: readonly ChatTool[] | undefined,
  param: string,
): ChatToolChoice | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (tools === undefined) {
    throw invalidRequest('missing_field', `${param} needs tool definitions: send tools too.`, param);
  }
  if (value === 'auto' || value === 'any') {
    return value;
  }
  const keys = typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
  if (keys.length !== 1 || keys[0] !== 'tool') {
    throw invalidRequest('invalid_value', `${param} must be "auto", "any" or {"tool": "<tool name>"}.`, param);
  }
  const name = (value as { tool: unknown }).tool;
  if (typeof name !== 'string' || !tools.some((tool) => tool.name === name)) {
    throw invalidRequest('invalid_value', `${param}.tool must name one of the tools.`, `${param}.tool`);
  }
  return { tool: name };
}

/** The caller's names for the parameters that reasoning (Claude's extended thinking) rules out. */
export interface ThinkingParams {
  readonly maxTokens: string;
  readonly temperature: string;
  readonly topP: string;
  readonly toolChoice: string;
}

/** Whether the operator turned on Claude's extended thinking (`thinking.type` enabled or adaptive). */
export function claudeThinking(modelFields: Readonly<Record<string, unknown>> | undefined): boolean {
  const thinking = modelFields?.thinking as { type?: unknown } | undefined;
  return typeof thinking === 'object' && thinking !== null && ['enabled', 'adaptive'].includes(String(thinking.type));
}

/**
 * With thinking, Bedrock rejects a changed temperature or topP, a forced tool choice, and a maxTokens that does not
 * exceed the thinking budget: say so before calling it. (The operator's own settings are checked at synth.)
 */
export function checkThinkingRules(
  sent: {
    readonly maxTokens?: number;
    readonly temperature?: number;
    readonly topP?: number;
    readonly toolChoice?: ChatToolChoice;
  },
  additionalModelRequestFields: Readonly<Record<string, unknown>> | undefined,
  params: ThinkingParams,
): void {
  if (!claudeThinking(additionalModelRequestFields)) {
    return;
  }
  const budget = (additionalModelRequestFields?.thinking as { budget_tokens?: unknown }).budget_tokens;
  if (sent.maxTokens !== undefined && typeof budget === 'number' && sent.maxTokens <= budget) {
    throw invalidRequest(
      'invalid_value',
      `${params.maxTokens} must be greater than ${budget} on this API: its model reasons before answering ` +
        '(extended thinking) with that many tokens of its own.',
      params.maxTokens,
    );
  }
  for (const key of ['temperature', 'topP'] as const) {
    if (sent[key] !== undefined) {
      throw invalidRequest(
        'invalid_value',
        `${params[key]} cannot be set on this API: its model reasons before answering (extended thinking), ` +
          `which does not allow a changed ${params[key]}.`,
        params[key],
      );
    }
  }
  if (sent.toolChoice !== undefined && sent.toolChoice !== 'auto') {
    throw invalidRequest(
      'invalid_value',
      `${params.toolChoice} can only be auto on this API: its model reasons before answering (extended thinking), ` +
        'which does not allow forcing a tool.',
      params.toolChoice,
    );
  }
}

/** A conversation holds at most MAX_MESSAGES messages (the native and OpenAI `messages`). */
export function checkMessageCount(messages: readonly unknown[]): void {
  if (messages.length > RequestLimits.MAX_MESSAGES) {
    throw invalidRequest(
      'invalid_value',
      `messages may hold at most ${RequestLimits.MAX_MESSAGES} messages.`,
      'messages',
    );
  }
}

/**
 * Stop sequences: at most 4 non-empty strings of at most 100 characters each (Bedrock's caps). `accepted` says what
 * the caller's field may be, for the message (OpenAI's `stop` also takes one string).
 */
export function checkStopSequences(stops: unknown, param: string, accepted = 'an array'): string[] {
  const { MAX_STOP_SEQUENCES: max, MAX_STOP_SEQUENCE_LENGTH: maxLength } = RequestLimits;
  if (
    !Array.isArray(stops) ||
    stops.length > max ||
    !stops.every((s) => typeof s === 'string' && s.length > 0 && s.length <= maxLength)
  ) {
    throw invalidRequest(
      'invalid_value',
      `${param} must be ${accepted} of at most ${max} non-empty strings of at most ${maxLength} characters.`,
      param,
    );
  }
  return stops;
}

/** A tool field of the body (`tools`, `toolChoice`, OpenAI's `tool_choice`), refused when client tools are off. */
export function toolField(body: Record<string, unknown>, name: string, config: HandlerConfig): unknown {
  if (body[name] !== undefined && !config.clientTools) {
    throw toolsDisabled(name);
  }
  return body[name];
}

/** The model a native or AI SDK request names (`modelId`): one of the allowed ids, else the API's own. */
export function validateModelId(value: unknown, config: HandlerConfig): string {
  if (value === undefined) {
    return config.modelId;
  }
  if (typeof value !== 'string' || !config.allowedModelIds.includes(value)) {
    throw invalidRequest(
      'model_not_allowed',
      config.allowedModelIds.length > 1
        ? `modelId must be one of: ${config.allowedModelIds.join(', ')}.`
        : 'This API does not let callers choose the model: leave modelId out.',
      'modelId',
    );
  }
  return value;
}

/**
 * A caller's system message (OpenAI `system`/`developer`, AI SDK `system`): refused unless the operator allows them
 * with `allowCallerSystemMessages`; allowed, it follows the operator's system prompt and never replaces it.
 */
export function callerSystemText(value: unknown, allowed: boolean, param: string): string {
  if (!allowed) {
    throw invalidRequest(
      'system_message_not_allowed',
      'System messages are not accepted by this API: its system prompt is set by the operator, who can allow ' +
        "callers' system messages (after the API's own) with the allowCallerSystemMessages prop.",
      param,
    );
  }
  return nonBlankText(value, param);
}

export function nonBlankText(value: unknown, param: string): string {
  if (typeof value !== 'string') {
    throw invalidRequest('invalid_type', `${param} must be a string.`, param);
  }
  if (value.trim() === '') {
    throw invalidRequest('invalid_value', `${param} must not be empty or blank.`, param);
  }
  return value;
}

function nonEmptyString(value: unknown, param: string): string {
  if (typeof value !== 'string' || value === '') {
    throw invalidRequest('invalid_value', `${param} must be a non-empty string.`, param);
  }
  return value;
}

/** A tool name or tool use id. */
function identifier(value: unknown, param: string): string {
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    throw invalidRequest('invalid_value', `${param} must be 1 to 64 letters, digits, underscores or hyphens.`, param);
  }
  return value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], param: string): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw invalidRequest('invalid_value', `${param} must be one of: ${allowed.join(', ')}.`, param);
  }
  return value as T;
}

function boundedArray(value: unknown, param: string, max: number): unknown[] {
  if (!Array.isArray(value)) {
    throw invalidRequest('invalid_type', `${param} must be an array.`, param);
  }
  if (value.length === 0 || value.length > max) {
    throw invalidRequest('invalid_value', `${param} must hold 1 to ${max} items.`, param);
  }
  return value;
}

function jsonObject(value: unknown, param: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidRequest('invalid_type', `${param} must be a JSON object.`, param);
  }
  return value as Record<string, unknown>;
}

function record(value: unknown, param: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidRequest('invalid_type', `${param} must be an object.`, param);
  }
  return value as Record<string, unknown>;
}

/** An object with only the named fields (an unknown one is reported without its name). */
function fields(value: unknown, param: string, allowed: readonly string[]): Record<string, unknown> {
  const object = record(value, param);
  if (Object.keys(object).some((key) => !allowed.includes(key))) {
    throw invalidRequest('unknown_field', `${param} may only have the fields ${allowed.join(', ')}.`, param);
  }
  return object;
}

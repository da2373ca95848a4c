/**
 * OpenAI Chat Completions' request (`POST /v1/chat/completions`), validated field by field into the neutral
 * ChatRequest. Block, tool, attachment and conversation rules are the shared ones (request/); this file maps
 * OpenAI's shapes onto them. Every field of OpenAI's request has one rule here: used, ignored (harmless), or refused
 * (it would change the answer and Bedrock cannot honour it). Errors name the field in OpenAI's terms and never quote
 * its value.
 */
import { randomUUID } from 'crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { chunkEncoder, completionEncoder, type AnswerInfo } from './encode';
import {
  IGNORED_FIELDS,
  IMAGE_MEDIA_TYPES,
  MESSAGE_FIELDS,
  TOOL_FIELDS,
  UNSUPPORTED_FIELDS,
  USED_FIELDS,
  type Role,
} from './rules';
import type { ChatContentBlock, ChatMessage, ChatRequest, ChatTool, ChatToolChoice } from '../../chat';
import { publicModelId } from '../../chat';
import type { HandlerConfig } from '../../config';
import { ApiError, invalidRequest } from '../../errors';
import { contentBlock, decodeBase64 } from '../../request/content';
import { checkConversation, type BlockPath } from '../../request/conversation';
import { readJsonBody } from '../../request/http';
import { checkJsonDepth } from '../../request/json-depth';
import { isRecord, nonBlankText } from '../../request/json-shape';
import { checkMessageCount, checkStopSequences, RequestLimits } from '../../request/limits';
import { checkMagicBytes } from '../../request/magic-bytes';
import { callerSystemText, checkThinkingRules } from '../../request/operator';
import { effortField, effortModelFields } from '../../request/reasoning';
import { toolField, validateToolChoice, validateTools } from '../../request/tools';
import type { Decode } from '../unit';
import { responseFormat } from './response-format';

/** `POST /v1/chat/completions`: SSE chunks with `stream: true`, else one `chat.completion` object. */
export const decodeChatCompletions: Decode = (event: APIGatewayProxyEvent, config) => {
  const decoded = decodeChatCompletion(readJsonBody(event, config.maxRequestBytes), config);
  const answer: AnswerInfo = {
    id: `chatcmpl-${event.requestContext?.requestId ?? randomUUID()}`,
    created: Math.floor(Date.now() / 1000),
    model: decoded.model,
  };
  const encoder = decoded.stream ? chunkEncoder(answer, decoded.includeUsage) : completionEncoder(answer);
  return { request: decoded.request, encoder };
};

/** A decoded Chat Completions request: the neutral request and how the caller wants the answer. */
export interface ChatCompletionRequest {
  readonly request: ChatRequest;
  /** The model as the caller named it (echoed in every chunk: never an ARN). */
  readonly model: string;
  readonly stream: boolean;
  readonly includeUsage: boolean;
}

export function decodeChatCompletion(value: unknown, config: HandlerConfig): ChatCompletionRequest {
  const body = requestBody(value);
  const model = validateModel(body.model, config);
  const tools = openAiTools(toolField(body, 'tools', config));
  const toolChoice = openAiToolChoice(toolField(body, 'tool_choice', config), tools);
  const { messages, sources, callerSystem } = conversation(body.messages, config);
  checkConversation(messages, blockPath(sources), tools !== undefined);
  const temperature = optionalUnitInterval(body.temperature, 'temperature');
  const topP = optionalUnitInterval(body.top_p, 'top_p');
  const maxTokens = maxTokensField(body);
  const cappedMaxTokens = validateMaxTokens(maxTokens, config.maxTokens);
  const dropped: string[] = [];
  const effort = effortField(body.reasoning_effort, 'reasoning_effort');
  const effortContext = { modelId: model, maxTokens: cappedMaxTokens, param: 'reasoning_effort', dropped };
  const modelFields = effortModelFields(effort, effortContext, config);
  checkThinkingRules(
    { maxTokens: maxTokens && cappedMaxTokens, temperature, topP, toolChoice },
    { ...modelFields, ...config.additionalModelRequestFields },
    {
      maxTokens: maxTokens?.param ?? 'max_completion_tokens',
      temperature: 'temperature',
      topP: 'top_p',
      toolChoice: 'tool_choice',
    },
  );
  const stream = optionalBoolean(body.stream, 'stream') ?? false;
  return {
    model: body.model as string,
    stream,
    includeUsage: streamOptions(body.stream_options, stream),
    request: {
      modelId: model,
      messages,
      maxTokens: cappedMaxTokens,
      temperature: temperature ?? config.temperature,
      topP,
      stopSequences: stopField(body.stop),
      tools,
      toolChoice,
      callerSystem: callerSystem.length ? callerSystem : undefined,
      outputSchema: responseFormat(body.response_format),
      modelFields,
      dropped: dropped.length ? dropped : undefined,
    },
  };
}

/** The body without its `null` fields (OpenAI's `null` means "not set"), each field checked against its rule. */
function requestBody(value: unknown): Record<string, unknown> {
  if (!isRecord(value)) {
    throw invalidRequest('invalid_body', 'The request body must be a JSON object with model and messages.');
  }
  const body = Object.fromEntries(Object.entries(value).filter(([, field]) => field !== null));
  for (const [key, field] of Object.entries(body)) {
    if (USED_FIELDS.includes(key) || IGNORED_FIELDS.includes(key)) {
      continue;
    }
    if (Object.prototype.hasOwnProperty.call(UNSUPPORTED_FIELDS, key)) {
      if (UNSUPPORTED_FIELDS[key](field)) {
        continue;
      }
      throw unsupported(key);
    }
    throw invalidRequest(
      'unknown_field',
      `The request has a field that this API does not know. Accepted fields: ${USED_FIELDS.join(', ')} ` +
        `(ignored: ${IGNORED_FIELDS.join(', ')}).`,
    );
  }
  return body;
}

export function unsupported(param: string): ApiError {
  return invalidRequest(
    'unsupported_parameter',
    `${param} is not supported by this API (Amazon Bedrock cannot honour it): leave it out.`,
    param,
  );
}

/** One of the allowed ids; an application inference profile also by its public form (what GET /v1/models shows). */
export function validateModel(value: unknown, config: HandlerConfig): string {
  if (value === undefined) {
    throw invalidRequest('missing_field', 'model is required: GET /v1/models lists the models of this API.', 'model');
  }
  const modelId =
    typeof value === 'string'
      ? config.allowedModelIds.find((id) => id === value || publicModelId(id) === value)
      : undefined;
  if (modelId === undefined) {
    throw new ApiError({
      status: 404,
      type: 'invalid_request_error',
      code: 'model_not_found',
      message: 'This API does not serve that model: GET /v1/models lists the models it serves.',
      param: 'model',
    });
  }
  return modelId;
}

/** `[{type: 'function', function: {name, description?, parameters?}}]`: parameters default to an empty object schema. */
function openAiTools(value: unknown): ChatTool[] | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!Array.isArray(value)) {
    throw invalidRequest('invalid_type', 'tools must be an array of function tools.', 'tools');
  }
  const tools = value.map((tool, i) => {
    const param = `tools[${i}]`;
    const fn = onlyFields(tool, param, ['type', 'function']).function;
    if ((tool as Record<string, unknown>).type !== 'function') {
      throw invalidRequest(
        'invalid_value',
        `${param}.type must be "function" (the only tool type served).`,
        `${param}.type`,
      );
    }
    const definition = onlyFields(fn, `${param}.function`, ['name', 'description', 'parameters', 'strict']);
    return {
      name: definition.name,
      description: definition.description,
      inputSchema: definition.parameters ?? { type: 'object', properties: {} },
      strict: definition.strict ?? undefined,
    };
  });
  return inOpenAiTerms(
    () => validateTools(tools, 'tools'),
    (param) =>
      param.replace(
        /^(tools\[\d+\])\.(name|description|inputSchema|strict)/,
        (_, tool, key) => `${tool}.${TOOL_FIELDS[key]}`,
      ),
  );
}

/**
 * `auto`, `required` (any tool) or `{type: 'function', function: {name}}`. `none` is refused: Bedrock has no way to
 * keep a model with tools from calling them, and leaving tools out does that.
 */
function openAiToolChoice(value: unknown, tools: readonly ChatTool[] | undefined): ChatToolChoice | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (value === 'none') {
    throw invalidRequest(
      'unsupported_value',
      'tool_choice "none" is not supported by this API: leave tools out for an answer without tool calls.',
      'tool_choice',
    );
  }
  const named =
    isRecord(value) && value.type === 'function' && isRecord(value.function) ? value.function.name : undefined;
  const choice =
    value === 'auto' ? 'auto' : value === 'required' ? 'any' : named !== undefined ? { tool: named } : undefined;
  if (choice === undefined) {
    throw invalidRequest(
      'invalid_value',
      'tool_choice must be "auto", "required" or {"type": "function", "function": {"name": "<tool name>"}}.',
      'tool_choice',
    );
  }
  return inOpenAiTerms(
    () => validateToolChoice(choice, tools, 'tool_choice'),
    (param) => param.replace('tool_choice.tool', 'tool_choice.function.name'),
  );
}

/**
 * Runs a shared rule on the Converse shape built from the caller's fields, and names the fields of its errors in
 * OpenAI's terms (`tools[0].inputSchema` -> `tools[0].function.parameters`).
 */
export function inOpenAiTerms<T>(rule: () => T, rename: (param: string) => string): T {
  try {
    return rule();
  } catch (err) {
    const param = err instanceof ApiError && err.param !== null ? rename(err.param) : undefined;
    if (!(err instanceof ApiError) || param === undefined || param === err.param) {
      throw err;
    }
    const message = err.message.split(err.param!).join(param);
    throw new ApiError({ status: err.status, type: err.type, code: err.code, message, param, headers: err.headers });
  }
}

/** The messages as Bedrock's alternating turns, and the caller's system messages (where the operator allows them). */
function conversation(value: unknown, config: HandlerConfig) {
  if (value === undefined) {
    throw invalidRequest('missing_field', 'messages is required (an array of messages).', 'messages');
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw invalidRequest('invalid_value', 'messages must be a non-empty array of messages.', 'messages');
  }
  checkMessageCount(value);
  const turns = new Turns();
  const callerSystem: string[] = [];
  value.forEach((message, i) => {
    const param = `messages[${i}]`;
    const role: unknown = onlyFields(message, param, MESSAGE_FIELDS.all).role;
    if (role === 'system' || role === 'developer') {
      callerSystem.push(systemText(message as Record<string, unknown>, param, config.allowCallerSystemMessages));
    } else if (role === 'user' || role === 'tool' || role === 'assistant') {
      checkMessageFields(message as Record<string, unknown>, role, param);
      turns.add(
        role === 'assistant' ? 'assistant' : 'user',
        i,
        MESSAGE_READERS[role](message as Message, param, config),
      );
    } else {
      throw invalidRequest(
        'invalid_value',
        'role must be one of: system, developer, user, assistant, tool.',
        `${param}.role`,
      );
    }
  });
  if (turns.messages.length === 0) {
    throw invalidRequest(
      'missing_field',
      'messages needs a user message (system messages alone are not a question).',
      'messages',
    );
  }
  return { messages: turns.messages, sources: turns.sources, callerSystem };
}

type Message = Record<string, unknown>;

function checkMessageFields(message: Message, role: Role, param: string): void {
  for (const key of ['audio', 'function_call']) {
    if (message[key] !== undefined && message[key] !== null) {
      throw unsupported(`${param}.${key}`);
    }
  }
  onlyFields(message, param, [...MESSAGE_FIELDS[role], 'audio', 'function_call']);
}

/**
 * Consecutive messages of one side become one Bedrock turn (tool results and the user message after them are one
 * user turn), remembering which caller message each block came from for error params.
 */
class Turns {
  readonly messages: ChatMessage[] = [];
  /** For each turn, the caller's message index of each block. */
  readonly sources: number[][] = [];

  add(role: ChatMessage['role'], source: number, blocks: ChatContentBlock[]): void {
    const last = this.messages[this.messages.length - 1];
    if (last === undefined && role !== 'user') {
      throw invalidRequest(
        'invalid_value',
        'The conversation must start with a user message (after any system messages).',
        `messages[${source}].role`,
      );
    }
    if (last?.role === role) {
      last.content.push(...blocks);
      this.sources[this.sources.length - 1].push(...blocks.map(() => source));
    } else {
      this.messages.push({ role, content: blocks });
      this.sources.push(blocks.map(() => source));
    }
    const max = RequestLimits.MAX_CONTENT_BLOCKS;
    if (this.messages[this.messages.length - 1].content.length > max) {
      throw invalidRequest(
        'invalid_value',
        `Consecutive messages of one side may hold at most ${max} content parts and tool calls together.`,
        `messages[${source}]`,
      );
    }
  }
}

/** Conversation errors name the caller's message (each block of a turn maps back to the message it came from). */
function blockPath(sources: readonly number[][]): BlockPath {
  return (message, block, field) => {
    const source = sources[message]?.[block];
    const where = source === undefined ? 'messages' : `messages[${source}]`;
    return field?.startsWith('toolResult') ? `${where}.tool_call_id` : where;
  };
}

const MESSAGE_READERS: Record<Role, (message: Message, param: string, config: HandlerConfig) => ChatContentBlock[]> = {
  user: (message, param) => userContent(message.content, `${param}.content`),
  assistant: assistantContent,
  tool: toolResult,
};

/** Refused unless the operator allows callers' system messages; then it follows the operator's system prompt. */
function systemText(message: Message, param: string, allowed: boolean): string {
  if (!allowed) {
    return callerSystemText(message.content, false, `${param}.role`);
  }
  onlyFields(message, param, MESSAGE_FIELDS.system);
  return callerSystemText(textOf(message.content, `${param}.content`), true, `${param}.content`);
}

/** A string, or an array of text parts joined (for system, assistant and tool messages). */
function textOf(value: unknown, param: string): unknown {
  if (typeof value === 'string' || !Array.isArray(value)) {
    return value;
  }
  return value.map((part, i) => textPart(part, `${param}[${i}]`)).join('\n');
}

function textPart(value: unknown, param: string): string {
  const part = onlyFields(value, param, ['type', 'text']);
  if (part.type !== 'text') {
    throw invalidRequest('unsupported_content', `${param} must be a content part of type text.`, `${param}.type`);
  }
  return nonBlankText(part.text, `${param}.text`);
}

function userContent(value: unknown, param: string): ChatContentBlock[] {
  if (typeof value === 'string') {
    return [{ text: nonBlankText(value, param) }];
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw invalidRequest('invalid_type', `${param} must be a string or a non-empty array of content parts.`, param);
  }
  return value.map((part, i) => userPart(part, `${param}[${i}]`));
}

function userPart(value: unknown, param: string): ChatContentBlock {
  const type = isRecord(value) ? value.type : undefined;
  if (type === 'text') {
    return { text: textPart(value, param) };
  }
  if (type === 'image_url') {
    return { image: dataUrlImage(onlyFields(value, param, ['type', 'image_url']).image_url, `${param}.image_url`) };
  }
  throw invalidRequest(
    'unsupported_content',
    `${param} must be a content part of type text or image_url (other part types are not supported).`,
    `${param}.type`,
  );
}

const DATA_URL = /^data:([^;,]+);base64,/;

/** `{url: 'data:image/png;base64,...', detail?}` (detail is ignored). Nothing is fetched on a caller's behalf. */
export function dataUrlImage(value: unknown, param: string) {
  const url = onlyFields(value, param, ['url', 'detail']).url;
  const urlParam = `${param}.url`;
  if (typeof url !== 'string') {
    throw invalidRequest('invalid_type', `${urlParam} must be a string.`, urlParam);
  }
  const match = DATA_URL.exec(url);
  if (match === null) {
    throw invalidRequest(
      'unsupported_source',
      `${urlParam} must be a data: URL with base64 bytes (data:image/png;base64,...): URLs are not fetched.`,
      urlParam,
    );
  }
  const format = IMAGE_MEDIA_TYPES[match[1].toLowerCase()];
  if (format === undefined) {
    throw invalidRequest('invalid_value', `${urlParam} must be a PNG, JPEG, GIF or WebP image.`, urlParam);
  }
  return {
    format,
    source: {
      bytes: checkMagicBytes(
        format,
        decodeBase64(url.slice(match[0].length), urlParam, RequestLimits.MAX_IMAGE_BYTES),
        urlParam,
      ),
    },
  };
}

/** Text (content, or a previous refusal) and tool calls, in that order. */
function assistantContent(message: Message, param: string, config: HandlerConfig): ChatContentBlock[] {
  const blocks: ChatContentBlock[] = [];
  for (const [key, text] of [
    ['content', textOf(message.content, `${param}.content`)],
    ['refusal', message.refusal],
  ] as const) {
    if (text !== undefined && text !== null && text !== '') {
      blocks.push({ text: nonBlankText(text, `${param}.${key}`) });
    }
  }
  const calls = message.tool_calls ?? undefined;
  if (calls !== undefined) {
    if (!Array.isArray(calls) || calls.length === 0) {
      throw invalidRequest('invalid_value', `${param}.tool_calls must be a non-empty array.`, `${param}.tool_calls`);
    }
    blocks.push(...calls.map((call, j) => toolCall(call, `${param}.tool_calls[${j}]`, config)));
  }
  if (blocks.length === 0) {
    throw invalidRequest('missing_field', `${param} needs content or tool_calls.`, `${param}.content`);
  }
  return blocks;
}

/** `{id, type: 'function', function: {name, arguments}}` with arguments a JSON object as a string. */
function toolCall(value: unknown, param: string, config: HandlerConfig): ChatContentBlock {
  const call = onlyFields(value, param, ['id', 'type', 'function']);
  if (call.type !== 'function') {
    throw invalidRequest('invalid_value', `${param}.type must be "function".`, `${param}.type`);
  }
  const fn = onlyFields(call.function, `${param}.function`, ['name', 'arguments']);
  const toolUse = {
    toolUseId: call.id,
    name: fn.name,
    input: jsonArguments(fn.arguments, `${param}.function.arguments`),
  };
  return inOpenAiTerms(
    () => contentBlock({ toolUse }, param, { role: 'assistant', clientTools: config.clientTools }),
    (field) =>
      field
        .replace(`${param}.toolUse.toolUseId`, `${param}.id`)
        .replace(`${param}.toolUse.name`, `${param}.function.name`),
  );
}

export function jsonArguments(value: unknown, param: string): unknown {
  let parsed: unknown;
  try {
    parsed = typeof value === 'string' ? JSON.parse(value) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!isRecord(parsed)) {
    throw invalidRequest('invalid_value', `${param} must be a JSON object, as a string.`, param);
  }
  checkJsonDepth(parsed, param);
  return parsed;
}

/** `{role: 'tool', tool_call_id, content}`: a tool result answering the previous assistant message's call. */
function toolResult(message: Message, param: string, config: HandlerConfig): ChatContentBlock[] {
  const text = nonBlankText(textOf(message.content, `${param}.content`), `${param}.content`);
  const result = { toolUseId: message.tool_call_id, content: [{ text }] };
  const block = inOpenAiTerms(
    () => contentBlock({ toolResult: result }, param, { role: 'user', clientTools: config.clientTools }),
    (field) => field.replace(`${param}.toolResult.toolUseId`, `${param}.tool_call_id`),
  );
  return [block];
}

function maxTokensField(body: Record<string, unknown>): { value: unknown; param: string } | undefined {
  if (body.max_tokens !== undefined && body.max_completion_tokens !== undefined) {
    throw invalidRequest('invalid_value', 'Send max_completion_tokens or max_tokens, not both.', 'max_tokens');
  }
  const param = body.max_tokens !== undefined ? 'max_tokens' : 'max_completion_tokens';
  return body[param] === undefined ? undefined : { value: body[param], param };
}

function validateMaxTokens(sent: { value: unknown; param: string } | undefined, cap: number): number {
  if (sent === undefined) {
    return cap;
  }
  const value = sent.value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > cap) {
    throw invalidRequest('invalid_value', `${sent.param} must be a whole number from 1 to ${cap}.`, sent.param);
  }
  return value;
}

/** Bedrock takes 0 to 1: a larger temperature (OpenAI allows 2) is refused, never clamped. */
export function optionalUnitInterval(value: unknown, param: string): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw invalidRequest('invalid_value', `${param} must be a number from 0 to 1 on this API.`, param);
  }
  return value;
}

function stopField(value: unknown): string[] | undefined {
  if (value === undefined) {
    return undefined;
  }
  const stops = checkStopSequences(typeof value === 'string' ? [value] : value, 'stop', 'a string or an array');
  return stops.length ? stops : undefined;
}

export function optionalBoolean(value: unknown, param: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') {
    throw invalidRequest('invalid_type', `${param} must be true or false.`, param);
  }
  return value;
}

/** `{include_usage?, include_obfuscation?}` (obfuscation padding is not sent: ignored), only with `stream: true`. */
function streamOptions(value: unknown, stream: boolean): boolean {
  if (value === undefined) {
    return false;
  }
  if (!stream) {
    throw invalidRequest('invalid_value', 'stream_options is only accepted with stream: true.', 'stream_options');
  }
  const options = onlyFields(value, 'stream_options', ['include_usage', 'include_obfuscation']);
  optionalBoolean(options.include_obfuscation ?? undefined, 'stream_options.include_obfuscation');
  return optionalBoolean(options.include_usage ?? undefined, 'stream_options.include_usage') ?? false;
}

/** An object with only the named fields (an unknown one is reported without its name). */
function onlyFields(value: unknown, param: string, allowed: readonly string[]): Record<string, any> {
  if (!isRecord(value)) {
    throw invalidRequest('invalid_type', `${param} must be an object.`, param);
  }
  if (Object.keys(value).some((key) => !allowed.includes(key))) {
    throw invalidRequest('unknown_field', `${param} may only have the fields ${allowed.join(', ')}.`, param);
  }
  return value;
}

/**
 * OpenAI Responses' request (`POST /v1/responses`), stateless, validated field by field into the neutral ChatRequest.
 * Input items become Bedrock turns: consecutive items of one side (a reasoning item, text and function calls of the
 * assistant; function call outputs and the user message after them) are one turn. The OpenAI rules that Chat
 * Completions has (model, image data URLs, call arguments, numbers) are its own, imported; block, tool and
 * conversation rules are the shared ones (request/). Errors name the field in OpenAI's terms and never quote it.
 */
import { randomUUID } from 'crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { jsonEncoder, sseEncoder, type ResponseInfo } from './encode';
import {
  FUNCTION_TOOL_FIELDS,
  IGNORED_FIELDS,
  INCLUDABLE,
  ITEM_FIELDS,
  LEFT_OUT_TOOL_TYPES,
  REASONING_SUMMARIES,
  STORED_ITEM_TYPES,
  STORED_STATE_FIELDS,
  TEXT_PART_FIELDS,
  UNSUPPORTED_FIELDS,
  USED_FIELDS,
} from './rules';
import type { ChatContentBlock, ChatMessage, ChatRequest, ChatTool, ChatToolChoice } from '../../chat';
import type { HandlerConfig } from '../../config';
import { invalidRequest } from '../../errors';
import { contentBlock } from '../../request/content';
import { checkConversation, type BlockPath } from '../../request/conversation';
import { readJsonBody } from '../../request/http';
import { fields, isRecord, nonBlankText, oneOf } from '../../request/json-shape';
import { RequestLimits } from '../../request/limits';
import { callerSystemText, checkThinkingRules } from '../../request/operator';
import { effortField, effortModelFields, type ReasoningEffort } from '../../request/reasoning';
import { toolField, validateToolChoice, validateTools } from '../../request/tools';
import {
  dataUrlImage,
  inOpenAiTerms,
  jsonArguments,
  optionalBoolean,
  optionalUnitInterval,
  unsupported,
  validateModel,
} from '../openai-chat-completions/decode';
import type { Decode } from '../unit';
import { textFormat } from './text-format';

/** `POST /v1/responses`: SSE events with `stream: true`, else one Response object. */
export const decodeResponses: Decode = (event: APIGatewayProxyEvent, config) => {
  const requestId = event.requestContext?.requestId ?? randomUUID();
  const decoded = decodeResponsesRequest(readJsonBody(event, config.maxRequestBytes), config);
  logLeftOutTools(decoded.leftOutTools, requestId);
  const info: ResponseInfo = {
    id: `resp_${requestId}`,
    createdAt: Math.floor(Date.now() / 1000),
    model: decoded.model,
    maxOutputTokens: decoded.request.maxTokens,
    encryptedReasoning: decoded.encryptedReasoning,
    reasoningSummary: decoded.reasoningSummary,
  };
  return { request: decoded.request, encoder: decoded.stream ? sseEncoder(info) : jsonEncoder(info) };
};

/** A decoded Responses request: the neutral request, and how the caller wants the answer. */
export interface ResponsesRequest {
  readonly request: ChatRequest;
  /** The model as the caller named it (echoed in the response: never an ARN). */
  readonly model: string;
  readonly stream: boolean;
  /** `include` names `reasoning.encrypted_content`: reasoning items carry Bedrock's signature to send back. */
  readonly encryptedReasoning: boolean;
  /** `reasoning.summary` was asked: the reasoning is streamed as a summary too. */
  readonly reasoningSummary: boolean;
  /** The types of the tools left out of the model's tools (hosted tools), each once. */
  readonly leftOutTools: readonly string[];
}

export function decodeResponsesRequest(value: unknown, config: HandlerConfig): ResponsesRequest {
  const body = requestBody(value);
  const model = validateModel(body.model, config);
  const { tools, leftOut } = responsesTools(toolField(body, 'tools', config));
  const toolChoice = responsesToolChoice(toolField(body, 'tool_choice', config), tools);
  parallelToolCalls(body.parallel_tool_calls);
  const { messages, sources, callerSystem } = conversation(body.input, config);
  checkConversation(messages, blockPath(sources), tools !== undefined);
  const temperature = optionalUnitInterval(body.temperature, 'temperature');
  const topP = optionalUnitInterval(body.top_p, 'top_p');
  const maxTokens = maxOutputTokens(body.max_output_tokens, config.maxTokens);
  const dropped: string[] = [];
  const effortContext = {
    modelId: model,
    maxTokens: maxTokens ?? config.maxTokens,
    param: 'reasoning.effort',
    dropped,
  };
  const modelFields = effortModelFields(reasoningEffort(body.reasoning), effortContext, config);
  const thinkingFields = { ...modelFields, ...config.additionalModelRequestFields };
  checkThinkingRules({ maxTokens, temperature, topP, toolChoice }, thinkingFields, {
    maxTokens: 'max_output_tokens',
    temperature: 'temperature',
    topP: 'top_p',
    toolChoice: 'tool_choice',
  });
  const outputSchema = textFormat(body.text);
  oneOf(body.truncation ?? 'disabled', ['auto', 'disabled'], 'truncation');
  const stream = optionalBoolean(body.stream, 'stream') ?? false;
  streamOptions(body.stream_options, stream);
  const instructions = instructionsField(body.instructions, config);
  return {
    model: body.model as string,
    stream,
    encryptedReasoning: includeField(body.include).includes('reasoning.encrypted_content'),
    reasoningSummary: reasoningField(body.reasoning),
    leftOutTools: leftOut,
    request: {
      modelId: model,
      messages,
      maxTokens: maxTokens ?? config.maxTokens,
      temperature: temperature ?? config.temperature,
      topP,
      tools,
      toolChoice,
      outputSchema,
      callerSystem: instructions.length || callerSystem.length ? [...instructions, ...callerSystem] : undefined,
      modelFields,
      dropped: dropped.length ? dropped : undefined,
    },
  };
}

/** The body without its `null` fields (OpenAI's `null` means "not set"), each field checked against its rule. */
function requestBody(value: unknown): Record<string, any> {
  if (!isRecord(value)) {
    throw invalidRequest('invalid_body', 'The request body must be a JSON object with model and input.');
  }
  const body = Object.fromEntries(Object.entries(value).filter(([, field]) => field !== null));
  for (const [key, field] of Object.entries(body)) {
    const storedState = ownRule(STORED_STATE_FIELDS, key);
    const unsupportedValue = ownRule(UNSUPPORTED_FIELDS, key);
    if (storedState && !storedState(field)) {
      throw invalidRequest(
        'unsupported_parameter',
        `${key} is not supported: this API is stateless and stores nothing. Send the whole conversation as input ` +
          '(with store: false).',
        key,
      );
    }
    if (unsupportedValue && !unsupportedValue(field)) {
      throw unsupported(key);
    }
    if (!storedState && !unsupportedValue && !USED_FIELDS.includes(key) && !IGNORED_FIELDS.includes(key)) {
      throw invalidRequest(
        'unknown_field',
        `The request has a field that this API does not know. Accepted fields: ${USED_FIELDS.join(', ')} ` +
          `(ignored: ${IGNORED_FIELDS.join(', ')}).`,
      );
    }
  }
  return body;
}

function ownRule<T>(rules: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(rules, key) ? rules[key] : undefined;
}

/**
 * Function tools become the model's tools; the other types (rules.ts) are left out and reported. With none left, the
 * model gets no tools.
 */
function responsesTools(value: unknown): { tools: ChatTool[] | undefined; leftOut: string[] } {
  if (value === undefined) {
    return { tools: undefined, leftOut: [] };
  }
  if (!Array.isArray(value)) {
    throw invalidRequest('invalid_type', 'tools must be an array of tools.', 'tools');
  }
  const leftOut = new Set<string>();
  const tools: Array<Record<string, unknown>> = [];
  const origins: number[] = [];
  value.forEach((tool, i) => {
    const type = isRecord(tool) ? tool.type : undefined;
    if (type === 'function') {
      tools.push(functionTool(tool, `tools[${i}]`));
      origins.push(i);
    } else if (typeof type === 'string' && LEFT_OUT_TOOL_TYPES.includes(type)) {
      leftOut.add(type);
    } else {
      throw invalidRequest(
        'invalid_value',
        `tools[${i}].type must be "function" (or a hosted tool type, which this API leaves out).`,
        `tools[${i}].type`,
      );
    }
  });
  return { tools: tools.length ? definitions(tools, origins) : undefined, leftOut: [...leftOut] };
}

/** `{type: 'function', name, description?, parameters?, strict?}`: parameters default to an empty object schema. */
function functionTool(tool: unknown, param: string): Record<string, unknown> {
  const definition = fields(tool, param, FUNCTION_TOOL_FIELDS);
  return {
    name: definition.name,
    description: definition.description ?? undefined,
    inputSchema: definition.parameters ?? { type: 'object', properties: {} },
    strict: definition.strict ?? undefined,
  };
}

/**
 * The shared tool rules, their errors naming the caller's fields: the tool by its index in the caller's list (left-out
 * tools included), `parameters` for `inputSchema`.
 */
function definitions(tools: Array<Record<string, unknown>>, origins: readonly number[]): ChatTool[] | undefined {
  return inOpenAiTerms(
    () => validateTools(tools, 'tools'),
    (param) =>
      param.replace(
        /^tools\[(\d+)\](\.inputSchema)?/,
        (_, i, schema) => `tools[${origins[Number(i)]}]${schema ? '.parameters' : ''}`,
      ),
  );
}

/**
 * `auto`, `required` (any tool) or `{type: 'function', name}`. `none` is refused (leave tools out instead), and so is a
 * choice that forces a tool the model does not get. With only left-out tools, `auto` leaves nothing to choose.
 */
function responsesToolChoice(value: unknown, tools: readonly ChatTool[] | undefined): ChatToolChoice | undefined {
  if (value === undefined || (value === 'auto' && tools === undefined)) {
    return undefined;
  }
  if (value === 'none') {
    throw invalidRequest(
      'unsupported_value',
      'tool_choice "none" is not supported by this API: leave tools out for an answer without tool calls.',
      'tool_choice',
    );
  }
  const type = isRecord(value) ? value.type : undefined;
  if (typeof type === 'string' && type !== 'function') {
    throw invalidRequest(
      'unsupported_value',
      'tool_choice forces a tool this API does not give the model (hosted tools are not run here): use "auto", ' +
        '"required" or a function tool.',
      'tool_choice',
    );
  }
  const named = type === 'function' ? fields(value, 'tool_choice', ['type', 'name']).name : undefined;
  const choice =
    value === 'auto' ? 'auto' : value === 'required' ? 'any' : named !== undefined ? { tool: named } : undefined;
  if (choice === undefined) {
    throw invalidRequest(
      'invalid_value',
      'tool_choice must be "auto", "required" or {"type": "function", "name": "<tool name>"}.',
      'tool_choice',
    );
  }
  return inOpenAiTerms(
    () => validateToolChoice(choice, tools, 'tool_choice'),
    (param) => param.replace('tool_choice.tool', 'tool_choice.name'),
  );
}

/** Bedrock's models may call several tools at once and cannot be told not to: only `true` (the default) is served. */
function parallelToolCalls(value: unknown): void {
  if (value !== undefined && value !== true) {
    throw unsupported('parallel_tool_calls');
  }
}

/** An upper bound on the answer: the API's own cap applies when the caller's is higher or absent. */
function maxOutputTokens(value: unknown, cap: number): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalidRequest(
      'invalid_value',
      'max_output_tokens must be a whole number of at least 1.',
      'max_output_tokens',
    );
  }
  return Math.min(value, cap);
}

/** The fields of `reasoning`. */
const REASONING_FIELDS = ['effort', 'summary', 'generate_summary'];

/** `reasoning.effort`: the model's reasoning setting by request/reasoning.ts's table. */
function reasoningEffort(value: unknown): ReasoningEffort | undefined {
  if (value === undefined) {
    return undefined;
  }
  return effortField(fields(value, 'reasoning', REASONING_FIELDS).effort, 'reasoning.effort');
}

/** `reasoning.summary`: whether the reasoning is streamed as a summary too. */
function reasoningField(value: unknown): boolean {
  if (value === undefined) {
    return false;
  }
  const settings = fields(value, 'reasoning', REASONING_FIELDS);
  const summary = settings.summary ?? settings.generate_summary ?? null;
  return summary !== null && oneOf(summary, REASONING_SUMMARIES, 'reasoning.summary') !== undefined;
}

function includeField(value: unknown): string[] {
  if (value === undefined) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw invalidRequest('invalid_type', 'include must be an array.', 'include');
  }
  return value.map((item, i) => oneOf(item, INCLUDABLE, `include[${i}]`));
}

/** `{include_obfuscation?}` (obfuscation padding is not sent: ignored), only with `stream: true`. */
function streamOptions(value: unknown, stream: boolean): void {
  if (value === undefined) {
    return;
  }
  if (!stream) {
    throw invalidRequest('invalid_value', 'stream_options is only accepted with stream: true.', 'stream_options');
  }
  const options = fields(value, 'stream_options', ['include_obfuscation']);
  optionalBoolean(options.include_obfuscation ?? undefined, 'stream_options.include_obfuscation');
}

/** The caller's instructions: like a system message, only where the operator allows them, after the API's prompt. */
function instructionsField(value: unknown, config: HandlerConfig): string[] {
  if (value === undefined) {
    return [];
  }
  return [callerSystemText(value, config.allowCallerSystemMessages, 'instructions')];
}

/** The input as Bedrock's alternating turns, and the caller's system and developer messages (where allowed). */
function conversation(value: unknown, config: HandlerConfig) {
  if (value === undefined) {
    throw invalidRequest('missing_field', 'input is required (a string or an array of input items).', 'input');
  }
  if (typeof value === 'string') {
    return {
      messages: [{ role: 'user' as const, content: [{ text: nonBlankText(value, 'input') }] }],
      sources: [[0]],
      callerSystem: [],
    };
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw invalidRequest('invalid_value', 'input must be a non-empty string or a non-empty array of items.', 'input');
  }
  const turns = new Turns();
  const callerSystem: string[] = [];
  value.forEach((item, i) => {
    const param = `input[${i}]`;
    const read = readItem(item, param, config);
    if ('system' in read) {
      callerSystem.push(...read.system);
    } else {
      turns.add(read.role, i, read.blocks, param);
    }
  });
  if (turns.messages.length === 0) {
    throw invalidRequest(
      'missing_field',
      'input needs a user message (system and developer messages alone are not a question).',
      'input',
    );
  }
  if (turns.messages.length > RequestLimits.MAX_MESSAGES) {
    throw invalidRequest(
      'invalid_value',
      `input may make at most ${RequestLimits.MAX_MESSAGES} turns (runs of items of one side).`,
      'input',
    );
  }
  return { messages: turns.messages, sources: turns.sources, callerSystem };
}

type ReadItem =
  { readonly system: string[] } | { readonly role: ChatMessage['role']; readonly blocks: ChatContentBlock[] };

/** One input item: a message (by role), a function call or its output, or reasoning sent back. */
function readItem(item: unknown, param: string, config: HandlerConfig): ReadItem {
  if (!isRecord(item)) {
    throw invalidRequest('invalid_type', `${param} must be an object.`, param);
  }
  const type = item.type ?? 'message';
  if (typeof type === 'string' && STORED_ITEM_TYPES.includes(type)) {
    throw invalidRequest(
      'unsupported_parameter',
      `${param} refers to a stored item: this API is stateless and stores nothing. Send the items themselves.`,
      `${param}.type`,
    );
  }
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(ITEM_FIELDS, type)) {
    throw invalidRequest(
      'unsupported_value',
      `${param}.type must be one of: ${Object.keys(ITEM_FIELDS).join(', ')} (other items are of tools this API does ` +
        'not run).',
      `${param}.type`,
    );
  }
  const known = fields(item, param, ITEM_FIELDS[type]);
  const context = { param, config };
  switch (type) {
    case 'function_call':
      return { role: 'assistant', blocks: [functionCall(known, context)] };
    case 'function_call_output':
      return { role: 'user', blocks: [functionCallOutput(known, context)] };
    case 'reasoning':
      return { role: 'assistant', blocks: reasoningItem(known, param) };
    default:
      return messageItem(known, context);
  }
}

interface ItemContext {
  readonly param: string;
  readonly config: HandlerConfig;
}

function messageItem(item: Record<string, unknown>, { param, config }: ItemContext): ReadItem {
  const role = item.role;
  const content = `${param}.content`;
  if (role === 'system' || role === 'developer') {
    if (!config.allowCallerSystemMessages) {
      return { system: [callerSystemText(item.content, false, `${param}.role`)] };
    }
    return { system: parts(item.content, content, ['input_text']).map((part) => textOf(part)) };
  }
  if (role === 'user') {
    return { role: 'user', blocks: parts(item.content, content, ['input_text', 'input_image']).map(userBlock) };
  }
  if (role === 'assistant') {
    return { role: 'assistant', blocks: parts(item.content, content, ['output_text', 'refusal']).map(assistantBlock) };
  }
  throw invalidRequest('invalid_value', 'role must be one of: user, assistant, system, developer.', `${param}.role`);
}

interface Part {
  readonly value: Record<string, unknown>;
  readonly param: string;
  /** Where its text is: the part's `text`, or the content itself when it was a string. */
  readonly textParam: string;
}

/** A string (one text part), or a non-empty array of parts of the given types. */
function parts(value: unknown, param: string, types: readonly string[]): Part[] {
  if (typeof value === 'string') {
    return [{ value: { type: types[0], text: value }, param, textParam: param }];
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw invalidRequest('invalid_type', `${param} must be a string or a non-empty array of content parts.`, param);
  }
  return value.map((part, i) => {
    const partParam = `${param}[${i}]`;
    const type = isRecord(part) ? part.type : undefined;
    if (typeof type !== 'string' || !types.includes(type)) {
      throw invalidRequest(
        'unsupported_content',
        `${partParam} must be a content part of type ${types.join(' or ')} (other part types are not supported).`,
        `${partParam}.type`,
      );
    }
    const key = type === 'refusal' ? 'refusal' : 'text';
    return { value: part as Record<string, unknown>, param: partParam, textParam: `${partParam}.${key}` };
  });
}

/** The text of a text part (`input_text`, `output_text`), or of a refusal. */
function textOf({ value, param, textParam }: Part): string {
  const key = value.type === 'refusal' ? 'refusal' : 'text';
  const part = fields(value, param, key === 'text' ? TEXT_PART_FIELDS : ['type', 'refusal']);
  return nonBlankText(part[key], textParam);
}

function userBlock(part: Part): ChatContentBlock {
  return part.value.type === 'input_image' ? { image: inputImage(part) } : { text: textOf(part) };
}

function assistantBlock(part: Part): ChatContentBlock {
  return { text: textOf(part) };
}

/** `{type: 'input_image', image_url: 'data:...', detail?}`: only data: URLs; nothing is fetched, no file ids. */
function inputImage({ value, param }: Part) {
  const image = fields(value, param, ['type', 'image_url', 'file_id', 'detail', 'prompt_cache_breakpoint']);
  if (image.file_id !== undefined && image.file_id !== null) {
    throw invalidRequest(
      'unsupported_source',
      `${param}.file_id is not supported: this API stores no files. Send the image as a data: URL in image_url.`,
      `${param}.file_id`,
    );
  }
  return inOpenAiTerms(
    () => dataUrlImage({ url: image.image_url }, param),
    (field) => field.replace(`${param}.url`, `${param}.image_url`),
  );
}

/** `{type: 'function_call', call_id, name, arguments}` with arguments a JSON object as a string. */
function functionCall(item: Record<string, unknown>, { param, config }: ItemContext): ChatContentBlock {
  const toolUse = {
    toolUseId: item.call_id,
    name: item.name,
    input: jsonArguments(item.arguments, `${param}.arguments`),
  };
  return inOpenAiTerms(
    () => contentBlock({ toolUse }, param, { role: 'assistant', clientTools: config.clientTools }),
    (field) =>
      field.replace(`${param}.toolUse.toolUseId`, `${param}.call_id`).replace(`${param}.toolUse.`, `${param}.`),
  );
}

/** `{type: 'function_call_output', call_id, output}`: the output a string or `input_text` parts. */
function functionCallOutput(item: Record<string, unknown>, { param, config }: ItemContext): ChatContentBlock {
  const texts = parts(item.output, `${param}.output`, ['input_text']).map((part) => ({ text: textOf(part) }));
  const toolResult = { toolUseId: item.call_id, content: texts };
  return inOpenAiTerms(
    () => contentBlock({ toolResult }, param, { role: 'user', clientTools: config.clientTools }),
    (field) => field.replace(`${param}.toolResult.toolUseId`, `${param}.call_id`),
  );
}

/**
 * Reasoning sent back: Bedrock needs the model's signature (`encrypted_content`, given with `include:
 * ["reasoning.encrypted_content"]`) to accept it. With text (the content, else the summary) it is signed reasoning;
 * without text it is redacted reasoning (the encrypted bytes). Without `encrypted_content` it cannot be verified and
 * is left out.
 */
function reasoningItem(item: Record<string, unknown>, param: string): ChatContentBlock[] {
  const encrypted = item.encrypted_content ?? undefined;
  const content = reasoningTexts(item.content ?? undefined, `${param}.content`, 'reasoning_text');
  const summary = reasoningTexts(item.summary, `${param}.summary`, 'summary_text');
  if (encrypted === undefined) {
    return [];
  }
  const text = (content.length ? content : summary).join('\n');
  const block = text
    ? { reasoningContent: { reasoningText: { text, signature: encrypted } } }
    : { reasoningContent: { redactedContent: encrypted } };
  return [
    inOpenAiTerms(
      () => contentBlock(block, param, { role: 'assistant', clientTools: true }),
      (field) => (field.startsWith(`${param}.reasoningContent`) ? `${param}.encrypted_content` : field),
    ),
  ];
}

function reasoningTexts(value: unknown, param: string, type: string): string[] {
  if (value === undefined) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw invalidRequest('invalid_type', `${param} must be an array.`, param);
  }
  return value.map((part, i) => {
    const text = fields(part, `${param}[${i}]`, ['type', 'text']);
    oneOf(text.type, [type], `${param}[${i}].type`);
    return nonBlankText(text.text, `${param}[${i}].text`);
  });
}

/**
 * Consecutive items of one side become one Bedrock turn, remembering which input item each block came from for error
 * params. Reasoning left out adds nothing.
 */
class Turns {
  readonly messages: ChatMessage[] = [];
  /** For each turn, the input index of each block. */
  readonly sources: number[][] = [];

  add(role: ChatMessage['role'], source: number, blocks: ChatContentBlock[], param: string): void {
    if (blocks.length === 0) {
      return;
    }
    const last = this.messages[this.messages.length - 1];
    if (last === undefined && role !== 'user') {
      throw invalidRequest(
        'invalid_value',
        'The conversation must start with a user message (after any system and developer messages).',
        param,
      );
    }
    if (last?.role !== role) {
      this.messages.push({ role, content: [] });
      this.sources.push([]);
    }
    this.messages[this.messages.length - 1].content.push(...blocks);
    this.sources[this.sources.length - 1].push(...blocks.map(() => source));
    if (this.messages[this.messages.length - 1].content.length > RequestLimits.MAX_CONTENT_BLOCKS) {
      throw invalidRequest(
        'invalid_value',
        `Consecutive input items of one side may hold at most ${RequestLimits.MAX_CONTENT_BLOCKS} content parts, ` +
          'tool calls and tool outputs together.',
        param,
      );
    }
  }
}

/** Conversation errors name the caller's input item (each block of a turn maps back to the item it came from). */
function blockPath(sources: readonly number[][]): BlockPath {
  return (message, block, field) => {
    const source = sources[message]?.[block];
    const where = source === undefined ? 'input' : `input[${source}]`;
    return field?.startsWith('toolResult') ? `${where}.call_id` : where;
  };
}

/**
 * The hosted tools a request brought, in their own log line: the request's line is the pipeline's, and this names
 * only tool types from the fixed list (rules.ts), never anything else the caller sent.
 */
function logLeftOutTools(types: readonly string[], requestId: string): void {
  if (types.length) {
    const line = { level: 'INFO', message: 'hosted tools left out', requestId, droppedTools: types };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}

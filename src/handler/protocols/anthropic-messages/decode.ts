/**
 * Anthropic's Messages request (`POST /v1/messages`, and `POST /v1/messages/count_tokens`), validated field by field
 * into the neutral ChatRequest. Block, tool, attachment and conversation rules are the shared ones (request/); this
 * file maps Anthropic's shapes onto them and names every error's field in Anthropic's terms, never quoting a value.
 * Each field's rule (used, ignored, dropped, refused) is in rules.ts.
 */
import { randomUUID } from 'crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { messageEncoder, sseEncoder, type AnswerInfo } from './encode';
import { anthropicOutputSchema } from './output-format';
import {
  BEDROCK_BETAS,
  BLOCK_FIELDS,
  BLOCK_TYPES,
  DROPPED_FIELDS,
  IGNORED_FIELDS,
  IMAGE_MEDIA_TYPES,
  MAX_TOP_K,
  OUTPUT_CONFIG_DROPPED,
  REFUSED_FIELDS,
  TOOL_FIELDS,
  USED_FIELDS,
} from './rules';
import type { ChatCachePoint, ChatContentBlock, ChatMessage, ChatRequest, ChatTool, ChatToolChoice } from '../../chat';
import { publicModelId } from '../../chat';
import type { HandlerConfig } from '../../config';
import { ApiError, invalidRequest } from '../../errors';
import { contentBlock } from '../../request/content';
import { checkConversation } from '../../request/conversation';
import { header, readJsonBody } from '../../request/http';
import { boundedArray, fields, isRecord, nonBlankText, oneOf, record } from '../../request/json-shape';
import { checkMessageCount, checkStopSequences, RequestLimits } from '../../request/limits';
import { callerSystemText, checkThinkingRules } from '../../request/operator';
import { effortModelFields, MIN_THINKING_BUDGET, type ReasoningEffort } from '../../request/reasoning';
import { toolField, validateToolChoice, validateTools } from '../../request/tools';
import type { Decode } from '../unit';

const CACHE_POINT: ChatCachePoint = { cachePoint: { type: 'default' } };

/** `POST /v1/messages`: Anthropic's SSE events with `stream: true`, else one Message object. */
export const decodeMessages: Decode = (event, config) => {
  const decoded = decodeMessagesRequest(readJsonBody(event, config.maxRequestBytes), config, requestedBetas(event));
  const answer: AnswerInfo = { id: messageId(event), model: decoded.model };
  return { request: decoded.request, encoder: decoded.stream ? sseEncoder(answer) : messageEncoder(answer) };
};

/** A decoded Messages request: the neutral request and how the caller wants the answer. */
export interface MessagesRequest {
  readonly request: ChatRequest;
  /** The model as the caller named it (echoed in the answer: never an ARN). */
  readonly model: string;
  readonly stream: boolean;
}

/**
 * The request as Bedrock will get it. `counting` is count_tokens' variant: no `max_tokens` (the API's cap stands in)
 * and no `stream`.
 */
export function decodeMessagesRequest(
  value: unknown,
  config: HandlerConfig,
  betas: readonly string[],
  counting = false,
): MessagesRequest {
  const dropped: string[] = [];
  const body = requestBody(value, dropped, counting);
  const modelId = validateModel(body.model, config);
  const choice = anthropicToolChoice(toolField(body, 'tool_choice', config));
  const definedTools = anthropicTools(toolField(body, 'tools', config), dropped);
  // tool_choice none: the model gets no tools (Bedrock has no way to forbid calling the tools it is given).
  const tools = choice === 'none' ? undefined : definedTools;
  const toolChoice = choice === 'none' ? undefined : validToolChoice(choice, tools);
  const messages = conversation(body.messages, config, tools !== undefined, choice === 'none');
  const maxTokens = maxTokensField(body.max_tokens, config.maxTokens, counting);
  const temperature = unitInterval(body.temperature, 'temperature');
  const topP = unitInterval(body.top_p, 'top_p');
  const topK = topKField(body.top_k);
  const modelFields: Record<string, unknown> = {
    ...reasoningFields(body, { modelId, maxTokens, dropped }, config),
  };
  if (topK !== undefined) {
    modelFields.top_k = topK;
  }
  // Thinking (the caller's or the operator's) rules out a changed temperature, top_p or top_k and a forced tool.
  const thinkingFields = { ...modelFields, ...config.additionalModelRequestFields };
  const names = { maxTokens: 'max_tokens', temperature: 'temperature', topP: 'top_p', toolChoice: 'tool_choice' };
  checkThinkingRules({ maxTokens, temperature, topP, toolChoice }, thinkingFields, names);
  checkThinkingRules({ topP: topK }, thinkingFields, { ...names, topP: 'top_k' });
  const context = { claude: modelId.includes('anthropic.'), thinking: modelFields.thinking !== undefined };
  const forwarded = betas.filter((beta) => BEDROCK_BETAS[beta]?.(context));
  betas.filter((beta) => !forwarded.includes(beta)).forEach((beta) => dropped.push(`anthropic-beta:${beta}`));
  if (forwarded.length) {
    modelFields.anthropic_beta = forwarded;
  }
  metadataField(body.metadata);
  outputConfigField(body.output_config, dropped, adaptiveThinking(body.thinking));
  const stops = body.stop_sequences === undefined ? [] : checkStopSequences(body.stop_sequences, 'stop_sequences');
  const callerSystem = systemField(body.system, config);
  return {
    model: body.model as string,
    stream: booleanField(body.stream, 'stream') ?? false,
    request: {
      modelId,
      messages,
      maxTokens,
      temperature: temperature ?? config.temperature,
      topP,
      stopSequences: stops.length ? stops : undefined,
      tools,
      toolChoice,
      outputSchema: anthropicOutputSchema(body),
      callerSystem,
      modelFields: Object.keys(modelFields).length ? modelFields : undefined,
      dropped: dropped.length ? dropped : undefined,
    },
  };
}

/**
 * The `anthropic-beta` header's values (comma-separated, as the Anthropic client and Claude Code send them). They are
 * named in the log line when dropped: a value that is not a beta's name (lowercase letters, digits and hyphens, at
 * most 64) is kept as `(malformed)`, so that a header never writes text of its own choosing into the log.
 */
export function requestedBetas(event: APIGatewayProxyEvent): string[] {
  const names = (header(event, 'anthropic-beta') ?? '')
    .split(',')
    .map((beta) => beta.trim())
    .filter((beta) => beta !== '')
    .map((beta) => (BETA_NAME.test(beta) ? beta : '(malformed)'));
  return [...new Set(names)];
}

const BETA_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Anthropic's message ids start with `msg_`; ours carry the API's request id. */
export function messageId(event: APIGatewayProxyEvent): string {
  return `msg_${(event.requestContext?.requestId ?? randomUUID()).replace(/[^A-Za-z0-9]/g, '')}`;
}

/** The body, each field checked against its rule; the dropped ones are recorded, not sent. */
function requestBody(value: unknown, dropped: string[], counting: boolean): Record<string, unknown> {
  if (!isRecord(value)) {
    throw invalidRequest('invalid_body', 'The request body must be a JSON object with model, messages and max_tokens.');
  }
  for (const key of Object.keys(value)) {
    if (DROPPED_FIELDS.includes(key)) {
      dropped.push(key);
    } else if (REFUSED_FIELDS.includes(key) || (counting && ['stream', 'metadata', 'stop_sequences'].includes(key))) {
      throw unsupported(key);
    } else if (!USED_FIELDS.includes(key) && !IGNORED_FIELDS.includes(key)) {
      throw invalidRequest(
        'unknown_field',
        `The request has a field that this API does not know. Accepted fields: ${USED_FIELDS.join(', ')} ` +
          `(ignored: ${IGNORED_FIELDS.join(', ')}; dropped: ${DROPPED_FIELDS.join(', ')}).`,
      );
    }
  }
  return value;
}

function unsupported(param: string): ApiError {
  return invalidRequest(
    'unsupported_parameter',
    `${param} is not supported by this API (Amazon Bedrock cannot honour it): leave it out.`,
    param,
  );
}

/** One of the allowed ids (an application inference profile also by its public form); else 404 not_found_error. */
function validateModel(value: unknown, config: HandlerConfig): string {
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

/** Required (but for count_tokens), a whole number from 1; above the API's cap it is lowered to the cap. */
function maxTokensField(value: unknown, cap: number, counting: boolean): number {
  if (value === undefined && counting) {
    return cap;
  }
  if (value === undefined) {
    throw invalidRequest('missing_field', 'max_tokens is required.', 'max_tokens');
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalidRequest('invalid_value', 'max_tokens must be a whole number from 1.', 'max_tokens');
  }
  return Math.min(value, cap);
}

function unitInterval(value: unknown, param: string): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw invalidRequest('invalid_value', `${param} must be a number from 0 to 1.`, param);
  }
  return value;
}

function topKField(value: unknown): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_TOP_K) {
    throw invalidRequest('invalid_value', `top_k must be a whole number from 0 to ${MAX_TOP_K}.`, 'top_k');
  }
  return value;
}

function booleanField(value: unknown, param: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') {
    throw invalidRequest('invalid_type', `${param} must be true or false.`, param);
  }
  return value;
}

/**
 * `{type: 'enabled', budget_tokens}` (the budget kept below max_tokens after the API's cap; with less than Claude's
 * minimum budget left, thinking is dropped), `{type: 'adaptive'}`, or `{type: 'disabled'}`. `display` is Anthropic's
 * alone: dropped (the thinking is streamed as the model gives it).
 */
function thinkingField(value: unknown, maxTokens: number, dropped: string[]): Record<string, unknown> | undefined {
  if (value === undefined) {
    return undefined;
  }
  const thinking = fields(value, 'thinking', ['type', 'budget_tokens', 'display']);
  const type = oneOf(thinking.type, ['enabled', 'adaptive', 'disabled'], 'thinking.type');
  if (thinking.display !== undefined) {
    oneOf(thinking.display, ['summarized', 'omitted'], 'thinking.display');
    dropped.push('thinking.display');
  }
  if (type === 'disabled') {
    return undefined;
  }
  if (type === 'adaptive') {
    return { type: 'adaptive' };
  }
  const budget = thinking.budget_tokens;
  if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < MIN_THINKING_BUDGET) {
    throw invalidRequest(
      'invalid_value',
      `thinking.budget_tokens must be a whole number from ${MIN_THINKING_BUDGET}.`,
      'thinking.budget_tokens',
    );
  }
  const kept = Math.min(budget, maxTokens - 1);
  if (kept < MIN_THINKING_BUDGET) {
    dropped.push('thinking');
    return undefined;
  }
  return { type: 'enabled', budget_tokens: kept };
}

/** Anthropic's `output_config.effort` values as the efforts of request/reasoning.ts. */
const ANTHROPIC_EFFORTS: Readonly<Record<string, ReasoningEffort>> = {
  low: 'low',
  medium: 'medium',
  high: 'high',
  max: 'xhigh',
};

/**
 * The caller's thinking as model fields. Adaptive thinking goes through request/reasoning.ts's table with
 * `output_config.effort` (Anthropic's default, high, when absent; then only the adaptive setting is sent to a model
 * that has it): a Claude model up to 4.5 gets a thinking budget, a Nova 2 model its reasoning effort. The effort is
 * used only with adaptive thinking; otherwise it is dropped (outputConfigField).
 */
function reasoningFields(
  body: Record<string, unknown>,
  context: { readonly modelId: string; readonly maxTokens: number; readonly dropped: string[] },
  config: HandlerConfig,
): Record<string, unknown> | undefined {
  const thinking = thinkingField(body.thinking, context.maxTokens, context.dropped);
  if (thinking?.type !== 'adaptive') {
    return thinking && { thinking };
  }
  const effort = anthropicEffort(body.output_config);
  const mapped = effortModelFields(effort ?? 'high', { ...context, param: 'thinking' }, config);
  if (effort === undefined && mapped?.output_config !== undefined) {
    const { output_config: _default, ...rest } = mapped;
    return rest;
  }
  return mapped;
}

/** `output_config.effort`, checked (the rest of `output_config` is outputConfigField's). */
function anthropicEffort(value: unknown): ReasoningEffort | undefined {
  if (!isRecord(value) || value.effort === undefined) {
    return undefined;
  }
  return ANTHROPIC_EFFORTS[oneOf(value.effort, Object.keys(ANTHROPIC_EFFORTS), 'output_config.effort') as string];
}

/** `{user_id}`: accepted (it identifies the caller's user to Anthropic), never sent to Bedrock. */
function metadataField(value: unknown): void {
  if (value === undefined) {
    return;
  }
  const metadata = fields(value, 'metadata', ['user_id']);
  if (metadata.user_id !== undefined && metadata.user_id !== null && typeof metadata.user_id !== 'string') {
    throw invalidRequest('invalid_type', 'metadata.user_id must be a string.', 'metadata.user_id');
  }
}

/**
 * `output_config`: `effort` used with adaptive thinking (reasoningFields), else dropped (rules.ts); `format` is
 * structured output (output-format.ts).
 */
function outputConfigField(value: unknown, dropped: string[], effortUsed: boolean): void {
  if (value === undefined) {
    return;
  }
  const config = record(value, 'output_config');
  for (const key of Object.keys(config)) {
    if (key === 'format') {
      continue;
    }
    if (!OUTPUT_CONFIG_DROPPED.includes(key)) {
      throw unsupported(`output_config.${key}`);
    }
    if (!(key === 'effort' && effortUsed)) {
      dropped.push(`output_config.${key}`);
    }
  }
}

function adaptiveThinking(value: unknown): boolean {
  return isRecord(value) && value.type === 'adaptive';
}

/** `system`: a string or text blocks (with cache points), only where the operator allows callers' system text. */
function systemField(value: unknown, config: HandlerConfig): Array<string | ChatCachePoint> | undefined {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) {
    return undefined;
  }
  if (typeof value === 'string') {
    return [callerSystemText(value, config.allowCallerSystemMessages, 'system')];
  }
  return boundedArray(value, 'system', RequestLimits.MAX_CONTENT_BLOCKS).flatMap((block, i) => {
    const param = `system[${i}]`;
    const text = fields(block, param, BLOCK_FIELDS.text);
    if (text.type !== 'text') {
      throw invalidRequest('invalid_value', `${param}.type must be "text".`, `${param}.type`);
    }
    const kept: Array<string | ChatCachePoint> = [
      callerSystemText(text.text, config.allowCallerSystemMessages, `${param}.text`),
    ];
    return cacheControl(text.cache_control, param) ? [...kept, CACHE_POINT] : kept;
  });
}

/** `cache_control: {type: 'ephemeral', ttl?}`: true when the caller placed a cache point after this block or tool. */
function cacheControl(value: unknown, param: string): boolean {
  if (value === undefined || value === null) {
    return false;
  }
  const control = fields(value, `${param}.cache_control`, ['type', 'ttl']);
  oneOf(control.type, ['ephemeral'], `${param}.cache_control.type`);
  if (control.ttl !== undefined) {
    oneOf(control.ttl, ['5m', '1h'], `${param}.cache_control.ttl`);
  }
  return true;
}

/** `[{name, description?, input_schema, cache_control?}]`: client tools only (a typed server tool is refused). */
function anthropicTools(value: unknown, dropped: string[]): ChatTool[] | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!Array.isArray(value)) {
    throw invalidRequest('invalid_type', 'tools must be an array of tools.', 'tools');
  }
  const cached: boolean[] = [];
  const definitions = value.map((tool, i) => {
    const param = `tools[${i}]`;
    const keys = Object.keys(record(tool, param));
    const fieldsOf = tool as Record<string, unknown>;
    if (fieldsOf.type !== undefined && fieldsOf.type !== 'custom') {
      throw invalidRequest(
        'unsupported_tool',
        `${param} is a server tool: this API runs no tools (only client tools with input_schema).`,
        `${param}.type`,
      );
    }
    if (keys.some((key) => !TOOL_FIELDS.includes(key))) {
      throw invalidRequest('unknown_field', `${param} may only have the fields ${TOOL_FIELDS.join(', ')}.`, param);
    }
    checkToolOptions(fieldsOf, param, dropped);
    cached.push(cacheControl(fieldsOf.cache_control, param));
    return {
      name: fieldsOf.name,
      description: fieldsOf.description,
      inputSchema: fieldsOf.input_schema,
      strict: fieldsOf.strict ?? undefined,
    };
  });
  const tools = inAnthropicTerms(
    () => validateTools(definitions, 'tools'),
    (param) => param.replace(/^(tools\[\d+\])\.inputSchema/, '$1.input_schema'),
  );
  return tools?.map((tool, i) => (cached[i] ? { ...tool, cachePoint: true } : tool));
}

/** A client tool's options (rules.ts TOOL_FIELDS): those that would change the answer are refused. */
function checkToolOptions(tool: Record<string, unknown>, param: string, dropped: string[]): void {
  for (const key of ['strict', 'defer_loading', 'eager_input_streaming']) {
    booleanField(tool[key], `${param}.${key}`);
  }
  if (tool.defer_loading === true) {
    throw unsupported(`${param}.defer_loading`);
  }
  const callers = tool.allowed_callers;
  if (callers !== undefined && !(Array.isArray(callers) && callers.length === 1 && callers[0] === 'direct')) {
    throw unsupported(`${param}.allowed_callers`);
  }
  if (tool.input_examples !== undefined && !dropped.includes('tools.input_examples')) {
    dropped.push('tools.input_examples');
  }
}

/** `{type: auto | any | tool | none, name?, disable_parallel_tool_use?}` (the last has no Bedrock switch: ignored). */
function anthropicToolChoice(value: unknown): ChatToolChoice | 'none' | undefined {
  if (value === undefined) {
    return undefined;
  }
  const choice = fields(value, 'tool_choice', ['type', 'name', 'disable_parallel_tool_use']);
  const type = oneOf(choice.type, ['auto', 'any', 'tool', 'none'], 'tool_choice.type');
  booleanField(choice.disable_parallel_tool_use, 'tool_choice.disable_parallel_tool_use');
  if (type === 'tool') {
    return { tool: choice.name as string };
  }
  return type;
}

function validToolChoice(choice: ChatToolChoice | undefined, tools: ChatTool[] | undefined) {
  return inAnthropicTerms(
    () => validateToolChoice(choice, tools, 'tool_choice'),
    (param) => param.replace('tool_choice.tool', 'tool_choice.name'),
  );
}

/**
 * Runs a shared rule on the Converse shape built from the caller's fields, and names the fields of its errors in
 * Anthropic's terms (`tools[0].inputSchema` -> `tools[0].input_schema`).
 */
function inAnthropicTerms<T>(rule: () => T, rename: (param: string) => string): T {
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

/** A block of a caller's message, where it came from, and whether a cache point follows it. */
interface PlacedBlock {
  readonly block: ChatContentBlock;
  readonly param: string;
  readonly cached: boolean;
}

/**
 * The messages as Bedrock's alternating turns (consecutive messages of one role are one turn, as Anthropic's API
 * combines them), checked by the shared conversation rules, with the caller's cache points after their blocks.
 */
function conversation(value: unknown, config: HandlerConfig, hasTools: boolean, toolsRefused: boolean): ChatMessage[] {
  if (value === undefined) {
    throw invalidRequest('missing_field', 'messages is required (an array of messages).', 'messages');
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw invalidRequest('invalid_value', 'messages must be a non-empty array of messages.', 'messages');
  }
  checkMessageCount(value);
  const turns: Array<{ role: ChatMessage['role']; blocks: PlacedBlock[] }> = [];
  value.forEach((message, i) => {
    const param = `messages[${i}]`;
    const { role, content } = fields(message, param, ['role', 'content']);
    const side = oneOf(role, ['user', 'assistant'], `${param}.role`);
    if (turns.length === 0 && side !== 'user') {
      throw invalidRequest('invalid_value', 'The conversation must start with a user message.', `${param}.role`);
    }
    const blocks = messageBlocks(content, side, `${param}.content`, config);
    const last = turns[turns.length - 1];
    if (last?.role === side) {
      last.blocks.push(...blocks);
    } else {
      turns.push({ role: side, blocks });
    }
    if (turns[turns.length - 1].blocks.length > RequestLimits.MAX_CONTENT_BLOCKS) {
      throw invalidRequest(
        'invalid_value',
        `Consecutive messages of one role may hold at most ${RequestLimits.MAX_CONTENT_BLOCKS} blocks together.`,
        param,
      );
    }
  });
  const plain = turns.map((turn) => ({ role: turn.role, content: turn.blocks.map((placed) => placed.block) }));
  if (toolsRefused && plain.some((m) => m.content.some((b) => 'toolUse' in b || 'toolResult' in b))) {
    throw invalidRequest(
      'unsupported_value',
      'tool_choice "none" cannot be combined with tool_use or tool_result blocks on this API: use "auto".',
      'tool_choice',
    );
  }
  checkConversation(
    plain,
    (turn, block, field) => {
      const param = turns[turn]?.blocks[block]?.param ?? 'messages';
      return field?.startsWith('toolResult') ? `${param}.tool_use_id` : param;
    },
    hasTools,
  );
  return turns.map((turn) => ({
    role: turn.role,
    content: turn.blocks.flatMap((placed) => (placed.cached ? [placed.block, CACHE_POINT] : [placed.block])),
  }));
}

/** A message's content: a string (one text block) or 1 to MAX_CONTENT_BLOCKS blocks. */
function messageBlocks(value: unknown, role: ChatMessage['role'], param: string, config: HandlerConfig): PlacedBlock[] {
  if (typeof value === 'string') {
    return [{ block: { text: nonBlankText(value, param) }, param, cached: false }];
  }
  return boundedArray(value, param, RequestLimits.MAX_CONTENT_BLOCKS).map((block, j) => {
    const blockParam = `${param}[${j}]`;
    const type = record(block, blockParam).type;
    if (typeof type !== 'string' || !BLOCK_TYPES.includes(type)) {
      throw invalidRequest(
        'invalid_value',
        `${blockParam}.type must be one of: ${BLOCK_TYPES.join(', ')} (this API runs no server tools).`,
        `${blockParam}.type`,
      );
    }
    const source = fields(block, blockParam, BLOCK_FIELDS[type]);
    const converse = BLOCK_MAPPERS[type](source, blockParam);
    const checked = inAnthropicTerms(
      () => contentBlock(converse, blockParam, { role, clientTools: config.clientTools }),
      (field) => renameBlockField(field, blockParam),
    );
    return { block: checked, param: blockParam, cached: cacheControl(source.cache_control, blockParam) };
  });
}

/** The shared rules' field names in a block (`image.source.bytes`) as Anthropic's (`source.data`). */
const BLOCK_FIELD_NAMES: ReadonlyArray<[string, string]> = [
  ['.image.source.bytes', '.source.data'],
  ['.image.format', '.source.media_type'],
  ['.document.source.bytes', '.source.data'],
  ['.document.format', '.source.media_type'],
  ['.document.name', '.title'],
  ['.toolUse.toolUseId', '.id'],
  ['.toolUse.name', '.name'],
  ['.toolUse.input', '.input'],
  ['.toolResult.toolUseId', '.tool_use_id'],
  ['.toolResult.content', '.content'],
  ['.reasoningContent.reasoningText.text', '.thinking'],
  ['.reasoningContent.reasoningText.signature', '.signature'],
  ['.reasoningContent.redactedContent', '.data'],
];

function renameBlockField(field: string, param: string): string {
  for (const [ours, theirs] of BLOCK_FIELD_NAMES) {
    if (field.startsWith(param + ours)) {
      return param + theirs + field.slice(param.length + ours.length);
    }
  }
  return field;
}

type BlockMapper = (block: Record<string, unknown>, param: string) => Record<string, unknown>;

/** Each Anthropic block type as the Converse block the shared rules validate. */
const BLOCK_MAPPERS: Readonly<Record<string, BlockMapper>> = {
  text: (block) => ({ text: block.text }),
  image: (block, param) => {
    const source = base64Source(block.source, `${param}.source`, ['base64']);
    return {
      image: {
        format: mediaType(source.media_type, IMAGE_MEDIA_TYPES, `${param}.source.media_type`),
        source: { bytes: source.data },
      },
    };
  },
  document: (block, param) => {
    const source = base64Source(block.source, `${param}.source`, ['base64', 'text']);
    const format =
      source.type === 'text'
        ? mediaType(source.media_type, { 'text/plain': 'txt' }, `${param}.source.media_type`)
        : mediaType(source.media_type, { 'application/pdf': 'pdf' }, `${param}.source.media_type`);
    const data =
      source.type === 'text' && typeof source.data === 'string'
        ? Buffer.from(source.data, 'utf8').toString('base64')
        : source.data;
    return { document: { format, name: documentName(block.title, param), source: { bytes: data } } };
  },
  tool_use: (block) => ({ toolUse: { toolUseId: block.id, name: block.name, input: block.input } }),
  tool_result: (block, param) => ({
    toolResult: {
      toolUseId: block.tool_use_id,
      content: toolResultContent(block.content, `${param}.content`),
      status: booleanField(block.is_error, `${param}.is_error`) ? 'error' : 'success',
    },
  }),
  thinking: (block) => ({
    reasoningContent: { reasoningText: { text: block.thinking, signature: block.signature } },
  }),
  redacted_thinking: (block) => ({ reasoningContent: { redactedContent: block.data } }),
};

/** Only inline sources: URLs and Files API ids are never fetched on a caller's behalf. */
function base64Source(value: unknown, param: string, types: readonly string[]): Record<string, unknown> {
  const source = record(value, param);
  if (!types.includes(source.type as string)) {
    throw invalidRequest(
      'unsupported_source',
      `${param}.type must be ${types.map((t) => `"${t}"`).join(' or ')}: URLs and file ids are not fetched.`,
      `${param}.type`,
    );
  }
  return fields(source, param, ['type', 'media_type', 'data']);
}

function mediaType(value: unknown, formats: Readonly<Record<string, string>>, param: string): string {
  const format = typeof value === 'string' ? formats[value] : undefined;
  if (format === undefined) {
    throw invalidRequest('invalid_value', `${param} must be one of: ${Object.keys(formats).join(', ')}.`, param);
  }
  return format;
}

/** Bedrock's document names allow few characters: the title where it fits them, else a neutral name. */
function documentName(title: unknown, param: string): string {
  const fits = typeof title === 'string' && /^(?=.*[^ ])(?!.* {2})[A-Za-z0-9 ()[\]-]{1,200}$/.test(title);
  return fits ? title : `Document ${param.replace(/\D+/g, ' ').trim().replace(/ /g, '-')}`;
}

/** A string or text blocks; without any text (an empty result) an empty JSON object stands in. */
function toolResultContent(value: unknown, param: string): Array<{ text: unknown } | { json: object }> {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) {
    return [{ json: {} }];
  }
  if (typeof value === 'string') {
    return [{ text: value }];
  }
  return boundedArray(value, param, RequestLimits.MAX_CONTENT_BLOCKS).map((item, k) => {
    const itemParam = `${param}[${k}]`;
    const text = fields(item, itemParam, BLOCK_FIELDS.text);
    if (text.type !== 'text') {
      throw invalidRequest(
        'unsupported_value',
        `${itemParam}.type must be "text": tool results carry text only on this API.`,
        `${itemParam}.type`,
      );
    }
    return { text: text.text };
  });
}

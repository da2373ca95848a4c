/**
 * The native protocol's request: `{prompt}` or `{messages}` plus inference parameters and client tools, validated
 * field by field into the neutral ChatRequest. The block, tool and attachment rules are shared (request/);
 * errors name the field (our words) but never quote its value.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { ChatContentBlock, ChatMessage, ChatRequest } from '../../chat';
import type { HandlerConfig } from '../../config';
import { invalidRequest } from '../../errors';
import { contentBlock, type BlockContext } from '../../request/content';
import { checkConversation } from '../../request/conversation';
import { header, readJsonBody } from '../../request/http';
import { nonBlankText } from '../../request/json-shape';
import { checkMessageCount, checkStopSequences, RequestLimits } from '../../request/limits';
import { checkThinkingRules, validateModelId } from '../../request/operator';
import { validateOutputSchema } from '../../request/output-schema';
import { effortField, effortModelFields } from '../../request/reasoning';
import { toolField, validateToolChoice, validateTools } from '../../request/tools';
import type { Decode } from '../unit';
import { jsonAnswerEncoder, negotiateFormat } from './encode';
import { ALLOWED_FIELDS, FORBIDDEN_FIELDS, blockPath } from './rules';

/** `POST /stream` by Accept, `POST /buffered` always the one JSON answer. */
export const decodeNative: Decode = (event: APIGatewayProxyEvent, config, endpoint) => {
  const request = validateChatRequest(readJsonBody(event, config.maxRequestBytes), config);
  const format = endpoint === 'buffered' ? jsonAnswerEncoder : negotiateFormat(header(event, 'accept'));
  return { request, encoder: format(request) };
};

export function validateChatRequest(value: unknown, config: HandlerConfig): ChatRequest {
  const body = requestBody(value);
  const modelId = validateModelId(body.modelId, config);
  const tools = validateTools(toolField(body, 'tools', config), 'tools');
  const toolChoice = validateToolChoice(toolField(body, 'toolChoice', config), tools, 'toolChoice');
  const messages = validateConversation(body.prompt, body.messages, config.clientTools);
  checkConversation(messages, blockPath, tools !== undefined);
  const temperature = optionalUnitInterval(body.temperature, 'temperature');
  const topP = optionalUnitInterval(body.topP, 'topP');
  const maxTokens = validateMaxTokens(body.maxTokens, config.maxTokens);
  const dropped: string[] = [];
  const effort = effortField(body.reasoningEffort, 'reasoningEffort');
  const modelFields = effortModelFields(effort, { modelId, maxTokens, param: 'reasoningEffort', dropped }, config);
  checkThinkingRules(
    { maxTokens: body.maxTokens as number | undefined, temperature, topP, toolChoice },
    { ...modelFields, ...config.additionalModelRequestFields },
    {
      maxTokens: 'maxTokens',
      temperature: 'temperature',
      topP: 'topP',
      toolChoice: 'toolChoice',
    },
  );
  return {
    modelId,
    messages,
    maxTokens,
    temperature: temperature ?? config.temperature,
    topP,
    stopSequences: validateStopSequences(body.stopSequences),
    tools,
    toolChoice,
    outputSchema: validateOutputSchema(body.outputSchema, 'outputSchema'),
    modelFields,
    dropped: dropped.length ? dropped : undefined,
  };
}

function requestBody(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidRequest('invalid_body', 'The request body must be a JSON object with a prompt or messages.');
  }
  const body = value as Record<string, unknown>;
  for (const key of Object.keys(body)) {
    if (ALLOWED_FIELDS.includes(key)) {
      continue;
    }
    if (Object.prototype.hasOwnProperty.call(FORBIDDEN_FIELDS, key)) {
      throw invalidRequest('unknown_field', FORBIDDEN_FIELDS[key], key);
    }
    throw invalidRequest(
      'unknown_field',
      `The request has a field that is not accepted. Accepted fields: ${ALLOWED_FIELDS.join(', ')}.`,
    );
  }
  return body;
}

function validateConversation(prompt: unknown, messages: unknown, clientTools: boolean): ChatMessage[] {
  if (prompt !== undefined && messages !== undefined) {
    throw invalidRequest('invalid_body', 'Send either prompt or messages, not both.');
  }
  if (prompt !== undefined) {
    return [{ role: 'user', content: [{ text: nonBlankText(prompt, 'prompt') }] }];
  }
  if (messages === undefined) {
    throw invalidRequest('missing_field', 'The request needs a prompt (a string) or messages (an array).', 'prompt');
  }
  if (!Array.isArray(messages)) {
    throw invalidRequest('invalid_type', 'messages must be an array of {role, content} objects.', 'messages');
  }
  if (messages.length === 0) {
    throw invalidRequest('invalid_value', 'messages must not be empty.', 'messages');
  }
  checkMessageCount(messages);
  return messages.map((message, i) => validateMessage(message, i, messages[i - 1], clientTools));
}

function validateMessage(value: unknown, index: number, previous: unknown, clientTools: boolean): ChatMessage {
  const param = `messages[${index}]`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidRequest('invalid_type', 'Each message must be an object with role and content.', param);
  }
  const message = value as Record<string, unknown>;
  if (Object.keys(message).some((key) => key !== 'role' && key !== 'content')) {
    throw invalidRequest('unknown_field', 'A message may only have the fields role and content.', param);
  }
  const role = message.role;
  if (role === 'system') {
    throw invalidRequest(
      'invalid_value',
      'The system role is not accepted: the system prompt is set by the API.',
      `${param}.role`,
    );
  }
  if (role !== 'user' && role !== 'assistant') {
    throw invalidRequest('invalid_value', "role must be 'user' or 'assistant'.", `${param}.role`);
  }
  if (index === 0 && role !== 'user') {
    throw invalidRequest('invalid_value', 'The conversation must start with a user message.', `${param}.role`);
  }
  if (previous !== undefined && (previous as Record<string, unknown>).role === role) {
    throw invalidRequest('invalid_value', 'Messages must alternate between user and assistant.', `${param}.role`);
  }
  return { role, content: validateContent(message.content, `${param}.content`, { role, clientTools }) };
}

function validateContent(value: unknown, param: string, context: BlockContext): ChatContentBlock[] {
  if (typeof value === 'string') {
    return [{ text: nonBlankText(value, param) }];
  }
  if (!Array.isArray(value)) {
    throw invalidRequest('invalid_type', 'content must be a string or an array of content blocks.', param);
  }
  const max = RequestLimits.MAX_CONTENT_BLOCKS;
  if (value.length === 0 || value.length > max) {
    throw invalidRequest('invalid_value', `content must hold 1 to ${max} content blocks.`, param);
  }
  return value.map((block, i) => contentBlock(block, `${param}[${i}]`, context));
}

function validateMaxTokens(value: unknown, cap: number): number {
  if (value === undefined) {
    return cap;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > cap) {
    throw invalidRequest('invalid_value', `maxTokens must be a whole number from 1 to ${cap}.`, 'maxTokens');
  }
  return value;
}

function optionalUnitInterval(value: unknown, param: string): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw invalidRequest('invalid_value', `${param} must be a number from 0 to 1.`, param);
  }
  return value;
}

function validateStopSequences(value: unknown): string[] | undefined {
  return value === undefined ? undefined : checkStopSequences(value, 'stopSequences');
}

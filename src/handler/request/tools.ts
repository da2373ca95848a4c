/** Client tools: definitions, tool choice, and the refusal when the operator turned them off. */
import type { ChatTool, ChatToolChoice } from '../chat';
import type { HandlerConfig } from '../config';
import { ApiError, invalidRequest } from '../errors';
import { boundedArray, fields, identifier, jsonObject } from './json-shape';
import { RequestLimits } from './limits';

export function toolsDisabled(param: string): ApiError {
  return invalidRequest(
    'tools_disabled',
    'Tool use is turned off for this API: tools, tool choice, tool calls and tool results are not accepted.',
    param,
  );
}

/**
 * Tool definitions: unique names of Bedrock's pattern, an optional description, a JSON-schema object, and `strict`
 * (strict tool use) when true.
 */
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
  const tool = fields(value, param, ['name', 'description', 'inputSchema', 'strict']);
  return {
    name: identifier(tool.name, `${param}.name`),
    description: tool.description === undefined ? undefined : toolDescription(tool.description, `${param}.description`),
    inputSchema: toolSchema(tool.inputSchema, `${param}.inputSchema`),
    ...(strictTool(tool.strict, `${param}.strict`) ? { strict: true } : {}),
  };
}

/** `strict`: a boolean (absent is false, Bedrock's default). */
function strictTool(value: unknown, param: string): boolean {
  if (value !== undefined && typeof value !== 'boolean') {
    throw invalidRequest('invalid_type', `${param} must be a boolean.`, param);
  }
  return value === true;
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

/** A tool field of the body (`tools`, `toolChoice`, OpenAI's `tool_choice`), refused when client tools are off. */
export function toolField(body: Record<string, unknown>, name: string, config: HandlerConfig): unknown {
  if (body[name] !== undefined && !config.clientTools) {
    throw toolsDisabled(name);
  }
  return body[name];
}

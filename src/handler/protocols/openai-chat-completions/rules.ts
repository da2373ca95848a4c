/**
 * Every field of OpenAI's request has one rule here: used, ignored (harmless), or refused (it would change the answer
 * and Bedrock cannot honour it); and the fields of each message role.
 */
import type { ImageFormat } from '../../chat';
import { isRecord } from '../../request/json-shape';

/** Fields this API uses. */
export const USED_FIELDS = [
  'model',
  'messages',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'tools',
  'tool_choice',
  'stream',
  'stream_options',
  'response_format',
  'reasoning_effort',
];

/** Fields that do not change the answer (identification, storage, billing and cache hints): accepted and ignored. */
export const IGNORED_FIELDS = [
  'user',
  'safety_identifier',
  'metadata',
  'store',
  'service_tier',
  'prompt_cache_key',
  'prompt_cache_retention',
];

/**
 * Fields that change the answer and that Bedrock cannot honour: refused (400 `unsupported_parameter`), unless the
 * value is the one that changes nothing (OpenAI's default), which is accepted. `null` is absent for every field.
 */
export const UNSUPPORTED_FIELDS: Readonly<Record<string, (value: unknown) => boolean>> = {
  n: (value) => value === 1,
  logprobs: (value) => value === false,
  top_logprobs: (value) => value === 0,
  modalities: (value) => Array.isArray(value) && value.length === 1 && value[0] === 'text',
  audio: () => false,
  functions: () => false,
  function_call: () => false,
  seed: () => false,
  frequency_penalty: (value) => value === 0,
  presence_penalty: (value) => value === 0,
  logit_bias: (value) => isRecord(value) && Object.keys(value).length === 0,
  prediction: () => false,
  web_search_options: () => false,
  verbosity: () => false,
  parallel_tool_calls: (value) => value === true,
};

export type Role = 'user' | 'assistant' | 'tool';

/** The fields of each role (`name` is accepted and ignored: Bedrock has no participant names). */
export const MESSAGE_FIELDS: Record<Role | 'system' | 'all', readonly string[]> = {
  system: ['role', 'content', 'name'],
  user: ['role', 'content', 'name'],
  assistant: ['role', 'content', 'name', 'tool_calls', 'refusal'],
  tool: ['role', 'content', 'tool_call_id'],
  all: ['role', 'content', 'name', 'tool_calls', 'refusal', 'tool_call_id', 'audio', 'function_call'],
};

/** The tool fields a shared rule names, in OpenAI's terms. */
export const TOOL_FIELDS: Readonly<Record<string, string>> = {
  name: 'function.name',
  description: 'function.description',
  inputSchema: 'function.parameters',
  strict: 'function.strict',
};

export const IMAGE_MEDIA_TYPES: Readonly<Record<string, ImageFormat>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

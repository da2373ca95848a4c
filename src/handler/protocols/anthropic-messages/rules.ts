/**
 * Every field of Anthropic's Messages request has one rule here: used, ignored (it does not change the answer),
 * dropped by a documented rule (it only tunes the client's own context handling; logged), or refused (it would
 * change the answer and Bedrock cannot honour it). Also the block types, the betas passed on to Bedrock, and how the
 * API's errors are typed in Anthropic's terms. docs/protocol-anthropic-messages.md tells the same rules to callers.
 */
import type { ImageFormat } from '../../chat';

/** Fields this API uses. */
export const USED_FIELDS = [
  'model',
  'messages',
  'max_tokens',
  'system',
  'temperature',
  'top_p',
  'top_k',
  'stop_sequences',
  'tools',
  'tool_choice',
  'thinking',
  'stream',
  'metadata',
  'output_config',
  'output_format',
];

/** Fields that do not change the answer (billing tier, where Anthropic would run it): accepted and ignored. */
export const IGNORED_FIELDS = ['service_tier', 'inference_geo'];

/**
 * Fields that only tune how the client manages its context window (Claude Code's `clear_thinking` edits): left out
 * of the Bedrock call, which refuses them ("Extra inputs are not permitted"), and named in the log line.
 */
export const DROPPED_FIELDS = ['context_management'];

/** Fields that ask for something this API does not do (server-side tools, containers). */
export const REFUSED_FIELDS = ['mcp_servers', 'container'];

/**
 * `output_config` keys: `effort` is dropped unless thinking is adaptive (then request/reasoning.ts maps it); `format`
 * is structured output (output-format.ts).
 */
export const OUTPUT_CONFIG_DROPPED = ['effort'];

/** The betas passed on to Bedrock (its `anthropic_beta` model field), each only where it is safe. */
export const BEDROCK_BETAS: Readonly<Record<string, (context: BetaContext) => boolean>> = {
  // Thinking between tool calls: only meaningful, and only accepted, with thinking on a Claude model.
  'interleaved-thinking-2025-05-14': (context) => context.claude && context.thinking,
};

export interface BetaContext {
  /** The model is a Claude model (its id names `anthropic.`). */
  readonly claude: boolean;
  /** The request turns thinking on. */
  readonly thinking: boolean;
}

/** Claude's largest top_k on Bedrock. */
export const MAX_TOP_K = 500;

/** Content block types a message may carry, and the role of each (Converse's rules: request/content.ts). */
export const BLOCK_TYPES = ['text', 'image', 'document', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking'];

/** Block fields by type (`cache_control` on every one; `citations` are accepted on text and ignored). */
export const BLOCK_FIELDS: Readonly<Record<string, readonly string[]>> = {
  text: ['type', 'text', 'cache_control', 'citations'],
  image: ['type', 'source', 'cache_control'],
  document: ['type', 'source', 'title', 'context', 'citations', 'cache_control'],
  tool_use: ['type', 'id', 'name', 'input', 'cache_control', 'caller'],
  tool_result: ['type', 'tool_use_id', 'content', 'is_error', 'cache_control'],
  thinking: ['type', 'thinking', 'signature'],
  redacted_thinking: ['type', 'data'],
};

/**
 * Client tool fields (`type` is `custom` or absent; any other type is a server tool, which is refused).
 * `eager_input_streaming` is ignored (tool input is sent whole, once complete); `input_examples` is dropped (only a
 * hint to the model; Bedrock's tool spec has no place for it); `strict: true` is strict tool use; `defer_loading` is
 * accepted when false, `allowed_callers` when it is only `direct` (tool search and programmatic calls are not served).
 */
export const TOOL_FIELDS = [
  'type',
  'name',
  'description',
  'input_schema',
  'cache_control',
  'strict',
  'eager_input_streaming',
  'input_examples',
  'defer_loading',
  'allowed_callers',
];

export const IMAGE_MEDIA_TYPES: Readonly<Record<string, ImageFormat>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

/** Anthropic's error type for a status (the API's errors keep their status; only the type is Anthropic's). */
export function anthropicErrorType(status: number, code: string): string {
  const byStatus: Readonly<Record<number, string>> = {
    401: 'authentication_error',
    403: 'permission_error',
    404: 'not_found_error',
    413: 'request_too_large',
    429: 'rate_limit_error',
    503: 'overloaded_error',
    504: 'timeout_error',
  };
  if (byStatus[status]) {
    return byStatus[status];
  }
  if (status >= 500 || code === 'internal_error') {
    return 'api_error';
  }
  return 'invalid_request_error';
}

/** The status of an error told in the stream (only its code is known there): the same types as before it. */
export function statusOfCode(code: string): number {
  const byCode: Readonly<Record<string, number>> = {
    upstream_throttled: 429,
    budget_exceeded: 429,
    rate_limited: 429,
    upstream_unavailable: 503,
    upstream_timeout: 504,
    timeout: 504,
    idle_timeout: 504,
  };
  return byCode[code] ?? 500;
}

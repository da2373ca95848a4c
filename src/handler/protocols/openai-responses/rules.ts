/**
 * Every field of OpenAI's Responses request has one rule here: used, ignored (harmless), refused because it needs
 * stored state (this API stores nothing), or refused unless it has the value that changes nothing. And the tool types
 * the API leaves out of the model's tools: tools OpenAI runs on its own side (or that Bedrock has no form for).
 */

/** Fields this API uses. */
export const USED_FIELDS = [
  'model',
  'input',
  'instructions',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'max_output_tokens',
  'temperature',
  'top_p',
  'reasoning',
  'text',
  'stream',
  'stream_options',
  'include',
  'store',
  'truncation',
];

/** Fields that do not change the answer (identification, billing and cache hints): accepted and ignored. */
export const IGNORED_FIELDS = [
  'user',
  'metadata',
  'safety_identifier',
  'service_tier',
  'prompt_cache_key',
  'prompt_cache_retention',
  'prompt_cache_options',
  'client_metadata',
];

/**
 * Fields that need a response or conversation stored on the server: refused with a message saying so, unless the
 * value asks for nothing stored.
 */
export const STORED_STATE_FIELDS: Readonly<Record<string, (value: unknown) => boolean>> = {
  store: (value) => value === false,
  previous_response_id: () => false,
  conversation: () => false,
  prompt: () => false,
  background: (value) => value === false,
};

/**
 * Fields that change the answer and that Bedrock cannot honour: refused (400 `unsupported_parameter`), unless the
 * value is the one that changes nothing. `null` is absent for every field.
 */
export const UNSUPPORTED_FIELDS: Readonly<Record<string, (value: unknown) => boolean>> = {
  top_logprobs: (value) => value === 0,
  max_tool_calls: () => false,
  context_management: () => false,
  moderation: () => false,
  image: () => false,
  access_programs: () => false,
  background_options: () => false,
};

/**
 * Tool types the model never gets: OpenAI runs them on its side (web and file search, code interpreter, image
 * generation, computer use, remote MCP, tool search), or they have no form in Bedrock's tool list (groups of
 * functions in a `namespace`, freeform `custom` tools, OpenAI's own shell and patch tools). They are left out of the
 * model's tools and named in the log; a `tool_choice` that forces one is refused.
 */
export const LEFT_OUT_TOOL_TYPES: readonly string[] = [
  'web_search',
  'web_search_2025_08_26',
  'web_search_preview',
  'web_search_preview_2025_03_11',
  'file_search',
  'code_interpreter',
  'image_generation',
  'computer',
  'computer_use',
  'computer_use_preview',
  'mcp',
  'tool_search',
  'programmatic_tool_calling',
  'local_shell',
  'shell',
  'apply_patch',
  'custom',
  'namespace',
];

/** The fields of a function tool (`strict: true` is strict tool use). */
export const FUNCTION_TOOL_FIELDS = ['type', 'name', 'description', 'parameters', 'strict'];

/** What `include` may name (OpenAI's list); only `reasoning.encrypted_content` changes this API's answer. */
export const INCLUDABLE: readonly string[] = [
  'reasoning.encrypted_content',
  'message.output_text.logprobs',
  'message.input_image.image_url',
  'file_search_call.results',
  'web_search_call.results',
  'web_search_call.action.sources',
  'computer_call_output.output.image_url',
  'code_interpreter_call.outputs',
];

export const REASONING_SUMMARIES = ['auto', 'concise', 'detailed'];

/**
 * The fields of each input item type, beside `type`. An item's `id` and `status` are accepted and ignored, and so is
 * `parsed_arguments`, which the openai client's stream helper adds to the function calls it returns.
 */
export const ITEM_FIELDS: Readonly<Record<string, readonly string[]>> = {
  message: ['type', 'role', 'content', 'id', 'status', 'phase'],
  function_call: ['type', 'call_id', 'name', 'arguments', 'id', 'status', 'parsed_arguments'],
  function_call_output: ['type', 'call_id', 'output', 'id', 'status'],
  reasoning: ['type', 'summary', 'content', 'encrypted_content', 'id', 'status'],
};

/** The fields of a text part; `parsed` is the openai client's (its stream helper adds it to output text). */
export const TEXT_PART_FIELDS = ['type', 'text', 'annotations', 'logprobs', 'prompt_cache_breakpoint', 'parsed'];

/** Input items that point at something stored on the server. */
export const STORED_ITEM_TYPES = ['item_reference'];

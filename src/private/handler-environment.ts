/**
 * The contract between the construct and the default handler: the environment variables the construct sets
 * and the handler reads. Kept free of aws-cdk-lib imports so that the handler bundle can import it too.
 */
export const HandlerEnvironment = {
  /** Default Bedrock model id or inference profile id. */
  MODEL_ID: 'SBA_MODEL_ID',
  /** JSON array of model ids callers may choose per request (includes MODEL_ID). */
  ALLOWED_MODEL_IDS: 'SBA_ALLOWED_MODEL_IDS',
  /** Server-side cap and default for `maxTokens`. */
  MAX_TOKENS: 'SBA_MAX_TOKENS',
  /** Default sampling temperature for requests that name none. */
  TEMPERATURE: 'SBA_TEMPERATURE',
  /** System prompt from props; never from the request. */
  SYSTEM_PROMPT: 'SBA_SYSTEM_PROMPT',
  /** Request body cap in bytes, checked before parsing. */
  MAX_REQUEST_BYTES: 'SBA_MAX_REQUEST_BYTES',
  /** JSON array of allowed CORS origins (`*` allowed); absent or empty = no CORS headers. */
  CORS_ALLOW_ORIGINS: 'SBA_CORS_ALLOW_ORIGINS',
  /** `true` when CORS responses may carry credentials. */
  CORS_ALLOW_CREDENTIALS: 'SBA_CORS_ALLOW_CREDENTIALS',
  /** Guardrail identifier (id or ARN). */
  GUARDRAIL_ID: 'SBA_GUARDRAIL_ID',
  /** Guardrail version (a number or DRAFT). */
  GUARDRAIL_VERSION: 'SBA_GUARDRAIL_VERSION',
  /** `sync` or `async`. */
  GUARDRAIL_STREAM_MODE: 'SBA_GUARDRAIL_STREAM_MODE',
  /** `enabled` to ask Bedrock for the guardrail trace. */
  GUARDRAIL_TRACE: 'SBA_GUARDRAIL_TRACE',
  /** `true` to log prompts and answers (off by default). */
  LOG_CONTENT: 'SBA_LOG_CONTENT',
  /** CloudWatch namespace of the EMF metrics. */
  METRICS_NAMESPACE: 'SBA_METRICS_NAMESPACE',
  /** Milliseconds of model silence after which an SSE heartbeat comment is sent. */
  HEARTBEAT_MS: 'SBA_HEARTBEAT_MS',
} as const;

/** Defaults shared by the construct (for docs and env values) and the handler (when a variable is absent). */
export const HandlerDefaults = {
  MAX_TOKENS: 1024,
  MAX_REQUEST_BYTES: 256 * 1024,
  METRICS_NAMESPACE: 'StreamingBedrockApi',
  HEARTBEAT_MS: 10_000,
} as const;

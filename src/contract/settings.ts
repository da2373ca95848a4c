/**
 * The default handler's settings, in one shape: the construct maps its props to it, the local runner its flags; it
 * travels as environment variables (`handlerEnvironment`) and the handler reads it back (`readHandlerSettings`), then
 * applies the defaults (handler/config.ts). Tests and benches set it the same way. Written once here.
 */
import { BUDGET_LIMITS, budgetLimitCounter, isBudgetLimit, isTokenLimit, type BudgetLimits } from './budget';
import { KeyCacheDefaults } from './keys';
import { decodePrice, encodePrice, type ModelPrice } from './pricing';

/** Names of the environment variables the default handler reads. */
export const HandlerEnvironment = {
  /** Default Bedrock model id or inference profile id. */
  MODEL_ID: 'SBA_MODEL_ID',
  /** JSON array of model ids callers may choose per request (includes MODEL_ID). */
  ALLOWED_MODEL_IDS: 'SBA_ALLOWED_MODEL_IDS',
  /** JSON array of model ids tried in order when the asked model is throttled or unavailable before its answer. */
  FALLBACK_MODEL_IDS: 'SBA_FALLBACK_MODEL_IDS',
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
  /** Milliseconds of model silence after which a streaming format's keep-alive bytes are sent. */
  HEARTBEAT_MS: 'SBA_HEARTBEAT_MS',
  /**
   * Milliseconds of model silence after which a format without keep-alive bytes (text/plain) is ended with an error,
   * before API Gateway's idle timeout cuts it. Not set by the construct; tests shorten it.
   */
  IDLE_LIMIT_MS: 'SBA_IDLE_LIMIT_MS',
  /** `true` to put a cache point after the system prompt (and after the tools when a request has tools). */
  PROMPT_CACHING: 'SBA_PROMPT_CACHING',
  /** JSON object sent as Converse `additionalModelRequestFields` with every request (operator-only, e.g. reasoning). */
  ADDITIONAL_MODEL_REQUEST_FIELDS: 'SBA_ADDITIONAL_MODEL_REQUEST_FIELDS',
  /** `false` to refuse client-side tool use (tools, toolChoice, toolUse and toolResult blocks). On when absent. */
  CLIENT_TOOLS: 'SBA_CLIENT_TOOLS',
  /** `true` to let OpenAI and AI SDK callers add system messages after the system prompt. */
  CALLER_SYSTEM_MESSAGES: 'SBA_CALLER_SYSTEM_MESSAGES',
  /** Name of the DynamoDB table holding the token budget ledger (budget.ts); absent = no budgets. */
  BUDGET_TABLE: 'SBA_BUDGET_TABLE',
  /** Tokens each caller may use per UTC day, unless the caller's limits item says otherwise. */
  BUDGET_TOKENS_PER_DAY: 'SBA_BUDGET_TOKENS_PER_DAY',
  /** Tokens each caller may use per UTC calendar month, unless the caller's limits item says otherwise. */
  BUDGET_TOKENS_PER_MONTH: 'SBA_BUDGET_TOKENS_PER_MONTH',
  /** Requests each caller may make per UTC minute, unless the caller's limits item says otherwise. */
  BUDGET_REQUESTS_PER_MINUTE: 'SBA_BUDGET_REQUESTS_PER_MINUTE',
  /** Tokens each caller may use per UTC minute, unless the caller's limits item says otherwise. */
  BUDGET_TOKENS_PER_MINUTE: 'SBA_BUDGET_TOKENS_PER_MINUTE',
  /** USD each caller may spend per UTC day, unless the caller's limits item says otherwise. */
  BUDGET_SPEND_PER_DAY: 'SBA_BUDGET_SPEND_PER_DAY',
  /** USD each caller may spend per UTC calendar month, unless the caller's limits item says otherwise. */
  BUDGET_SPEND_PER_MONTH: 'SBA_BUDGET_SPEND_PER_MONTH',
  /** `true` to answer unmetered when the ledger cannot be reached (503 otherwise). */
  BUDGET_FAIL_OPEN: 'SBA_BUDGET_FAIL_OPEN',
  /** JSON object: model id to `[input, output, cacheRead?, cacheWrite?]` USD per million tokens. */
  PRICING: 'SBA_PRICING',
  /** Name of the DynamoDB table of managed keys (keys.ts); absent = no managed keys. */
  KEY_TABLE: 'SBA_KEY_TABLE',
  /** Milliseconds the handler may keep a key lookup (found or not): the revocation bound. */
  KEY_CACHE_TTL_MS: 'SBA_KEY_CACHE_TTL_MS',
} as const;

/** Defaults shared by the construct (for docs and env values) and the handler (when a variable is absent). */
export const HandlerDefaults = {
  MAX_TOKENS: 1024,
  MAX_REQUEST_BYTES: 256 * 1024,
  METRICS_NAMESPACE: 'StreamingBedrockApi',
  HEARTBEAT_MS: 10_000,
  /** Just under API Gateway's 5-minute idle timeout of Regional and private endpoints. */
  IDLE_LIMIT_MS: 290_000,
} as const;

/**
 * The settings every handler behind the API shell reads the same way (StreamingBedrockApi's and
 * StreamingAgentCoreApi's): the request cap, CORS, metrics, keep-alive, per-caller limits and managed keys. Written
 * to and read from the same environment variables by `shellEnvironment` and `readShellSettings`.
 */
export interface ShellHandlerSettings {
  readonly maxRequestBytes?: number;
  readonly corsAllowOrigins?: readonly string[];
  readonly corsAllowCredentials?: boolean;
  readonly metricsNamespace?: string;
  readonly heartbeatMs?: number;
  /** Not set by the construct (API Gateway's idle timeout decides it); tests shorten it. */
  readonly idleLimitMs?: number;
  /** Per-caller limits kept in a DynamoDB table (budget.ts). */
  readonly tokenBudget?: BudgetLimits & {
    readonly tableName: string;
    /** @default false */
    readonly failOpen?: boolean;
  };
  /** Managed keys: every request needs one of the keys in this table (keys.ts). */
  readonly managedKeys?: {
    readonly tableName: string;
    /** Milliseconds a lookup may be reused (0: none): revocation takes effect within it. @default 30000 */
    readonly cacheTtlMs?: number;
  };
}

/**
 * What an operator configures for the default handler. Every field but `modelId` may be left out: the handler's
 * default applies (HandlerDefaults, or the one named on the field).
 */
export interface HandlerSettings extends ShellHandlerSettings {
  readonly modelId: string;
  readonly allowedModelIds?: readonly string[];
  /**
   * Models tried in order when the asked model is throttled, not ready or unavailable before its first event
   * (backends/bedrock/fallback.ts); the asked model itself is skipped.
   */
  readonly fallbackModelIds?: readonly string[];
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly systemPrompt?: string;
  readonly guardrail?: {
    readonly guardrailIdentifier: string;
    readonly guardrailVersion: string;
    /** @default 'sync' */
    readonly streamProcessingMode?: 'sync' | 'async';
    /** Ask Bedrock for the guardrail's trace. @default false */
    readonly trace?: boolean;
  };
  readonly logContent?: boolean;
  readonly promptCaching?: boolean;
  readonly additionalModelRequestFields?: Readonly<Record<string, unknown>>;
  /** @default true */
  readonly clientTools?: boolean;
  /** Callers of the OpenAI and AI SDK protocols may add system messages after the operator's system prompt. */
  readonly allowCallerSystemMessages?: boolean;
  /** USD per million tokens, per model id: the cost in log lines and metrics, and what spend limits count. */
  readonly pricing?: Readonly<Record<string, ModelPrice>>;
}

/**
 * The environment variables that configure the default handler: the one encoding of HandlerSettings, used by the
 * construct, the local runner, the tests and the benches. Unset settings are left out (the handler's default applies),
 * except `maxTokens`, which is always sent so that the deployed cap is visible in the function's configuration.
 */
export function handlerEnvironment(settings: HandlerSettings): Record<string, string> {
  const env: Record<string, string> = {
    [HandlerEnvironment.MODEL_ID]: settings.modelId,
    [HandlerEnvironment.MAX_TOKENS]: String(settings.maxTokens ?? HandlerDefaults.MAX_TOKENS),
    ...shellEnvironment(settings),
  };
  const set = setter(env);
  set(HandlerEnvironment.ALLOWED_MODEL_IDS, json(settings.allowedModelIds));
  set(HandlerEnvironment.FALLBACK_MODEL_IDS, json(settings.fallbackModelIds));
  set(HandlerEnvironment.SYSTEM_PROMPT, settings.systemPrompt || undefined);
  set(HandlerEnvironment.TEMPERATURE, settings.temperature?.toString());
  set(HandlerEnvironment.LOG_CONTENT, settings.logContent ? 'true' : undefined);
  set(HandlerEnvironment.PROMPT_CACHING, settings.promptCaching ? 'true' : undefined);
  set(
    HandlerEnvironment.ADDITIONAL_MODEL_REQUEST_FIELDS,
    settings.additionalModelRequestFields && JSON.stringify(settings.additionalModelRequestFields),
  );
  set(HandlerEnvironment.CLIENT_TOOLS, settings.clientTools === false ? 'false' : undefined);
  set(HandlerEnvironment.CALLER_SYSTEM_MESSAGES, settings.allowCallerSystemMessages ? 'true' : undefined);
  set(HandlerEnvironment.PRICING, encodePricing(settings.pricing));
  const guardrail = settings.guardrail;
  if (guardrail) {
    set(HandlerEnvironment.GUARDRAIL_ID, guardrail.guardrailIdentifier);
    set(HandlerEnvironment.GUARDRAIL_VERSION, guardrail.guardrailVersion);
    set(HandlerEnvironment.GUARDRAIL_STREAM_MODE, guardrail.streamProcessingMode ?? 'sync');
    set(HandlerEnvironment.GUARDRAIL_TRACE, guardrail.trace ? 'enabled' : undefined);
  }
  return env;
}

/** The environment variables of the settings every handler behind the shell shares (ShellHandlerSettings). */
export function shellEnvironment(settings: ShellHandlerSettings): Record<string, string> {
  const env: Record<string, string> = {};
  const set = setter(env);
  set(HandlerEnvironment.MAX_REQUEST_BYTES, settings.maxRequestBytes?.toString());
  set(HandlerEnvironment.METRICS_NAMESPACE, settings.metricsNamespace);
  set(HandlerEnvironment.HEARTBEAT_MS, settings.heartbeatMs?.toString());
  set(HandlerEnvironment.IDLE_LIMIT_MS, settings.idleLimitMs?.toString());
  set(HandlerEnvironment.CORS_ALLOW_ORIGINS, json(settings.corsAllowOrigins));
  set(HandlerEnvironment.CORS_ALLOW_CREDENTIALS, settings.corsAllowCredentials ? 'true' : undefined);
  const budget = settings.tokenBudget;
  if (budget) {
    set(HandlerEnvironment.BUDGET_TABLE, budget.tableName);
    for (const { name } of BUDGET_LIMITS) {
      set(BUDGET_LIMIT_VARIABLES[name], budget[name]?.toString());
    }
    set(HandlerEnvironment.BUDGET_FAIL_OPEN, budget.failOpen ? 'true' : undefined);
  }
  const keys = settings.managedKeys;
  if (keys) {
    set(HandlerEnvironment.KEY_TABLE, keys.tableName);
    set(HandlerEnvironment.KEY_CACHE_TTL_MS, keys.cacheTtlMs?.toString());
  }
  return env;
}

/** Sets a variable only when the setting is set (an unset one keeps the handler's default). */
export function setter(env: Record<string, string>): (name: string, value: string | undefined) => void {
  return (name, value) => {
    if (value !== undefined) {
      env[name] = value;
    }
  };
}

function json(value: readonly string[] | undefined): string | undefined {
  return value?.length ? JSON.stringify(value) : undefined;
}

/** The environment does not hold settings the construct could have written: an operator error. */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

export type Env = Readonly<Record<string, string | undefined>>;
const Names = HandlerEnvironment;

/**
 * The settings the environment holds (the inverse of `handlerEnvironment`): what is unset stays unset, so that the
 * defaults are applied in one place. Throws SettingsError on a value the construct never writes.
 */
export function readHandlerSettings(env: Env): HandlerSettings {
  const modelId = env[Names.MODEL_ID]?.trim();
  if (!modelId) {
    throw new SettingsError(`${Names.MODEL_ID} is not set`);
  }
  const temperature = env[Names.TEMPERATURE];
  return {
    modelId,
    allowedModelIds: stringArray(env, Names.ALLOWED_MODEL_IDS),
    fallbackModelIds: stringArray(env, Names.FALLBACK_MODEL_IDS),
    maxTokens: positiveInteger(env, Names.MAX_TOKENS),
    temperature: temperature === undefined ? undefined : Number(temperature),
    systemPrompt: env[Names.SYSTEM_PROMPT] || undefined,
    guardrail: readGuardrail(env),
    logContent: flag(env, Names.LOG_CONTENT),
    promptCaching: flag(env, Names.PROMPT_CACHING),
    additionalModelRequestFields: jsonObject(env, Names.ADDITIONAL_MODEL_REQUEST_FIELDS),
    clientTools: flag(env, Names.CLIENT_TOOLS),
    allowCallerSystemMessages: flag(env, Names.CALLER_SYSTEM_MESSAGES),
    pricing: readPricing(env),
    ...readShellSettings(env),
  };
}

/** The settings every handler behind the shell shares, as the environment holds them (see shellEnvironment). */
export function readShellSettings(env: Env): ShellHandlerSettings {
  return {
    maxRequestBytes: positiveInteger(env, Names.MAX_REQUEST_BYTES),
    corsAllowOrigins: stringArray(env, Names.CORS_ALLOW_ORIGINS),
    corsAllowCredentials: flag(env, Names.CORS_ALLOW_CREDENTIALS),
    metricsNamespace: env[Names.METRICS_NAMESPACE] || undefined,
    heartbeatMs: positiveInteger(env, Names.HEARTBEAT_MS),
    idleLimitMs: positiveInteger(env, Names.IDLE_LIMIT_MS),
    tokenBudget: readTokenBudget(env),
    managedKeys: readManagedKeys(env),
  };
}

/** The environment variable of each budget limit. */
const BUDGET_LIMIT_VARIABLES: Record<keyof BudgetLimits, string> = {
  requestsPerMinute: Names.BUDGET_REQUESTS_PER_MINUTE,
  tokensPerMinute: Names.BUDGET_TOKENS_PER_MINUTE,
  tokensPerDay: Names.BUDGET_TOKENS_PER_DAY,
  tokensPerMonth: Names.BUDGET_TOKENS_PER_MONTH,
  spendPerDay: Names.BUDGET_SPEND_PER_DAY,
  spendPerMonth: Names.BUDGET_SPEND_PER_MONTH,
};

function encodePricing(pricing: HandlerSettings['pricing']): string | undefined {
  const entries = Object.entries(pricing ?? {});
  return entries.length
    ? JSON.stringify(Object.fromEntries(entries.map(([id, p]) => [id, encodePrice(p)])))
    : undefined;
}

function readPricing(env: Env): HandlerSettings['pricing'] {
  const value = jsonObject(env, Names.PRICING);
  if (value === undefined) {
    return undefined;
  }
  return Object.fromEntries(
    Object.entries(value).map(([modelId, encoded]) => {
      const price = decodePrice(encoded);
      if (!price) {
        throw new SettingsError(`${Names.PRICING} has an invalid price for ${modelId}`);
      }
      return [modelId, price];
    }),
  );
}

function readManagedKeys(env: Env): HandlerSettings['managedKeys'] {
  const tableName = env[Names.KEY_TABLE];
  if (!tableName) {
    return undefined;
  }
  const cacheTtlMs = tokenLimit(env, Names.KEY_CACHE_TTL_MS);
  if (cacheTtlMs !== undefined && cacheTtlMs > KeyCacheDefaults.MAX_TTL_MS) {
    throw new SettingsError(`${Names.KEY_CACHE_TTL_MS} is over ${KeyCacheDefaults.MAX_TTL_MS}`);
  }
  return { tableName, cacheTtlMs };
}

function readGuardrail(env: Env): HandlerSettings['guardrail'] {
  const guardrailIdentifier = env[Names.GUARDRAIL_ID];
  if (!guardrailIdentifier) {
    return undefined;
  }
  const mode = env[Names.GUARDRAIL_STREAM_MODE];
  return {
    guardrailIdentifier,
    guardrailVersion: env[Names.GUARDRAIL_VERSION] ?? 'DRAFT',
    streamProcessingMode: mode === 'async' || mode === 'sync' ? mode : undefined,
    trace: env[Names.GUARDRAIL_TRACE] === 'enabled' ? true : undefined,
  };
}

function readTokenBudget(env: Env): HandlerSettings['tokenBudget'] {
  const tableName = env[Names.BUDGET_TABLE];
  if (!tableName) {
    return undefined;
  }
  const limits = Object.fromEntries(BUDGET_LIMITS.map(({ name }) => [name, budgetLimit(env, name)]));
  return { tableName, ...limits, failOpen: flag(env, Names.BUDGET_FAIL_OPEN) };
}

/** `true` or `false`; unset when absent or empty. */
function flag(env: Env, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return undefined;
  }
  if (raw !== 'true' && raw !== 'false') {
    throw new SettingsError(`${name} is not true or false`);
  }
  return raw === 'true';
}

/** A positive integer variable; unset when absent or empty; SettingsError on anything else. */
export function positiveInteger(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return undefined;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new SettingsError(`${name} is not a positive integer`);
  }
  return value;
}

function tokenLimit(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return undefined;
  }
  const value = Number(raw);
  if (!isTokenLimit(value)) {
    throw new SettingsError(`${name} is not a non-negative integer`);
  }
  return value;
}

function budgetLimit(env: Env, name: keyof BudgetLimits): number | undefined {
  const variable = BUDGET_LIMIT_VARIABLES[name];
  const raw = env[variable];
  if (raw === undefined || raw === '') {
    return undefined;
  }
  const value = Number(raw);
  if (!isBudgetLimit(name, value)) {
    const kind = budgetLimitCounter(name) === 'usd' ? 'USD amount' : 'whole number';
    throw new SettingsError(`${variable} is not a ${kind} >= 0`);
  }
  return value;
}

function parseJson(env: Env, name: string): unknown {
  const raw = env[name];
  if (!raw) {
    return undefined;
  }
  try {
    return JSON.parse(raw);
  } catch {
    throw new SettingsError(`${name} is not JSON`);
  }
}

function jsonObject(env: Env, name: string): Record<string, unknown> | undefined {
  const value = parseJson(env, name);
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new SettingsError(`${name} is not a JSON object`);
  }
  return value as Record<string, unknown> | undefined;
}

function stringArray(env: Env, name: string): string[] | undefined {
  const value = parseJson(env, name);
  if (value !== undefined && (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))) {
    throw new SettingsError(`${name} is not a JSON array of strings`);
  }
  return value as string[] | undefined;
}

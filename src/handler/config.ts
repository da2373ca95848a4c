import { HandlerDefaults, HandlerEnvironment as Env, isTokenLimit, type BudgetLimits } from '../contract';

/** The handler's configuration, set by the construct through environment variables (never by callers). */
export interface HandlerConfig {
  readonly modelId: string;
  /** Ids a request may name in `modelId` (always includes `modelId`). */
  readonly allowedModelIds: readonly string[];
  readonly maxTokens: number;
  readonly temperature?: number;
  readonly systemPrompt?: string;
  readonly maxRequestBytes: number;
  readonly corsAllowOrigins: readonly string[];
  readonly corsAllowCredentials: boolean;
  readonly guardrail?: GuardrailConfig;
  readonly logContent: boolean;
  readonly metricsNamespace: string;
  readonly heartbeatMs: number;
  /** Silence after which a format without keep-alive bytes is ended (API Gateway would cut it soon after). */
  readonly idleLimitMs: number;
  /** Cache points after the system prompt and after the tools. */
  readonly promptCaching: boolean;
  /** Operator-only model fields sent with every request (e.g. Claude `thinking`, Nova `reasoningConfig`). */
  readonly additionalModelRequestFields?: Readonly<Record<string, unknown>>;
  /** Whether callers may send tools and tool blocks. */
  readonly clientTools: boolean;
  /** Whether OpenAI and AI SDK callers may add system messages (after the operator's system prompt). */
  readonly allowCallerSystemMessages: boolean;
  /** Per-caller token budgets; undefined when the API has none. */
  readonly tokenBudget?: BudgetConfig;
}

export interface BudgetConfig {
  /** The ledger table (contract/budget.ts). */
  readonly tableName: string;
  /** The API's limits; a caller's `limits` item replaces them per period. */
  readonly limits: BudgetLimits;
  /** Answer unmetered when the ledger cannot be reached, rather than 503. */
  readonly failOpen: boolean;
}

export interface GuardrailConfig {
  readonly guardrailIdentifier: string;
  readonly guardrailVersion: string;
  readonly streamProcessingMode: 'sync' | 'async';
  readonly trace: 'enabled' | 'disabled';
}

/** Thrown when the environment is not what the construct sets: an operator error, reported as 500. */
export class ConfigurationError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): HandlerConfig {
  const modelId = env[Env.MODEL_ID]?.trim();
  if (!modelId) {
    throw new ConfigurationError(`${Env.MODEL_ID} is not set`);
  }
  const allowed = jsonStringArray(env, Env.ALLOWED_MODEL_IDS);
  const guardrailIdentifier = env[Env.GUARDRAIL_ID];
  return {
    modelId,
    allowedModelIds: [...new Set([modelId, ...allowed])],
    maxTokens: positiveInteger(env, Env.MAX_TOKENS, HandlerDefaults.MAX_TOKENS),
    temperature: env[Env.TEMPERATURE] === undefined ? undefined : Number(env[Env.TEMPERATURE]),
    systemPrompt: env[Env.SYSTEM_PROMPT] || undefined,
    maxRequestBytes: positiveInteger(env, Env.MAX_REQUEST_BYTES, HandlerDefaults.MAX_REQUEST_BYTES),
    corsAllowOrigins: jsonStringArray(env, Env.CORS_ALLOW_ORIGINS),
    corsAllowCredentials: env[Env.CORS_ALLOW_CREDENTIALS] === 'true',
    guardrail: guardrailIdentifier
      ? {
          guardrailIdentifier,
          guardrailVersion: env[Env.GUARDRAIL_VERSION] ?? 'DRAFT',
          streamProcessingMode: env[Env.GUARDRAIL_STREAM_MODE] === 'async' ? 'async' : 'sync',
          trace: env[Env.GUARDRAIL_TRACE] === 'enabled' ? 'enabled' : 'disabled',
        }
      : undefined,
    logContent: env[Env.LOG_CONTENT] === 'true',
    metricsNamespace: env[Env.METRICS_NAMESPACE] || HandlerDefaults.METRICS_NAMESPACE,
    heartbeatMs: positiveInteger(env, Env.HEARTBEAT_MS, HandlerDefaults.HEARTBEAT_MS),
    idleLimitMs: positiveInteger(env, Env.IDLE_LIMIT_MS, HandlerDefaults.IDLE_LIMIT_MS),
    promptCaching: env[Env.PROMPT_CACHING] === 'true',
    additionalModelRequestFields: jsonObject(env, Env.ADDITIONAL_MODEL_REQUEST_FIELDS),
    clientTools: env[Env.CLIENT_TOOLS] !== 'false',
    allowCallerSystemMessages: env[Env.CALLER_SYSTEM_MESSAGES] === 'true',
    tokenBudget: loadBudgetConfig(env),
  };
}

function loadBudgetConfig(env: NodeJS.ProcessEnv): BudgetConfig | undefined {
  const tableName = env[Env.BUDGET_TABLE];
  if (!tableName) {
    return undefined;
  }
  return {
    tableName,
    limits: {
      tokensPerDay: tokenLimit(env, Env.BUDGET_TOKENS_PER_DAY),
      tokensPerMonth: tokenLimit(env, Env.BUDGET_TOKENS_PER_MONTH),
    },
    failOpen: env[Env.BUDGET_FAIL_OPEN] === 'true',
  };
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigurationError(`${name} is not a positive integer`);
  }
  return value;
}

function tokenLimit(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return undefined;
  }
  const value = Number(raw);
  if (!isTokenLimit(value)) {
    throw new ConfigurationError(`${name} is not a non-negative integer`);
  }
  return value;
}

function jsonObject(env: NodeJS.ProcessEnv, name: string): Record<string, unknown> | undefined {
  const value = parseJson(env, name);
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigurationError(`${name} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function parseJson(env: NodeJS.ProcessEnv, name: string): unknown {
  const raw = env[name];
  if (!raw) {
    return undefined;
  }
  try {
    return JSON.parse(raw);
  } catch {
    throw new ConfigurationError(`${name} is not JSON`);
  }
}

function jsonStringArray(env: NodeJS.ProcessEnv, name: string): string[] {
  const value = parseJson(env, name);
  if (value === undefined) {
    return [];
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new ConfigurationError(`${name} is not a JSON array of strings`);
  }
  return value;
}

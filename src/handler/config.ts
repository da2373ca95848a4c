/**
 * The handler's configuration: the settings the construct (or the runner) wrote into the environment, read back by
 * the contract's one decoder, with the defaults applied. Callers never set any of it.
 */
import {
  HandlerDefaults,
  KeyCacheDefaults,
  readHandlerSettings,
  type HandlerSettings,
  type ShellHandlerSettings,
} from '../contract';

type GuardrailSettings = NonNullable<HandlerSettings['guardrail']>;
type BudgetSettings = NonNullable<HandlerSettings['tokenBudget']>;

/** The settings, every default applied (the shared ones as ShellConfig has them). */
export interface HandlerConfig extends Omit<HandlerSettings, keyof ShellConfig>, ShellConfig {
  /** Ids a request may name in `modelId` (always includes `modelId`). */
  readonly allowedModelIds: readonly string[];
  readonly maxTokens: number;
  readonly guardrail?: Required<GuardrailSettings>;
  readonly logContent: boolean;
  /** Cache points after the system prompt and after the tools. */
  readonly promptCaching: boolean;
  /** Whether callers may send tools and tool blocks. */
  readonly clientTools: boolean;
  /** Whether OpenAI and AI SDK callers may add system messages (after the operator's system prompt). */
  readonly allowCallerSystemMessages: boolean;
  /** Per-caller token budgets; undefined when the API has none. */
  readonly tokenBudget?: BudgetConfig;
}

/**
 * The settings every handler behind the API shell shares (ShellHandlerSettings), every default applied: what the
 * shared parts (request context, CORS headers, limits, managed keys, keep-alive, metrics) read. HandlerConfig and the
 * AgentCore handler's config both are one.
 */
export interface ShellConfig {
  readonly maxRequestBytes: number;
  readonly corsAllowOrigins: readonly string[];
  readonly corsAllowCredentials: boolean;
  readonly metricsNamespace: string;
  readonly heartbeatMs: number;
  /** Silence after which a format without keep-alive bytes is ended (API Gateway would cut it soon after). */
  readonly idleLimitMs: number;
  /** Per-caller limits; undefined when the API has none. */
  readonly tokenBudget?: BudgetConfig;
  /** Managed keys, the cache TTL decided; undefined when the API has none. */
  readonly managedKeys?: ManagedKeysConfig;
}

/** The handler's own defaults for the shared settings that differ between handlers. */
export interface ShellDefaults {
  readonly maxRequestBytes: number;
  readonly metricsNamespace: string;
  readonly heartbeatMs: number;
  readonly idleLimitMs: number;
}

/** The shared settings with `defaults` (and the defaults every handler shares) applied. */
export function shellConfig(settings: ShellHandlerSettings, defaults: ShellDefaults): ShellConfig {
  const { tokenBudget, managedKeys } = settings;
  return {
    maxRequestBytes: settings.maxRequestBytes ?? defaults.maxRequestBytes,
    corsAllowOrigins: settings.corsAllowOrigins ?? [],
    corsAllowCredentials: settings.corsAllowCredentials ?? false,
    metricsNamespace: settings.metricsNamespace ?? defaults.metricsNamespace,
    heartbeatMs: settings.heartbeatMs ?? defaults.heartbeatMs,
    idleLimitMs: settings.idleLimitMs ?? defaults.idleLimitMs,
    tokenBudget: tokenBudget && { ...tokenBudget, failOpen: tokenBudget.failOpen ?? false },
    managedKeys: managedKeys && {
      tableName: managedKeys.tableName,
      cacheTtlMs: managedKeys.cacheTtlMs ?? KeyCacheDefaults.TTL_MS,
    },
  };
}

/** The managed keys' table and how long the handler may reuse a lookup (the revocation bound). */
export interface ManagedKeysConfig {
  readonly tableName: string;
  readonly cacheTtlMs: number;
}

/** A token budget's settings, `failOpen` decided: answer unmetered when the ledger cannot be reached, rather than 503. */
export type BudgetConfig = BudgetSettings & { readonly failOpen: boolean };

/** Throws SettingsError when the environment is not what the construct sets: an operator error, reported as 500. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HandlerConfig {
  return withDefaults(readHandlerSettings(env));
}

function withDefaults(settings: HandlerSettings): HandlerConfig {
  const { guardrail } = settings;
  const shell = shellConfig(settings, {
    maxRequestBytes: HandlerDefaults.MAX_REQUEST_BYTES,
    metricsNamespace: HandlerDefaults.METRICS_NAMESPACE,
    heartbeatMs: HandlerDefaults.HEARTBEAT_MS,
    idleLimitMs: HandlerDefaults.IDLE_LIMIT_MS,
  });
  return {
    ...settings,
    ...shell,
    // Optional in both: named, so that an unset budget or key table is undefined rather than the raw setting.
    tokenBudget: shell.tokenBudget,
    managedKeys: shell.managedKeys,
    allowedModelIds: [...new Set([settings.modelId, ...(settings.allowedModelIds ?? [])])],
    maxTokens: settings.maxTokens ?? HandlerDefaults.MAX_TOKENS,
    guardrail: guardrail && { streamProcessingMode: 'sync', trace: false, ...withoutUnset(guardrail) },
    logContent: settings.logContent ?? false,
    promptCaching: settings.promptCaching ?? false,
    clientTools: settings.clientTools ?? true,
    allowCallerSystemMessages: settings.allowCallerSystemMessages ?? false,
  };
}

/** The object without its undefined fields, so that a default spread before it is kept. */
function withoutUnset<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

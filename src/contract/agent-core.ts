/**
 * StreamingAgentCoreApi's contract: its route, the session header, and its handler's settings, in one shape that the
 * construct and the local runner write into the environment (`agentCoreEnvironment`) and the AgentCore handler reads
 * back (`readAgentCoreSettings`). The settings it shares with the Bedrock handler (request cap, CORS, metrics,
 * keep-alive, per-caller limits, managed keys) use the same variables (settings.ts ShellHandlerSettings).
 */
import type { Route } from './routes';
import {
  HandlerDefaults,
  SettingsError,
  readShellSettings,
  setter,
  shellEnvironment,
  type Env,
  type ShellHandlerSettings,
} from './settings';

/** The one route: the caller's payload in, the agent's answer out (as AgentCore's own data plane names it). */
export const AGENT_CORE_INVOCATIONS: Route = { method: 'POST', path: '/invocations' };

/**
 * The runtime session: the caller's `X-Session-Id` request header, or one the handler generates; either way the
 * response carries it in the same header, so that the next request continues the session.
 */
export const SESSION_HEADER = 'X-Session-Id';

/**
 * A session id the API accepts: AgentCore's length (33 to 256 characters) in characters safe in a header and a log
 * line: letters, digits and `.`, `_`, `:`, `-`, starting with a letter or digit (a UUID qualifies).
 */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{32,255}$/;

/** Whether `value` is a session id the API passes to AgentCore (see SESSION_ID_PATTERN). */
export function isSessionId(value: string): boolean {
  return SESSION_ID_PATTERN.test(value);
}

/** Names of the environment variables of the AgentCore handler's own settings. */
export const AgentCoreEnvironment = {
  /** The runtime's ARN (`arn:<partition>:bedrock-agentcore:<region>:<account>:runtime/<id>`). */
  AGENT_RUNTIME_ARN: 'SBA_AGENT_RUNTIME_ARN',
  /** The runtime endpoint (qualifier) to invoke. */
  AGENT_QUALIFIER: 'SBA_AGENT_QUALIFIER',
} as const;

/** Defaults shared by the construct (docs and env values) and the AgentCore handler (when a variable is absent). */
export const AgentCoreDefaults = {
  QUALIFIER: 'DEFAULT',
  /** Agents take larger payloads than chat requests (documents, state); AgentCore itself takes up to 100 MB. */
  MAX_REQUEST_BYTES: 1024 * 1024,
  METRICS_NAMESPACE: 'StreamingAgentCoreApi',
  HEARTBEAT_MS: HandlerDefaults.HEARTBEAT_MS,
  IDLE_LIMIT_MS: HandlerDefaults.IDLE_LIMIT_MS,
} as const;

/**
 * What an operator configures for the AgentCore handler. Of the shared settings, `tokenBudget` may only carry
 * `requestsPerMinute` (the agent's own model usage is not visible to the API, so token and spend limits cannot apply).
 */
export interface AgentCoreSettings extends ShellHandlerSettings {
  readonly agentRuntimeArn: string;
  /** @default AgentCoreDefaults.QUALIFIER */
  readonly qualifier?: string;
}

/** The environment variables that configure the AgentCore handler: the one encoding of AgentCoreSettings. */
export function agentCoreEnvironment(settings: AgentCoreSettings): Record<string, string> {
  const env: Record<string, string> = {
    [AgentCoreEnvironment.AGENT_RUNTIME_ARN]: settings.agentRuntimeArn,
    ...shellEnvironment(settings),
  };
  setter(env)(AgentCoreEnvironment.AGENT_QUALIFIER, settings.qualifier);
  return env;
}

/** The settings the environment holds (the inverse of `agentCoreEnvironment`); SettingsError on what it never writes. */
export function readAgentCoreSettings(env: Env): AgentCoreSettings {
  const agentRuntimeArn = env[AgentCoreEnvironment.AGENT_RUNTIME_ARN]?.trim();
  if (!agentRuntimeArn) {
    throw new SettingsError(`${AgentCoreEnvironment.AGENT_RUNTIME_ARN} is not set`);
  }
  return {
    agentRuntimeArn,
    qualifier: env[AgentCoreEnvironment.AGENT_QUALIFIER] || undefined,
    ...readShellSettings(env),
  };
}

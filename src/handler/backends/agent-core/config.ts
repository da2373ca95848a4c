/**
 * The AgentCore handler's configuration: the settings the construct (or the runner) wrote into the environment
 * (contract/agent-core.ts), read back by the contract's decoder, with the defaults applied.
 */
import { AgentCoreDefaults, readAgentCoreSettings } from '../../../contract';
import { shellConfig, type ShellConfig } from '../../config';

export interface AgentCoreConfig extends ShellConfig {
  readonly agentRuntimeArn: string;
  readonly qualifier: string;
}

/** Throws SettingsError when the environment is not what the construct sets: an operator error, reported as 500. */
export function loadAgentCoreConfig(env: NodeJS.ProcessEnv = process.env): AgentCoreConfig {
  const settings = readAgentCoreSettings(env);
  return {
    ...shellConfig(settings, {
      maxRequestBytes: AgentCoreDefaults.MAX_REQUEST_BYTES,
      metricsNamespace: AgentCoreDefaults.METRICS_NAMESPACE,
      heartbeatMs: AgentCoreDefaults.HEARTBEAT_MS,
      idleLimitMs: AgentCoreDefaults.IDLE_LIMIT_MS,
    }),
    agentRuntimeArn: settings.agentRuntimeArn,
    qualifier: settings.qualifier ?? AgentCoreDefaults.QUALIFIER,
  };
}

/** StreamingAgentCoreApi's contract: the settings' one encoding round-trips, and the session id rule. */
import {
  AgentCoreEnvironment,
  HandlerEnvironment,
  SettingsError,
  agentCoreEnvironment,
  isSessionId,
  readAgentCoreSettings,
  type AgentCoreSettings,
} from '../../src/contract';

const ARN = 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/support_agent-a1B2c3D4e5';

describe('AgentCore settings', () => {
  test('every setting round-trips through the environment, shared ones under the Bedrock handler’s names', () => {
    const settings: AgentCoreSettings = {
      agentRuntimeArn: ARN,
      qualifier: 'prod',
      maxRequestBytes: 2048,
      corsAllowOrigins: ['https://app.example.com'],
      corsAllowCredentials: true,
      metricsNamespace: 'Agents',
      heartbeatMs: 5000,
      tokenBudget: { tableName: 'limits', requestsPerMinute: 30, failOpen: true },
      managedKeys: { tableName: 'keys', cacheTtlMs: 1000 },
    };
    const env = agentCoreEnvironment(settings);
    expect(env).toMatchObject({
      [AgentCoreEnvironment.AGENT_RUNTIME_ARN]: ARN,
      [AgentCoreEnvironment.AGENT_QUALIFIER]: 'prod',
      [HandlerEnvironment.BUDGET_REQUESTS_PER_MINUTE]: '30',
      [HandlerEnvironment.KEY_TABLE]: 'keys',
    });
    expect(readAgentCoreSettings(env)).toMatchObject(settings);
  });

  test('unset settings stay unset (the handler applies the defaults), and no Bedrock setting is written', () => {
    const env = agentCoreEnvironment({ agentRuntimeArn: ARN });
    expect(env).toEqual({ [AgentCoreEnvironment.AGENT_RUNTIME_ARN]: ARN });
    expect(readAgentCoreSettings(env)).toMatchObject({ agentRuntimeArn: ARN, qualifier: undefined });
  });

  test('without the runtime ARN the environment is not one the construct writes', () => {
    expect(() => readAgentCoreSettings({})).toThrow(SettingsError);
  });
});

describe('session ids', () => {
  test.each([
    ['a UUID', '7d6c4c1e-3f0a-4b8e-9a51-2b7f0e5d9c11', true],
    ['33 characters', 'a'.repeat(33), true],
    ['256 characters', 'a'.repeat(256), true],
    ['32 characters (AgentCore needs 33)', 'a'.repeat(32), false],
    ['257 characters', 'a'.repeat(257), false],
    ['a space', `${'a'.repeat(33)} b`, false],
    ['a line break (header and log injection)', `${'a'.repeat(33)}\nX-Admin: 1`, false],
    ['a slash', `${'a'.repeat(33)}/b`, false],
    ['a leading dash', `-${'a'.repeat(33)}`, false],
  ])('%s: %s', (_name, value, ok) => {
    expect(isSessionId(value)).toBe(ok);
  });
});

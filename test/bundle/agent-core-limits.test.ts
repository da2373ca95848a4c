/**
 * The AgentCore handler's request limits and managed keys through the shipped bundle, against a DynamoDB-compatible
 * server (dynalite) with the real @aws-sdk/client-dynamodb: `requestsPerMinute` per caller (429 rate_limited before
 * AgentCore is called), a managed key as the caller and the runtime user, and a key's own limit.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { agentCoreEnv, agentCoreSuite, invocationEvent, invokeAgentCore } from './agent-core-harness';
import { setEnv } from './harness';
import { HandlerEnvironment as Env, SESSION_HEADER, budgetPartitionKey } from '../../src/contract';
import { BudgetStore } from '../../src/local/budget-store';
import { createKey, createKeyTable } from '../../src/local/key-admin';

const KEY_TABLE = 'agent-keys';

let store: BudgetStore;
const suite = agentCoreSuite({
  env: async (agentCore) => {
    store = await BudgetStore.start();
    await createKeyTable(store.client, KEY_TABLE);
    return {
      ...agentCoreEnv(agentCore, { tokenBudget: { tableName: store.tableName, requestsPerMinute: 2 } }),
      AWS_ENDPOINT_URL_DYNAMODB: store.url,
    };
  },
  stop: async () => store?.stop(),
});

/** A managed key's own limits item in the ledger (what `keys create --requests-per-minute ...` writes). */
async function putKeyLimits(keyId: string, limits: Record<string, number>): Promise<void> {
  const values = Object.fromEntries(Object.entries(limits).map(([name, value]) => [name, { N: String(value) }]));
  await store.client.send(
    new PutItemCommand({
      TableName: store.tableName,
      Item: { pk: { S: budgetPartitionKey({ type: 'managedKey', id: keyId }) }, sk: { S: 'limits' }, ...values },
    }),
  );
}

let callers = 0;
const newCaller = () => ({ apiKeyId: `agent-caller-${++callers}-${Date.now()}` });

test('requestsPerMinute per caller: the third request in the minute is 429 rate_limited, AgentCore not called', async () => {
  const identity = newCaller();
  const statuses = [];
  for (let i = 0; i < 3; i++) {
    statuses.push((await invokeAgentCore(suite.mod, invocationEvent('{}', { identity }))).status);
  }
  expect(statuses).toEqual([200, 200, 429]);
  expect(suite.agentCore.requests).toHaveLength(2);
  expect(suite.logs()[2]).toMatchObject({
    status: 429,
    outcome: 'rate_limited',
    budget: { exceeded: true },
    BudgetRejections: 1,
  });
  expect(suite.logs()[0]).toMatchObject({ BudgetRejections: 0, UnmeteredRequests: 0 });
  // Another caller has a minute of its own.
  expect((await invokeAgentCore(suite.mod, invocationEvent('{}', { identity: newCaller() }))).status).toBe(200);
});

test('the 429 carries Retry-After, the API error shape, and the session header', async () => {
  const identity = newCaller();
  await invokeAgentCore(suite.mod, invocationEvent('{}', { identity }));
  await invokeAgentCore(suite.mod, invocationEvent('{}', { identity }));
  const res = await invokeAgentCore(suite.mod, invocationEvent('{}', { identity }));
  expect(res.status).toBe(429);
  expect(Number(res.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
  expect(JSON.parse(res.body).error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limited' });
  expect(res.headers[SESSION_HEADER]).toBeDefined();
});

describe('managed keys', () => {
  let restore: () => void;
  beforeAll(() => {
    restore = setEnv({ [Env.KEY_TABLE]: KEY_TABLE });
  });
  afterAll(() => restore());

  test('the key holder is the caller and the runtime user; a request without a key is 401', async () => {
    const { secret, keyId } = await createKey(store.client, { keyTable: KEY_TABLE }, { name: 'agent-user' });
    const res = await invokeAgentCore(
      suite.mod,
      invocationEvent('{}', { headers: { Authorization: `Bearer ${secret}` } }),
    );
    expect(res.status).toBe(200);
    expect(suite.agentCore.requests[0].userId).toBe(`managedKey:${keyId}`);
    expect(suite.logs()[0].caller).toEqual({ type: 'managedKey', id: keyId });
    expect(JSON.stringify(suite.logs())).not.toContain(secret);
    const missing = await invokeAgentCore(suite.mod, invocationEvent('{}'));
    expect(missing.status).toBe(401);
    expect(suite.agentCore.requests).toHaveLength(1);
  });

  test("a key's own requestsPerMinute applies to it", async () => {
    const { secret, keyId } = await createKey(store.client, { keyTable: KEY_TABLE }, { name: 'one-a-minute' });
    await putKeyLimits(keyId, { requestsPerMinute: 1 });
    const headers = { 'x-api-key': secret };
    expect((await invokeAgentCore(suite.mod, invocationEvent('{}', { headers }))).status).toBe(200);
    const second = await invokeAgentCore(suite.mod, invocationEvent('{}', { headers }));
    expect(second.status).toBe(429);
    expect(JSON.parse(second.body).error.code).toBe('rate_limited');
  });

  test("a key's token and spend limits do not apply (nothing the API can count): answered, never 503", async () => {
    const { secret, keyId } = await createKey(store.client, { keyTable: KEY_TABLE }, { name: 'spend-capped' });
    await putKeyLimits(keyId, { tokensPerDay: 1, spendPerDay: 0.000001 });
    const headers = { 'x-api-key': secret };
    // Two requests: the API's requestsPerMinute (2) still applies to the key, which sets none of its own.
    for (let i = 0; i < 2; i++) {
      expect((await invokeAgentCore(suite.mod, invocationEvent('{}', { headers }))).status).toBe(200);
    }
  });

  test('a request without a key is 401 before its body is read (not 413 or 400)', async () => {
    const restoreCap = setEnv({ [Env.MAX_REQUEST_BYTES]: '8' });
    try {
      const res = await invokeAgentCore(suite.mod, invocationEvent(JSON.stringify({ text: 'x'.repeat(100) })));
      expect(res.status).toBe(401);
    } finally {
      restoreCap();
    }
  });
});

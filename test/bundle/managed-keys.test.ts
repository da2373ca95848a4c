/**
 * Managed keys through the shipped bundle, against a DynamoDB-compatible server (dynalite) with the real
 * @aws-sdk/client-dynamodb: keys from both headers, every refusal before Bedrock is called in each protocol's shape
 * with CORS kept, the caller named by the key's id only, the allowed models, and the lookup cache's bound.
 */
import { MODEL, apiEvent, invokeStream, setEnv, useHandlerTestContext } from './harness';
import { HandlerEnvironment as Env, Routes } from '../../src/contract';
import { BudgetStore } from '../../src/local/budget-store';
import { answer } from '../../src/local/fake-bedrock';
import { createKey, createKeyTable, revokeKey } from '../../src/local/key-admin';

const OTHER_MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
const KEY_TABLE = 'managed-keys';
const ORIGIN = 'https://app.example.com';

const ctx = useHandlerTestContext({
  [Env.CORS_ALLOW_ORIGINS]: JSON.stringify([ORIGIN]),
  [Env.ALLOWED_MODEL_IDS]: JSON.stringify([MODEL, OTHER_MODEL]),
});
let store: BudgetStore;
let restoreEnv: () => void;

beforeAll(async () => {
  store = await BudgetStore.start();
  await createKeyTable(store.client, KEY_TABLE);
  restoreEnv = setEnv({ [Env.KEY_TABLE]: KEY_TABLE, AWS_ENDPOINT_URL_DYNAMODB: store.url });
});
afterAll(async () => {
  restoreEnv?.();
  await store?.stop();
});
beforeEach(() => ctx.fake.setScript(() => answer(['Hi', '!'])));

const newKey = (options: Partial<Parameters<typeof createKey>[2]> = {}) =>
  createKey(store.client, { keyTable: KEY_TABLE }, { name: 'alice', ...options });

const nativeRequest = (headers: Record<string, string>, body: unknown = { prompt: 'hi' }) =>
  apiEvent(body, { headers: { Origin: ORIGIN, ...headers } });
const openAiRequest = (headers: Record<string, string>, model = MODEL) =>
  apiEvent(
    { model, messages: [{ role: 'user', content: 'hi' }], stream: true },
    { path: Routes.CHAT_COMPLETIONS.path, headers: { Origin: ORIGIN, ...headers } },
  );
const anthropicRequest = (headers: Record<string, string>, model = MODEL) =>
  apiEvent(
    { model, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], stream: true },
    { path: '/v1/messages', headers: { Origin: ORIGIN, 'anthropic-version': '2023-06-01', ...headers } },
  );

describe('a valid key', () => {
  test('is accepted as Authorization: Bearer, and the caller is the key id (never the secret)', async () => {
    const { secret, keyId } = await newKey();
    const res = await invokeStream(ctx.mod, nativeRequest({ Authorization: `Bearer ${secret}` }));
    expect(res.status).toBe(200);
    expect(ctx.logs()[0].caller).toEqual({ type: 'managedKey', id: keyId });
    expect(JSON.stringify(ctx.logs())).not.toContain(secret);
  });

  test('is accepted as x-api-key (the Anthropic SDK) on the Anthropic route', async () => {
    const { secret, keyId } = await newKey();
    const res = await invokeStream(ctx.mod, anthropicRequest({ 'x-api-key': secret }));
    expect(res.status).toBe(200);
    expect(res.body).toContain('message_stop');
    expect(ctx.logs()[0].caller).toEqual({ type: 'managedKey', id: keyId });
  });
});

describe('refusals, before Bedrock is called', () => {
  test.each([
    ['native', nativeRequest, 'missing_api_key'],
    ['OpenAI', openAiRequest, 'missing_api_key'],
  ])('fails without a key (%s): 401 in the API error shape, CORS kept', async (_name, request, code) => {
    const res = await invokeStream(ctx.mod, request({}));
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).error).toMatchObject({ type: 'authentication_error', code });
    expect(JSON.parse(res.body).error.message).toBe(
      'This API needs a key: send it as "Authorization: Bearer <key>" or as "x-api-key: <key>".',
    );
    expect(res.headers['Access-Control-Allow-Origin']).toBe(ORIGIN);
    expect(ctx.fake.requests).toHaveLength(0);
  });

  test('fails without a key on the Anthropic route in Anthropic shape: 401 authentication_error', async () => {
    const res = await invokeStream(ctx.mod, anthropicRequest({}));
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error', message: expect.stringContaining('This API needs a key') },
    });
    expect(res.headers['Access-Control-Allow-Origin']).toBe(ORIGIN);
  });

  test('fails alike for an unknown, a revoked and an expired key (no hint whether a key exists)', async () => {
    const revoked = await newKey();
    await revokeKey(store.client, KEY_TABLE, revoked.keyId);
    const expired = await newKey({ expiresAt: new Date(Date.now() - 1000) });
    const unknown = 'sbk_' + 'A'.repeat(43);
    const bodies = [];
    for (const secret of [unknown, revoked.secret, expired.secret]) {
      const res = await invokeStream(ctx.mod, openAiRequest({ Authorization: `Bearer ${secret}` }));
      expect(res.status).toBe(401);
      expect(res.headers['Access-Control-Allow-Origin']).toBe(ORIGIN);
      bodies.push(JSON.parse(res.body).error);
    }
    expect(bodies).toEqual([bodies[0], bodies[0], bodies[0]]);
    expect(bodies[0]).toEqual({
      type: 'authentication_error',
      code: 'invalid_api_key',
      message: 'The key is not valid for this API.',
      param: null,
    });
    expect(ctx.fake.requests).toHaveLength(0);
  });

  test('fails a header that is not a key of our format without reading the key table', async () => {
    // A table that does not exist: any lookup would fail with 503 key_check_unavailable, not 401.
    const restore = setEnv({ [Env.KEY_TABLE]: 'no-such-table' });
    try {
      for (const value of ['sk-not-ours', 'sbk_short', `sbk_${'A'.repeat(42)}=`, "sbk_' OR 1=1 --"]) {
        const res = await invokeStream(ctx.mod, nativeRequest({ 'x-api-key': value }));
        expect(res.status).toBe(401);
        expect(JSON.parse(res.body).error.code).toBe('invalid_api_key');
      }
      const lookedUp = await invokeStream(ctx.mod, nativeRequest({ 'x-api-key': 'sbk_' + 'B'.repeat(43) }));
      expect(lookedUp.status).toBe(503);
      expect(JSON.parse(lookedUp.body).error.code).toBe('key_check_unavailable');
    } finally {
      restore();
    }
  });
});

describe('allowed models', () => {
  test("fails a model outside the key's list as the protocol refuses an unknown model (OpenAI: 404 model_not_found)", async () => {
    const { secret } = await newKey({ allowedModels: [MODEL] });
    const res = await invokeStream(ctx.mod, openAiRequest({ Authorization: `Bearer ${secret}` }, OTHER_MODEL));
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body).error.code).toBe('model_not_found');
    expect(ctx.fake.requests).toHaveLength(0);
    const allowed = await invokeStream(ctx.mod, openAiRequest({ Authorization: `Bearer ${secret}` }, MODEL));
    expect(allowed.status).toBe(200);
  });

  test("fails with 403 model_not_allowed when the request names no model and the API's default is not the key's", async () => {
    const { secret } = await newKey({ allowedModels: [OTHER_MODEL] });
    const res = await invokeStream(ctx.mod, nativeRequest({ 'x-api-key': secret }));
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error).toMatchObject({
      code: 'model_not_allowed',
      message: `This key may not use the API's default model: name one of ${OTHER_MODEL}.`,
    });
    const named = await invokeStream(
      ctx.mod,
      nativeRequest({ 'x-api-key': secret }, { prompt: 'hi', modelId: OTHER_MODEL }),
    );
    expect(named.status).toBe(200);
    expect(ctx.fake.requests).toHaveLength(1);
  });

  test("the model list shows only the key's models", async () => {
    const { secret } = await newKey({ allowedModels: [OTHER_MODEL] });
    const event = { ...nativeRequest({ Authorization: `Bearer ${secret}` }), httpMethod: 'GET', body: null };
    const res = await invokeStream(ctx.mod, { ...event, path: Routes.MODELS.path, resource: Routes.MODELS.path });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).data.map((model: { id: string }) => model.id)).toEqual([OTHER_MODEL]);
  });
});

describe('the lookup cache', () => {
  test('a revoked key keeps working while its lookup is cached (the default TTL, 30 s)', async () => {
    const { secret, keyId } = await newKey();
    expect((await invokeStream(ctx.mod, nativeRequest({ 'x-api-key': secret }))).status).toBe(200);
    await revokeKey(store.client, KEY_TABLE, keyId);
    expect((await invokeStream(ctx.mod, nativeRequest({ 'x-api-key': secret }))).status).toBe(200);
  });

  test('a revoked key is refused once the cache TTL has passed', async () => {
    const restore = setEnv({ [Env.KEY_CACHE_TTL_MS]: '200' });
    try {
      const { secret, keyId } = await newKey();
      expect((await invokeStream(ctx.mod, nativeRequest({ 'x-api-key': secret }))).status).toBe(200);
      await revokeKey(store.client, KEY_TABLE, keyId);
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect((await invokeStream(ctx.mod, nativeRequest({ 'x-api-key': secret }))).status).toBe(401);
    } finally {
      restore();
    }
  });

  test('with cacheTtl 0 a revocation takes effect at the next request', async () => {
    const restore = setEnv({ [Env.KEY_CACHE_TTL_MS]: '0' });
    try {
      const { secret, keyId } = await newKey();
      expect((await invokeStream(ctx.mod, nativeRequest({ 'x-api-key': secret }))).status).toBe(200);
      await revokeKey(store.client, KEY_TABLE, keyId);
      expect((await invokeStream(ctx.mod, nativeRequest({ 'x-api-key': secret }))).status).toBe(401);
    } finally {
      restore();
    }
  });
});

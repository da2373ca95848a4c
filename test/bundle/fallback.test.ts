/**
 * Fallback models through the shipped bundle and the real SDK: when the asked model is throttled or unavailable before
 * its first event, the next model answers; never once output started, never for the caller's or the operator's
 * errors. The log line, the metrics, the budget and the response name the model that answered.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { MODEL, SYSTEM_PROMPT, apiEvent, invokeStream, parseSse, setEnv, useHandlerTestContext } from './harness';
import { HandlerEnvironment as Env, budgetSortKey } from '../../src/contract';
import { estimateInputTokens } from '../../src/handler/budget';
import { BudgetStore } from '../../src/local/budget-store';
import { answer, httpError, type FakeResponse } from '../../src/local/fake-bedrock';

const FIRST_FALLBACK = 'amazon.nova-lite-v1:0';
const SECOND_FALLBACK = 'us.amazon.nova-pro-v1:0';
const APP_PROFILE = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6';

const ctx = useHandlerTestContext({
  [Env.FALLBACK_MODEL_IDS]: JSON.stringify([FIRST_FALLBACK, SECOND_FALLBACK]),
  [Env.ALLOWED_MODEL_IDS]: JSON.stringify([MODEL, FIRST_FALLBACK]),
});

const USAGE = { inputTokens: 10, outputTokens: 4 };
const THROTTLED = () => httpError(429, 'ThrottlingException', 'Too many requests');

/** The fake answers each model with `byModel[id]`, or with an answer naming the model. */
function models(byModel: Record<string, () => FakeResponse>) {
  ctx.fake.setScript(
    (request) => byModel[request.modelId]?.() ?? answer([`from ${request.modelId}`], { usage: USAGE }),
  );
}

/** The models Bedrock was asked, in order (the SDK's retries included). */
const asked = () => ctx.fake.requests.map((r) => r.modelId);

const json = { headers: { Accept: 'application/json' } };

describe('a fallback answers when the model cannot, before its first event', () => {
  test('the first model throttled on every attempt: the first fallback answers, and the response names it', async () => {
    models({ [MODEL]: THROTTLED });
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }, json));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ text: `from ${FIRST_FALLBACK}`, modelId: FIRST_FALLBACK });
    // The SDK's 3 attempts on the first model, then the fallback.
    expect(asked()).toEqual([MODEL, MODEL, MODEL, FIRST_FALLBACK]);
  });

  test('the log line names the model that answered and the one asked; the metrics count the answering model', async () => {
    models({ [MODEL]: THROTTLED });
    await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    const [line] = ctx.logs();
    expect(line).toMatchObject({ outcome: 'ok', modelId: FIRST_FALLBACK, requestedModelId: MODEL });
    expect(line.ModelId).toBe(FIRST_FALLBACK);
    expect(line.Fallbacks).toBe(1);
    expect(line._aws.CloudWatchMetrics[0].Metrics).toContainEqual({ Name: 'Fallbacks', Unit: 'Count' });
  });

  test('without a fallback the log line has no requestedModelId, and Fallbacks is 0', async () => {
    models({});
    await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    const [line] = ctx.logs();
    expect(line.modelId).toBe(MODEL);
    expect(line).not.toHaveProperty('requestedModelId');
    expect(line.Fallbacks).toBe(0);
    expect(asked()).toEqual([MODEL]);
  });

  test('the fallbacks are tried in order: the second answers when the first is throttled too', async () => {
    models({ [MODEL]: THROTTLED, [FIRST_FALLBACK]: THROTTLED });
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    expect(res.status).toBe(200);
    expect(parseSse(res.body)[0].data.text).toBe(`from ${SECOND_FALLBACK}`);
    expect([...new Set(asked())]).toEqual([MODEL, FIRST_FALLBACK, SECOND_FALLBACK]);
  });

  test('every model throttled: 429 as without fallbacks, the log line naming the asked model', async () => {
    models({ [MODEL]: THROTTLED, [FIRST_FALLBACK]: THROTTLED, [SECOND_FALLBACK]: THROTTLED });
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    expect(res.status).toBe(429);
    expect(JSON.parse(res.body).error.code).toBe('upstream_throttled');
    expect([...new Set(asked())]).toEqual([MODEL, FIRST_FALLBACK, SECOND_FALLBACK]);
    expect(ctx.logs()[0]).toMatchObject({ modelId: MODEL, outcome: 'upstream_throttled' });
  });

  test.each([
    ['ServiceUnavailableException', () => httpError(503, 'ServiceUnavailableException')],
    ['ModelNotReadyException', () => httpError(429, 'ModelNotReadyException')],
    ['ModelTimeoutException', () => httpError(408, 'ModelTimeoutException')],
    ['ServiceQuotaExceededException', () => httpError(400, 'ServiceQuotaExceededException')],
    [
      'a throttlingException as the first frame',
      () => ({ frames: [{ exception: 'ThrottlingException', message: 'x' }] }),
    ],
  ])('%s falls back', async (_name, failure) => {
    models({ [MODEL]: failure });
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    expect(res.status).toBe(200);
    expect(parseSse(res.body)[0].data.text).toBe(`from ${FIRST_FALLBACK}`);
  });

  test('a request naming another allowed model falls back to the list, skipping itself', async () => {
    models({ [FIRST_FALLBACK]: THROTTLED });
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi', modelId: FIRST_FALLBACK }));
    expect(parseSse(res.body)[0].data.text).toBe(`from ${SECOND_FALLBACK}`);
    expect([...new Set(asked())]).toEqual([FIRST_FALLBACK, SECOND_FALLBACK]);
  });
});

describe('no fallback once output started, or for errors another model would not fix', () => {
  test('a failure mid-stream ends that answer in-band: no other model is asked', async () => {
    models({
      [MODEL]: () =>
        answer(['one ', 'two ', 'three'], {
          failAfter: { deltas: 1, exception: 'ThrottlingException', message: 'x' },
        }),
    });
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    expect(res.status).toBe(200);
    const events = parseSse(res.body);
    expect(events[0].data.text).toBe('one ');
    expect(events.at(-1)!.event).toBe('error');
    expect(asked()).toEqual([MODEL]);
    expect(ctx.logs()[0]).toMatchObject({ modelId: MODEL, outcome: 'upstream_throttled' });
  });

  test.each([
    ['the caller’s (ValidationException)', 400, 'ValidationException', 400],
    ['the operator’s (AccessDeniedException)', 403, 'AccessDeniedException', 502],
    ['the model’s own error (ModelErrorException)', 424, 'ModelErrorException', 502],
  ])('an error that is %s does not fall back', async (_name, upstream, errorType, status) => {
    models({ [MODEL]: () => httpError(upstream, errorType) });
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    expect(res.status).toBe(status);
    expect(new Set(asked())).toEqual(new Set([MODEL]));
  });
});

describe("each protocol's model field names the model that answered", () => {
  beforeEach(() => models({ [MODEL]: THROTTLED }));
  const post = (path: string, body: object, headers: Record<string, string> = {}) =>
    invokeStream(ctx.mod, apiEvent(body, { path, headers }));
  const messages = [{ role: 'user', content: 'hi' }];

  test('OpenAI Chat Completions, streamed and not', async () => {
    const streamed = await post('/v1/chat/completions', { model: MODEL, messages, stream: true });
    const chunks = streamed.body.split('\n\n').filter((c) => c.startsWith('data: {'));
    expect(chunks.length).toBeGreaterThan(1);
    chunks.forEach((c) => expect(JSON.parse(c.slice(6)).model).toBe(FIRST_FALLBACK));
    models({ [MODEL]: THROTTLED });
    const whole = await post('/v1/chat/completions', { model: MODEL, messages });
    expect(JSON.parse(whole.body).model).toBe(FIRST_FALLBACK);
  });

  test('OpenAI Responses', async () => {
    const res = await post('/v1/responses', { model: MODEL, input: 'hi' });
    expect(JSON.parse(res.body).model).toBe(FIRST_FALLBACK);
  });

  test('Anthropic Messages, streamed and not', async () => {
    const body = { model: MODEL, max_tokens: 100, messages };
    const streamed = await post('/v1/messages', { ...body, stream: true });
    const start = streamed.body.split('\n\n').find((e) => e.startsWith('event: message_start'))!;
    expect(JSON.parse(start.split('\ndata: ')[1]).message.model).toBe(FIRST_FALLBACK);
    models({ [MODEL]: THROTTLED });
    const whole = await post('/v1/messages', body);
    expect(JSON.parse(whole.body).model).toBe(FIRST_FALLBACK);
  });

  test('AI SDK UI messages: the start chunk’s metadata', async () => {
    const res = await post('/chat', {
      id: 'c1',
      messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }],
      trigger: 'submit-message',
    });
    const start = res.body.split('\n\n').find((e) => e.includes('"type":"start"'))!;
    expect(JSON.parse(start.slice(6)).messageMetadata.modelId).toBe(FIRST_FALLBACK);
  });
});

describe('an application inference profile that answers is named by its public form', () => {
  test('the response shows the resource part, the log line the whole id', async () => {
    const restore = setEnv({ [Env.FALLBACK_MODEL_IDS]: JSON.stringify([APP_PROFILE]) });
    try {
      models({ [MODEL]: THROTTLED, [APP_PROFILE]: () => answer(['fine'], { usage: USAGE }) });
      const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }, json));
      expect(JSON.parse(res.body).modelId).toBe('application-inference-profile/a1b2c3d4e5f6');
      expect(res.body).not.toContain('123456789012');
      expect(ctx.logs()[0].modelId).toBe(APP_PROFILE);
    } finally {
      restore();
    }
  });
});

describe('the budget reserves for the dearest candidate and charges the answering model', () => {
  let store: BudgetStore;
  let restoreEnv: () => void;
  // USD per million input and output tokens: the asked model is the dearest.
  const PRICES = { [MODEL]: [4, 20], [FIRST_FALLBACK]: [1, 5], [SECOND_FALLBACK]: [2, 10] };
  beforeAll(async () => {
    store = await BudgetStore.start();
    restoreEnv = setEnv({
      [Env.BUDGET_TABLE]: store.tableName,
      [Env.BUDGET_SPEND_PER_DAY]: '5',
      [Env.PRICING]: JSON.stringify(PRICES),
      AWS_ENDPOINT_URL_DYNAMODB: store.url,
    });
  });
  afterAll(async () => {
    restoreEnv?.();
    await store?.stop();
  });

  /** The worst case of `{prompt: 'hi', maxTokens: 100}` at `input` and `output` USD per million tokens. */
  const worstCase = (input: number, output: number) => {
    const messages = [{ role: 'user' as const, content: [{ text: 'hi' }] }];
    const tokens = estimateInputTokens({ modelId: MODEL, maxTokens: 100, messages }, { systemPrompt: SYSTEM_PROMPT });
    return (tokens * input + 100 * output) / 1e6;
  };

  let callers = 0;
  function fromNewCaller(body: object): { apiKeyId: string; event: APIGatewayProxyEvent } {
    const apiKeyId = `fallback-${++callers}-${Date.now()}`;
    const event = apiEvent(body);
    const requestContext = { ...event.requestContext, identity: { sourceIp: '203.0.113.9', apiKeyId } };
    return { apiKeyId, event: { ...event, requestContext } as APIGatewayProxyEvent };
  }

  test('a fallback answer is charged at the fallback’s price, reserved at the dearest', async () => {
    models({ [MODEL]: THROTTLED });
    const { apiKeyId, event } = fromNewCaller({ prompt: 'hi', maxTokens: 100 });
    const res = await invokeStream(ctx.mod, event);
    expect(res.status).toBe(200);
    const [line] = ctx.logs();
    const charged = (USAGE.inputTokens * 1 + USAGE.outputTokens * 5) / 1e6;
    expect(line.costUsd).toBeCloseTo(charged, 12);
    expect(line.budget.chargedUsd).toBeCloseTo(charged, 12);
    // The worst case at the asked model's price, the dearest of the three.
    expect(line.budget.reservedUsd).toBeCloseTo(worstCase(4, 20), 12);
    const { Item } = await store.client.send(
      new GetItemCommand({
        TableName: store.tableName,
        Key: { pk: { S: `apiKey#${apiKeyId}` }, sk: { S: budgetSortKey('day', new Date()) } },
        ConsistentRead: true,
      }),
    );
    expect(Number(Item?.spentUsd?.N)).toBeCloseTo(charged, 12);
  });

  test('the cheap model asked, a dearer fallback possible: reserved at the dearer price', async () => {
    models({});
    const { event } = fromNewCaller({ prompt: 'hi', maxTokens: 100, modelId: FIRST_FALLBACK });
    await invokeStream(ctx.mod, event);
    const [line] = ctx.logs();
    // FIRST_FALLBACK ($1, $5) may fall back to SECOND_FALLBACK ($2, $10): the worst case is at the latter's price.
    expect(line.budget.reservedUsd).toBeCloseTo(worstCase(2, 10), 12);
    expect(line.budget.chargedUsd).toBeCloseTo((USAGE.inputTokens * 1 + USAGE.outputTokens * 5) / 1e6, 12);
  });
});

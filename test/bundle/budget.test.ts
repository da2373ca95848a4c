/**
 * Token budgets through the shipped bundle, against a DynamoDB-compatible server (dynalite) with the real
 * @aws-sdk/client-dynamodb: a caller over budget is refused before Bedrock is called, and the ledger settles to the
 * model's real usage.
 */
import * as net from 'net';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { MODEL, apiEvent, invokeStream, lambdaContext, setEnv, useHandlerTestContext } from './harness';
import {
  BUDGET_REMAINING_HEADER,
  BUDGET_REMAINING_USD_HEADER,
  BudgetTableSchema,
  HandlerEnvironment as Env,
  Routes,
  budgetPeriodEnd,
  budgetSortKey,
  StoreEnvironment,
  type BudgetLimits,
} from '../../src/contract';
import { estimateInputTokens } from '../../src/handler/budget';
import { estimateTextTokens } from '../../src/handler/token-estimate';
import { BudgetStore } from '../../src/local/budget-store';
import { answer, httpError } from '../../src/local/fake-bedrock';
import { DEFAULT_FAKE_MODEL, fakeModelScript } from '../../src/local/fake-model';

const ctx = useHandlerTestContext();
let store: BudgetStore;
let restoreEnv: () => void;

beforeAll(async () => {
  store = await BudgetStore.start();
  restoreEnv = setEnv({
    [Env.BUDGET_TABLE]: store.tableName,
    [Env.BUDGET_TOKENS_PER_DAY]: '5000',
    [Env.BUDGET_TOKENS_PER_MONTH]: undefined,
    [Env.BUDGET_FAIL_OPEN]: undefined,
    AWS_ENDPOINT_URL_DYNAMODB: store.url,
  });
});
afterAll(async () => {
  restoreEnv?.();
  await store?.stop();
});

const USAGE = { inputTokens: 12, outputTokens: 3, cacheReadInputTokens: 40, cacheWriteInputTokens: 5 };
beforeEach(() => ctx.fake.setScript(() => answer(['Hi', ' there', '!'], { usage: USAGE })));

let callers = 0;
/** A request from a caller of its own (so tests never share a ledger item), as API Gateway sends it with an API key. */
function fromNewCaller(body: unknown = { prompt: 'hi', maxTokens: 100 }, path: string = Routes.STREAM.path) {
  const apiKeyId = `key-${++callers}-${Date.now()}`;
  const event = apiEvent(body, { path });
  const requestContext = { ...event.requestContext, identity: { sourceIp: '203.0.113.9', apiKeyId } };
  return { apiKeyId, event: { ...event, requestContext } as APIGatewayProxyEvent };
}

/** The same caller again, with another body. */
function again(first: APIGatewayProxyEvent, body: unknown, path: string = Routes.STREAM.path): APIGatewayProxyEvent {
  return { ...apiEvent(body, { path }), requestContext: first.requestContext };
}

async function usedTokens(apiKeyId: string, period: 'day' | 'month' = 'day'): Promise<number | undefined> {
  const { Item } = await store.client.send(
    new GetItemCommand({
      TableName: store.tableName,
      Key: { pk: { S: `apiKey#${apiKeyId}` }, sk: { S: budgetSortKey(period, new Date()) } },
      ConsistentRead: true,
    }),
  );
  return Item?.usedTokens?.N === undefined ? undefined : Number(Item.usedTokens.N);
}

async function setLimits(apiKeyId: string, limits: BudgetLimits) {
  const item: Record<string, { S: string } | { N: string }> = { pk: { S: `apiKey#${apiKeyId}` }, sk: { S: 'limits' } };
  for (const [name, value] of Object.entries(limits)) {
    item[name] = { N: String(value) };
  }
  await store.client.send(new PutItemCommand({ TableName: store.tableName, Item: item }));
}

const REAL_USAGE = 12 + 3 + 40 + 5;
/** What the handler reserves for `{ prompt: 'hi', maxTokens: 100 }`. */
const reservationFor = (prompt: string, maxTokens: number) =>
  estimateInputTokens(
    { modelId: MODEL, maxTokens, messages: [{ role: 'user', content: [{ text: prompt }] }] },
    { systemPrompt: process.env[Env.SYSTEM_PROMPT] },
  ) + maxTokens;
/** The system prompt's share of every reservation: reserved, but never shown to the caller. */
const systemShare = () => estimateTextTokens(process.env[Env.SYSTEM_PROMPT] ?? '');

describe('within budget', () => {
  test('reserves before Bedrock, tells the caller what is left, and settles to the real usage, cache tokens included', async () => {
    const { apiKeyId, event } = fromNewCaller();
    const res = await invokeStream(ctx.mod, event);
    expect(res.status).toBe(200);
    expect(res.body).toContain('event: done');
    expect(Number(res.headers[BUDGET_REMAINING_HEADER])).toBe(5000 - reservationFor('hi', 100) + systemShare());
    expect(await usedTokens(apiKeyId)).toBe(REAL_USAGE);
    expect(ctx.logs()[0].budget).toEqual({ reservedTokens: reservationFor('hi', 100), chargedTokens: REAL_USAGE });
  });

  test('the period items expire (TTL) some time after their period ends', async () => {
    const { apiKeyId, event } = fromNewCaller();
    await invokeStream(ctx.mod, event);
    const now = new Date();
    const { Item } = await store.client.send(
      new GetItemCommand({
        TableName: store.tableName,
        Key: { pk: { S: `apiKey#${apiKeyId}` }, sk: { S: budgetSortKey('day', now) } },
      }),
    );
    const expiresAt = Number(Item?.[BudgetTableSchema.TIME_TO_LIVE_ATTRIBUTE]?.N);
    expect(expiresAt * 1000).toBeGreaterThan(budgetPeriodEnd('day', now).getTime());
    expect(expiresAt * 1000).toBeLessThan(budgetPeriodEnd('day', now).getTime() + 40 * 86_400_000);
  });

  test('the budget counts across requests until it is used up', async () => {
    const { apiKeyId, event } = fromNewCaller();
    await setLimits(apiKeyId, { tokensPerDay: REAL_USAGE + reservationFor('hi', 100) });
    expect((await invokeStream(ctx.mod, event)).status).toBe(200);
    expect((await invokeStream(ctx.mod, again(event, { prompt: 'hi', maxTokens: 100 }))).status).toBe(200);
    const third = await invokeStream(ctx.mod, again(event, { prompt: 'hi', maxTokens: 100 }));
    expect(third.status).toBe(429);
    expect(await usedTokens(apiKeyId)).toBe(2 * REAL_USAGE);
  });

  test('the buffered endpoint and the OpenAI and AI SDK protocols are budgeted too', async () => {
    const { apiKeyId, event } = fromNewCaller();
    const buffered = await ctx.mod.bufferedHandler(
      again(event, { prompt: 'hi', maxTokens: 100 }, Routes.BUFFERED.path),
      lambdaContext(),
    );
    expect(buffered.statusCode).toBe(200);
    expect(buffered.headers?.[BUDGET_REMAINING_HEADER]).toMatch(/^\d+$/);
    const openai = { model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], stream: true };
    const res = await invokeStream(ctx.mod, again(event, openai, Routes.CHAT_COMPLETIONS.path));
    expect(res.status).toBe(200);
    const aiSdk = {
      id: 'c1',
      trigger: 'submit-message',
      messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }],
    };
    expect((await invokeStream(ctx.mod, again(event, aiSdk, Routes.AI_SDK_CHAT.path))).status).toBe(200);
    expect(await usedTokens(apiKeyId)).toBe(3 * REAL_USAGE);
  });
});

describe('over budget', () => {
  test('429 budget_exceeded with Retry-After until the day resets; Bedrock is not called and nothing stays reserved', async () => {
    const { apiKeyId, event } = fromNewCaller({ prompt: 'hi', maxTokens: 100 });
    await setLimits(apiKeyId, { tokensPerDay: reservationFor('hi', 100) - 1 });
    const res = await invokeStream(ctx.mod, event);
    expect(res.status).toBe(429);
    const body = JSON.parse(res.body);
    expect(body.error).toMatchObject({ type: 'rate_limit_error', code: 'budget_exceeded' });
    expect(body.error.message).toContain('budget for the day');
    // The caller's share only: the system prompt's length is not for the caller to measure.
    expect(body.error.message).toContain(`up to ${reservationFor('hi', 100) - systemShare()} tokens`);
    const untilMidnight = (budgetPeriodEnd('day', new Date()).getTime() - Date.now()) / 1000;
    expect(Number(res.headers['Retry-After'])).toBeGreaterThanOrEqual(Math.floor(untilMidnight) - 5);
    expect(Number(res.headers['Retry-After'])).toBeLessThanOrEqual(Math.ceil(untilMidnight) + 1);
    expect(ctx.fake.requests).toHaveLength(0);
    expect((await usedTokens(apiKeyId)) ?? 0).toBe(0);
    const [line] = ctx.logs();
    expect(line).toMatchObject({ level: 'WARN', status: 429, outcome: 'budget_exceeded', BudgetRejections: 1 });
    expect(line.budget).toEqual({ reservedTokens: reservationFor('hi', 100), exceeded: true });
  });

  test('a smaller maxTokens fits where the default did not', async () => {
    const { apiKeyId, event } = fromNewCaller({ prompt: 'hi' });
    await setLimits(apiKeyId, { tokensPerDay: 600 });
    expect((await invokeStream(ctx.mod, event)).status).toBe(429);
    expect((await invokeStream(ctx.mod, again(event, { prompt: 'hi', maxTokens: 200 }))).status).toBe(200);
  });

  test('the month: 429 naming the month, and the day reservation made before it is rolled back', async () => {
    const { apiKeyId, event } = fromNewCaller();
    await setLimits(apiKeyId, { tokensPerDay: 100_000, tokensPerMonth: 10 });
    const res = await invokeStream(ctx.mod, event);
    expect(res.status).toBe(429);
    expect(JSON.parse(res.body).error.message).toContain('budget for the month');
    const untilMonthEnd = (budgetPeriodEnd('month', new Date()).getTime() - Date.now()) / 1000;
    expect(Number(res.headers['Retry-After'])).toBeGreaterThan(untilMonthEnd - 5);
    expect(await usedTokens(apiKeyId, 'day')).toBe(0);
    expect(ctx.fake.requests).toHaveLength(0);
  });

  test('a limit of 0 refuses every request of that caller', async () => {
    const { apiKeyId, event } = fromNewCaller();
    await setLimits(apiKeyId, { tokensPerDay: 0 });
    expect((await invokeStream(ctx.mod, event)).status).toBe(429);
  });

  test('OpenAI callers get the 429 in the same error shape, which the openai client reads', async () => {
    const openai = { model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], stream: true };
    const { apiKeyId, event } = fromNewCaller(openai, Routes.CHAT_COMPLETIONS.path);
    await setLimits(apiKeyId, { tokensPerDay: 10 });
    const res = await invokeStream(ctx.mod, event);
    expect(res.status).toBe(429);
    expect(JSON.parse(res.body).error.code).toBe('budget_exceeded');
  });
});

describe('a limits item the operator got wrong', () => {
  test('a limit written as a string refuses that caller (503 at ERROR, even with failOpen), not the API default', async () => {
    const restore = setEnv({ [Env.BUDGET_FAIL_OPEN]: 'true' });
    try {
      const { apiKeyId, event } = fromNewCaller();
      await store.client.send(
        new PutItemCommand({
          TableName: store.tableName,
          Item: { pk: { S: `apiKey#${apiKeyId}` }, sk: { S: 'limits' }, tokensPerDay: { S: '1000000' } },
        }),
      );
      const res = await invokeStream(ctx.mod, event);
      expect(res.status).toBe(503);
      expect(JSON.parse(res.body).error.code).toBe('budget_unavailable');
      expect(ctx.fake.requests).toHaveLength(0);
      expect(ctx.logs()[0]).toMatchObject({
        level: 'ERROR',
        error: { code: 'budget_unavailable', cause: { name: 'InvalidLimitsItemError' } },
      });
    } finally {
      restore();
    }
  });
});

describe('racing for the last tokens', () => {
  test('concurrent requests never reserve past the limit: exactly as many as fit get through', async () => {
    const reservation = reservationFor('hi', 100);
    const { apiKeyId, event } = fromNewCaller();
    await setLimits(apiKeyId, { tokensPerDay: 3 * reservation + Math.floor(reservation / 2) });
    // The answers take long enough that every request has its reservation decided before the first settlement gives
    // tokens back (a settled request makes room for a later one, which is right, but not what this test counts).
    ctx.fake.setScript(() => answer(['Hi'], { usage: USAGE, delayMs: 50, firstDelayMs: 1500 }));
    const results = await Promise.all(
      Array.from({ length: 12 }, () => invokeStream(ctx.mod, again(event, { prompt: 'hi', maxTokens: 100 }))),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(9);
    expect(ctx.fake.requests).toHaveLength(3);
    expect(await usedTokens(apiKeyId)).toBe(3 * REAL_USAGE);
  });
});

describe('the overrun attack of short words (issue 22)', () => {
  test('50 parallel requests of "a " x 3000 against 3,300 tokens settle within the budget (1.82x with characters / 4)', async () => {
    const { apiKeyId, event } = fromNewCaller();
    const BUDGET = 3300;
    await setLimits(apiKeyId, { tokensPerDay: BUDGET });
    // The runner's fake model: one input token per word of the prompt, as a BPE tokenizer counts this text.
    ctx.fake.setScript(fakeModelScript({ ...DEFAULT_FAKE_MODEL, answerTokens: 10, firstTokenMs: 1500 }));
    const attack = { prompt: 'a '.repeat(3000), maxTokens: 10 };
    const results = await Promise.all(Array.from({ length: 50 }, () => invokeStream(ctx.mod, again(event, attack))));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const settled = (await usedTokens(apiKeyId))!;
    expect(settled).toBeLessThanOrEqual(BUDGET);
    expect(settled).toBeGreaterThanOrEqual(3000);
  });
});

describe('settling', () => {
  test('a model that fails before answering costs nothing', async () => {
    ctx.fake.setScript(() => httpError(400, 'ValidationException'));
    const { apiKeyId, event } = fromNewCaller();
    expect((await invokeStream(ctx.mod, event)).status).toBe(400);
    expect(await usedTokens(apiKeyId)).toBe(0);
    expect(ctx.logs()[0].budget).toMatchObject({ chargedTokens: 0 });
  });

  test('an answer cut before the usage arrived keeps its reservation (the model may have used it)', async () => {
    ctx.fake.setScript(() => answer(['a', 'b', 'c', 'd'], { delayMs: 400 }));
    const { apiKeyId, event } = fromNewCaller();
    const res = await invokeStream(ctx.mod, event, { remainingMs: 1000 });
    expect(res.body).toContain('"code":"timeout"');
    expect(await usedTokens(apiKeyId)).toBe(reservationFor('hi', 100));
  });

  test('a model error in mid-stream with no usage keeps the reservation too', async () => {
    ctx.fake.setScript(() => answer(['a', 'b'], { failAfter: { deltas: 1, exception: 'modelStreamErrorException' } }));
    const { apiKeyId, event } = fromNewCaller();
    const res = await invokeStream(ctx.mod, event);
    expect(res.body).toContain('event: error');
    expect(await usedTokens(apiKeyId)).toBe(reservationFor('hi', 100));
  });
});

describe('the ledger cannot be reached', () => {
  /** A port nothing listens on: the ledger's connection is refused. */
  async function closedPort(): Promise<string> {
    const gone = await BudgetStore.start();
    const url = gone.url;
    await gone.stop();
    return url;
  }

  test('503 budget_unavailable at ERROR level, and Bedrock is not called', async () => {
    const restore = setEnv({ AWS_ENDPOINT_URL_DYNAMODB: await closedPort() });
    try {
      const res = await invokeStream(ctx.mod, fromNewCaller().event);
      expect(res.status).toBe(503);
      expect(res.headers['Retry-After']).toBe('2');
      expect(JSON.parse(res.body).error).toMatchObject({ type: 'api_error', code: 'budget_unavailable' });
      expect(ctx.fake.requests).toHaveLength(0);
      expect(ctx.logs()[0]).toMatchObject({ level: 'ERROR', outcome: 'budget_unavailable' });
      expect(res.body).not.toContain('127.0.0.1');
    } finally {
      restore();
    }
  });

  test('with failOpen the answer goes out unmetered, and the log line says so', async () => {
    const restore = setEnv({ AWS_ENDPOINT_URL_DYNAMODB: await closedPort(), [Env.BUDGET_FAIL_OPEN]: 'true' });
    try {
      const res = await invokeStream(ctx.mod, fromNewCaller().event);
      expect(res.status).toBe(200);
      expect(res.headers[BUDGET_REMAINING_HEADER]).toBeUndefined();
      expect(ctx.logs()[0]).toMatchObject({
        level: 'WARN',
        outcome: 'ok',
        budget: { unmetered: true },
        BudgetRejections: 0,
        UnmeteredRequests: 1,
      });
    } finally {
      restore();
    }
  });

  test('failOpen does not cover a broken ledger (no such table): 503 at ERROR naming the cause, Bedrock not called', async () => {
    const restore = setEnv({ [Env.BUDGET_TABLE]: 'no-such-table', [Env.BUDGET_FAIL_OPEN]: 'true' });
    try {
      const res = await invokeStream(ctx.mod, fromNewCaller().event);
      expect(res.status).toBe(503);
      expect(JSON.parse(res.body).error.code).toBe('budget_unavailable');
      expect(res.body).not.toContain('no-such-table');
      expect(ctx.fake.requests).toHaveLength(0);
      expect(ctx.logs()[0]).toMatchObject({
        level: 'ERROR',
        outcome: 'budget_unavailable',
        error: { code: 'budget_unavailable', cause: { name: 'ResourceNotFoundException', httpStatusCode: 400 } },
      });
    } finally {
      restore();
    }
  });

  test('going away in mid-answer: the answer still ends well, and the log line says the settlement failed', async () => {
    const leaving = await BudgetStore.start();
    const restore = setEnv({ AWS_ENDPOINT_URL_DYNAMODB: leaving.url });
    try {
      const modelCalled = scriptOnce(() => answer(['a', 'b', 'c'], { usage: USAGE, delayMs: 100 }));
      const { event } = fromNewCaller();
      const pending = invokeStream(ctx.mod, event);
      await modelCalled; // the reservation is made: Bedrock is called only after it
      await leaving.stop();
      const res = await pending;
      expect(res.status).toBe(200);
      expect(res.body).toContain('event: done');
      expect(ctx.logs()[0].budget).toEqual({ reservedTokens: reservationFor('hi', 100), settlementFailed: true });
    } finally {
      restore();
    }
  });
});

/** Sets the fake model's script; resolves when Bedrock is called, which the handler does only after reserving. */
function scriptOnce(script: Parameters<typeof ctx.fake.setScript>[0]): Promise<void> {
  return new Promise<void>((resolve) => {
    ctx.fake.setScript((...args: Parameters<typeof script>) => {
      resolve();
      return script(...args);
    });
  });
}

/**
 * A TCP proxy to the store that can start swallowing everything (a ledger that hangs rather than refuses), or start
 * losing the ledger's answers: requests still reach it and are carried out, but the connection drops before the
 * answer gets back (what a retry would then repeat).
 */
async function ledgerProxy(target: string) {
  const { port } = new URL(target);
  let mode: 'pass' | 'hang' | 'loseAnswers' = 'pass';
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    const upstream = net.connect(Number(port), '127.0.0.1');
    sockets.add(upstream);
    client.on('data', (bytes) => mode === 'hang' || upstream.write(bytes));
    upstream.on('data', (bytes) => {
      if (mode === 'loseAnswers') {
        client.destroy();
      } else if (mode === 'pass') {
        client.write(bytes);
      }
    });
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    hang: () => (mode = 'hang'),
    loseAnswers: () => (mode = 'loseAnswers'),
    close: () => {
      sockets.forEach((socket) => socket.destroy());
      server.close();
    },
  };
}

/** Runs `test` with the handler's ledger reached through a ledgerProxy. */
async function throughProxy(test: (proxy: Awaited<ReturnType<typeof ledgerProxy>>) => Promise<void>): Promise<void> {
  const proxy = await ledgerProxy(store.url);
  const restore = setEnv({ AWS_ENDPOINT_URL_DYNAMODB: proxy.url });
  try {
    await test(proxy);
  } finally {
    restore();
    proxy.close();
  }
}

describe('a ledger that hangs at reservation time', () => {
  test('the request timeout cuts each attempt off (the SDK would otherwise only warn): 503, Bedrock not called', () =>
    throughProxy(async (proxy) => {
      proxy.hang();
      const restore = setEnv({ [StoreEnvironment.REQUEST_TIMEOUT_MS]: '300' });
      try {
        const started = Date.now();
        const res = await invokeStream(ctx.mod, fromNewCaller().event);
        expect(res.status).toBe(503);
        expect(JSON.parse(res.body).error.code).toBe('budget_unavailable');
        // two attempts of 300 ms each, far from the 30 s a hanging connection would otherwise hold
        expect(Date.now() - started).toBeLessThan(5000);
        expect(ctx.fake.requests).toHaveLength(0);
      } finally {
        restore();
      }
    }));
});

describe('a ledger that hangs at settlement time', () => {
  test('the settlement gives up before the invocation ends, and the log line is written', () =>
    throughProxy(async (proxy) => {
      const modelCalled = scriptOnce(() => answer(['a', 'b'], { usage: USAGE, delayMs: 100 }));
      const pending = invokeStream(ctx.mod, fromNewCaller().event, { remainingMs: 1500 });
      await modelCalled; // the reservation went through the proxy; from now on the ledger hangs
      proxy.hang();
      const started = Date.now();
      const res = await pending;
      expect(Date.now() - started).toBeLessThan(1500);
      expect(res.status).toBe(200);
      expect(ctx.logs()[0].budget).toMatchObject({ settlementFailed: true });
    }));
});

describe('a ledger whose answer to the settlement is lost', () => {
  test('the settlement is not retried: the tokens are given back once, never twice', () =>
    throughProxy(async (proxy) => {
      const modelCalled = scriptOnce(() => answer(['a', 'b'], { usage: USAGE, delayMs: 100 }));
      const { apiKeyId, event } = fromNewCaller();
      const pending = invokeStream(ctx.mod, event);
      await modelCalled; // the reservation went through; from now on the ledger's answers are lost
      proxy.loseAnswers();
      const res = await pending;
      expect(res.status).toBe(200);
      expect(ctx.logs()[0].budget).toMatchObject({ settlementFailed: true });
      // The write did happen: the ledger holds the real usage, as if the answer had arrived.
      expect(await usedTokens(apiKeyId)).toBe(REAL_USAGE);
    }));
});

describe('with pricing: the cost of each request, spend limits and per-minute limits', () => {
  // $1 and $5 per million input and output tokens, $0.10 to read the cache and $1.25 to write it.
  const PRICE = [1, 5, 0.1, 1.25];
  /** What USAGE costs at PRICE: 12 x 1 + 3 x 5 + 40 x 0.1 + 5 x 1.25 = 37.25 millionths of a dollar. */
  const USAGE_USD = 0.00003725;
  let restore: () => void;
  beforeEach(() => {
    restore = setEnv({ [Env.PRICING]: JSON.stringify({ [MODEL]: PRICE }) });
  });
  afterEach(() => restore());

  async function dayItem(apiKeyId: string) {
    const { Item } = await store.client.send(
      new GetItemCommand({
        TableName: store.tableName,
        Key: { pk: { S: `apiKey#${apiKeyId}` }, sk: { S: budgetSortKey('day', new Date()) } },
        ConsistentRead: true,
      }),
    );
    return Item;
  }

  test('the log line carries the cost; the ledger reserves the worst case in USD and settles to the real cost', async () => {
    const { apiKeyId, event } = fromNewCaller();
    await setLimits(apiKeyId, { spendPerDay: 1 });
    const res = await invokeStream(ctx.mod, event);
    expect(res.status).toBe(200);
    const [line] = ctx.logs();
    expect(line.costUsd).toBeCloseTo(USAGE_USD, 12);
    // Worst case: the input estimate at the dearest input price (the cache write's), maxTokens at the output price.
    const input = reservationFor('hi', 100) - 100;
    expect(line.budget.reservedUsd).toBeCloseTo((input * 1.25 + 100 * 5) / 1e6, 12);
    expect(line.budget.chargedUsd).toBeCloseTo(USAGE_USD, 12);
    expect((await dayItem(apiKeyId))?.spentUsd?.N).toBe('0.00003725');
    // What is left after the caller's share of the reservation, in USD, beside the tokens header.
    const shownUsd = ((input - systemShare()) * 1.25 + 100 * 5) / 1e6;
    expect(Number(res.headers[BUDGET_REMAINING_USD_HEADER])).toBeCloseTo(1 - shownUsd, 9);
  });

  test('over the spend limit: 429 budget_exceeded naming spendPerDay and the caller-side cost, Bedrock not called', async () => {
    const { apiKeyId, event } = fromNewCaller();
    await setLimits(apiKeyId, { spendPerDay: 0.0001 });
    const res = await invokeStream(ctx.mod, event);
    expect(res.status).toBe(429);
    const { error } = JSON.parse(res.body);
    expect(error.code).toBe('budget_exceeded');
    expect(error.message).toMatch(
      /spend budget for the day \(spendPerDay\) cannot cover this request \(up to \$0\.000\d+/,
    );
    expect(ctx.fake.requests).toHaveLength(0);
    expect(ctx.logs()[0]).toMatchObject({ outcome: 'budget_exceeded', BudgetRejections: 1 });
  });

  test('requests per minute: 429 rate_limited with Retry-After to the next minute, on every protocol', async () => {
    const { apiKeyId, event } = fromNewCaller();
    await setLimits(apiKeyId, { requestsPerMinute: 1, tokensPerDay: 100_000 });
    expect((await invokeStream(ctx.mod, event)).status).toBe(200);
    const openai = { model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], stream: true };
    const res = await invokeStream(ctx.mod, again(event, openai, Routes.CHAT_COMPLETIONS.path));
    // A request at the very end of a minute may land in the next one: then it is allowed, and so is this test.
    if (res.status === 200) {
      return;
    }
    expect(res.status).toBe(429);
    const { error } = JSON.parse(res.body);
    expect(error.code).toBe('rate_limited');
    expect(error.message).toContain("This caller's request rate limit for the minute (requestsPerMinute) is reached.");
    const retryAfter = Number(res.headers['Retry-After']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  test('a model the API has no price for: no cost in the log line, and a spend limit refuses it with 503', async () => {
    restore();
    restore = setEnv({ [Env.PRICING]: JSON.stringify({ 'some.other-model-v1:0': PRICE }) });
    const { apiKeyId, event } = fromNewCaller();
    expect((await invokeStream(ctx.mod, event)).status).toBe(200);
    expect(ctx.logs()[0].costUsd).toBeUndefined();
    await setLimits(apiKeyId, { spendPerDay: 5 });
    const res = await invokeStream(ctx.mod, again(event, { prompt: 'hi', maxTokens: 100 }));
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error.code).toBe('budget_unavailable');
    expect(ctx.fake.requests).toHaveLength(1);
  });
});

describe('without budgets', () => {
  test('no header, no ledger, no budget in the log line and no BudgetRejections metric', async () => {
    const restore = setEnv({ [Env.BUDGET_TABLE]: undefined });
    try {
      const { apiKeyId, event } = fromNewCaller();
      const res = await invokeStream(ctx.mod, event);
      expect(res.status).toBe(200);
      expect(res.headers[BUDGET_REMAINING_HEADER]).toBeUndefined();
      expect(await usedTokens(apiKeyId)).toBeUndefined();
      const [line] = ctx.logs();
      expect(line.budget).toBeUndefined();
      expect(line.BudgetRejections).toBeUndefined();
    } finally {
      restore();
    }
  });

  test('with budgets, an accepted request publishes BudgetRejections 0 (so the metric has data to alarm on)', async () => {
    await invokeStream(ctx.mod, fromNewCaller().event);
    expect(ctx.logs()[0].BudgetRejections).toBe(0);
  });
});

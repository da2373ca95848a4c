/**
 * The ledger's arithmetic against a DynamoDB-compatible server (dynalite) with the real @aws-sdk/client-dynamodb, and
 * what a request is charged.
 */
import { GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { budgetSortKey, type BudgetLimits, type BudgetPeriod } from '../../src/contract';
import { tokensUsed } from '../../src/handler/budget';
import {
  BudgetExceededError,
  BudgetLedger,
  BudgetLedgerUnavailableError,
  InvalidLimitsItemError,
  type Charge,
} from '../../src/handler/budget-ledger';
import type { Caller } from '../../src/handler/caller';
import { BudgetStore } from '../../src/local/budget-store';

let store: BudgetStore;
beforeAll(async () => {
  store = await BudgetStore.start();
});
afterAll(() => store?.stop());

let callers = 0;
const newCaller = (): Caller => ({ type: 'cognito', id: `sub-${++callers}` });

/** A period item's counters as the ledger wrote them (0 where absent). */
async function item(caller: Caller, period: BudgetPeriod, at = new Date()) {
  const { Item } = await store.client.send(
    new GetItemCommand({
      TableName: store.tableName,
      Key: { pk: { S: `${caller.type}#${caller.id}` }, sk: { S: budgetSortKey(period, at) } },
      ConsistentRead: true,
    }),
  );
  return {
    exists: Item !== undefined,
    requests: Number(Item?.requests?.N ?? 0),
    tokens: Number(Item?.usedTokens?.N ?? 0),
    usd: Number(Item?.spentUsd?.N ?? 0),
    spentUsd: Item?.spentUsd?.N,
  };
}

const used = async (caller: Caller, period: BudgetPeriod, at = new Date()) => (await item(caller, period, at)).tokens;

/** A request's worst case: one request, `tokens`, and `usd` when priced. */
const charge = (tokens: number, usd?: number): Charge => ({ requests: 1, tokens, usd });

/** The SDK pieces the ledger sends with, from the package as the runner and tests load it. */
const SDK = { GetItemCommand, UpdateItemCommand };

const ledgerWith = (limits: BudgetLimits) => new BudgetLedger(store.client, store.tableName, limits, SDK);

describe('BudgetLedger', () => {
  test('50 concurrent reservations racing for the last tokens: no overspend beyond the limit', async () => {
    const ledger = ledgerWith({ tokensPerDay: 1000, tokensPerMonth: 5000 });
    const caller = newCaller();
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () => ledger.reserve(caller, charge(90))));
    const granted = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(granted).toHaveLength(11);
    expect(refused.every((o) => (o as PromiseRejectedResult).reason instanceof BudgetExceededError)).toBe(true);
    expect(await used(caller, 'day')).toBe(990);
    expect(await used(caller, 'month')).toBe(990);
  });

  test('50 concurrent reservations racing for the last dollars: exactly what fits, to the billionth, none beyond', async () => {
    const ledger = ledgerWith({ spendPerDay: 1, spendPerMonth: 10 });
    const caller = newCaller();
    // 0.09 and 0.1 are not exact in binary floating point; the ledger's decimal sums must still stop at 11.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, () => ledger.reserve(caller, charge(10, 0.09))),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(11);
    const refusals = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refusals.every((o) => o.reason.limit.name === 'spendPerDay')).toBe(true);
    expect(await item(caller, 'day')).toMatchObject({ spentUsd: '0.99', tokens: 110, requests: 11 });
    expect((await item(caller, 'month')).spentUsd).toBe('0.99');
  });

  test('requests per minute: 30 concurrent requests against 10 per minute, 10 granted, the next minute starts over', async () => {
    const ledger = ledgerWith({ requestsPerMinute: 10 });
    const caller = newCaller();
    const at = new Date('2026-12-03T10:15:20Z');
    const outcomes = await Promise.allSettled(Array.from({ length: 30 }, () => ledger.reserve(caller, charge(5), at)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    const refused = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')!.reason;
    expect(refused).toMatchObject({
      limit: { name: 'requestsPerMinute', period: 'minute', counter: 'requests' },
      resetsAt: new Date('2026-12-03T10:16:00Z'),
    });
    expect(await item(caller, 'minute', at)).toMatchObject({ requests: 10, tokens: 50 });
    // the refused ones were taken back out of the day item (the usage record) too
    expect(await item(caller, 'day', at)).toMatchObject({ requests: 10, tokens: 50 });
    await expect(ledger.reserve(caller, charge(5), new Date('2026-12-03T10:16:01Z'))).resolves.toBeDefined();
  });

  test('tokens per minute: refused as the minute limit, and the item says which counter', async () => {
    const ledger = ledgerWith({ requestsPerMinute: 100, tokensPerMinute: 1000 });
    const caller = newCaller();
    await ledger.reserve(caller, charge(900));
    await expect(ledger.reserve(caller, charge(200))).rejects.toMatchObject({
      limit: { name: 'tokensPerMinute', counter: 'tokens' },
    });
  });

  test('the remaining allowance is that of the tightest limit of each counter', async () => {
    const ledger = ledgerWith({ tokensPerDay: 1000, tokensPerMonth: 400, spendPerDay: 2, spendPerMonth: 3 });
    const reservation = await ledger.reserve(newCaller(), charge(100, 0.25));
    expect(reservation).toMatchObject({ charge: charge(100, 0.25), remaining: { tokens: 300, usd: 1.75 } });
    expect(reservation.sortKeys).toHaveLength(2);
  });

  test('refused by one period, the reservation in the other is taken back; refused by both, the month is named (it resets last)', async () => {
    const ledger = ledgerWith({ tokensPerDay: 100, tokensPerMonth: 150 });
    const caller = newCaller();
    await ledger.reserve(caller, charge(80));
    await expect(ledger.reserve(caller, charge(30))).rejects.toMatchObject({ limit: { period: 'day' } }); // month had room
    expect([await used(caller, 'day'), await used(caller, 'month')]).toEqual([80, 80]);
    await expect(ledger.reserve(caller, charge(80))).rejects.toMatchObject({ limit: { period: 'month' } });
    expect([await used(caller, 'day'), await used(caller, 'month')]).toEqual([80, 80]);
  });

  test('a day item with room for the tokens but not the dollars is refused as spendPerDay', async () => {
    const ledger = ledgerWith({ tokensPerDay: 10_000, spendPerDay: 1 });
    const caller = newCaller();
    await ledger.reserve(caller, charge(100, 0.8));
    await expect(ledger.reserve(caller, charge(100, 0.3))).rejects.toMatchObject({ limit: { name: 'spendPerDay' } });
    expect(await item(caller, 'day')).toMatchObject({ tokens: 100, spentUsd: '0.8', requests: 1 });
  });

  test('no limit: the day item still records the usage (keys usage reads it), nothing else is written', async () => {
    const ledger = ledgerWith({});
    const caller = newCaller();
    const reservation = await ledger.reserve(caller, charge(100, 0.002));
    expect(reservation.remaining).toEqual({});
    expect(await item(caller, 'day')).toMatchObject({ tokens: 100, spentUsd: '0.002', requests: 1 });
    expect((await item(caller, 'month')).exists).toBe(false);
    expect((await item(caller, 'minute')).exists).toBe(false);
  });

  test('a spend limit for a model without a price: unavailable and misconfigured (503), nothing reserved', async () => {
    const ledger = ledgerWith({ spendPerDay: 5 });
    const caller = newCaller();
    const err = await ledger.reserve(caller, charge(100)).catch((e) => e);
    expect(err).toBeInstanceOf(BudgetLedgerUnavailableError);
    expect(err.misconfigured).toBe(true);
    expect((await item(caller, 'day')).exists).toBe(false);
  });

  test("a caller's limits item replaces the API's limits one by one; a spend limit spelled wrong is refused", async () => {
    const ledger = ledgerWith({ tokensPerDay: 100, requestsPerMinute: 1 });
    const caller = newCaller();
    await store.client.send(
      new PutItemCommand({
        TableName: store.tableName,
        Item: { pk: { S: `${caller.type}#${caller.id}` }, sk: { S: 'limits' }, tokensPerDay: { N: '5000' } },
      }),
    );
    await ledger.reserve(caller, charge(1000)); // the item's day limit
    await expect(ledger.reserve(caller, charge(1))).rejects.toMatchObject({ limit: { name: 'requestsPerMinute' } });
    await store.client.send(
      new PutItemCommand({
        TableName: store.tableName,
        Item: { pk: { S: `${caller.type}#${caller.id}` }, sk: { S: 'limits' }, spendPerDay: { S: '5' } },
      }),
    );
    const err = await ledger.reserve(caller, charge(1, 0.1)).catch((e) => e);
    expect(err.misconfigured).toBe(true);
    expect(err.cause).toBeInstanceOf(InvalidLimitsItemError);
  });

  test('settling adds the difference of tokens and dollars: down to a smaller real usage, up to a larger one', async () => {
    const ledger = ledgerWith({ tokensPerDay: 1000, tokensPerMonth: 9000, spendPerDay: 10 });
    const caller = newCaller();
    await ledger.settle(caller, await ledger.reserve(caller, charge(300, 0.3)), charge(120, 0.012));
    expect(await item(caller, 'day')).toMatchObject({ tokens: 120, spentUsd: '0.012', requests: 1 });
    await ledger.settle(caller, await ledger.reserve(caller, charge(300, 0.3)), charge(450, 0.45));
    expect(await item(caller, 'day')).toMatchObject({ tokens: 570, spentUsd: '0.462', requests: 2 });
    expect(await used(caller, 'month')).toBe(570);
  });

  test('periods are UTC days and months: a new day starts at 0 while the month keeps counting', async () => {
    const ledger = ledgerWith({ tokensPerDay: 100, tokensPerMonth: 1000 });
    const caller = newCaller();
    const lastMinute = new Date('2026-12-03T23:59:30Z');
    const nextDay = new Date('2026-12-04T00:00:30Z');
    await ledger.reserve(caller, charge(100), lastMinute);
    await expect(ledger.reserve(caller, charge(1), lastMinute)).rejects.toMatchObject({
      limit: { period: 'day' },
      resetsAt: new Date('2026-12-04T00:00:00Z'),
    });
    await ledger.reserve(caller, charge(100), nextDay);
    expect(await used(caller, 'day', nextDay)).toBe(100);
    expect(await used(caller, 'month', nextDay)).toBe(200);
  });

  test('an unreachable ledger is BudgetLedgerUnavailableError, out of reach rather than misconfigured', async () => {
    const gone = await BudgetStore.start();
    const ledger = new BudgetLedger(gone.client, gone.tableName, { tokensPerDay: 100 }, SDK);
    await gone.stop();
    const err = await ledger.reserve(newCaller(), charge(1)).catch((e) => e);
    expect(err).toBeInstanceOf(BudgetLedgerUnavailableError);
    expect(err.misconfigured).toBe(false);
  });

  test('a missing table is BudgetLedgerUnavailableError too (not an over-budget answer), and misconfigured', async () => {
    const ledger = new BudgetLedger(store.client, 'no-such-table', { tokensPerDay: 100 }, SDK);
    const err = await ledger.reserve(newCaller(), charge(1)).catch((e) => e);
    expect(err).toBeInstanceOf(BudgetLedgerUnavailableError);
    expect(err.misconfigured).toBe(true);
  });

  test('throttling is out of reach (waiting helps), any other refusal by DynamoDB is misconfigured', () => {
    const answered = (name: string, httpStatusCode: number) =>
      Object.assign(new Error(name), { name, $metadata: { httpStatusCode } });
    const misconfigured = (cause: unknown) => new BudgetLedgerUnavailableError(cause).misconfigured;
    expect(misconfigured(answered('ProvisionedThroughputExceededException', 400))).toBe(false);
    expect(misconfigured(answered('ThrottlingException', 400))).toBe(false);
    expect(misconfigured(answered('InternalServerError', 500))).toBe(false);
    expect(misconfigured(answered('AccessDeniedException', 400))).toBe(true);
    expect(misconfigured(answered('ValidationException', 400))).toBe(true);
    expect(misconfigured(Object.assign(new Error('timeout'), { name: 'TimeoutError' }))).toBe(false);
  });
});

describe('the charge', () => {
  // The reservation estimate itself: test/unit/token-estimate.test.ts.
  test('what a request used counts every input token, cached or not, and every output token', () => {
    const usage = {
      inputTokens: 1,
      outputTokens: 2,
      totalTokens: 3,
      cacheReadInputTokens: 4,
      cacheWriteInputTokens: 8,
    };
    expect(tokensUsed(usage)).toBe(15);
  });
});

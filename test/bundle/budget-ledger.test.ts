/**
 * The ledger's arithmetic against a DynamoDB-compatible server (dynalite) with the real @aws-sdk/client-dynamodb, and
 * what a request is charged.
 */
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { budgetSortKey } from '../../src/contract';
import { tokensUsed } from '../../src/handler/budget';
import { BudgetExceededError, BudgetLedger, BudgetLedgerUnavailableError } from '../../src/handler/budget-ledger';
import type { Caller } from '../../src/handler/caller';
import { BudgetStore } from '../../src/local/budget-store';

let store: BudgetStore;
beforeAll(async () => {
  store = await BudgetStore.start();
});
afterAll(() => store?.stop());

let callers = 0;
const newCaller = (): Caller => ({ type: 'cognito', id: `sub-${++callers}` });

async function used(caller: Caller, period: 'day' | 'month', at = new Date()): Promise<number> {
  const { Item } = await store.client.send(
    new GetItemCommand({
      TableName: store.tableName,
      Key: { pk: { S: `${caller.type}#${caller.id}` }, sk: { S: budgetSortKey(period, at) } },
    }),
  );
  return Number(Item?.usedTokens?.N ?? 0);
}

/** The SDK pieces the ledger sends with, from the package as the runner and tests load it. */
const SDK = { GetItemCommand, UpdateItemCommand };

describe('BudgetLedger', () => {
  test('50 concurrent reservations racing for the last tokens: no overspend beyond the limit', async () => {
    const ledger = new BudgetLedger(store.client, store.tableName, { tokensPerDay: 1000, tokensPerMonth: 5000 }, SDK);
    const caller = newCaller();
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () => ledger.reserve(caller, 90)));
    const granted = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(granted).toHaveLength(11);
    expect(refused.every((o) => (o as PromiseRejectedResult).reason instanceof BudgetExceededError)).toBe(true);
    expect(await used(caller, 'day')).toBe(990);
    expect(await used(caller, 'month')).toBe(990);
  });

  test('the remaining allowance is that of the tightest period', async () => {
    const ledger = new BudgetLedger(store.client, store.tableName, { tokensPerDay: 1000, tokensPerMonth: 400 }, SDK);
    const reservation = await ledger.reserve(newCaller(), 100);
    expect(reservation).toMatchObject({ tokens: 100, remaining: 300 });
    expect(reservation.sortKeys).toHaveLength(2);
  });

  test('refused by one period, the reservation in the other is taken back; refused by both, the month is named (it resets last)', async () => {
    const ledger = new BudgetLedger(store.client, store.tableName, { tokensPerDay: 100, tokensPerMonth: 150 }, SDK);
    const caller = newCaller();
    await ledger.reserve(caller, 80);
    await expect(ledger.reserve(caller, 30)).rejects.toMatchObject({ period: 'day' }); // the month had room
    expect([await used(caller, 'day'), await used(caller, 'month')]).toEqual([80, 80]);
    await expect(ledger.reserve(caller, 80)).rejects.toMatchObject({ period: 'month' }); // neither had room
    expect([await used(caller, 'day'), await used(caller, 'month')]).toEqual([80, 80]);
  });

  test('no limit: nothing is written and nothing is left to report', async () => {
    const ledger = new BudgetLedger(store.client, store.tableName, {}, SDK);
    const caller = newCaller();
    expect(await ledger.reserve(caller, 100)).toEqual({ tokens: 100, sortKeys: [], remaining: undefined });
    expect(await used(caller, 'day')).toBe(0);
  });

  test('settling adds the difference: down to a smaller real usage, up to a larger one', async () => {
    const ledger = new BudgetLedger(store.client, store.tableName, { tokensPerDay: 1000, tokensPerMonth: 9000 }, SDK);
    const caller = newCaller();
    await ledger.settle(caller, await ledger.reserve(caller, 300), 120);
    expect(await used(caller, 'day')).toBe(120);
    await ledger.settle(caller, await ledger.reserve(caller, 300), 450);
    expect(await used(caller, 'day')).toBe(570);
    expect(await used(caller, 'month')).toBe(570);
  });

  test('periods are UTC days and months: a new day starts at 0 while the month keeps counting', async () => {
    const ledger = new BudgetLedger(store.client, store.tableName, { tokensPerDay: 100, tokensPerMonth: 1000 }, SDK);
    const caller = newCaller();
    const lastMinute = new Date('2026-12-03T23:59:30Z');
    const nextDay = new Date('2026-12-04T00:00:30Z');
    await ledger.reserve(caller, 100, lastMinute);
    await expect(ledger.reserve(caller, 1, lastMinute)).rejects.toMatchObject({
      period: 'day',
      resetsAt: new Date('2026-12-04T00:00:00Z'),
    });
    await ledger.reserve(caller, 100, nextDay);
    expect(await used(caller, 'day', nextDay)).toBe(100);
    expect(await used(caller, 'month', nextDay)).toBe(200);
  });

  test('an unreachable ledger is BudgetLedgerUnavailableError, out of reach rather than misconfigured', async () => {
    const gone = await BudgetStore.start();
    const ledger = new BudgetLedger(gone.client, gone.tableName, { tokensPerDay: 100 }, SDK);
    await gone.stop();
    const err = await ledger.reserve(newCaller(), 1).catch((e) => e);
    expect(err).toBeInstanceOf(BudgetLedgerUnavailableError);
    expect(err.misconfigured).toBe(false);
  });

  test('a missing table is BudgetLedgerUnavailableError too (not an over-budget answer), and misconfigured', async () => {
    const ledger = new BudgetLedger(store.client, 'no-such-table', { tokensPerDay: 100 }, SDK);
    const err = await ledger.reserve(newCaller(), 1).catch((e) => e);
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

/**
 * The runner's embedded ledger: the table of the contract in a DynamoDB-compatible server, as the real SDK sees it.
 */
import { DescribeTableCommand, DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { startRunner } from './runner';
import { BudgetTableSchema } from '../../src/contract';
import { BudgetStore, LOCAL_BUDGET_TABLE } from '../../src/local/budget-store';

test('creates the ledger table with the key schema of the contract, and serves item updates', async () => {
  const store = await BudgetStore.start();
  try {
    expect(store.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { Table } = await store.client.send(new DescribeTableCommand({ TableName: LOCAL_BUDGET_TABLE }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: BudgetTableSchema.PARTITION_KEY, KeyType: 'HASH' },
      { AttributeName: BudgetTableSchema.SORT_KEY, KeyType: 'RANGE' },
    ]);
    const Key = { pk: { S: 'ip#127.0.0.1' }, sk: { S: 'day#2026-12-03' } };
    await store.client.send(
      new UpdateItemCommand({
        TableName: LOCAL_BUDGET_TABLE,
        Key,
        UpdateExpression: 'ADD usedTokens :n',
        ExpressionAttributeValues: { ':n': { N: '42' } },
      }),
    );
    const { Item } = await store.client.send(new GetItemCommand({ TableName: LOCAL_BUDGET_TABLE, Key }));
    expect(Item?.usedTokens).toEqual({ N: '42' });
  } finally {
    await store.stop();
  }
});

test('a port already in use fails the start instead of hanging', async () => {
  const first = await BudgetStore.start();
  try {
    const port = Number(new URL(first.url).port);
    await expect(BudgetStore.start({ port })).rejects.toThrow(/EADDRINUSE/);
  } finally {
    await first.stop();
  }
});

test('the ledger lives in memory only: a store started again on the same port starts empty', async () => {
  const store = await BudgetStore.start({ tableName: 'other-ledger' });
  const url = store.url;
  await store.client.send(
    new UpdateItemCommand({
      TableName: 'other-ledger',
      Key: { pk: { S: 'x' }, sk: { S: 'y' } },
      UpdateExpression: 'ADD usedTokens :n',
      ExpressionAttributeValues: { ':n': { N: '7' } },
    }),
  );
  await store.stop();
  const again = await BudgetStore.start({ port: Number(new URL(url).port), tableName: 'other-ledger' });
  try {
    const { Item } = await again.client.send(
      new GetItemCommand({ TableName: 'other-ledger', Key: { pk: { S: 'x' }, sk: { S: 'y' } } }),
    );
    expect(Item).toBeUndefined();
  } finally {
    await again.stop();
  }
});

/** Whether the store at `url` answers a DynamoDB call (false once nothing listens there). */
async function answers(url: string): Promise<boolean> {
  const client = new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIATESTREADER000000', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  try {
    await client.send(new DescribeTableCommand({ TableName: LOCAL_BUDGET_TABLE }));
    return true;
  } catch (err) {
    // By message: under jest, the SDK rewraps the socket's error (from another realm) and drops its code.
    if (/ECONNREFUSED/.test(String(err))) {
      return false;
    }
    throw err;
  } finally {
    client.destroy();
  }
}

/** Starts the runner with a token budget; the store's URL from its start banner. */
async function runnerWithStore() {
  const runner = await startRunner(['--token-budget', '1000']);
  const banner = await runner.waitForLine(/^Budget per caller .* ledger in memory at (\S+)/);
  const url = /ledger in memory at (\S+)/.exec(banner)![1];
  expect(await answers(url)).toBe(true);
  return { runner, url };
}

test.each(['SIGINT', 'SIGTERM'] as const)('on %s the runner stops its store and exits 0', async (signal) => {
  const { runner, url } = await runnerWithStore();
  const exited = new Promise<number | null>((resolve) => runner.process.once('exit', resolve));
  runner.process.kill(signal);
  expect(await exited).toBe(0);
  expect(await answers(url)).toBe(false);
});

test('the store cannot outlive the runner: killed outright, it takes the store with it', async () => {
  const { runner, url } = await runnerWithStore();
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    runner.process.once('exit', (_, signal) => resolve(signal)),
  );
  runner.process.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  expect(await answers(url)).toBe(false);
});

/**
 * The runner's embedded store under a burst: 200 requests sent at once, each on its own connection, to a runner with
 * a token budget none of them can exceed. Every request reserves and settles in the ledger; a store that answered
 * behind the handler's work in the runner's one thread, with the deployed timeouts (1 s to connect, 2 s per request),
 * turned a share of them into 503 budget_unavailable. Nothing is refused, and nothing charged is lost.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { postJson, startRunner } from './runner';
import { BudgetTableSchema, budgetPartitionKey, budgetSortKey } from '../../src/contract';

const REQUESTS = 200;

interface Answer {
  readonly status: number;
  /** The tokens the ledger charges for the answer: its usage as the `done` line reports it. */
  readonly charged: number;
}

async function streamOnce(url: string, i: number): Promise<Answer> {
  const response = await postJson(
    `${url}/stream`,
    { prompt: `burst request ${i}` },
    { Accept: 'application/x-ndjson' },
  );
  const lines = (await response.text())
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));
  const usage = lines.find((line) => line.type === 'done')?.usage;
  const charged = usage
    ? usage.inputTokens + usage.outputTokens + usage.cacheReadInputTokens + usage.cacheWriteInputTokens
    : 0;
  return { status: response.status, charged };
}

/** The tokens the ledger holds for the caller in the day items of `days` (a burst across midnight spans two). */
async function ledgerTokens(endpoint: string, tableName: string, days: readonly string[]): Promise<number> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIATESTREADER000000', secretAccessKey: 'test' },
  });
  try {
    let total = 0;
    for (const sk of new Set(days)) {
      const { Item } = await client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: {
            [BudgetTableSchema.PARTITION_KEY]: { S: budgetPartitionKey({ type: 'ip', id: '127.0.0.1' }) },
            [BudgetTableSchema.SORT_KEY]: { S: sk },
          },
          ConsistentRead: true,
        }),
      );
      total += Number(Item?.usedTokens?.N ?? 0);
    }
    return total;
  } finally {
    client.destroy();
  }
}

test(`${REQUESTS} concurrent requests with a token budget: all answered, none refused, every token charged`, async () => {
  const runner = await startRunner([
    '--token-budget',
    '100000000',
    '--answer-tokens',
    '50',
    '--tokens-per-second',
    '1000',
    '--first-token-ms',
    '0',
  ]);
  try {
    const banner = await runner.waitForLine(/^Budget per caller .* ledger in memory at (\S+) \(table ([^)]+)\)/);
    const [, endpoint, tableName] = /ledger in memory at (\S+) \(table ([^)]+)\)/.exec(banner)!;
    const started = new Date();

    const answers = await Promise.all(Array.from({ length: REQUESTS }, (_, i) => streamOnce(runner.url, i)));

    const statuses: Record<number, number> = {};
    for (const { status } of answers) {
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
    expect(statuses).toEqual({ 200: REQUESTS }); // before the store had its own thread: { 200: ~110, 503: ~90 }
    // Each request settles after its answer, before the runner prints its line: the ledger is final once all are out.
    await waitForLines(runner.lines, /POST \/stream 200 /, REQUESTS);
    const days = [budgetSortKey('day', started), budgetSortKey('day', new Date())];
    const charged = answers.reduce((sum, answer) => sum + answer.charged, 0);
    expect(answers.every((answer) => answer.charged > 0)).toBe(true);
    expect(await ledgerTokens(endpoint, tableName, days)).toBe(charged);
  } finally {
    expect(await runner.stop()).toBe(0);
  }
}, 60_000);

/** Resolves once `count` printed lines match `pattern` (polling: the runner's helper waits for one line). */
async function waitForLines(lines: readonly string[], pattern: RegExp, count: number, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = lines.filter((line) => pattern.test(line)).length;
    if (seen >= count) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`the runner printed ${seen} lines matching ${pattern}, not ${count}, within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

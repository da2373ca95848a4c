/**
 * Per-minute limits and spend limits as a client sees them: the shipped runner with `--requests-per-minute`,
 * `--spend-per-day` and `--price`, called with the `openai` client (retries off, so that each 429 is seen). The
 * ledger is the runner's embedded DynamoDB-compatible server.
 */
import OpenAI from 'openai';
import { startRunner, type Runner } from './runner';

const MODEL = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';

function clientOf(runner: Runner): OpenAI {
  return new OpenAI({ baseURL: `${runner.url}/v1`, apiKey: 'unused', maxRetries: 0 });
}

const ask = (client: OpenAI, maxTokens: number) =>
  client.chat.completions.create({ model: MODEL, max_tokens: maxTokens, messages: [{ role: 'user', content: 'hi' }] });

describe('--requests-per-minute 5', () => {
  let runner: Runner;
  beforeAll(async () => {
    runner = await startRunner(['--model-id', MODEL, '--requests-per-minute', '5', '--answer-tokens', '20']);
  });
  afterAll(async () => {
    expect(await runner.stop()).toBe(0);
  });

  test('12 concurrent requests: 5 answered, 7 refused with rate_limited and a Retry-After within the minute', async () => {
    // A burst that straddles a minute boundary is two minutes' worth: start it well inside one.
    const left = 60 - new Date().getUTCSeconds();
    if (left < 15) {
      await new Promise((resolve) => setTimeout(resolve, left * 1000 + 200));
    }
    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, () => ask(clientOf(runner), 100)));
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
    expect(refused).toHaveLength(7);
    for (const err of refused) {
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      expect(err.code).toBe('rate_limited');
      const retryAfter = Number(err.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
  });
});

describe('--spend-per-day 0.02 at $1 and $5 per million tokens', () => {
  let runner: Runner;
  beforeAll(async () => {
    runner = await startRunner([
      '--model-id',
      MODEL,
      '--spend-per-day',
      '0.02',
      '--price',
      `${MODEL}=1,5`,
      '--answer-tokens',
      '1000',
      '--tokens-per-second',
      '20000',
    ]);
  });
  afterAll(async () => {
    expect(await runner.stop()).toBe(0);
  });

  test('answers while the worst case fits, then budget_exceeded; what was spent stays within the limit', async () => {
    // Each request reserves 1024 output tokens at $5 per million ($0.00512, plus its input) and spends ~$0.005 (1000
    // tokens): after three, $0.015 is spent and a fourth worst case no longer fits under $0.02.
    const client = clientOf(runner);
    const statuses: Array<number | string> = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        await ask(client, 1024).then(
          () => 200,
          (err) => err.code,
        ),
      );
    }
    expect(statuses).toEqual([200, 200, 200, 'budget_exceeded', 'budget_exceeded']);
    const costs = runner.lines.flatMap((line) => / 200 ok .* \$(0\.\d+) /.exec(line)?.[1] ?? []).map(Number);
    expect(costs).toHaveLength(3);
    expect(costs.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(0.02);
  });
});

/**
 * Token budgets as a person sees them locally: the shipped runner with `--token-budget`, called with curl. The ledger
 * is the runner's embedded DynamoDB-compatible server; the handler's real DynamoDB client reserves and settles there.
 */
import { execFileSync } from 'child_process';
import { startRunner, type Runner } from './runner';

// Each request keeps the default maxTokens (1024), so it reserves 1024 + its input estimate (~20); the fake answer is
// 200 tokens. 1100 covers one reservation; after the settlement to ~210 tokens, not a second one.
const BUDGET = 1100;
let runner: Runner;

beforeAll(async () => {
  runner = await startRunner([
    '--token-budget',
    String(BUDGET),
    '--answer-tokens',
    '200',
    '--tokens-per-second',
    '1000',
  ]);
});

afterAll(async () => {
  expect(await runner.stop()).toBe(0);
});

/** `curl -s -i` as the README shows it: status line, headers and body as one text. */
function curl(path: string, body: object): { status: number; headers: Record<string, string>; body: string } {
  const output = execFileSync(
    'curl',
    ['-s', '-i', '-H', 'Content-Type: application/json', '-d', JSON.stringify(body), `${runner.url}${path}`],
    { encoding: 'utf8' },
  );
  const [head, ...rest] = output.split('\r\n\r\n');
  const [statusLine, ...headerLines] = head.split('\r\n');
  const headers = Object.fromEntries(
    headerLines.map((line) => [
      line.slice(0, line.indexOf(':')).toLowerCase(),
      line.slice(line.indexOf(':') + 1).trim(),
    ]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

test('says at start what the budget is and where its ledger lives', async () => {
  await runner.waitForLine(
    new RegExp(
      `^Budget per caller \\(IP address, or managed key\\): ${BUDGET} tokens per UTC day; ledger in memory at http://127\\.0\\.0\\.1:\\d+`,
    ),
  );
});

test('the first answer streams with the remaining allowance; the next request is refused with 429 and Retry-After', async () => {
  const first = curl('/stream', { prompt: 'Tell me about streaming' });
  expect(first.status).toBe(200);
  const remaining = Number(first.headers['x-budget-remaining-tokens']);
  // What is left after the reservation: the budget less maxTokens less the input estimate.
  expect(remaining).toBeGreaterThanOrEqual(0);
  expect(remaining).toBeLessThan(BUDGET - 1024);
  expect(first.body).toContain('event: done');

  // The settlement happens after the answer, before the function returns: the runner's request line follows it.
  await runner.waitForLine(/POST \/stream 200 ok sse 200 tokens/);
  const second = curl('/stream', { prompt: 'And again' });
  expect(second.status).toBe(429);
  const retryAfter = Number(second.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(24 * 60 * 60);
  const error = JSON.parse(second.body).error;
  expect(error.code).toBe('budget_exceeded');
  expect(error.message).toMatch(/day/);
  await runner.waitForLine(/POST \/stream 429 budget_exceeded/);

  // A request small enough for what the settlement gave back still fits: the ledger holds real usage, not reservations.
  const small = curl('/stream', { prompt: 'Short', maxTokens: 50 });
  expect(small.status).toBe(200);
});

test('the budget applies to every protocol: the OpenAI endpoint of the same caller is refused too', async () => {
  const refused = curl('/v1/chat/completions', {
    model: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
    messages: [{ role: 'user', content: 'Hi' }],
  });
  expect(refused.status).toBe(429);
  expect(refused.headers['retry-after']).toBeDefined();
});

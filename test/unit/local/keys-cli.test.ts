import { sumUsage, totalUsage } from '../../../src/local/key-usage';
import { redactSecrets, runKeys, usageJson, usageRange, usageText } from '../../../src/local/keys-cli';

/** Runs `keys ...` and returns its exit code and what it wrote; no store is reached by these. */
async function keys(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runKeys(argv, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test.each([
  [['create', '--table', 't'], 'error: --name is required'],
  [['create', '--name', 'a'], 'error: --stack or --table is required'],
  [
    ['create', '--name', 'a', '--table', 't', '--tokens-per-day', '10'],
    "error: --budget-table is required: a key's own limits live in the budget ledger",
  ],
  [
    ['list', '--stack', 's', '--table', 't'],
    'error: --stack finds the tables itself: pass either --stack or --table/--budget-table',
  ],
  [['usage', '--table', 't'], 'error: --budget-table is required: usage reads its day items'],
  [
    ['usage', '--since', '2026-02-30', '--budget-table', 'b'],
    'error: --since must be a UTC date YYYY-MM-DD, not "2026-02-30"',
  ],
  [
    ['usage', '--until', '2026-13-01', '--budget-table', 'b'],
    'error: --until must be a UTC date YYYY-MM-DD, not "2026-13-01"',
  ],
  [
    ['usage', '--since', '2026-12-05', '--until', '2026-12-01', '--budget-table', 'b'],
    'error: --until 2026-12-01 is before --since 2026-12-05',
  ],
  [['sbk_' + 'A'.repeat(43), '--table', 't'], 'error: unknown keys command "sbk_<redacted>"'],
  [
    ['create', '--name', 'a', '--table', 't', '--expires-in', '3w'],
    'error: --expires-in must be a number of days or hours, e.g. 90d or 12h, not "3w"',
  ],
  [
    ['create', '--name', 'a', '--table', 't', '--tokens-per-day', '1.5'],
    'error: --tokens-per-day must be a whole number of tokens >= 0, not "1.5"',
  ],
  [['revoke', 'sbk_secret', '--table', 't'], 'error: revoke takes one key id, e.g. keys revoke k_abcdefghijkl'],
  [
    ['usage', '--since', 'yesterday', '--budget-table', 'b'],
    'error: --since must be a UTC date YYYY-MM-DD, not "yesterday"',
  ],
  [['rotate'], 'error: unknown keys command "rotate"'],
  [[], 'error: missing keys command'],
])('fails keys %j with a usage error (exit 2) saying what is wrong', async (argv, message) => {
  const result = await keys(...argv);
  expect(result.code).toBe(2);
  expect(result.err.split('\n')[0]).toBe(message);
  expect(result.out).toBe('');
});

test('keys --help prints the usage on stdout', async () => {
  const result = await keys('--help');
  expect(result.code).toBe(0);
  expect(result.out).toMatch(/^Usage: cdk-streaming-bedrock-api keys <command>/);
});

test('an error never repeats a managed key typed by mistake', () => {
  const secret = 'sbk_' + 'x1_-'.repeat(10) + 'abc';
  expect(redactSecrets(`Requested resource not found: Table: ${secret} not found`)).toBe(
    'Requested resource not found: Table: sbk_<redacted> not found',
  );
});

describe('keys usage', () => {
  const days = [
    { keyId: 'k_alice', tokens: 1000, requests: 4, usd: 0.5 },
    { keyId: 'k_bob', tokens: 90_000, requests: 9, usd: 0.25 },
    { keyId: 'k_alice', tokens: 500, requests: 1, usd: 0.25 },
    // A day before the ledger counted spend and requests: its tokens count, its USD is 0.
    { keyId: 'k_bob', tokens: 10_000 },
    { keyId: 'k_carol', tokens: 7 },
  ];

  test('sums each key over its days; the biggest spender first, then by tokens', () => {
    expect(sumUsage(days)).toEqual([
      { keyId: 'k_alice', tokens: 1500, requests: 5, usd: 0.75 },
      { keyId: 'k_bob', tokens: 100_000, requests: 9, usd: 0.25 },
      { keyId: 'k_carol', tokens: 7, requests: undefined, usd: undefined },
    ]);
    expect(
      sumUsage([
        { keyId: 'k_a', tokens: 1 },
        { keyId: 'k_b', tokens: 2 },
      ]).map((u) => u.keyId),
    ).toEqual(['k_b', 'k_a']);
  });

  test('a total of the keys; USD unknown only when no key has any', () => {
    expect(totalUsage(sumUsage(days))).toEqual({ tokens: 101_507, requests: 14, usd: 1 });
    expect(totalUsage(sumUsage([{ keyId: 'k_a', tokens: 3 }]))).toEqual({ tokens: 3 });
    expect(totalUsage([])).toEqual({ tokens: 0 });
  });

  test('the table: key id, name, requests, tokens, USD, numbers right-aligned, a total row; - where unknown', () => {
    const names = new Map([
      ['k_alice', 'alice'],
      ['k_bob', 'bob'],
    ]);
    expect(usageText(sumUsage(days), names).split('\n')).toEqual([
      'key id   name    requests  tokens     usd',
      'k_alice  alice          5    1500  0.7500',
      'k_bob    bob            9  100000  0.2500',
      'k_carol  -              -       7       -',
      'total    3 keys        14  101507  1.0000',
    ]);
  });

  test('--json: numbers as numbers, null where unknown, USD without float noise', () => {
    const usage = sumUsage([
      { keyId: 'k_a', tokens: 10, requests: 1, usd: 0.1 },
      { keyId: 'k_a', tokens: 20, requests: 1, usd: 0.2 },
      { keyId: 'k_b', tokens: 5 },
    ]);
    expect(JSON.parse(usageJson({ since: '2026-12-01' }, usage, new Map([['k_a', 'alice']])))).toEqual({
      since: '2026-12-01',
      until: null,
      keys: [
        { keyId: 'k_a', name: 'alice', requests: 2, tokens: 30, usd: 0.3 },
        { keyId: 'k_b', name: null, requests: null, tokens: 5, usd: null },
      ],
      total: { requests: 2, tokens: 35, usd: 0.3 },
    });
  });

  test('--since defaults to the first of the current UTC month', () => {
    expect(usageRange(undefined, undefined, new Date('2026-12-31T23:59:59Z'))).toEqual({ since: '2026-12-01' });
    expect(usageRange('2026-11-15', '2026-11-30')).toEqual({ since: '2026-11-15', until: '2026-11-30' });
  });
});

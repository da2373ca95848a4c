import { runKeys } from '../../../src/local/keys-cli';

/** Runs `keys ...` and returns its exit code and what it wrote; no store is reached by these. */
async function keys(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runKeys(argv, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test.each([
  [['create', '--table', 't'], 'error: --name is required'],
  [['create', '--name', 'a'], 'error: --table is required'],
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

/**
 * Managed keys in the local runner, as a team would use them: `serve --create-key` prints keys in the banner, the
 * `keys` CLI (the shipped bin) creates, lists, revokes and reports keys against the runner's store through
 * --endpoint-url, and real clients use a key unchanged but for base URL and key: the `openai` client (apiKey, as
 * Bearer), `@anthropic-ai/sdk` (apiKey as x-api-key, authToken as Bearer) and Claude Code (ANTHROPIC_AUTH_TOKEN).
 */
import { execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Anthropic, { AuthenticationError } from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { CLI_PATH, startRunner, type Runner } from './runner';

const MODEL = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const CLAUDE = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'claude');

let runner: Runner;
let aliceKey: string;
/** The `keys` flags naming the runner's store, from its banner. */
let storeFlags: string[];

beforeAll(async () => {
  runner = await startRunner([
    '--create-key',
    'alice',
    '--token-budget',
    '1000000',
    '--allow-caller-system-messages',
    '--model-id',
    MODEL,
    '--first-token-ms',
    '0',
    '--tokens-per-second',
    '5000',
    '--answer-tokens',
    '8',
  ]);
  aliceKey = (await runner.waitForLine(/^key alice: /)).slice('key alice: '.length);
  const banner = await runner.waitForLine(/^Managed keys: /);
  const command = banner.slice(banner.indexOf('keys create'));
  storeFlags = ['--table', '--budget-table', '--endpoint-url'].flatMap((flag) => [
    flag,
    command.match(new RegExp(`${flag} (\\S+)`))![1],
  ]);
});
afterAll(() => runner?.stop());

/** The shipped bin's `keys` command; resolves with its exit code and output. */
function keys(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_PROFILE;
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI_PATH, 'keys', ...args, ...storeFlags], { env }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const openAi = (apiKey: string) => new OpenAI({ baseURL: `${runner.url}/v1`, apiKey, maxRetries: 0 });
const anthropic = (auth: { apiKey?: string; authToken?: string }) =>
  new Anthropic({ baseURL: runner.url, apiKey: null, authToken: null, ...auth, maxRetries: 0 });

test('the banner prints the key once, in the managed key format', () => {
  expect(aliceKey).toMatch(/^sbk_[A-Za-z0-9_-]{43}$/);
  expect(runner.lines.filter((line) => line.includes(aliceKey))).toHaveLength(1);
});

test('the openai client streams with the key as apiKey (Bearer); without one it gets 401', async () => {
  const stream = await openAi(aliceKey).chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
  });
  let text = '';
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
  }
  expect(text.length).toBeGreaterThan(0);
  await expect(
    openAi('sk-not-a-key').chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
  ).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
});

test('the Anthropic SDK works with the key as apiKey (x-api-key) and as authToken (Bearer)', async () => {
  for (const client of [anthropic({ apiKey: aliceKey }), anthropic({ authToken: aliceKey })]) {
    const message = await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(message.content[0].type).toBe('text');
  }
  await expect(
    anthropic({ apiKey: 'sbk_' + 'x'.repeat(43) }).messages.create({
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
    }),
  ).rejects.toBeInstanceOf(AuthenticationError);
});

test('the keys CLI creates a key that works at once, lists it, revokes it, and reports usage per key', async () => {
  const created = await keys('create', '--name', 'bob', '--owner', 'team-a', '--expires-in', '90d');
  expect(created.code).toBe(0);
  const bobKey = created.stdout.trim();
  expect(bobKey).toMatch(/^sbk_[A-Za-z0-9_-]{43}$/);
  const bobId = created.stderr.match(/Created key (k_[a-z2-7]{12}) for bob/)![1];
  expect(created.stderr).not.toContain(bobKey);

  const reply = await openAi(bobKey).chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content: 'hi' }],
  });
  expect(reply.choices[0].message.content).toBeTruthy();

  const list = await keys('list');
  expect(list.code).toBe(0);
  const lines = list.stdout.trim().split('\n');
  expect(lines[0].split(/\s{2,}/)).toEqual(['id', 'name', 'owner', 'created', 'expires', 'revoked', 'models']);
  const bobRow = lines.find((line) => line.startsWith(bobId))!.split(/\s{2,}/);
  expect(bobRow).toEqual([bobId, 'bob', 'team-a', expect.any(String), expect.any(String), '-', 'all']);
  expect(list.stdout).not.toContain(bobKey);

  const usage = await keys('usage');
  expect(usage.code).toBe(0);
  const bobUsage = usage.stdout.split('\n').find((line) => line.startsWith(bobId))!;
  expect(Number(bobUsage.split(/\s+/)[1])).toBeGreaterThan(0);

  const revoked = await keys('revoke', bobId);
  expect(revoked.code).toBe(0);
  expect((await keys('list')).stdout.split('\n').find((line) => line.startsWith(bobId))).toMatch(
    /\d{4}-\d{2}-\d{2}T.*\d{4}-\d{2}-\d{2}T.*\d{4}-\d{2}-\d{2}T/,
  );
}, 60_000);

test("a key's own limits from keys create replace the API's token budget for that key", async () => {
  const created = await keys('create', '--name', 'carol', '--tokens-per-day', '10');
  expect(created.code).toBe(0);
  await expect(
    openAi(created.stdout.trim()).chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
    }),
  ).rejects.toMatchObject({ status: 429, code: 'budget_exceeded' });
});

test('fails keys revoke of an unknown id, saying so', async () => {
  const result = await keys('revoke', 'k_aaaaaaaaaaaa');
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('error: no key k_aaaaaaaaaaaa in managed-keys');
});

test('Claude Code answers with the key as ANTHROPIC_AUTH_TOKEN', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'claude-keys-'));
  try {
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(CLAUDE, ['-p', 'Say hi', '--model', MODEL], {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          HOME: dir,
          ANTHROPIC_BASE_URL: runner.url,
          ANTHROPIC_AUTH_TOKEN: aliceKey,
          DISABLE_TELEMETRY: '1',
          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (data: Buffer) => (stdout += data.toString('utf8')));
      child.stderr.on('data', (data: Buffer) => (stderr += data.toString('utf8')));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().length).toBeGreaterThan(0);
    expect(runner.lines.some((line) => /POST \/v1\/messages 200 ok anthropic-sse/.test(line))).toBe(true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

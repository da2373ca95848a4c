/**
 * Managed keys in the local runner, as a team would use them: `serve --create-key` prints keys in the banner, the
 * `keys` CLI (the shipped bin) creates, lists, revokes and reports keys against the runner's store through
 * --endpoint-url (or finds them with --stack, through a local CloudFormation endpoint), and real clients use a key
 * unchanged but for base URL and key: the `openai` client (apiKey, as Bearer), `@anthropic-ai/sdk` (apiKey as
 * x-api-key, authToken as Bearer) and Claude Code (ANTHROPIC_AUTH_TOKEN).
 */
import { execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Anthropic, { AuthenticationError } from '@anthropic-ai/sdk';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import OpenAI from 'openai';
import { CLI_PATH, startRunner, type Runner } from './runner';
import { FakeCloudFormation } from '../support/fake-cloudformation';

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

/** The shipped bin's `keys` command with the store's flags; resolves with its exit code and output. */
function keys(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return keysWith(args.concat(storeFlags));
}

/** The shipped bin's `keys` command as given, with `env` added; resolves with its exit code and output. */
function keysWith(args: string[], env: Record<string, string> = {}) {
  const childEnv = { ...process.env, ...env };
  if (!env.AWS_ACCESS_KEY_ID) {
    delete childEnv.AWS_ACCESS_KEY_ID;
    delete childEnv.AWS_PROFILE;
  }
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [CLI_PATH, 'keys', ...args], { env: childEnv }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** `--flag value` of the store's flags. */
const storeFlag = (flag: string) => storeFlags[storeFlags.indexOf(flag) + 1];

/** A client of the runner's store, as a test seeds the ledger through it. */
const storeClient = () =>
  new DynamoDBClient({
    endpoint: storeFlag('--endpoint-url'),
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIATESTSEEDLEDGER00', secretAccessKey: 'local' },
  });

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

  // Until the ledger records spend, the day item's spentUsd is seeded through the store, as the handler would add it.
  const today = `day#${new Date().toISOString().slice(0, 10)}`;
  const ledger = storeClient();
  await ledger.send(
    new UpdateItemCommand({
      TableName: storeFlag('--budget-table'),
      Key: { pk: { S: `managedKey#${bobId}` }, sk: { S: today } },
      UpdateExpression: 'ADD spentUsd :usd',
      ExpressionAttributeValues: { ':usd': { N: '0.0125' } },
    }),
  );
  ledger.destroy();
  const usage = await keys('usage', '--json');
  expect(usage.code).toBe(0);
  const report = JSON.parse(usage.stdout);
  expect(report.keys.find((key: { keyId: string }) => key.keyId === bobId)).toMatchObject({
    keyId: bobId,
    name: 'bob',
    usd: 0.0125,
  });
  expect(report.keys.find((key: { keyId: string }) => key.keyId === bobId).tokens).toBeGreaterThan(0);
  const table = (await keys('usage')).stdout.trimEnd().split('\n');
  expect(table[0].split(/\s{2,}/)).toEqual(['key id', 'name', 'requests', 'tokens', 'usd']);
  expect(table.find((line) => line.startsWith(bobId))!.split(/\s+/)).toEqual([
    bobId,
    'bob',
    expect.any(String),
    String(report.keys.find((key: { keyId: string }) => key.keyId === bobId).tokens),
    '0.0125',
  ]);
  expect(table.at(-1)).toMatch(/^total\s+\d+ keys?\s/);

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

test("a key's own requests per minute from keys create: the second request of the minute is rate_limited", async () => {
  const created = await keys('create', '--name', 'erin', '--requests-per-minute', '1');
  expect(created.code).toBe(0);
  const client = openAi(created.stdout.trim());
  const ask = () => client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });
  const left = 60 - new Date().getUTCSeconds();
  if (left < 10) {
    await new Promise((resolve) => setTimeout(resolve, left * 1000 + 200)); // both requests in one minute
  }
  await expect(ask()).resolves.toBeDefined();
  await expect(ask()).rejects.toMatchObject({ status: 429, code: 'rate_limited' });
});

test('keys create refuses a limit of the wrong kind, naming the flag, and writes no key', async () => {
  const before = (await keys('list')).stdout;
  const bad = await keys('create', '--name', 'frank', '--spend-per-day', 'ten');
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--spend-per-day must be an amount of USD >= 0, not "ten"');
  expect((await keys('list')).stdout).toBe(before);
});

test('keys usage sums the days of --since..--until, the biggest spender first, with a total', async () => {
  const ledger = storeClient();
  const day = (keyId: string, date: string, tokens: number, usd?: number) =>
    ledger.send(
      new PutItemCommand({
        TableName: storeFlag('--budget-table'),
        Item: {
          pk: { S: `managedKey#${keyId}` },
          sk: { S: `day#${date}` },
          usedTokens: { N: String(tokens) },
          ...(usd !== undefined && { spentUsd: { N: String(usd) } }),
        },
      }),
    );
  // Old days no other test touches: two keys in January 2020, one day of them outside the range.
  await day('k_aaaaaaaaaaaa', '2020-01-10', 1000, 0.5);
  await day('k_aaaaaaaaaaaa', '2020-01-11', 2000, 0.25);
  await day('k_bbbbbbbbbbbb', '2020-01-10', 90_000);
  await day('k_bbbbbbbbbbbb', '2020-02-01', 5);
  ledger.destroy();

  const usage = await keys('usage', '--since', '2020-01-01', '--until', '2020-01-31');
  expect(usage.code).toBe(0);
  expect(usage.stdout.trimEnd().split('\n')).toEqual([
    'key id          name    requests  tokens     usd',
    'k_aaaaaaaaaaaa  -              -    3000  0.7500',
    'k_bbbbbbbbbbbb  -              -   90000       -',
    'total           2 keys         -   93000  0.7500',
  ]);
});

test('keys --stack finds the tables in the stack (CloudFormation ListStackResources) and works on them', async () => {
  const cloudFormation = await new FakeCloudFormation({
    Chat: [
      { logicalId: 'ChatHandlerServiceRole1A2B3C4D', physicalId: 'Chat-HandlerRole', type: 'AWS::IAM::Role' },
      { logicalId: 'ChatKeyTable5E6F7A8B', physicalId: storeFlag('--table'), type: 'AWS::DynamoDB::Table' },
      { logicalId: 'ChatRestApi0A1B2C3D', physicalId: 'a1b2c3d4e5', type: 'AWS::ApiGateway::RestApi' },
      { logicalId: 'ChatBudgetTable2EA0DF74', physicalId: storeFlag('--budget-table'), type: 'AWS::DynamoDB::Table' },
    ],
  }).start();
  const env = {
    AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.url,
    AWS_ACCESS_KEY_ID: 'AKIALOCALOPERATOR000',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
  };
  const stackFlags = ['--stack', 'Chat', '--endpoint-url', storeFlag('--endpoint-url')];
  try {
    const created = await keysWith(['create', '--name', 'dave', '--tokens-per-day', '500000', ...stackFlags], env);
    expect(created.code).toBe(0);
    const daveId = created.stderr.match(/Created key (k_[a-z2-7]{12}) for dave/)![1];
    await openAi(created.stdout.trim()).chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
    });

    const list = await keysWith(['list', ...stackFlags], env);
    expect(list.stdout.split('\n').find((line) => line.startsWith(daveId))).toMatch(
      new RegExp(`^${daveId}\\s+dave\\s`),
    );
    const usage = JSON.parse((await keysWith(['usage', '--json', ...stackFlags], env)).stdout);
    expect(usage.keys.find((key: { keyId: string }) => key.keyId === daveId)).toMatchObject({ name: 'dave' });
    // Every request reached the stack's resources through the SDK's endpoint variable, signed.
    expect(cloudFormation.requests.length).toBeGreaterThanOrEqual(6);
    expect(cloudFormation.requests.every((r) => r.form.StackName === 'Chat')).toBe(true);

    const missing = await keysWith(['list', '--stack', 'Gone', ...stackFlags.slice(2)], env);
    expect({ code: missing.code, stderr: missing.stderr.trim() }).toEqual({
      code: 1,
      stderr: 'error: no stack Gone in us-east-1',
    });
  } finally {
    await cloudFormation.stop();
  }
}, 60_000);

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

/**
 * The real Codex CLI (`@openai/codex`), unchanged, against the local runner: only a model provider with the runner's
 * base URL, a key variable (`env_key`: Codex sends it as a bearer token; here a managed key the runner issued) and
 * `wire_api = "responses"` in a throwaway CODEX_HOME. The runner's fake model plays a
 * scripted session (`--script`): it asks for Codex's own shell tool (`exec_command`) to read a file, Codex runs it in
 * its read-only sandbox (exec mode never asks for approval) and sends the result back, and the model's final answer is
 * printed. The runner allows caller system messages: Codex sends its instructions as developer messages. Once the key
 * is revoked with the `keys` CLI, the same Codex is refused within the runner's key cache TTL.
 */
import { execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CLI_PATH, startRunner, type Runner } from './runner';

const CODEX = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'codex');
const MODEL = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const NOTES = 'Ship the release on Friday.';
const ANSWER = 'The notes say to ship the release on Friday.';

/** The session: turn 0 asks for the shell tool (its name and input as Codex defines them), turn 1 answers. */
const SCRIPT = [
  { text: 'Let me read the notes.', toolUses: [{ name: 'exec_command', input: { cmd: 'cat notes.txt' } }] },
  { text: ANSWER },
];

/** How long the runner's handler keeps a key lookup (--key-cache-ttl): the revocation bound under test. */
const KEY_CACHE_TTL_SECONDS = 1;

let dir: string;
let runner: Runner;
/** The managed key the runner created for Codex (--create-key), and the `keys` flags naming the runner's store. */
let codexKey: string;
let storeFlags: string[];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codex-'));
  for (const sub of ['home', 'codex-home', 'work']) {
    fs.mkdirSync(path.join(dir, sub));
  }
  fs.writeFileSync(path.join(dir, 'work', 'notes.txt'), `${NOTES}\n`);
  fs.writeFileSync(path.join(dir, 'script.json'), JSON.stringify(SCRIPT));
  runner = await startRunner([
    '--script',
    path.join(dir, 'script.json'),
    '--allow-caller-system-messages',
    '--model-id',
    MODEL,
    '--verbose',
    '--create-key',
    'codex',
    '--key-cache-ttl',
    String(KEY_CACHE_TTL_SECONDS),
  ]);
  codexKey = (await runner.waitForLine(/^key codex: /)).slice('key codex: '.length);
  const banner = await runner.waitForLine(/^Managed keys: /);
  storeFlags = ['--table', '--endpoint-url'].flatMap((flag) => [flag, banner.match(new RegExp(`${flag} (\\S+)`))![1]]);
  fs.writeFileSync(
    path.join(dir, 'codex-home', 'config.toml'),
    [
      `model = "${MODEL}"`,
      'model_provider = "gw"',
      '[model_providers.gw]',
      'name = "Streaming Bedrock API"',
      `base_url = "${runner.url}/v1"`,
      'env_key = "GW_KEY"',
      'wire_api = "responses"',
    ].join('\n'),
  );
});

afterAll(async () => {
  expect(await runner.stop()).toBe(0);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** `codex exec` in the work folder; resolves with its exit code and output (stdout: the final message). */
function codexExec(prompt: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(CODEX, ['exec', '--skip-git-repo-check', '--color', 'never', prompt], {
    cwd: path.join(dir, 'work'),
    env: {
      PATH: process.env.PATH,
      HOME: path.join(dir, 'home'),
      CODEX_HOME: path.join(dir, 'codex-home'),
      GW_KEY: codexKey,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => (stdout += data.toString('utf8')));
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString('utf8')));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

test('codex exec: the model asks for the shell tool, Codex runs it and sends the result, the answer is printed', async () => {
  const result = await codexExec('What do my notes say?');
  expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
  expect(result.stdout.trim()).toBe(ANSWER);
  // Codex shows the command it ran and the command's output: the file it read in its sandbox.
  expect(result.stderr).toMatch(/exec\n.*cat notes\.txt.*\n\s*succeeded/);
  expect(result.stderr).toContain(NOTES);
  const answered = runner.lines.filter((line) => /POST \/v1\/responses 200 ok/.test(line));
  expect(answered).toHaveLength(2);
  // Codex always sends its web search tool and a namespace group: left out of the model's tools, and logged.
  const dropped = runner.lines
    .filter((line) => line.includes('"hosted tools left out"'))
    .map((line) => JSON.parse(line));
  expect(dropped.map((line) => line.droppedTools)).toEqual([
    ['namespace', 'web_search'],
    ['namespace', 'web_search'],
  ]);
}, 120_000);

/** The shipped bin's `keys` command against the runner's store; resolves with its output. */
function keys(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [CLI_PATH, 'keys', ...args, ...storeFlags], (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    ),
  );
}

test('the key revoked with keys revoke: the same Codex is refused (401) once the key cache TTL has passed', async () => {
  const keyId = (await keys('list'))
    .split('\n')
    .find((line) => /\scodex\s/.test(line))!
    .split(/\s+/)[0];
  expect(await keys('revoke', keyId)).toContain(`Revoked ${keyId}`);
  // The handler may answer from its cached lookup until the TTL has passed; after it, the key is read again.
  await new Promise((resolve) => setTimeout(resolve, KEY_CACHE_TTL_SECONDS * 1000 + 100));
  const before = runner.lines.length;
  const result = await codexExec('What do my notes say?');
  expect(result.code).not.toBe(0);
  // Codex retries the 401 five times ("Reconnecting... n/5"), then gives up with the API's message.
  expect(result.stderr).toContain('unexpected status 401 Unauthorized: The key is not valid for this API.');
  const refused = runner.lines.slice(before).filter((line) => /POST \/v1\/responses 401/.test(line));
  expect(refused.length).toBeGreaterThan(0);
  expect(runner.lines.slice(before).some((line) => /POST \/v1\/responses 200/.test(line))).toBe(false);
}, 120_000);

/**
 * Claude Code itself (`@anthropic-ai/claude-code`), unchanged: only ANTHROPIC_BASE_URL and a token set, against the
 * shipped runner. The runner's scripted model asks for Claude Code's Read tool on a file in a temporary folder;
 * Claude Code runs it and sends the result back; the next answer (the fake model quotes a tool result it receives)
 * is what `claude -p` prints. So the file's text in the output proves the whole round trip.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startRunner, type Runner } from './runner';

const CLAUDE = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'claude');
const MODEL = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const SECRET_LINE = 'The secret word is PELICAN-42.';

let dir: string;
let runner: Runner;
/** The base URL the runner's banner gives Anthropic clients. */
let baseUrl: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'claude-code-'));
  fs.mkdirSync(path.join(dir, 'home'));
  fs.mkdirSync(path.join(dir, 'work'));
  const note = path.join(dir, 'work', 'note.txt');
  fs.writeFileSync(note, `${SECRET_LINE}\n`);
  // Turn 0 asks for the file; past the script's end, the fake model's usual answer quotes the tool result it got.
  const script = [{ text: 'I will read the note.', toolUses: [{ name: 'Read', input: { file_path: note } }] }];
  fs.writeFileSync(path.join(dir, 'script.json'), JSON.stringify(script));
  runner = await startRunner([
    '--script',
    path.join(dir, 'script.json'),
    // Claude Code sends its own system prompt: the operator lets it follow the API's own.
    '--allow-caller-system-messages',
    '--model-id',
    MODEL,
    '--first-token-ms',
    '0',
    '--tokens-per-second',
    '5000',
  ]);
  const banner = await runner.waitForLine(/^Anthropic clients, Claude Code: ANTHROPIC_BASE_URL=/);
  baseUrl = banner.match(/ANTHROPIC_BASE_URL=(\S+)/)![1];
});

afterAll(async () => {
  await runner?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** `claude -p PROMPT --model MODEL` in the temporary folder, with a throwaway HOME; resolves with its exit and output. */
function claude(prompt: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: path.join(dir, 'home'),
      ANTHROPIC_BASE_URL: baseUrl,
      ANTHROPIC_AUTH_TOKEN: 'a-key-of-the-api',
      DISABLE_TELEMETRY: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    };
    // --allowedTools Read: in -p mode nobody is there to approve a tool, so the session names the one it may run.
    const child = spawn(CLAUDE, ['-p', prompt, '--model', MODEL, '--allowedTools', 'Read'], {
      cwd: path.join(dir, 'work'),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString('utf8')));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('a tool-using session: the model asks for Read, Claude Code runs it, the answer quoting the file is printed', async () => {
  const result = await claude('What does note.txt say?');
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toContain(`The tool returned 1\t${SECRET_LINE}`);
  // Both turns were answered by the protocol's SSE: the tool call, then the answer after the tool result.
  const answered = runner.lines.filter((line) => /POST \/v1\/messages 200 ok anthropic-sse/.test(line));
  expect(answered).toHaveLength(2);
}, 120_000);

/**
 * Starts the shipped local runner (the bundled bin) as a child process, as a user would, and waits for its URL.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const CLI_PATH = path.join(__dirname, '..', '..', 'assets', 'local', 'cli', 'index.js');

export interface Runner {
  readonly url: string;
  readonly process: ChildProcess;
  /** Everything the runner printed so far, line by line. */
  readonly lines: string[];
  /** Resolves when a printed line matches (one printed before included). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when a line printed from now on matches. */
  waitForNextLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<number | null>;
}

/** `extraEnv`: variables to set (a value) or remove (undefined) for the runner, on top of this process's. */
export async function startRunner(
  args: string[] = [],
  extraEnv: Record<string, string | undefined> = {},
): Promise<Runner> {
  if (!fs.existsSync(CLI_PATH)) {
    throw new Error(`${CLI_PATH} is missing: run 'npx projen bundle' first`);
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['AWS_ENDPOINT_URL_BEDROCK_RUNTIME', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE']) {
    delete env[key];
  }
  for (const [key, value] of Object.entries(extraEnv)) {
    if (value === undefined) {
      delete env[key];
    } else {
      env[key] = value;
    }
  }
  const child = spawn(process.execPath, [CLI_PATH, 'serve', '--port', '0', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  let buffered = '';
  const onData = (data: Buffer) => {
    buffered += data.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.pattern.test(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const waitForLine = (pattern: RegExp, timeoutMs = 10_000) => {
    const seen = lines.find((line) => pattern.test(line));
    return seen ? Promise.resolve(seen) : waitForNextLine(pattern, timeoutMs);
  };
  const waitForNextLine = (pattern: RegExp, timeoutMs = 10_000) => {
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`runner did not print ${pattern} within ${timeoutMs} ms; it printed:\n${lines.join('\n')}`)),
        timeoutMs,
      );
      waiters.push({
        pattern,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  };

  const listening = await waitForLine(/^Listening on /);
  return {
    url: listening.slice('Listening on '.length).trim(),
    process: child,
    lines,
    waitForLine,
    waitForNextLine,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGINT');
      }
      return exited;
    },
  };
}

/** Reads a fetch response body chunk by chunk, recording when each chunk arrived. */
export async function readTimed(response: Response, started: number): Promise<Array<{ at: number; text: string }>> {
  const chunks: Array<{ at: number; text: string }> = [];
  const decoder = new TextDecoder();
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    chunks.push({ at: Date.now() - started, text: decoder.decode(value, { stream: true }) });
  }
  return chunks;
}

export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal,
  });
}

/**
 * Runs a client script (`node <script> ...args`, from the project root so that it finds the project's packages) and
 * returns the JSON it printed: how the runner tests drive ESM-only clients (the AI SDK) from jest.
 */
export function runClientScript(script: string, args: readonly string[]): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: path.join(__dirname, '..', '..') });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (data: Buffer) => (stdout += data.toString('utf8')));
    child.stderr!.on('data', (data: Buffer) => (stderr += data.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`client exited ${code}: ${stderr}`)),
    );
  });
}

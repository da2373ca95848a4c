import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { CLI_PATH, postJson, readTimed, startRunner, type Runner } from './runner';
import { fakeTokens } from '../support/fake-model';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the version the installed package would carry
const PACKAGE_VERSION: string = require('../../package.json').version;

// The fake model: 10 tokens, the first after 100 ms, then one every 50 ms (the last at ~550 ms).
const SCHEDULE = { firstTokenMs: 100, gapMs: 50, tokens: 10 };
let runner: Runner;

beforeAll(async () => {
  runner = await startRunner([
    // Also prints when the fake model sent the last frame of an answer: progress is judged against that.
    '--verbose',
    '--tokens-per-second',
    String(1000 / SCHEDULE.gapMs),
    '--answer-tokens',
    String(SCHEDULE.tokens),
    '--first-token-ms',
    String(SCHEDULE.firstTokenMs),
    '--cors-origin',
    'https://app.example.com',
  ]);
  // The runner's first request also loads the SDK and opens its first connection: the timings below are the stream's.
  await (await postJson(`${runner.url}/stream`, { prompt: 'warm up' })).text();
});

afterAll(async () => {
  expect(await runner.stop()).toBe(0);
});

/**
 * When (ms after `started`) the runner says its fake model sent the last frame of the next answer. A client that got
 * a delta before then got it while the model was still generating: progress by the model's own schedule, which a
 * busy machine delays as a whole, rather than by a margin of milliseconds.
 */
function modelFinished(started: number): Promise<number> {
  return runner.waitForNextLine(/fake model: stream for \S+ ended after \d+ frames$/).then(() => Date.now() - started);
}

describe('progressive delivery', () => {
  test('curl --no-buffer receives the first delta before the model generated the last one', async () => {
    const started = Date.now();
    const finished = modelFinished(started);
    const curl = spawn('curl', [
      '--no-buffer',
      '--silent',
      '--show-error',
      '-H',
      'Content-Type: application/json',
      '-d',
      '{"prompt":"hello there"}',
      `${runner.url}/stream`,
    ]);
    const arrivals: Array<{ at: number; text: string }> = [];
    curl.stdout.on('data', (data: Buffer) => arrivals.push({ at: Date.now() - started, text: data.toString('utf8') }));
    const code = await new Promise((resolve) => curl.once('close', resolve));
    expect(code).toBe(0);
    const firstDelta = arrivals.find((a) => a.text.includes('event: delta'))!;
    expect(firstDelta.at).toBeLessThan(await finished);
    // The deltas came in pieces, not in one write at the end.
    expect(arrivals.length).toBeGreaterThanOrEqual(2);
  });

  test('fetch reads the deltas as they are generated', async () => {
    const started = Date.now();
    const finished = modelFinished(started);
    const response = await postJson(`${runner.url}/stream`, { prompt: 'hello there' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const chunks = await readTimed(response, started);
    const deltas = chunks.filter((c) => c.text.includes('event: delta'));
    expect(deltas[0].at).toBeLessThan(await finished);
    expect(deltas.length).toBeGreaterThanOrEqual(2);
  });
});

describe('formats through the runner', () => {
  const expectedText = fakeTokens(SCHEDULE.tokens, 2).join('');

  test('a well-known SSE parser (eventsource-parser) reads the stream', async () => {
    const response = await postJson(`${runner.url}/stream`, { prompt: 'hello there' });
    const events: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (event) => events.push(event) });
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      parser.feed(decoder.decode(chunk, { stream: true }));
    }
    const deltas = events.filter((e) => e.event === 'delta').map((e) => JSON.parse(e.data).text);
    expect(deltas.join('')).toBe(expectedText);
    expect(events.at(-1)!.event).toBe('done');
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({
      stopReason: 'end_turn',
      usage: { inputTokens: 2, outputTokens: SCHEDULE.tokens, totalTokens: SCHEDULE.tokens + 2 },
    });
  });

  test('NDJSON', async () => {
    const response = await postJson(
      `${runner.url}/stream`,
      { prompt: 'hello there' },
      { Accept: 'application/x-ndjson' },
    );
    const lines = (await response.text())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(
      lines
        .filter((l) => l.type === 'delta')
        .map((l) => l.text)
        .join(''),
    ).toBe(expectedText);
    expect(lines.at(-1).type).toBe('done');
  });

  test('text/plain', async () => {
    const response = await postJson(`${runner.url}/stream`, { prompt: 'hello there' }, { Accept: 'text/plain' });
    expect(await response.text()).toBe(expectedText);
  });

  test('application/json on the streaming endpoint', async () => {
    const response = await postJson(`${runner.url}/stream`, { prompt: 'hello there' }, { Accept: 'application/json' });
    expect(await response.json()).toMatchObject({ text: expectedText, stopReason: 'end_turn' });
  });

  test('the buffered endpoint', async () => {
    const response = await postJson(`${runner.url}/buffered`, { prompt: 'hello there', maxTokens: 4 });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ text: fakeTokens(4, 2).join(''), stopReason: 'max_tokens' });
  });
});

describe('errors through the runner', () => {
  test.each([
    ['invalid JSON', 400, 'invalid_json', '{"prompt":', 'application/json'],
    ['a wrong content type', 415, 'unsupported_media_type', '{"prompt":"x"}', 'text/plain'],
    ['an unknown field', 400, 'unknown_field', '{"prompt":"x","system":"y"}', 'application/json'],
    [
      'a body over 256 KiB',
      413,
      'request_too_large',
      JSON.stringify({ prompt: 'x'.repeat(300 * 1024) }),
      'application/json',
    ],
  ])('%s gets %i %s', async (_name, status, code, body, contentType) => {
    const response = await fetch(`${runner.url}/stream`, {
      method: 'POST',
      headers: { 'Content-Type': contentType },
      body,
    });
    expect(response.status).toBe(status);
    expect((await response.json()).error.code).toBe(code);
  });

  test('an unknown route gets 403 like API Gateway, and the runner prints the routes it serves', async () => {
    const hint = runner.waitForNextLine(/no route POST \/nope/);
    const response = await fetch(`${runner.url}/nope`, { method: 'POST' });
    expect(response.status).toBe(403);
    expect(await hint).toBe(
      '  no route POST /nope (answered 403 like API Gateway); the runner serves POST /stream, ' +
        'POST /v1/chat/completions, GET /v1/models, POST /chat, POST /v1/responses, POST /v1/messages, ' +
        'POST /v1/messages/count_tokens, ' +
        'POST /buffered',
    );
  });
});

describe('CORS through the runner', () => {
  test('preflight from an allowed origin', async () => {
    const response = await fetch(`${runner.url}/stream`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
  });

  test('the streamed response carries the allow-origin header for an allowed origin only', async () => {
    const allowed = await postJson(`${runner.url}/stream`, { prompt: 'hi' }, { Origin: 'https://app.example.com' });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    await allowed.text();
    const other = await postJson(`${runner.url}/stream`, { prompt: 'hi' }, { Origin: 'https://evil.example' });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    await other.text();
  });
});

/** Starts a long answer, reads its first chunk and disconnects. */
async function readFirstChunkAndLeave(url: string): Promise<void> {
  const controller = new AbortController();
  const response = await postJson(`${url}/stream`, { prompt: 'long one please' }, {}, controller.signal);
  await response.body!.getReader().read();
  controller.abort();
}

describe('client disconnect', () => {
  test('by default, like Lambda, the answer runs to its end and the runner says the client left', async () => {
    await readFirstChunkAndLeave(runner.url);
    await runner.waitForLine(
      /POST \/stream client disconnected after \d+ ms; in Lambda the function keeps running until the answer ends \(no disconnect signal\)$/,
    );
    await runner.waitForLine(/POST \/stream 200 ok sse 10 tokens .* client disconnected \d+ ms$/);
    expect(runner.lines.filter((l) => l.includes('cancelled by its client'))).toEqual([]);
  });

  test('with --disconnect-signal the handler aborts the Bedrock stream: the model stops generating', async () => {
    const signalled = await startRunner(['--disconnect-signal', '--answer-tokens', '1000', '--first-token-ms', '0']);
    try {
      await signalled.waitForLine(
        /^Client disconnects: destroy the handler's response stream \(--disconnect-signal; Lambda gives no such signal\)$/,
      );
      await readFirstChunkAndLeave(signalled.url);
      await signalled.waitForLine(/fake model: stream for .* cancelled by its client after \d+ frames/);
      await signalled.waitForLine(/POST \/stream 200 client_disconnected/);
    } finally {
      expect(await signalled.stop()).toBe(0);
    }
  });
});

describe('the runner', () => {
  test('logs one line per request', () => {
    expect(
      runner.lines.some((l) =>
        /^\d\d:\d\d:\d\d\.\d{3} POST \/stream 200 ok sse 10 tokens first token \d+ ms \d+ ms$/.test(l),
      ),
    ).toBe(true);
  });

  test('says at start that, like Lambda, the handler is not told when its client disconnects', async () => {
    await runner.waitForLine(
      /^Client disconnects: like Lambda, the handler gets no signal and runs until its answer ends or it times out$/,
    );
  });

  test('names Claude Haiku 4.5 by its inference profile id as the default model', () => {
    expect(runner.lines).toContainEqual(
      expect.stringMatching(/\(model us\.anthropic\.claude-haiku-4-5-20251001-v1:0\)/),
    );
  });

  test('a port already in use fails the start with exit code 1, naming --port', () => {
    const port = new URL(runner.url).port;
    const result = spawnSync(process.execPath, [CLI_PATH, 'serve', '--port', port], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `error: 127.0.0.1:${port} is already in use: choose another port with --port <n> (--port 0 picks a free one)\n`,
    );
  });

  test('prints a ready-to-paste curl command', () => {
    expect(runner.lines).toContain(
      `  curl --no-buffer -H 'Content-Type: application/json' -d '{"prompt":"Tell me about streaming"}' ${runner.url}/stream`,
    );
  });

  test.each([
    [['serve', '--port', 'abc'], /--port must be a whole number from 0 to 65535/],
    [['serve', '--fault', 'explode'], /--fault must be none, throttle or midstream/],
    [['serve', '--body-timeout', '0'], /--body-timeout must be a whole number from 1 to 300, not "0"/],
    [['serve', '--no-such-flag'], /^error: unknown option --no-such-flag \(the options are listed below\)$/m],
    [['launch'], /unknown command "launch"/],
    [[], /missing command: serve/],
  ])('rejects %j with a usage message and exit code 2', (args, message) => {
    const result = spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('Usage: cdk-streaming-bedrock-api serve');
  });

  test('--version prints the version in the package.json and exits 0', () => {
    const result = spawnSync(process.execPath, [CLI_PATH, '--version'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${PACKAGE_VERSION}\n`);
  });

  test('--help prints the usage and exits 0', () => {
    const result = spawnSync(process.execPath, [CLI_PATH, '--help'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--tokens-per-second');
  });
});

test('with --bedrock and no AWS credentials, says so at start and how to provide them', async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'no-credentials-'));
  const noCredentials = await startRunner(['--bedrock'], {
    HOME: home,
    AWS_CONFIG_FILE: path.join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SESSION_TOKEN: undefined,
    AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
  });
  try {
    const line = await noCredentials.waitForLine(/^Credentials: /);
    expect(line).toMatch(/^Credentials: none found by the AWS SDK's default chain .*502 upstream_misconfigured/);
    expect(line).toMatch(/AWS_PROFILE=<profile>.* or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  } finally {
    expect(await noCredentials.stop()).toBe(0);
    fs.rmSync(home, { recursive: true, force: true });
  }
});

/**
 * `serve --agent-url`: StreamingAgentCoreApi locally, in front of the example agent (examples/agent-core/agent, run as
 * a user runs it: `node agent.mjs`), whose model is a FakeBedrock playing a tool-using answer. The whole chain is real
 * but for AWS: curl and fetch -> the runner's API front -> the AgentCore handler bundle -> the real AgentCore SDK ->
 * the data-plane stand-in -> the agent -> the real Bedrock Runtime SDK -> the fake model.
 */
import { execFile, spawn, type ChildProcess } from 'child_process';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { CLI_PATH, postJson, startRunner, type Runner } from './runner';
import { blockFrames, httpError, type FakeRequest } from '../../src/local/fake-bedrock';
import { FakeBedrock } from '../support/fake-bedrock';

const AGENT = path.join(__dirname, '..', '..', 'examples', 'agent-core', 'agent', 'agent.mjs');
const SESSION = 'X-Session-Id';
/** A session id the API accepts (33 to 256 characters). */
const SESSION_ID = 'test-session-0123456789abcdef0123456789';
/** The prompt the fake model refuses (400 ValidationException, not retried by the SDK). */
const FAILING_PROMPT = 'Please fail.';
/** A browser app's origin the runner allows (--cors-origin). */
const ORIGIN = 'https://app.example';

/** What happened, in order: the model's frames and the client's reads (the proof of progressive streaming). */
const timeline: string[] = [];
let model: FakeBedrock;
let agent: { url: string; process: ChildProcess };

/**
 * The model: a prompt gets a calculator call (6 times 7); a tool result gets an answer in five deltas 100 ms apart
 * that quotes the result and counts the user's prompts in the conversation (so a continued session shows).
 */
function script(request: FakeRequest) {
  const messages: any[] = request.body.messages;
  const last = messages.at(-1);
  if (last.content[0].text === FAILING_PROMPT) {
    return httpError(400, 'ValidationException', 'secret detail of the model error');
  }
  const result = last.content.find((block: any) => block.toolResult)?.toolResult;
  if (!result) {
    const inputChunks = [JSON.stringify({ operation: 'multiply', a: 6, b: 7 })];
    const call = { toolUseId: `call_${messages.length}`, name: 'calculator', inputChunks };
    return {
      frames: [...blockFrames([{ text: ['Let me compute that.'] }, { toolUse: call }], { stopReason: 'tool_use' })],
    };
  }
  const prompts = messages.filter((m) => m.role === 'user' && m.content[0].text !== undefined).length;
  const text = ['The answer', ' is ', String(result.content[0].json.result), '.', ` (prompt ${prompts})`];
  return { frames: [...blockFrames([{ text }], { delayMs: 100 })] };
}

/** Starts the example agent as its README says, its Bedrock calls going to `model`; resolves with its URL. */
function startAgent(): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(process.execPath, [AGENT], {
    env: {
      ...process.env,
      PORT: '0',
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: model.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIATESTEXAMPLEAGENT',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the agent exited with ${code}`)));
    child.stdout!.on('data', (data: Buffer) => {
      const listening = /Agent listening on (\S+)/.exec(data.toString('utf8'));
      if (listening) resolve({ url: listening[1], process: child });
    });
  });
}

interface SseEvent {
  readonly event: string;
  readonly data: any;
}

/** A browser-like reader: fetch's ReadableStream, decoded and split into SSE events as the chunks arrive. */
async function readEvents(response: Response, onEvent: (event: SseEvent) => void = () => {}): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    const blocks = buffered.split('\n\n');
    buffered = blocks.pop()!;
    for (const block of blocks) {
      const lines = block.split('\n');
      const name = lines.find((l) => l.startsWith('event: '))?.slice(7);
      const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
      if (name && data !== undefined) {
        const event = { event: name, data: JSON.parse(data) };
        events.push(event);
        onEvent(event);
      }
    }
  }
  return events;
}

const textOf = (events: SseEvent[]) =>
  events
    .filter((e) => e.event === 'text')
    .map((e) => e.data.text)
    .join('');

function curl(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['--silent', '--show-error', ...args], (err, stdout) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
    );
  });
}

beforeAll(async () => {
  model = await new FakeBedrock(script).start();
  model.onFrame = (_request, frame) => {
    if ('event' in frame && frame.event === 'messageStop') timeline.push('model: answer complete');
  };
  agent = await startAgent();
});

afterAll(async () => {
  agent?.process.kill();
  await model?.stop();
});

describe('the example agent under the container contract (called directly, as AgentCore calls it)', () => {
  const AGENT_SESSION = 'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id';

  test('GET /ping is Healthy', async () => {
    const response = await fetch(`${agent.url}/ping`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'Healthy', time_of_last_update: expect.any(Number) });
  });

  test.each([
    ['not JSON', 'prompt?', 'the body must be JSON: {"prompt": "..."}'],
    ['no prompt', '{"question":"Hi"}', 'the body must have a non-empty string "prompt"'],
    ['a blank prompt', '{"prompt":"  "}', 'the body must have a non-empty string "prompt"'],
  ])('fails %s with 400 and says what it needs', async (_name, body, message) => {
    const response = await fetch(`${agent.url}/invocations`, { method: 'POST', body });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: message });
  });

  test('fails a second invocation of a session while the first runs with 409; the first completes', async () => {
    const headers = { [AGENT_SESSION]: `${SESSION_ID}-busy` };
    // The SSE headers come once the invocation started: the model's answer still takes its five deltas.
    const first = await postJson(`${agent.url}/invocations`, { prompt: 'What is 6 times 7?' }, headers);
    const second = await postJson(`${agent.url}/invocations`, { prompt: 'Hi' }, headers);
    expect(second.status).toBe(409);
    expect(await second.json()).toEqual({ error: 'this session is already answering an invocation' });
    expect(textOf(await readEvents(first))).toContain('The answer is 42.');
  });
});

describe('serve --agent-url', () => {
  let runner: Runner;
  let invocations: string;
  beforeAll(async () => {
    runner = await startRunner(['--agent-url', agent.url, '--cors-origin', ORIGIN]);
    invocations = `${runner.url}/invocations`;
  });
  afterAll(async () => {
    // A runner that started stops cleanly on Ctrl-C (one that did not start failed beforeAll already).
    if (runner) expect(await runner.stop()).toBe(0);
  });

  test('the banner says what runs: the handler, the agent and its health, the stand-in, and a curl line', async () => {
    expect(await runner.waitForLine(/^Agent: /)).toBe(`Agent: ${agent.url} (GET /ping answers "Healthy")`);
    await runner.waitForLine(/^AgentCore data plane: local stand-in at http:\/\/127\.0\.0\.1:\d+ \(runtime arn:aws:/);
    await runner.waitForLine(new RegExp(`^  curl -i --no-buffer .* ${invocations}$`));
  });

  test('a browser-like reader gets the agent events as they happen: text before the model finished its answer', async () => {
    timeline.length = 0;
    const response = await postJson(invocations, { prompt: 'What is 6 times 7?' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readEvents(response, (event) => timeline.push(`client: ${event.event}`));

    expect(events.map((e) => e.event).filter((name, i, all) => name !== all[i - 1])).toEqual([
      'text',
      'tool_use',
      'tool_result',
      'text',
      'done',
    ]);
    expect(events.find((e) => e.event === 'tool_result')!.data.content).toEqual([{ json: { result: 42 } }]);
    expect(textOf(events)).toBe('Let me compute that.The answer is 42. (prompt 1)');
    // The second model answer's deltas are 100 ms apart: the client reads its first before the model's last.
    const answerText = timeline.indexOf('client: text', timeline.indexOf('client: tool_result'));
    expect(answerText).toBeGreaterThan(-1);
    expect(answerText).toBeLessThan(timeline.lastIndexOf('model: answer complete'));
    // The generated session id comes back in the response header.
    expect(response.headers.get(SESSION)).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:-]{32,255}$/);
    await runner.waitForLine(/ POST \/invocations 200 ok session [0-9a-f]{16} \(new\) first byte \d+ ms/);
  });

  test('a session id sent back continues the conversation: the model sees the first turn', async () => {
    const first = await postJson(invocations, { prompt: 'What is 6 times 7?' });
    const sessionId = first.headers.get(SESSION)!;
    expect(textOf(await readEvents(first))).toContain('(prompt 1)');

    model.requests.length = 0;
    const second = await postJson(invocations, { prompt: 'Again, please.' }, { [SESSION]: sessionId });
    expect(second.headers.get(SESSION)).toBe(sessionId);
    expect(textOf(await readEvents(second))).toContain('(prompt 2)');
    const conversation = model.requests[0].body.messages;
    expect(conversation[0].content[0].text).toBe('What is 6 times 7?');
    expect(conversation.at(-1).content[0].text).toBe('Again, please.');

    // Another session starts afresh.
    const other = await postJson(invocations, { prompt: 'Hi' }, { [SESSION]: SESSION_ID });
    expect(textOf(await readEvents(other))).toContain('(prompt 1)');
  });

  test('curl --no-buffer: the SSE stream, and with -i the session header to continue', async () => {
    const result = await curl([
      '-i',
      '--no-buffer',
      '-H',
      'Content-Type: application/json',
      '-H',
      `${SESSION}: ${SESSION_ID}-curl`,
      '-d',
      '{"prompt":"What is 6 times 7?"}',
      invocations,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^HTTP\/1\.1 200/);
    expect(result.stdout).toMatch(new RegExp(`^${SESSION}: ${SESSION_ID}-curl\\r$`, 'im'));
    expect(result.stdout).toContain('event: tool_result\ndata: {"toolUseId":"call_1","status":"success"');
    expect(result.stdout).toMatch(/event: done\ndata: \{"stopReason":"end_turn","steps":2,/);
  });

  test('an invalid session id is refused with 400 before the agent is called, and not echoed', async () => {
    const calls = model.requests.length;
    for (const bad of ['too-short', 'x'.repeat(257), `${SESSION_ID} spaces`, `-${SESSION_ID}`]) {
      const response = await postJson(invocations, { prompt: 'Hi' }, { [SESSION]: bad });
      const text = await response.text();
      expect(response.status).toBe(400);
      expect(text).not.toContain(bad);
      expect(JSON.parse(text).error.message).toMatch(/X-Session-Id/);
    }
    expect(model.requests.length).toBe(calls);
  });

  test('Accept: application/json gets one JSON answer, its content type kept', async () => {
    const response = await postJson(invocations, { prompt: 'What is 6 times 7?' }, { Accept: 'application/json' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await response.json();
    expect(body).toMatchObject({ text: 'Let me compute that.The answer is 42. (prompt 1)', stopReason: 'end_turn' });
    expect(body.toolSteps.map((step: any) => step.type)).toEqual(['tool_use', 'tool_result']);
  });

  test('a browser may send X-Session-Id (preflight) and read the one it gets back (exposed)', async () => {
    const preflight = await fetch(invocations, {
      method: 'OPTIONS',
      headers: {
        Origin: ORIGIN,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,x-session-id',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(preflight.headers.get('access-control-allow-headers')!.split(',')).toContain(SESSION);

    const response = await postJson(invocations, { prompt: 'Hi' }, { Origin: ORIGIN });
    await response.text();
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(response.headers.get('access-control-expose-headers')!.split(/,\s*/)).toContain(SESSION);
  });

  test("the agent's model failing after the stream began: the SSE answer ends with the agent's error event", async () => {
    const response = await postJson(invocations, { prompt: FAILING_PROMPT });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toBe('event: error\ndata: {"message":"the agent could not answer"}\n\n');
  });

  test('only POST /invocations is served: another route is 403 like API Gateway', async () => {
    const response = await postJson(`${runner.url}/stream`, { prompt: 'Hi' });
    expect(response.status).toBe(403);
  });
});

describe('serve --agent-url with managed keys and --requests-per-minute', () => {
  let runner: Runner;
  let aliceKey: string;
  let storeFlags: string[];
  beforeAll(async () => {
    runner = await startRunner([
      '--agent-url',
      agent.url,
      '--create-key',
      'alice',
      '--create-key',
      'bob',
      '--create-key',
      'carol',
      '--create-key',
      'dave',
      '--key-cache-ttl',
      '0',
      '--requests-per-minute',
      '3',
    ]);
    aliceKey = (await runner.waitForLine(/^key alice: /)).slice('key alice: '.length);
    const command = await runner.waitForLine(/^Managed keys: /);
    storeFlags = ['--table', '--budget-table', '--endpoint-url'].flatMap((flag) => [
      flag,
      command.match(new RegExp(`${flag} (\\S+)`))![1],
    ]);
  });
  afterAll(async () => {
    // A runner that started stops cleanly on Ctrl-C (one that did not start failed beforeAll already).
    if (runner) expect(await runner.stop()).toBe(0);
  });

  const invoke = (key?: string) =>
    postJson(`${runner.url}/invocations`, { prompt: 'Hi' }, key ? { Authorization: `Bearer ${key}` } : {});

  test('no key is 401; a key works; once revoked it is refused', async () => {
    expect((await invoke()).status).toBe(401);
    const bobKey = (await runner.waitForLine(/^key bob: /)).slice('key bob: '.length);
    const ok = await invoke(bobKey);
    expect(ok.status).toBe(200);
    expect(textOf(await readEvents(ok))).toContain('The answer is 42.');

    const list = await keysCli(['list', ...storeFlags]);
    const bobId = list
      .split('\n')
      .find((line) => / bob /.test(line))!
      .split(/\s+/)[0];
    await keysCli(['revoke', bobId, ...storeFlags]);
    const revoked = await invoke(bobKey);
    expect(revoked.status).toBe(401);
    expect(await revoked.text()).not.toContain(bobKey);
  });

  test("the runtime user is the key's caller: another caller's same session id does not continue the conversation", async () => {
    const key = async (name: string) => (await runner.waitForLine(new RegExp(`^key ${name}: `))).split(': ')[1];
    const headers = (name: string) => key(name).then((k) => ({ Authorization: `Bearer ${k}`, [SESSION]: SESSION_ID }));
    const url = `${runner.url}/invocations`;
    expect(textOf(await readEvents(await postJson(url, { prompt: 'Hi' }, await headers('carol'))))).toContain(
      '(prompt 1)',
    );
    expect(textOf(await readEvents(await postJson(url, { prompt: 'Hi' }, await headers('carol'))))).toContain(
      '(prompt 2)',
    );
    expect(textOf(await readEvents(await postJson(url, { prompt: 'Hi' }, await headers('dave'))))).toContain(
      '(prompt 1)',
    );
  });

  test("a caller's requests per minute: the 4th in a minute is 429 rate_limited with a Retry-After", async () => {
    const left = 60 - new Date().getUTCSeconds();
    if (left < 10) await new Promise((resolve) => setTimeout(resolve, left * 1000 + 200));
    const statuses: number[] = [];
    let refused: { retryAfter: number; body: any } | undefined;
    for (let i = 0; i < 4; i++) {
      const response = await invoke(aliceKey);
      statuses.push(response.status);
      const text = await response.text();
      if (response.status === 429) {
        refused = { retryAfter: Number(response.headers.get('retry-after')), body: JSON.parse(text) };
      }
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(refused!.body.error.code).toBe('rate_limited');
    expect(refused!.retryAfter).toBeGreaterThanOrEqual(1);
    expect(refused!.retryAfter).toBeLessThanOrEqual(60);
  });
});

describe('serve --agent-url with no agent listening', () => {
  test('the banner says so, and an invocation is 502 upstream_failed without the cause', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const runner = await startRunner(['--agent-url', `http://127.0.0.1:${port}`]);
    try {
      await runner.waitForLine(/^Agent: http:\/\/127\.0\.0\.1:\d+ \(not answering GET \/ping yet/);
      const response = await postJson(`${runner.url}/invocations`, { prompt: 'Hi' });
      const text = await response.text();
      expect(response.status).toBe(502);
      expect(JSON.parse(text).error.code).toBe('upstream_failed');
      expect(text).not.toMatch(/ECONNREFUSED|RuntimeClientError|could not be reached/);
    } finally {
      expect(await runner.stop()).toBe(0);
    }
  });
});

describe('serve --agent-demo', () => {
  test('starts the example agent with the fake model as its model, serves it, and stops it on exit', async () => {
    const runner = await startRunner(['--agent-demo', '--first-token-ms', '0', '--tokens-per-second', '1000']);
    try {
      await runner.waitForLine(/^Agent's model: local fake model \(http:\/\/127\.0\.0\.1:\d+\)/);
      const response = await postJson(`${runner.url}/invocations`, { prompt: 'What is 1.5 plus 1.5?' });
      const events = await readEvents(response);
      // The fake model calls the agent's one tool with sample values from its schema: add 1.5 and 1.5.
      expect(events.find((e) => e.event === 'tool_use')!.data.input).toEqual({ operation: 'add', a: 1.5, b: 1.5 });
      expect(events.find((e) => e.event === 'tool_result')!.data.content).toEqual([{ json: { result: 3 } }]);
      expect(events.at(-1)!.event).toBe('done');
    } finally {
      expect(await runner.stop()).toBe(0);
    }
    expect(runner.lines).toContain('agent: exited (code 0)');
  });
});

function keysCli(args: string[]): Promise<string> {
  const env = { ...process.env };
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_PROFILE;
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [CLI_PATH, 'keys', ...args], { env }, (err, stdout, stderr) =>
      err ? reject(new Error(`keys ${args[0]}: ${stderr}`)) : resolve(stdout),
    ),
  );
}

/**
 * API Gateway cuts a stream after 5 minutes without a byte (Regional): every streaming format stays alive while the
 * model is silent, or is capped when it cannot. Here the heartbeat is 40 ms and the idle cap 300 ms.
 */
import { apiEvent, invokeStream, parseNdjson, parseSse, until, useHandlerTestContext } from './harness';
import { answer } from '../../src/local/fake-bedrock';

const HEARTBEAT_MS = 40;
const IDLE_LIMIT_MS = 300;
const ctx = useHandlerTestContext({ SBA_HEARTBEAT_MS: String(HEARTBEAT_MS), SBA_IDLE_LIMIT_MS: String(IDLE_LIMIT_MS) });

const accept = (type: string) => ({ headers: { Accept: type } });

// The first invocation of a file also pays for the SDK's first connection: warm up, so that timings are the stream's.
beforeAll(async () => {
  ctx.fake.setScript(() => answer(['warm']));
  await invokeStream(ctx.mod, apiEvent({ prompt: 'warm up' }));
});

/** Keep-alives expected in 250 ms of silence at a 40 ms heartbeat: about 6; at least 2 on a busy machine. */
const MIN_KEEP_ALIVES = 2;

describe('while the model is silent after the first content', () => {
  beforeEach(() => ctx.fake.setScript(() => answer(['late'], { firstDelayMs: 250 })));

  test('SSE writes ": ping" comments', async () => {
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'think' }));
    expect(res.chunks.filter((c) => c.text === ': ping\n\n').length).toBeGreaterThanOrEqual(MIN_KEEP_ALIVES);
    expect(parseSse(res.body).map((e) => e.event)).toEqual(['delta', 'done']);
  });

  test('NDJSON writes {"type":"ping"} lines', async () => {
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'think' }, accept('application/x-ndjson')));
    const lines = parseNdjson(res.body);
    expect(lines.filter((l) => l.type === 'ping').length).toBeGreaterThanOrEqual(MIN_KEEP_ALIVES);
    expect(lines.filter((l) => l.type !== 'ping').map((l) => l.type)).toEqual(['delta', 'done']);
  });

  test('application/json commits 200 early and writes whitespace before the one JSON object', async () => {
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'think' }, accept('application/json')));
    expect(res.status).toBe(200);
    const whitespace = res.chunks.filter((c) => c.text.trim() === '');
    expect(whitespace.length).toBeGreaterThanOrEqual(MIN_KEEP_ALIVES);
    expect(res.preludeAt).toBeLessThan(res.chunks.at(-1)!.at - 150);
    expect(JSON.parse(res.body)).toMatchObject({ text: 'late', stopReason: 'end_turn' });
  });
});

test('a model that reasons first commits 200 at its first reasoning delta and is kept alive while it thinks', async () => {
  const frame = (event: string, payload: unknown, delayMs = 0) => ({ event, payload, delayMs });
  ctx.fake.setScript(() => ({
    frames: [
      frame('messageStart', { role: 'assistant' }),
      frame('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: 'thinking' } } }),
      frame('contentBlockDelta', { contentBlockIndex: 1, delta: { text: 'answer' } }, 250),
      frame('messageStop', { stopReason: 'end_turn' }),
      frame('metadata', { usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 }, metrics: { latencyMs: 1 } }),
    ],
  }));
  const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'think' }));
  expect(res.chunks.filter((c) => c.text === ': ping\n\n').length).toBeGreaterThanOrEqual(3);
  expect(parseSse(res.body).map((e) => e.data.text ?? e.event)).toEqual(['thinking', 'answer', 'done']);
});

describe('text/plain, which has no keep-alive bytes', () => {
  test('pauses shorter than the idle cap are not cut', async () => {
    ctx.fake.setScript(() => answer(['a', 'b', 'c'], { delayMs: IDLE_LIMIT_MS / 3 }));
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }, accept('text/plain')));
    expect(res.body).toBe('abc');
  });

  test('silence over the idle cap aborts Bedrock and ends with an in-band idle_timeout line', async () => {
    ctx.fake.setScript(() => answer(['first ', 'never'], { delayMs: 1500 }));
    const started = Date.now();
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }, accept('text/plain')));
    expect(Date.now() - started).toBeLessThan(1200);
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/^first \n\n\[error idle_timeout\] .+\n$/);
    await until(() => ctx.fake.cancelledStreams === 1);
    expect(ctx.logs()[0]).toMatchObject({ level: 'WARN', outcome: 'idle_timeout', error: { afterOutput: true } });
  });
});

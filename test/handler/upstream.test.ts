import {
  MODEL,
  RecordingStream,
  apiEvent,
  expectNoLeak,
  invokeStream,
  lambdaContext,
  parseSse,
  parseNdjson,
  until,
  useHandlerTestContext,
  withEnv,
} from './harness';
import { answer, httpError } from '../../src/local/fake-bedrock';

const ctx = useHandlerTestContext();

/** What an AWS exception might say: none of it may reach the caller. */
const AWS_TEXT = 'AWS-EXCEPTION-TEXT for arn:aws:bedrock:us-east-1:123456789012:foundation-model/x';

describe('errors when opening the stream keep their real HTTP status', () => {
  test.each([
    [403, 'AccessDeniedException', 502, 'upstream_error', 'upstream_misconfigured'],
    [404, 'ResourceNotFoundException', 502, 'upstream_error', 'upstream_misconfigured'],
    [400, 'ValidationException', 400, 'invalid_request_error', 'upstream_validation'],
    [503, 'ServiceUnavailableException', 503, 'upstream_error', 'upstream_unavailable'],
    [408, 'ModelTimeoutException', 504, 'timeout_error', 'upstream_timeout'],
    [424, 'ModelErrorException', 502, 'upstream_error', 'upstream_failed'],
    [500, 'InternalServerException', 502, 'upstream_error', 'upstream_failed'],
  ])('Bedrock %i %s -> %i %s/%s, with a fixed message', async (upstreamStatus, errorType, status, type, code) => {
    ctx.fake.setScript(() => httpError(upstreamStatus, errorType, AWS_TEXT));
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    expect(res.status).toBe(status);
    expect(JSON.parse(res.body).error).toMatchObject({ type, code, param: null });
    expectNoLeak(res.body + JSON.stringify(res.headers), 'AWS-EXCEPTION-TEXT');
  });

  test('throttling on every attempt: 429 with Retry-After, after a bounded number of attempts', async () => {
    ctx.fake.setScript(() => httpError(429, 'ThrottlingException', AWS_TEXT));
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    expect(res.status).toBe(429);
    expect(res.headers['Retry-After']).toMatch(/^\d+$/);
    expect(JSON.parse(res.body).error).toMatchObject({ type: 'rate_limit_error', code: 'upstream_throttled' });
    expect(ctx.fake.requests).toHaveLength(3);
    expectNoLeak(res.body, 'AWS-EXCEPTION-TEXT');
  });

  test('throttling that clears is retried before the first byte and the caller just gets the answer', async () => {
    ctx.fake.setScript((_req, attempt) => (attempt === 1 ? httpError(429, 'ThrottlingException') : answer(['fine'])));
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    expect(res.status).toBe(200);
    expect(parseSse(res.body)[0].data.text).toBe('fine');
    expect(ctx.fake.requests).toHaveLength(2);
  });

  test('a throttlingException as the first frame is retried too', async () => {
    ctx.fake.setScript((_req, attempt) =>
      attempt === 1 ? { frames: [{ exception: 'ThrottlingException', message: AWS_TEXT }] } : answer(['fine']),
    );
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    expect(res.status).toBe(200);
    expect(ctx.fake.requests).toHaveLength(2);
  });

  test('an unreachable Bedrock endpoint is 503', async () => {
    await withEnv({ AWS_ENDPOINT_URL_BEDROCK_RUNTIME: 'http://127.0.0.1:9' }, async () => {
      const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
      expect(res.status).toBe(503);
      expect(JSON.parse(res.body).error.code).toBe('upstream_unavailable');
    });
  });
});

describe('errors after output started end the stream in-band', () => {
  const failing = () =>
    answer(['first ', 'second ', 'never'], {
      failAfter: { deltas: 2, exception: 'ModelStreamErrorException', message: AWS_TEXT },
    });

  test('SSE: earlier deltas intact, then a terminal error event and no done', async () => {
    ctx.fake.setScript(failing);
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    expect(res.status).toBe(200);
    const events = parseSse(res.body);
    expect(events.map((e) => e.event)).toEqual(['delta', 'delta', 'error']);
    expect(events.slice(0, 2).map((e) => e.data.text)).toEqual(['first ', 'second ']);
    expect(events[2].data).toEqual({
      error: { type: 'upstream_error', code: 'upstream_failed', message: expect.any(String), param: null },
      requestId: expect.any(String),
    });
    expectNoLeak(res.body, 'AWS-EXCEPTION-TEXT');
  });

  test('NDJSON: a terminal error line', async () => {
    ctx.fake.setScript(failing);
    const res = await invokeStream(
      ctx.mod,
      apiEvent({ prompt: 'hi' }, { headers: { Accept: 'application/x-ndjson' } }),
    );
    const lines = parseNdjson(res.body);
    expect(lines.map((l) => l.type)).toEqual(['delta', 'delta', 'error']);
    expect(lines[2].error.code).toBe('upstream_failed');
  });

  test('text/plain: the text so far, then an error marker line', async () => {
    ctx.fake.setScript(failing);
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }, { headers: { Accept: 'text/plain' } }));
    expect(res.body).toMatch(/^first second \n\n\[error upstream_failed\] .+\n$/);
  });

  test('application/json: committed at the first content, so the error object replaces the answer', async () => {
    ctx.fake.setScript(failing);
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }, { headers: { Accept: 'application/json' } }));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).error.code).toBe('upstream_failed');
    expectNoLeak(res.body, 'AWS-EXCEPTION-TEXT');
  });

  test('throttling after output started is reported, never retried', async () => {
    ctx.fake.setScript(() => answer(['a', 'b'], { failAfter: { deltas: 1, exception: 'ThrottlingException' } }));
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    const events = parseSse(res.body);
    expect(events.map((e) => e.event)).toEqual(['delta', 'error']);
    expect(events[1].data.error.code).toBe('upstream_throttled');
    expect(ctx.fake.requests).toHaveLength(1);
  });

  test('the log line records the error as after output', async () => {
    ctx.fake.setScript(failing);
    await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    const [line] = ctx.logs();
    expect(line).toMatchObject({
      status: 200,
      outcome: 'upstream_failed',
      Errors: 1,
      error: { code: 'upstream_failed', afterOutput: true, cause: { name: 'ModelStreamErrorException' } },
    });
    expect(JSON.stringify(line)).not.toContain('AWS-EXCEPTION-TEXT');
  });
});

describe('the handler deadline', () => {
  test('mid-stream: aborts Bedrock, ends the stream with a timeout error before Lambda would kill it', async () => {
    ctx.fake.setScript(() =>
      answer(
        Array.from({ length: 30 }, (_, i) => `t${i} `),
        { delayMs: 100 },
      ),
    );
    const started = Date.now();
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'long' }), { remainingMs: 1500 });
    expect(Date.now() - started).toBeLessThan(1500);
    const events = parseSse(res.body);
    expect(events.length).toBeGreaterThan(3);
    expect(events.at(-1)).toMatchObject({
      event: 'error',
      data: { error: { type: 'timeout_error', code: 'timeout' } },
    });
    expect(events.filter((e) => e.event === 'done')).toHaveLength(0);
    await until(() => ctx.fake.cancelledStreams === 1);
  });

  test('before the first byte: 504', async () => {
    ctx.fake.setScript(() => ({ ...httpError(500, 'InternalServerException'), delayMs: 3000 }));
    const started = Date.now();
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }), { remainingMs: 1000 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res.status).toBe(504);
    expect(JSON.parse(res.body).error).toMatchObject({ type: 'timeout_error', code: 'timeout' });
  });
});

describe('client disconnect', () => {
  test('releases the Bedrock request and logs the disconnect', async () => {
    ctx.fake.setScript(() =>
      answer(
        Array.from({ length: 50 }, () => 'x'),
        { delayMs: 20 },
      ),
    );
    const stream = new RecordingStream();
    const done = ctx.mod.handler(apiEvent({ prompt: 'hi' }), stream, lambdaContext());
    await until(() => stream.writes.length >= 3);
    stream.destroy();
    await done;
    await until(() => ctx.fake.cancelledStreams === 1);
    expect(ctx.logs()[0]).toMatchObject({ outcome: 'client_disconnected', status: 499 });
  });
});

describe('unexpected failures', () => {
  test('a broken configuration is a 500 with a fixed message; the stack goes to the log only', async () => {
    const res = await withEnv({ SBA_MODEL_ID: undefined }, () => invokeStream(ctx.mod, apiEvent({ prompt: 'hi' })));
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body).error).toMatchObject({ type: 'api_error', code: 'internal_error' });
    expectNoLeak(res.body, 'SBA_MODEL_ID');
    expect(ctx.logs()[0].error.cause.stack).toContain('SBA_MODEL_ID is not set');
  });
});

describe('buffered endpoint', () => {
  const context = () => ({ awsRequestId: 'l-1', getRemainingTimeInMillis: () => 29_000 });

  test('answers with the whole text as JSON', async () => {
    ctx.fake.setScript(() =>
      answer(['Hello', ' there'], { stopReason: 'max_tokens', usage: { inputTokens: 3, outputTokens: 2 } }),
    );
    const res = await ctx.mod.bufferedHandler(apiEvent({ prompt: 'hi' }, { path: '/buffered' }), context());
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['Content-Type']).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual({
      text: 'Hello there',
      stopReason: 'max_tokens',
      usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 },
      modelId: MODEL,
      latencyMs: expect.any(Number),
    });
  });

  test('maps upstream throttling to 429 with Retry-After', async () => {
    ctx.fake.setScript(() => httpError(429, 'ThrottlingException', AWS_TEXT));
    const res = await ctx.mod.bufferedHandler(apiEvent({ prompt: 'hi' }), context());
    expect(res.statusCode).toBe(429);
    expect(res.headers?.['Retry-After']).toBeDefined();
    expectNoLeak(res.body, 'AWS-EXCEPTION-TEXT');
  });

  test('an in-stream failure is a real error status (nothing was sent yet)', async () => {
    ctx.fake.setScript(() => answer(['a', 'b'], { failAfter: { deltas: 1, exception: 'InternalServerException' } }));
    const res = await ctx.mod.bufferedHandler(apiEvent({ prompt: 'hi' }), context());
    expect(res.statusCode).toBe(502);
  });
});

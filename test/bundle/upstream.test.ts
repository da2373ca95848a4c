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

  test('application/json: nothing was sent before the failure, so it keeps its real status', async () => {
    ctx.fake.setScript(failing);
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }, { headers: { Accept: 'application/json' } }));
    expect(res.status).toBe(502);
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
      level: 'ERROR',
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
  // Deployed Lambda gives no disconnect signal (runtime client issue #145); this proves the abort path for runtimes
  // that do (the local runner), where the stream emits 'close'.
  test('when the response stream closes early, the Bedrock request is released and the disconnect logged', async () => {
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
      usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 },
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

/** A stream script: Bedrock's event frames, then optionally an in-stream exception. */
const frames = (...list: Array<[string, unknown] | { exception: string; message: string }>) => ({
  frames: list.map((f) => (Array.isArray(f) ? { event: f[0], payload: f[1] } : f)),
});
const messageStart: [string, unknown] = ['messageStart', { role: 'assistant' }];
const blockStart: [string, unknown] = ['contentBlockStart', { contentBlockIndex: 0, start: {} }];
const delta = (text: string): [string, unknown] => ['contentBlockDelta', { contentBlockIndex: 0, delta: { text } }];
const messageStop: [string, unknown] = ['messageStop', { stopReason: 'end_turn' }];

describe('ValidationExceptions about the configured model blame the operator, not the caller', () => {
  test.each([
    [
      'an on-demand model id that needs an inference profile',
      `Invocation of model ID ${MODEL} with on-demand throughput isn’t supported. Retry your request with the ID or ARN of an inference profile that contains this model.`,
    ],
    ['an invalid model id (or a profile of another geography)', 'The provided model identifier is invalid.'],
    ['a model without on-demand throughput', "The provided model doesn't support on-demand throughput."],
    [
      'a model the operation does not serve',
      "This action doesn't support the model that you provided. Try again with a supported text or chat model.",
    ],
  ])('%s: 502 upstream_misconfigured with a fixed message and an ERROR log line', async (_case, message) => {
    ctx.fake.setScript(() => httpError(400, 'ValidationException', message));
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body).error).toMatchObject({ type: 'upstream_error', code: 'upstream_misconfigured' });
    expect(res.body).not.toContain(message);
    const [line] = ctx.logs();
    expect(line).toMatchObject({ level: 'ERROR', outcome: 'upstream_misconfigured' });
    expect(line.error.cause).toEqual({
      name: 'ValidationException',
      httpStatusCode: 400,
      awsRequestId: expect.any(String),
    });
  });

  test('a ValidationException about the request stays 400 upstream_validation, logged at WARN', async () => {
    ctx.fake.setScript(() =>
      httpError(
        400,
        'ValidationException',
        'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.',
      ),
    );
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe('upstream_validation');
    expect(ctx.logs()[0]).toMatchObject({ level: 'WARN', outcome: 'upstream_validation' });
  });
});

describe("an in-stream exception outside ConverseStream's union", () => {
  beforeEach(() =>
    ctx.fake.setScript(() =>
      frames(messageStart, blockStart, delta('partial'), { exception: 'AccessDeniedException', message: AWS_TEXT }),
    ),
  );

  test('ends the stream with upstream_failed, not internal_error', async () => {
    const events = parseSse((await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }))).body);
    expect(events.map((e) => e.event)).toEqual(['delta', 'error']);
    expect(events[1].data.error).toMatchObject({ type: 'upstream_error', code: 'upstream_failed' });
    expectNoLeak(JSON.stringify(events), 'AWS-EXCEPTION-TEXT');
  });

  test('is logged at ERROR with only the exception name: no message, no stack', async () => {
    await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    const [line] = ctx.logs();
    expect(line).toMatchObject({ level: 'ERROR', status: 200, outcome: 'upstream_failed' });
    expect(line.error.cause).toEqual({ name: 'accessDeniedException' });
    expect(JSON.stringify(line)).not.toMatch(/AWS-EXCEPTION-TEXT|arn:aws|123456789012/);
  });
});

describe('log level follows the error code, not the status already sent', () => {
  test('throttling after output started is WARN', async () => {
    ctx.fake.setScript(() => answer(['a', 'b'], { failAfter: { deltas: 1, exception: 'ThrottlingException' } }));
    await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    expect(ctx.logs()[0]).toMatchObject({ level: 'WARN', status: 200, outcome: 'upstream_throttled' });
  });

  test('bad input is WARN and a success is INFO', async () => {
    ctx.fake.setScript(() => answer(['ok']));
    await invokeStream(ctx.mod, apiEvent({ nope: 1 }));
    await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    expect(ctx.logs().map((l) => [l.level, l.outcome])).toEqual([
      ['WARN', 'unknown_field'],
      ['INFO', 'ok'],
    ]);
  });
});

describe('a Bedrock stream that ends without messageStop and metadata is a failure', () => {
  test('SSE: the text so far, then an upstream_incomplete error event and no done', async () => {
    ctx.fake.setScript(() => frames(messageStart, blockStart, delta('cut '), delta('off')));
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    const events = parseSse(res.body);
    expect(events.map((e) => e.event)).toEqual(['delta', 'delta', 'error']);
    expect(events[2].data.error).toMatchObject({ type: 'upstream_error', code: 'upstream_incomplete' });
    expect(ctx.logs()[0]).toMatchObject({ level: 'ERROR', outcome: 'upstream_incomplete', Errors: 1 });
  });

  test('messageStop without the metadata event is incomplete too', async () => {
    ctx.fake.setScript(() => frames(messageStart, blockStart, delta('x'), messageStop));
    const events = parseSse((await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }))).body);
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { error: { code: 'upstream_incomplete' } } });
  });

  test('application/json before any content: 502', async () => {
    ctx.fake.setScript(() => frames(messageStart));
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }, { headers: { Accept: 'application/json' } }));
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body).error.code).toBe('upstream_incomplete');
  });

  test('buffered endpoint: 502', async () => {
    ctx.fake.setScript(() => frames(messageStart, blockStart, delta('cut')));
    const res = await ctx.mod.bufferedHandler(apiEvent({ prompt: 'hi' }, { path: '/buffered' }), lambdaContext());
    expect(res.statusCode).toBe(502);
    expect(JSON.parse(res.body).error.code).toBe('upstream_incomplete');
  });
});

describe('an error before the first byte keeps its real status (the 200 waits for the first byte to send)', () => {
  test('throttlingException: 429 with Retry-After', async () => {
    ctx.fake.setScript(() => frames(messageStart, { exception: 'ThrottlingException', message: AWS_TEXT }));
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    expect(res.status).toBe(429);
    expect(res.headers['Retry-After']).toMatch(/^\d+$/);
    expect(JSON.parse(res.body).error.code).toBe('upstream_throttled');
  });

  test('serviceUnavailableException: 503', async () => {
    ctx.fake.setScript(() => frames(messageStart, { exception: 'ServiceUnavailableException', message: AWS_TEXT }));
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error.code).toBe('upstream_unavailable');
    expectNoLeak(res.body, 'AWS-EXCEPTION-TEXT');
  });

  test('throttling right after an empty contentBlockStart: 429 with Retry-After, logged before output', async () => {
    ctx.fake.setScript(() => frames(messageStart, blockStart, { exception: 'ThrottlingException', message: AWS_TEXT }));
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    expect(res.status).toBe(429);
    expect(res.headers['Retry-After']).toMatch(/^\d+$/);
    expect(JSON.parse(res.body).error.code).toBe('upstream_throttled');
    expect(ctx.logs()[0]).toMatchObject({ status: 429, deltas: 0, error: { afterOutput: false } });
  });

  test.each([
    [
      'the AI SDK stream',
      '/chat',
      {
        id: 'c1',
        trigger: 'submit-message',
        messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }],
      },
    ],
    [
      'OpenAI chunks',
      '/v1/chat/completions',
      { model: MODEL, stream: true, messages: [{ role: 'user', content: 'hi' }] },
    ],
  ])('%s: throttling after an empty block start is 429 too', async (_name, path, body) => {
    ctx.fake.setScript(() => frames(messageStart, blockStart, { exception: 'ThrottlingException', message: AWS_TEXT }));
    const res = await invokeStream(ctx.mod, apiEvent(body, { path }));
    expect(res.status).toBe(429);
    expect(JSON.parse(res.body).error.code).toBe('upstream_throttled');
  });

  test('application/json: a stream cut off after its first text is 502 upstream_incomplete', async () => {
    ctx.fake.setScript(() => frames(messageStart, blockStart, delta('cut '), delta('off')));
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }, { headers: { Accept: 'application/json' } }));
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body).error.code).toBe('upstream_incomplete');
  });

  test('the prelude goes out with the first content block, not with messageStart', async () => {
    const later = (frame: [string, unknown]) => ({ delayMs: 150, event: frame[0], payload: frame[1] });
    const metadata = { usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 }, metrics: { latencyMs: 1 } };
    ctx.fake.setScript(() => {
      const { frames: rest } = frames(delta('hi'), messageStop, ['metadata', metadata]);
      return { frames: [{ event: 'messageStart', payload: { role: 'assistant' } }, later(blockStart), ...rest] };
    });
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    expect(res.status).toBe(200);
    expect(res.preludeAt).toBeGreaterThanOrEqual(100);
  });
});

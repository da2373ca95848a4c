import {
  MODEL,
  RecordingStream,
  SYSTEM_PROMPT,
  apiEvent,
  expectNoLeak,
  invokeStream,
  parseSse,
  parseNdjson,
  useHandlerTestContext,
  withEnv,
} from './harness';
import { answer } from '../../src/local/fake-bedrock';

const ctx = useHandlerTestContext();

describe('response formats', () => {
  beforeEach(() =>
    ctx.fake.setScript(() => answer(['Hello', ', ', 'world'], { usage: { inputTokens: 7, outputTokens: 3 } })),
  );

  test('SSE by default: one delta event per chunk, then done with stop reason, usage and latency', async () => {
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'Say hello' }));
    expect(res.status).toBe(200);
    expect(res.headers['Content-Type']).toBe('text/event-stream; charset=utf-8');
    expect(res.headers['Cache-Control']).toBe('no-cache, no-transform');
    const events = parseSse(res.body);
    expect(events.map((e) => e.event)).toEqual(['delta', 'delta', 'delta', 'done']);
    expect(events.slice(0, 3).map((e) => e.data.text)).toEqual(['Hello', ', ', 'world']);
    expect(events[3].data).toEqual({
      stopReason: 'end_turn',
      usage: { inputTokens: 7, outputTokens: 3, totalTokens: 10, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 },
      latencyMs: expect.any(Number),
    });
  });

  test('NDJSON: one JSON object per line, delta lines then a done line', async () => {
    const res = await invokeStream(
      ctx.mod,
      apiEvent({ prompt: 'Say hello' }, { headers: { Accept: 'application/x-ndjson' } }),
    );
    expect(res.headers['Content-Type']).toBe('application/x-ndjson; charset=utf-8');
    const lines = parseNdjson(res.body);
    expect(lines).toEqual([
      { type: 'delta', text: 'Hello' },
      { type: 'delta', text: ', ' },
      { type: 'delta', text: 'world' },
      {
        type: 'done',
        stopReason: 'end_turn',
        usage: { inputTokens: 7, outputTokens: 3, totalTokens: 10, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 },
        latencyMs: expect.any(Number),
      },
    ]);
  });

  test('text/plain: the raw text only', async () => {
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'Say hello' }, { headers: { accept: 'text/plain' } }));
    expect(res.headers['Content-Type']).toBe('text/plain; charset=utf-8');
    expect(res.body).toBe('Hello, world');
  });

  test('application/json: the whole answer as one object at the end', async () => {
    const res = await invokeStream(
      ctx.mod,
      apiEvent({ prompt: 'Say hello' }, { headers: { Accept: 'application/json' } }),
    );
    expect(res.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual({
      text: 'Hello, world',
      stopReason: 'end_turn',
      usage: { inputTokens: 7, outputTokens: 3, totalTokens: 10, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 },
      modelId: MODEL,
      latencyMs: expect.any(Number),
    });
  });

  test.each([
    ['text/plain;q=0.5, application/x-ndjson', 'application/x-ndjson; charset=utf-8'],
    ['application/json;q=0.1, text/event-stream;q=0.9', 'text/event-stream; charset=utf-8'],
    ['*/*', 'text/event-stream; charset=utf-8'],
    ['image/png', 'text/event-stream; charset=utf-8'],
  ])('Accept %s selects %s', async (accept, contentType) => {
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }, { headers: { Accept: accept } }));
    expect(res.headers['Content-Type']).toBe(contentType);
  });
});

describe('progressive delivery', () => {
  test('each delta reaches the response stream as the model sends it, not at the end', async () => {
    const gapMs = 80;
    ctx.fake.setScript(() => answer(['one', 'two', 'three', 'four', 'five'], { delayMs: gapMs }));
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'count' }));
    const deltaChunks = res.chunks.filter((c) => c.text.startsWith('event: delta'));
    expect(deltaChunks).toHaveLength(5);
    // The model sends the last delta 4 gaps after the first: the first must have been written long before that.
    const spread = deltaChunks[4].at - deltaChunks[0].at;
    expect(spread).toBeGreaterThanOrEqual(4 * gapMs * 0.8);
    // And the status line went out before the first delta.
    expect(res.preludeAt).toBeLessThanOrEqual(deltaChunks[0].at);
  });
});

describe('what Bedrock receives', () => {
  beforeEach(() => ctx.fake.setScript(() => answer(['ok'])));

  test('the configured model, the system prompt from the configuration and the capped maxTokens', async () => {
    await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    expect(ctx.fake.requests).toHaveLength(1);
    const request = ctx.fake.requests[0];
    expect(request.modelId).toBe(MODEL);
    expect(request.body).toEqual({
      messages: [{ role: 'user', content: [{ text: 'hi' }] }],
      system: [{ text: SYSTEM_PROMPT }],
      inferenceConfig: { maxTokens: 1024 },
    });
  });

  test('over kept-alive HTTP/1.1 connections, reused across requests', async () => {
    await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
    const before = ctx.fake.connections;
    await invokeStream(ctx.mod, apiEvent({ prompt: 'again' }));
    await invokeStream(ctx.mod, apiEvent({ prompt: 'and again' }));
    expect(ctx.fake.requests.map((r) => r.httpVersion)).toEqual(['1.1', '1.1', '1.1']);
    expect(ctx.fake.connections).toBe(before);
  });

  test('messages and inference parameters from the request', async () => {
    await invokeStream(
      ctx.mod,
      apiEvent({
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: [{ text: 'Hello!' }] },
          { role: 'user', content: [{ text: 'Tell me' }, { text: 'more' }] },
        ],
        maxTokens: 50,
        temperature: 0.3,
        topP: 0.9,
        stopSequences: ['END'],
      }),
    );
    expect(ctx.fake.requests[0].body).toMatchObject({
      messages: [
        { role: 'user', content: [{ text: 'Hi' }] },
        { role: 'assistant', content: [{ text: 'Hello!' }] },
        { role: 'user', content: [{ text: 'Tell me' }, { text: 'more' }] },
      ],
      inferenceConfig: { maxTokens: 50, temperature: 0.3, topP: 0.9, stopSequences: ['END'] },
    });
  });

  test('a model from allowedModelIds when the request names one', async () => {
    await withEnv({ SBA_ALLOWED_MODEL_IDS: JSON.stringify([MODEL, 'amazon.nova-lite-v1:0']) }, async () => {
      await invokeStream(ctx.mod, apiEvent({ prompt: 'hi', modelId: 'amazon.nova-lite-v1:0' }));
      expect(ctx.fake.requests[0].modelId).toBe('amazon.nova-lite-v1:0');
    });
  });

  const JSON_ACCEPT = { Accept: 'application/json' };

  test('a route the function does not serve gets 404 not_found in the API error shape, and Bedrock is not called', async () => {
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }, { path: '/elsewhere' }));
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'not_found' }, requestId: expect.any(String) });
    expect(ctx.fake.requests).toHaveLength(0);
  });

  test('an application inference profile ARN, as the model and from allowedModelIds, reaches Bedrock whole', async () => {
    const profile = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123xyz';
    await withEnv({ SBA_MODEL_ID: profile, SBA_ALLOWED_MODEL_IDS: JSON.stringify([profile, MODEL]) }, async () => {
      await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
      const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi', modelId: profile }, { headers: JSON_ACCEPT }));
      // The answer names the profile without the account id.
      expect(JSON.parse(res.body).modelId).toBe('application-inference-profile/abc123xyz');
      expectNoLeak(res.body);
    });
    expect(ctx.fake.requests.map((r) => r.modelId)).toEqual([profile, profile]);
  });

  test('the guardrail and default temperature from the configuration', async () => {
    await withEnv(
      {
        SBA_GUARDRAIL_ID: 'gr-1',
        SBA_GUARDRAIL_VERSION: '3',
        SBA_GUARDRAIL_STREAM_MODE: 'async',
        SBA_TEMPERATURE: '0.4',
      },
      async () => {
        await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
        expect(ctx.fake.requests[0].body).toMatchObject({
          guardrailConfig: {
            guardrailIdentifier: 'gr-1',
            guardrailVersion: '3',
            streamProcessingMode: 'async',
            trace: 'disabled',
          },
          inferenceConfig: { maxTokens: 1024, temperature: 0.4 },
        });
      },
    );
  });

  test('a base64-encoded body (as API Gateway sends binary payloads)', async () => {
    const body = Buffer.from(JSON.stringify({ prompt: 'héllo' })).toString('base64');
    const res = await invokeStream(ctx.mod, apiEvent(undefined, { rawBody: body, isBase64Encoded: true }));
    expect(res.status).toBe(200);
    expect(ctx.fake.requests[0].body.messages[0].content[0].text).toBe('héllo');
  });
});

describe('stop reasons', () => {
  test.each(['max_tokens', 'guardrail_intervened', 'stop_sequence'])('%s is reported in done', async (stopReason) => {
    ctx.fake.setScript(() => answer(['partial'], { stopReason }));
    const events = parseSse((await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }))).body);
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { stopReason } });
  });
});

describe('output safety', () => {
  const hostile = [
    'line1\n\nevent: done\ndata: {"stopReason":"forged"}\n\n',
    'data: x\r\n',
    'nul\u0000byte',
    '\n',
    '{"type":"done"}\n',
  ];

  test('model text cannot forge or split an SSE event', async () => {
    ctx.fake.setScript(() => answer(hostile));
    const events = parseSse((await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }))).body);
    expect(events.map((e) => e.event)).toEqual(['delta', 'delta', 'delta', 'delta', 'delta', 'done']);
    expect(events.slice(0, 5).map((e) => e.data.text)).toEqual(hostile);
    expect(events[5].data.stopReason).toBe('end_turn');
  });

  test('model text cannot forge or split an NDJSON line', async () => {
    ctx.fake.setScript(() => answer(hostile));
    const res = await invokeStream(
      ctx.mod,
      apiEvent({ prompt: 'hi' }, { headers: { Accept: 'application/x-ndjson' } }),
    );
    const lines = parseNdjson(res.body);
    expect(lines.map((l) => l.type)).toEqual(['delta', 'delta', 'delta', 'delta', 'delta', 'done']);
    expect(lines.slice(0, 5).map((l) => l.text)).toEqual(hostile);
  });
});

describe('headers', () => {
  beforeEach(() => ctx.fake.setScript(() => answer(['ok'])));

  test('an allowed Origin gets the allow-origin header, with Vary: Origin', async () => {
    await withEnv({ SBA_CORS_ALLOW_ORIGINS: JSON.stringify(['https://app.example.com']) }, async () => {
      const res = await invokeStream(
        ctx.mod,
        apiEvent({ prompt: 'hi' }, { headers: { Origin: 'https://app.example.com' } }),
      );
      expect(res.headers['Access-Control-Allow-Origin']).toBe('https://app.example.com');
      expect(res.headers.Vary).toBe('Origin');
    });
  });

  test('an Origin not in the allow list gets no allow-origin header', async () => {
    await withEnv({ SBA_CORS_ALLOW_ORIGINS: JSON.stringify(['https://app.example.com']) }, async () => {
      const res = await invokeStream(
        ctx.mod,
        apiEvent({ prompt: 'hi' }, { headers: { Origin: 'https://evil.example' } }),
      );
      expect(res.headers['Access-Control-Allow-Origin']).toBeUndefined();
      expect(JSON.stringify(res.headers)).not.toContain('evil');
    });
  });

  test('without CORS configured, no allow-origin header at all', async () => {
    const res = await invokeStream(
      ctx.mod,
      apiEvent({ prompt: 'hi' }, { headers: { Origin: 'https://app.example.com' } }),
    );
    expect(res.headers['Access-Control-Allow-Origin']).toBeUndefined();
  });

  test('request headers are never reflected', async () => {
    const res = await invokeStream(
      ctx.mod,
      apiEvent({ prompt: 'hi' }, { headers: { 'X-Injected': 'REFLECTED-MARKER', Cookie: 'session=REFLECTED-MARKER' } }),
    );
    expect(JSON.stringify(res.headers)).not.toContain('REFLECTED-MARKER');
    expect(res.body).not.toContain('REFLECTED-MARKER');
  });

  test('the response names the request id', async () => {
    const event = apiEvent({ prompt: 'hi' });
    const res = await invokeStream(ctx.mod, event);
    expect(res.headers['X-Request-Id']).toBe(event.requestContext.requestId);
  });
});

describe('the request log line', () => {
  test('is written once after the stream ended, with timings, tokens and EMF metrics, and no prompt text', async () => {
    ctx.fake.setScript(() =>
      answer(['SECRET-ANSWER'], { firstDelayMs: 30, usage: { inputTokens: 11, outputTokens: 4 } }),
    );
    const stream = new RecordingStream();
    let endedBeforeLog = false;
    stream.on('finish', () => {
      endedBeforeLog = ctx.logs().length === 0;
    });
    const event = apiEvent({ prompt: 'SECRET-PROMPT' });
    await invokeStream(ctx.mod, event, { stream });
    expect(endedBeforeLog).toBe(true);
    const lines = ctx.logs();
    expect(lines).toHaveLength(1);
    const line = lines[0];
    expect(line).toMatchObject({
      requestId: event.requestContext.requestId,
      modelId: MODEL,
      status: 200,
      outcome: 'ok',
      stopReason: 'end_turn',
      usage: { inputTokens: 11, outputTokens: 4, totalTokens: 15 },
      endpoint: 'stream',
      format: 'sse',
    });
    expect(line.timeToFirstTokenMs).toBeGreaterThanOrEqual(25);
    expect(line.durationMs).toBeGreaterThanOrEqual(line.timeToFirstTokenMs);
    expect(line._aws.CloudWatchMetrics[0]).toEqual({
      Namespace: 'StreamingBedrockApi',
      Dimensions: [[], ['ModelId'], ['ModelId', 'Outcome']],
      Metrics: [
        { Name: 'Requests', Unit: 'Count' },
        { Name: 'Errors', Unit: 'Count' },
        { Name: 'InputTokens', Unit: 'Count' },
        { Name: 'OutputTokens', Unit: 'Count' },
        { Name: 'CacheReadInputTokens', Unit: 'Count' },
        { Name: 'CacheWriteInputTokens', Unit: 'Count' },
        { Name: 'TimeToFirstToken', Unit: 'Milliseconds' },
        { Name: 'Duration', Unit: 'Milliseconds' },
      ],
    });
    expect(line).toMatchObject({
      Requests: 1,
      Errors: 0,
      InputTokens: 11,
      OutputTokens: 4,
      ModelId: MODEL,
      Outcome: 'ok',
    });
    expect(JSON.stringify(line)).not.toContain('SECRET-PROMPT');
    expect(JSON.stringify(line)).not.toContain('SECRET-ANSWER');
  });

  test('includes the prompt and the answer only when logContent is on', async () => {
    ctx.fake.setScript(() => answer(['The ', 'answer']));
    await withEnv({ SBA_LOG_CONTENT: 'true', SBA_METRICS_NAMESPACE: 'MyApp' }, () =>
      invokeStream(ctx.mod, apiEvent({ prompt: 'the prompt' })),
    );
    const [line] = ctx.logs();
    expect(line).toMatchObject({
      prompt: [{ role: 'user', content: [{ text: 'the prompt' }] }],
      answer: 'The answer',
    });
    expect(line._aws.CloudWatchMetrics[0].Namespace).toBe('MyApp');
  });
});

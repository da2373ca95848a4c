/**
 * Everything the model produces reaches the caller, in every format: reasoning (text, signature, redacted), tool
 * calls assembled from their input pieces, text, stop reason and full usage. Through the bundled handler and the
 * real SDK reading the fake Bedrock's event stream.
 */
import {
  apiEvent,
  expectNoLeak,
  invokeStream,
  lambdaContext,
  parseNdjson,
  parseSse,
  useHandlerTestContext,
  withEnv,
} from './harness';
import { blockFrames, type FakeBlock } from '../support/fake-bedrock';

const ctx = useHandlerTestContext();

const WEATHER = {
  name: 'get_weather',
  description: 'Current weather of a city',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const REDACTED = Buffer.from('encrypted reasoning \u0000\u00ff').toString('base64');

/** A Claude-like tool-use turn: reasoning with its signature, redacted reasoning, a sentence, then the tool call. */
const TOOL_TURN: FakeBlock[] = [
  { reasoning: ['The user wants ', 'the weather.'], signature: 'sig-abc' },
  { redactedReasoning: REDACTED },
  { text: ['Let me ', 'check.'] },
  { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', inputChunks: ['{"ci', 'ty": "Par', 'is"}'] } },
];
const USAGE = { inputTokens: 30, outputTokens: 12, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 };

function answerWith(blocks: FakeBlock[], usage: Record<string, number> = USAGE): void {
  ctx.fake.setScript(() => ({ frames: [...blockFrames(blocks, { usage: usage as typeof USAGE })] }));
}

const ask = (accept?: string) =>
  invokeStream(
    ctx.mod,
    apiEvent({ prompt: 'Weather in Paris?', tools: [WEATHER] }, { headers: accept ? { Accept: accept } : {} }),
  );

describe('a tool-use turn with reasoning, in every format', () => {
  beforeEach(() => answerWith(TOOL_TURN));

  test('SSE: reasoning, signature, redacted reasoning, text, one tool_use with parsed input, done', async () => {
    const res = await ask();
    expect(res.status).toBe(200);
    expect(parseSse(res.body)).toEqual([
      { event: 'reasoning', data: { text: 'The user wants ' } },
      { event: 'reasoning', data: { text: 'the weather.' } },
      { event: 'reasoning', data: { signature: 'sig-abc' } },
      { event: 'reasoning', data: { redactedContent: REDACTED } },
      { event: 'delta', data: { text: 'Let me ' } },
      { event: 'delta', data: { text: 'check.' } },
      { event: 'tool_use', data: { toolUseId: 'tooluse_1', name: 'get_weather', input: { city: 'Paris' } } },
      {
        event: 'done',
        data: {
          stopReason: 'tool_use',
          usage: { ...USAGE, totalTokens: 42 },
          latencyMs: expect.any(Number),
        },
      },
    ]);
  });

  test('NDJSON: the same events as lines of their own types', async () => {
    const res = await ask('application/x-ndjson');
    expect(parseNdjson(res.body).map((line) => line.type)).toEqual([
      'reasoning',
      'reasoning',
      'reasoning',
      'reasoning',
      'delta',
      'delta',
      'tool_use',
      'done',
    ]);
    expect(parseNdjson(res.body)[6]).toEqual({
      type: 'tool_use',
      toolUseId: 'tooluse_1',
      name: 'get_weather',
      input: { city: 'Paris' },
    });
  });

  test('text/plain: the text only', async () => {
    const res = await ask('text/plain');
    expect(res.body).toBe('Let me check.');
  });

  test.each([
    ['the streaming endpoint with Accept: application/json', () => ask('application/json')],
    [
      'the buffered endpoint',
      async () => {
        const out = await ctx.mod.bufferedHandler(
          apiEvent({ prompt: 'Weather in Paris?', tools: [WEATHER] }, { path: '/buffered' }),
          lambdaContext(),
        );
        return { status: out.statusCode, body: out.body };
      },
    ],
  ])('JSON on %s: reasoning blocks and tool calls in the shapes a client sends back', async (_name, call) => {
    const res = await call();
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      text: 'Let me check.',
      reasoning: [
        { reasoningText: { text: 'The user wants the weather.', signature: 'sig-abc' } },
        { redactedContent: REDACTED },
      ],
      toolUses: [{ toolUseId: 'tooluse_1', name: 'get_weather', input: { city: 'Paris' } }],
      stopReason: 'tool_use',
      usage: { ...USAGE, totalTokens: 42 },
      modelId: expect.any(String),
      latencyMs: expect.any(Number),
    });
  });

  test('the log line counts the tool call and times the first token from the first reasoning', async () => {
    await ask();
    const [record] = ctx.logs();
    expect(record).toMatchObject({ outcome: 'ok', stopReason: 'tool_use', toolCalls: 1, deltas: 7 });
    expect(record.timeToFirstTokenMs).toEqual(expect.any(Number));
  });
});

test('a call -> result -> answer conversation: the result reaches Bedrock with the turn it answers', async () => {
  answerWith(TOOL_TURN);
  const first = await ask('application/json');
  const turn = JSON.parse(first.body);

  answerWith([{ text: ['It is 21 °C in Paris.'] }]);
  const assistant = [
    ...turn.reasoning.map((block: unknown) => ({ reasoningContent: block })),
    { text: turn.text },
    ...turn.toolUses.map((toolUse: unknown) => ({ toolUse })),
  ];
  const toolResult = { toolUseId: 'tooluse_1', content: [{ json: { celsius: 21 } }], status: 'success' };
  const messages = [
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: assistant },
    { role: 'user', content: [{ toolResult }] },
  ];
  const second = await invokeStream(ctx.mod, apiEvent({ messages, tools: [WEATHER] }));

  expect(parseSse(second.body).map((e) => e.event)).toEqual(['delta', 'done']);
  expect(parseSse(second.body)[1].data.stopReason).toBe('end_turn');
  const sent = ctx.fake.requests[1].body;
  expect(sent.messages).toEqual([
    { role: 'user', content: [{ text: 'Weather in Paris?' }] },
    {
      role: 'assistant',
      content: [
        { reasoningContent: { reasoningText: { text: 'The user wants the weather.', signature: 'sig-abc' } } },
        { reasoningContent: { redactedContent: REDACTED } },
        { text: 'Let me check.' },
        { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', input: { city: 'Paris' } } },
      ],
    },
    { role: 'user', content: [{ toolResult }] },
  ]);
  expect(sent.toolConfig.tools[0].toolSpec.name).toBe('get_weather');
});

describe('a tool call whose input is broken', () => {
  const broken: FakeBlock[] = [
    { text: ['Calling.'] },
    { toolUse: { toolUseId: 'tooluse_9', name: 'get_weather', inputChunks: ['{"city": "Par'] } },
  ];

  test('streaming: the earlier output stays, then a terminal tool_input_invalid error', async () => {
    answerWith(broken);
    const res = await ask();
    const events = parseSse(res.body);
    expect(events[0]).toEqual({ event: 'delta', data: { text: 'Calling.' } });
    expect(events[1]).toMatchObject({ event: 'error', data: { error: { code: 'tool_input_invalid' } } });
    expect(events).toHaveLength(2);
    expectNoLeak(res.body, '"city": "Par');
    expect(ctx.logs()[0]).toMatchObject({ outcome: 'tool_input_invalid', error: { afterOutput: true } });
  });

  test('buffered: 502 with the error body', async () => {
    answerWith(broken);
    const res = await ctx.mod.bufferedHandler(
      apiEvent({ prompt: 'hi', tools: [WEATHER] }, { path: '/buffered' }),
      lambdaContext(),
    );
    expect(res.statusCode).toBe(502);
    expect(JSON.parse(res.body).error).toMatchObject({ type: 'upstream_error', code: 'tool_input_invalid' });
  });
});

test('cache tokens reach done, the log line and the EMF metrics', async () => {
  const usage = { inputTokens: 5, outputTokens: 2, cacheReadInputTokens: 1800, cacheWriteInputTokens: 0 };
  answerWith([{ text: ['ok'] }], usage);
  const res = await ask();
  const done = parseSse(res.body).at(-1)!;
  expect(done.data.usage).toEqual({ ...usage, totalTokens: 7 });
  const [record] = ctx.logs();
  expect(record.usage).toEqual({ ...usage, totalTokens: 7 });
  expect(record).toMatchObject({ CacheReadInputTokens: 1800, CacheWriteInputTokens: 0 });
  const names = record._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name);
  expect(names).toEqual(expect.arrayContaining(['CacheReadInputTokens', 'CacheWriteInputTokens']));
});

test('a guardrail intervention after reasoning is reported as today: stopReason guardrail_intervened', async () => {
  ctx.fake.setScript(() => ({
    frames: [
      ...blockFrames([{ reasoning: ['thinking'] }, { text: ['Sorry, I cannot help with that.'] }], {
        stopReason: 'guardrail_intervened',
      }),
    ],
  }));
  const res = await withEnv({ SBA_GUARDRAIL_ID: 'gr-1', SBA_GUARDRAIL_VERSION: '1' }, () => ask());
  const events = parseSse(res.body);
  expect(events.map((e) => e.event)).toEqual(['reasoning', 'delta', 'done']);
  expect(events[2].data.stopReason).toBe('guardrail_intervened');
  expect(ctx.fake.requests[0].body.guardrailConfig).toMatchObject({ guardrailIdentifier: 'gr-1' });
});

test('with logContent on, attachments are logged as their size, never their bytes', async () => {
  answerWith([{ text: ['A cat.'] }]);
  const image = Buffer.alloc(3000, 7);
  image.write('\x89PNG', 'latin1');
  const body = {
    messages: [
      {
        role: 'user',
        content: [{ text: 'What is this?' }, { image: { format: 'png', source: { bytes: image.toString('base64') } } }],
      },
    ],
  };
  await withEnv({ SBA_LOG_CONTENT: 'true', SBA_MAX_REQUEST_BYTES: String(64 * 1024) }, () =>
    invokeStream(ctx.mod, apiEvent(body)),
  );
  const [record] = ctx.logs();
  expect(record.prompt[0].content[1]).toEqual({ image: { format: 'png', source: { bytes: { byteLength: 3000 } } } });
  expect(record.answer).toBe('A cat.');
});

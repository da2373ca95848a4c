/**
 * OpenAI Chat Completions through the bundled handler: the exact Converse request Bedrock receives, every chunk
 * kind, the non-streaming completion, errors before and after output, and the model list. The real AWS SDK reads
 * the fake Bedrock's event stream.
 */
import { apiEvent, expectNoLeak, invokeStream, MODEL, SYSTEM_PROMPT, useHandlerTestContext, withEnv } from './harness';
import { answer, blockFrames, httpError, type FakeBlock } from '../support/fake-bedrock';

const ctx = useHandlerTestContext();

const PATH = '/v1/chat/completions';
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const WEATHER = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const USAGE = { inputTokens: 30, outputTokens: 12, cacheReadInputTokens: 8, cacheWriteInputTokens: 2 };

const complete = (body: object) => invokeStream(ctx.mod, apiEvent({ model: MODEL, ...body }, { path: PATH }));

/** The `data:` payloads of an OpenAI stream (no `event:` lines allowed), `[DONE]` as is. */
function dataChunks(body: string): any[] {
  return body
    .split('\n\n')
    .filter((block) => block !== '' && !block.startsWith(':'))
    .map((block) => {
      expect(block).toMatch(/^data: [^\n]*$/);
      const data = block.slice('data: '.length);
      return data === '[DONE]' ? data : JSON.parse(data);
    });
}

async function converseBody(body: object, env: Record<string, string> = {}) {
  const res = await withEnv(env, () => complete(body));
  expect(res.status).toBe(200);
  return ctx.fake.requests[0].body;
}

describe('the Converse request Bedrock receives', () => {
  test('an image as a data: URL, with the parameters mapped', async () => {
    const body = await converseBody({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG.toString('base64')}` } },
          ],
        },
      ],
      max_completion_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      stop: 'END',
      user: 'someone',
    });
    expect(body).toEqual({
      messages: [
        {
          role: 'user',
          content: [{ text: 'What is this?' }, { image: { format: 'png', source: { bytes: PNG.toString('base64') } } }],
        },
      ],
      system: [{ text: SYSTEM_PROMPT }],
      inferenceConfig: { maxTokens: 100, temperature: 0.2, topP: 0.9, stopSequences: ['END'] },
    });
  });

  test('a tool round trip: tools, the assistant tool call and the tool result as Converse blocks', async () => {
    const body = await converseBody({
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: 'Let me check.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny, 21 C' },
      ],
      tools: [WEATHER],
      tool_choice: 'required',
    });
    expect(body.messages).toEqual([
      { role: 'user', content: [{ text: 'Weather in Paris?' }] },
      {
        role: 'assistant',
        content: [
          { text: 'Let me check.' },
          { toolUse: { toolUseId: 'call_1', name: 'get_weather', input: { city: 'Paris' } } },
        ],
      },
      { role: 'user', content: [{ toolResult: { toolUseId: 'call_1', content: [{ text: 'sunny, 21 C' }] } }] },
    ]);
    expect(body.toolConfig).toEqual({
      tools: [
        {
          toolSpec: {
            name: 'get_weather',
            description: 'Current weather of a city',
            inputSchema: { json: WEATHER.function.parameters },
          },
        },
      ],
      toolChoice: { any: {} },
    });
  });

  test("caller system messages, where allowed, follow the operator's prompt", async () => {
    const body = await converseBody(
      {
        messages: [
          { role: 'system', content: 'Answer in French.' },
          { role: 'user', content: 'hi' },
          { role: 'developer', content: 'Be brief.' },
        ],
      },
      { SBA_CALLER_SYSTEM_MESSAGES: 'true' },
    );
    expect(body.system).toEqual([{ text: SYSTEM_PROMPT }, { text: 'Answer in French.' }, { text: 'Be brief.' }]);
    expect(body.messages).toEqual([{ role: 'user', content: [{ text: 'hi' }] }]);
  });
});

describe('streaming', () => {
  const TURN: FakeBlock[] = [
    { reasoning: ['Think ', 'hard.'], signature: 'sig-abc' },
    { text: ['Hello ', 'world'] },
    { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', inputChunks: ['{"ci', 'ty": "Paris"}'] } },
  ];

  test('every chunk kind in order, then the usage chunk and [DONE]; the id and model on every chunk', async () => {
    ctx.fake.setScript(() => ({ frames: [...blockFrames(TURN, { usage: USAGE })] }));
    const res = await complete({
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: [WEATHER],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.status).toBe(200);
    expect(res.headers['Content-Type']).toBe('text/event-stream; charset=utf-8');
    const chunks = dataChunks(res.body);
    const id = `chatcmpl-${res.headers['X-Request-Id']}`;
    for (const chunk of chunks.slice(0, -1)) {
      expect(chunk).toMatchObject({ id, object: 'chat.completion.chunk', model: MODEL, created: expect.any(Number) });
    }
    expect(chunks.map((chunk) => (chunk === '[DONE]' ? chunk : (chunk.choices[0] ?? chunk.usage)))).toEqual([
      { index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null },
      { index: 0, delta: { reasoning_content: 'Think ' }, finish_reason: null, logprobs: null },
      { index: 0, delta: { reasoning_content: 'hard.' }, finish_reason: null, logprobs: null },
      { index: 0, delta: { content: 'Hello ' }, finish_reason: null, logprobs: null },
      { index: 0, delta: { content: 'world' }, finish_reason: null, logprobs: null },
      {
        index: 0,
        delta: {
          tool_calls: [
            {
              index: 0,
              id: 'tooluse_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
        finish_reason: null,
        logprobs: null,
      },
      { index: 0, delta: {}, finish_reason: 'tool_calls', logprobs: null },
      { prompt_tokens: 40, completion_tokens: 12, total_tokens: 52, prompt_tokens_details: { cached_tokens: 8 } },
      '[DONE]',
    ]);
    expect(chunks[chunks.length - 2].choices).toEqual([]);
    expect(res.body).not.toContain('sig-abc');
    expect(ctx.logs()[0]).toMatchObject({ protocol: 'openai', format: 'openai-sse', status: 200 });
  });

  test('without include_usage there is no usage chunk', async () => {
    ctx.fake.setScript(() => answer(['Hello', ' world']));
    const res = await complete({ messages: [{ role: 'user', content: 'hi' }], stream: true });
    const chunks = dataChunks(res.body);
    expect(chunks.map((chunk) => chunk.choices?.[0]?.delta ?? chunk)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Hello' },
      { content: ' world' },
      {},
      '[DONE]',
    ]);
    expect(chunks[3].choices[0].finish_reason).toBe('stop');
  });

  test('an application inference profile: chunks show the name the caller used, never the ARN', async () => {
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123';
    const res = await withEnv({ SBA_ALLOWED_MODEL_IDS: JSON.stringify([arn]) }, () =>
      complete({
        model: 'application-inference-profile/abc123',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      }),
    );
    expect(ctx.fake.requests[0].modelId).toBe(arn);
    expect(dataChunks(res.body)[0].model).toBe('application-inference-profile/abc123');
    expectNoLeak(res.body);
  });

  test('an error after output: the error chunk OpenAI reads, then [DONE], no AWS text', async () => {
    ctx.fake.setScript(() =>
      answer(['partial', 'more'], {
        failAfter: { deltas: 1, exception: 'ModelStreamErrorException', message: 'AWS-SECRET-TEXT' },
      }),
    );
    const res = await complete({ messages: [{ role: 'user', content: 'hi' }], stream: true });
    expect(res.status).toBe(200);
    const chunks = dataChunks(res.body);
    expect(chunks.slice(-2)).toEqual([
      {
        error: {
          message: expect.any(String),
          type: 'upstream_error',
          code: expect.stringMatching(/^upstream_/),
          param: null,
        },
      },
      '[DONE]',
    ]);
    expect(chunks[1].choices[0].delta).toEqual({ content: 'partial' });
    expectNoLeak(res.body, 'AWS-SECRET-TEXT');
  });
});

describe('non-streaming', () => {
  test('one chat.completion as application/json with reasoning, text, tool calls and usage', async () => {
    ctx.fake.setScript(() => ({
      frames: [
        ...blockFrames(
          [
            { reasoning: ['Think.'], signature: 'sig' },
            { text: ['Hello ', 'world'] },
            { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', inputChunks: ['{"city":"Paris"}'] } },
          ],
          { usage: USAGE },
        ),
      ],
    }));
    const res = await complete({ messages: [{ role: 'user', content: 'Weather?' }], tools: [WEATHER] });
    expect(res.status).toBe(200);
    expect(res.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual({
      id: `chatcmpl-${res.headers['X-Request-Id']}`,
      object: 'chat.completion',
      created: expect.any(Number),
      model: MODEL,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Hello world',
            reasoning_content: 'Think.',
            tool_calls: [
              { id: 'tooluse_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            ],
            refusal: null,
          },
          finish_reason: 'tool_calls',
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: 40,
        completion_tokens: 12,
        total_tokens: 52,
        prompt_tokens_details: { cached_tokens: 8 },
      },
    });
    expect(ctx.logs()[0]).toMatchObject({ protocol: 'openai', format: 'openai-json' });
  });
});

describe('errors before output: the real status and OpenAI’s error shape, Bedrock not called for our own', () => {
  test.each([
    [{ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }, 404, 'model_not_found', 'model'],
    [{ messages: [{ role: 'user', content: 'hi' }], n: 2 }, 400, 'unsupported_parameter', 'n'],
    [
      {
        messages: [
          { role: 'system', content: 'x' },
          { role: 'user', content: 'hi' },
        ],
      },
      400,
      'system_message_not_allowed',
      'messages[0].role',
    ],
    [
      {
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }],
      },
      400,
      'unsupported_source',
      'messages[0].content[0].image_url.url',
    ],
  ])('%j -> %i %s', async (body, status, code, param) => {
    const res = await complete(body);
    expect(res.status).toBe(status);
    expect(res.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual({
      error: { type: 'invalid_request_error', code, message: expect.any(String), param },
      requestId: res.headers['X-Request-Id'],
    });
    expect(ctx.fake.requests).toHaveLength(0);
  });

  test('Bedrock throttling before output: 429 with Retry-After', async () => {
    ctx.fake.setScript(() => httpError(429, 'ThrottlingException', 'AWS-SECRET-TEXT'));
    const res = await complete({ messages: [{ role: 'user', content: 'hi' }], stream: true });
    expect(res.status).toBe(429);
    expect(res.headers['Retry-After']).toBe('2');
    expect(JSON.parse(res.body).error).toMatchObject({ type: 'rate_limit_error', code: 'upstream_throttled' });
    expectNoLeak(res.body, 'AWS-SECRET-TEXT');
  });
});

test('GET /v1/models: the allowed ids in OpenAI’s list shape, without calling Bedrock', async () => {
  const event = { ...apiEvent(null, { path: '/v1/models', rawBody: null }), httpMethod: 'GET' };
  const res = await withEnv({ SBA_ALLOWED_MODEL_IDS: JSON.stringify(['amazon.nova-lite-v1:0']) }, () =>
    invokeStream(ctx.mod, event),
  );
  expect(res.status).toBe(200);
  expect(res.headers['Content-Type']).toBe('application/json');
  expect(JSON.parse(res.body)).toEqual({
    object: 'list',
    data: [
      { id: MODEL, object: 'model', created: 0, owned_by: 'amazon-bedrock' },
      { id: 'amazon.nova-lite-v1:0', object: 'model', created: 0, owned_by: 'amazon-bedrock' },
    ],
  });
  expect(ctx.fake.requests).toHaveLength(0);
  expect(ctx.logs()[0]).toMatchObject({ protocol: 'openai', format: 'models', status: 200 });
});

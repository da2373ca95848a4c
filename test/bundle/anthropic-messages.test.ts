/**
 * Anthropic Messages through the bundled handler: the exact Converse request Bedrock receives for each field, the SSE
 * events in order, the non-streaming Message, errors in Anthropic's shape before and after output, count_tokens,
 * the model list, and hostile input. The real AWS SDK reads the fake Bedrock's event stream.
 */
import { TOKENS_PER_MESSAGE, estimateTextTokens } from '../../src/handler/token-estimate';
import {
  apiEvent,
  expectNoLeak,
  invokeStream,
  MODEL,
  SYSTEM_PROMPT,
  useHandlerTestContext,
  withEnv,
} from '../bundle/harness';
import { answer, blockFrames, httpError, type FakeBlock } from '../support/fake-bedrock';

const HEARTBEAT_MS = 40;
const ctx = useHandlerTestContext({ SBA_HEARTBEAT_MS: String(HEARTBEAT_MS) });

const PATH = '/v1/messages';
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const PDF = Buffer.from('%PDF-1.7 fake');
const WEATHER = {
  name: 'get_weather',
  description: 'Current weather of a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const USAGE = { inputTokens: 30, outputTokens: 12, cacheReadInputTokens: 8, cacheWriteInputTokens: 2 };
const ALLOW_SYSTEM = { SBA_CALLER_SYSTEM_MESSAGES: 'true' };
const ANTHROPIC_HEADERS = { 'anthropic-version': '2023-06-01' };

const send = (body: object, headers: Record<string, string> = {}, path = PATH) =>
  invokeStream(
    ctx.mod,
    apiEvent({ model: MODEL, max_tokens: 100, ...body }, { path, headers: { ...ANTHROPIC_HEADERS, ...headers } }),
  );

const hi = [{ role: 'user', content: 'hi' }];

async function converseBody(body: object, env: Record<string, string> = {}, headers: Record<string, string> = {}) {
  const res = await withEnv(env, () => send(body, headers));
  expect(res.status).toBe(200);
  return ctx.fake.requests[0].body;
}

/** Anthropic's SSE: `event: <name>` and one `data:` line whose `type` is the same name. */
function events(body: string): Array<{ event: string; data: any }> {
  return body
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const lines = block.split('\n');
      expect(lines).toHaveLength(2);
      const event = lines[0].replace(/^event: /, '');
      const data = JSON.parse(lines[1].replace(/^data: /, ''));
      expect(data.type).toBe(event);
      return { event, data };
    });
}

describe('the Converse request Bedrock receives', () => {
  test('text, an image, a PDF and a text document as Converse blocks; the parameters mapped', async () => {
    const body = await converseBody({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG.toString('base64') } },
            {
              type: 'document',
              title: 'Report',
              source: { type: 'base64', media_type: 'application/pdf', data: PDF.toString('base64') },
            },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain notes' } },
          ],
        },
      ],
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['END'],
      metadata: { user_id: 'user-123' },
    });
    expect(body).toEqual({
      messages: [
        {
          role: 'user',
          content: [
            { text: 'Compare these.' },
            { image: { format: 'png', source: { bytes: PNG.toString('base64') } } },
            { document: { format: 'pdf', name: 'Report', source: { bytes: PDF.toString('base64') } } },
            {
              document: {
                format: 'txt',
                name: 'Document 0-3',
                source: { bytes: Buffer.from('plain notes').toString('base64') },
              },
            },
          ],
        },
      ],
      system: [{ text: SYSTEM_PROMPT }],
      inferenceConfig: { maxTokens: 100, temperature: 0.2, topP: 0.9, stopSequences: ['END'] },
      additionalModelRequestFields: { top_k: 40 },
    });
    expect(JSON.stringify(body)).not.toContain('user-123');
  });

  test('a tool round trip with thinking: signatures and redacted thinking sent back unchanged', async () => {
    const redacted = Buffer.from('encrypted').toString('base64');
    const body = await converseBody(
      {
        max_tokens: 4000,
        thinking: { type: 'enabled', budget_tokens: 2000 },
        tools: [WEATHER],
        tool_choice: { type: 'auto' },
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'I should call the tool.', signature: 'sig-abc' },
              { type: 'redacted_thinking', data: redacted },
              { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_01', content: 'Sunny, 21 C' },
              { type: 'text', text: 'And tomorrow?' },
            ],
          },
        ],
      },
      { SBA_MAX_TOKENS: '4096' },
    );
    expect(body.messages).toEqual([
      { role: 'user', content: [{ text: 'Weather in Paris?' }] },
      {
        role: 'assistant',
        content: [
          { reasoningContent: { reasoningText: { text: 'I should call the tool.', signature: 'sig-abc' } } },
          { reasoningContent: { redactedContent: redacted } },
          { toolUse: { toolUseId: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } } },
        ],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 'toolu_01', content: [{ text: 'Sunny, 21 C' }], status: 'success' } },
          { text: 'And tomorrow?' },
        ],
      },
    ]);
    expect(body.toolConfig).toEqual({
      tools: [
        {
          toolSpec: {
            name: 'get_weather',
            description: WEATHER.description,
            inputSchema: { json: WEATHER.input_schema },
          },
        },
      ],
      toolChoice: { auto: {} },
    });
    expect(body.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 2000 } });
  });

  test("caller system blocks (allowed) follow the operator's prompt; cache_control becomes cache points", async () => {
    const body = await converseBody(
      {
        system: [
          { type: 'text', text: 'You are a coding agent.', cache_control: { type: 'ephemeral' } },
          { type: 'text', text: 'Be brief.' },
        ],
        tools: [{ ...WEATHER, cache_control: { type: 'ephemeral', ttl: '1h' } }],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] }],
      },
      ALLOW_SYSTEM,
    );
    const point = { cachePoint: { type: 'default' } };
    expect(body.system).toEqual([
      { text: SYSTEM_PROMPT },
      { text: 'You are a coding agent.' },
      point,
      { text: 'Be brief.' },
    ]);
    expect(body.toolConfig.tools).toEqual([expect.objectContaining({ toolSpec: expect.anything() }), point]);
    expect(body.messages).toEqual([{ role: 'user', content: [{ text: 'hi' }, point] }]);
  });

  test('more than 4 cache points: the earliest (tools, then system, then messages) merge into the later ones', async () => {
    const cached = (text: string) => ({ type: 'text', text, cache_control: { type: 'ephemeral' } });
    const body = await converseBody(
      {
        system: [cached('one'), cached('two')],
        tools: [{ ...WEATHER, cache_control: { type: 'ephemeral' } }],
        messages: [
          { role: 'user', content: [cached('a')] },
          { role: 'assistant', content: [cached('b')] },
          { role: 'user', content: [cached('c')] },
        ],
      },
      { ...ALLOW_SYSTEM, SBA_PROMPT_CACHING: 'true' },
    );
    const point = { cachePoint: { type: 'default' } };
    // 1 (operator, after its prompt) + 1 (tools; the operator's own there is the same point) + 2 system + 3 messages.
    expect(body.toolConfig.tools).toEqual([expect.objectContaining({ toolSpec: expect.anything() })]);
    expect(body.system).toEqual([{ text: SYSTEM_PROMPT }, { text: 'one' }, { text: 'two' }, point]);
    expect(body.messages.map((m: any) => m.content)).toEqual([
      [{ text: 'a' }, point],
      [{ text: 'b' }, point],
      [{ text: 'c' }, point],
    ]);
  });

  test('max_tokens above the cap is lowered to it, and the thinking budget kept below it', async () => {
    const body = await converseBody(
      { messages: hi, max_tokens: 32000, thinking: { type: 'enabled', budget_tokens: 31999 } },
      {
        SBA_MAX_TOKENS: '4096',
      },
    );
    expect(body.inferenceConfig.maxTokens).toBe(4096);
    expect(body.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 4095 } });
  });

  test('thinking with no room for its minimum budget under the cap is dropped, and the log line says so', async () => {
    const body = await converseBody({
      messages: hi,
      max_tokens: 32000,
      thinking: { type: 'enabled', budget_tokens: 31999 },
    });
    expect(body.inferenceConfig.maxTokens).toBe(1024);
    expect(body.additionalModelRequestFields).toBeUndefined();
    expect(ctx.logs()[0].dropped).toEqual(['thinking']);
  });

  test('adaptive thinking on a model without a reasoning setting: 400 naming thinking, Bedrock not called', async () => {
    const res = await send({ messages: hi, thinking: { type: 'adaptive' } });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.message).toBe(
      'thinking cannot be set on this model: it has no reasoning setting Bedrock can change.',
    );
    expect(ctx.fake.requests).toHaveLength(0);
  });

  test('Claude Code’s extras: context_management and unknown betas dropped and logged, interleaved thinking kept', async () => {
    const body = await converseBody(
      {
        messages: hi,
        max_tokens: 32000,
        thinking: { type: 'enabled', budget_tokens: 2048, display: 'omitted' },
        context_management: { edits: [{ type: 'clear_thinking_20251015' }] },
        output_config: { effort: 'high' },
      },
      { SBA_MAX_TOKENS: '4096' },
      { 'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27' },
    );
    expect(body.additionalModelRequestFields).toEqual({
      thinking: { type: 'enabled', budget_tokens: 2048 },
      anthropic_beta: ['interleaved-thinking-2025-05-14'],
    });
    expect(body).not.toHaveProperty('context_management');
    expect(ctx.logs()[0].dropped).toEqual([
      'context_management',
      'thinking.display',
      'anthropic-beta:claude-code-20250219',
      'anthropic-beta:context-management-2025-06-27',
      'output_config.effort',
    ]);
  });

  test('a beta header value that is not a beta name is logged as (malformed), never as sent', async () => {
    await converseBody({ messages: hi }, {}, { 'anthropic-beta': 'ok-beta-1, <script>HOSTILE TEXT</script>' });
    expect(ctx.logs()[0].dropped).toEqual(['anthropic-beta:ok-beta-1', 'anthropic-beta:(malformed)']);
    expect(JSON.stringify(ctx.logs()[0])).not.toContain('HOSTILE');
  });

  test('tool_choice any and tool map to Converse; none leaves the tools out', async () => {
    expect(
      (await converseBody({ tools: [WEATHER], tool_choice: { type: 'any' }, messages: hi })).toolConfig.toolChoice,
    ).toEqual({ any: {} });
    ctx.fake.requests.length = 0;
    const named = await converseBody({
      tools: [WEATHER],
      tool_choice: { type: 'tool', name: 'get_weather' },
      messages: hi,
    });
    expect(named.toolConfig.toolChoice).toEqual({ tool: { name: 'get_weather' } });
    ctx.fake.requests.length = 0;
    expect(await converseBody({ tools: [WEATHER], tool_choice: { type: 'none' }, messages: hi })).not.toHaveProperty(
      'toolConfig',
    );
  });

  test('tool options that only tune the client are accepted: eager streaming ignored, input examples dropped', async () => {
    const body = await converseBody({
      messages: hi,
      tools: [{ ...WEATHER, eager_input_streaming: true, defer_loading: false, input_examples: [{ city: 'Oslo' }] }],
    });
    expect(body.toolConfig.tools).toEqual([
      {
        toolSpec: {
          name: 'get_weather',
          description: WEATHER.description,
          inputSchema: { json: WEATHER.input_schema },
        },
      },
    ]);
    expect(ctx.logs()[0].dropped).toEqual(['tools.input_examples']);
  });

  test('the operator’s model fields win over the caller’s on a shared key', async () => {
    const body = await converseBody(
      { messages: hi, max_tokens: 900, top_k: 5 },
      { SBA_ADDITIONAL_MODEL_REQUEST_FIELDS: JSON.stringify({ top_k: 1 }) },
    );
    expect(body.additionalModelRequestFields).toEqual({ top_k: 1 });
  });
});

describe('streaming', () => {
  const TURN: FakeBlock[] = [
    { reasoning: ['Think ', 'hard.'], signature: 'sig-abc' },
    { text: ['Hello ', 'world'] },
    { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', inputChunks: ['{"ci', 'ty": "Paris"}'] } },
  ];

  test('every event in Anthropic’s order and names, blocks numbered as sent, usage with cache tokens', async () => {
    ctx.fake.setScript(() => ({ frames: [...blockFrames(TURN, { usage: USAGE })] }));
    const res = await send({ messages: hi, tools: [WEATHER], stream: true });
    expect(res.status).toBe(200);
    expect(res.headers['Content-Type']).toBe('text/event-stream; charset=utf-8');
    const all = events(res.body).filter((e) => e.event !== 'ping');
    expect(all.map((e) => e.data)).toEqual([
      {
        type: 'message_start',
        message: {
          id: `msg_${res.headers['X-Request-Id'].replace(/[^A-Za-z0-9]/g, '')}`,
          type: 'message',
          role: 'assistant',
          model: MODEL,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      },
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Think ' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hard.' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig-abc' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Hello ' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'world' } },
      { type: 'content_block_stop', index: 1 },
      {
        type: 'content_block_start',
        index: 2,
        content_block: { type: 'tool_use', id: 'tooluse_1', name: 'get_weather', input: {} },
      },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"city":"Paris"}' } },
      { type: 'content_block_stop', index: 2 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { input_tokens: 30, output_tokens: 12, cache_creation_input_tokens: 2, cache_read_input_tokens: 8 },
      },
      { type: 'message_stop' },
    ]);
    expect(ctx.logs()[0]).toMatchObject({ protocol: 'anthropic', format: 'anthropic-sse', status: 200 });
  });

  test('ping events, not comments, while the model is silent', async () => {
    ctx.fake.setScript(() => answer(['late'], { firstDelayMs: HEARTBEAT_MS * 5 }));
    const res = await send({ messages: hi, stream: true });
    const names = events(res.body).map((e) => e.event);
    expect(names[0]).toBe('ping');
    expect(names.filter((n) => n !== 'ping')).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  test('model text with newlines and event lines cannot forge an event', async () => {
    ctx.fake.setScript(() => answer(['a\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n']));
    const res = await send({ messages: hi, stream: true });
    const all = events(res.body);
    expect(all.filter((e) => e.event === 'message_stop')).toHaveLength(1);
    expect(all[2].data.delta.text).toContain('event: message_stop');
  });

  test('a guardrail stop is a refusal', async () => {
    ctx.fake.setScript(() => answer(['no'], { stopReason: 'guardrail_intervened' }));
    const res = await send({ messages: hi, stream: true });
    expect(events(res.body).find((e) => e.event === 'message_delta')!.data.delta.stop_reason).toBe('refusal');
  });

  test('an error after output: an error event in Anthropic’s shape, earlier output intact, no message_stop', async () => {
    ctx.fake.setScript(() =>
      answer(['partial', 'more'], {
        failAfter: { deltas: 1, exception: 'ModelStreamErrorException', message: 'AWS-SECRET-TEXT' },
      }),
    );
    const res = await send({ messages: hi, stream: true });
    expect(res.status).toBe(200);
    const all = events(res.body);
    expect(all[2].data.delta).toEqual({ type: 'text_delta', text: 'partial' });
    expect(all[all.length - 1]).toEqual({
      event: 'error',
      data: {
        type: 'error',
        error: { type: 'api_error', message: expect.any(String) },
        request_id: res.headers['X-Request-Id'],
      },
    });
    expect(all.map((e) => e.event)).not.toContain('message_stop');
    expectNoLeak(res.body, 'AWS-SECRET-TEXT');
  });
});

test('non-streaming: one Message with thinking, text, tool_use, stop reason and usage', async () => {
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
  const res = await send({ messages: hi, tools: [WEATHER] });
  expect(res.status).toBe(200);
  expect(res.headers['Content-Type']).toBe('application/json');
  expect(JSON.parse(res.body)).toEqual({
    id: expect.stringMatching(/^msg_/),
    type: 'message',
    role: 'assistant',
    model: MODEL,
    content: [
      { type: 'thinking', thinking: 'Think.', signature: 'sig' },
      { type: 'text', text: 'Hello world' },
      { type: 'tool_use', id: 'tooluse_1', name: 'get_weather', input: { city: 'Paris' } },
    ],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 30, output_tokens: 12, cache_creation_input_tokens: 2, cache_read_input_tokens: 8 },
  });
  expect(ctx.logs()[0]).toMatchObject({ protocol: 'anthropic', format: 'anthropic-json' });
});

describe('errors before output: the real status and Anthropic’s error shape', () => {
  test.each([
    ['an unknown model', { model: 'claude-opus-4-1' }, 404, 'not_found_error', {}],
    ['a missing max_tokens', { max_tokens: undefined }, 400, 'invalid_request_error', {}],
    ['a caller system prompt the operator did not allow', { system: 'x' }, 400, 'invalid_request_error', {}],
    [
      'a server tool',
      { tools: [{ type: 'web_search_20250305', name: 'web_search' }] },
      400,
      'invalid_request_error',
      {},
    ],
  ])('%s', async (_name, fields, status, type, env) => {
    const res = await withEnv(env, () => send({ messages: hi, ...fields }));
    expect(res.status).toBe(status);
    expect(res.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual({
      type: 'error',
      error: { type, message: expect.any(String) },
      request_id: res.headers['X-Request-Id'],
    });
    expect(ctx.fake.requests).toHaveLength(0);
  });

  test('a body over the cap: 413 request_too_large', async () => {
    const res = await withEnv({ SBA_MAX_REQUEST_BYTES: '1000' }, () =>
      send({ messages: [{ role: 'user', content: 'x'.repeat(2000) }] }),
    );
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.type).toBe('request_too_large');
  });

  test.each([
    [429, 'ThrottlingException', 'rate_limit_error'],
    [503, 'ServiceUnavailableException', 'overloaded_error'],
    [403, 'AccessDeniedException', 'api_error'],
  ])('Bedrock %i %s: %s with the real status, no AWS text', async (status, exception, type) => {
    ctx.fake.setScript(() => httpError(status, exception, 'AWS-SECRET-TEXT arn:aws:bedrock:us-east-1:123456789012:x'));
    const res = await send({ messages: hi, stream: true });
    expect(res.status).toBe(status === 403 ? 502 : status);
    expect(JSON.parse(res.body).error.type).toBe(type);
    if (status !== 403) {
      expect(res.headers['Retry-After']).toBe('2');
    }
    expectNoLeak(res.body, 'AWS-SECRET-TEXT');
  });
});

describe('count_tokens', () => {
  test('the input estimate of the request as it would reach the model; Bedrock is not called', async () => {
    const res = await send(
      { max_tokens: undefined, messages: [{ role: 'user', content: 'hello world '.repeat(100) }] },
      {},
      '/v1/messages/count_tokens',
    );
    expect(res.status).toBe(200);
    const { input_tokens: tokens } = JSON.parse(res.body);
    // 200 words, the message's role markers, and the operator's system prompt (it reaches the model too).
    expect(tokens).toBe(200 + TOKENS_PER_MESSAGE + estimateTextTokens(SYSTEM_PROMPT));
    expect(ctx.fake.requests).toHaveLength(0);
  });

  test('fails like a Messages request on bad input, in Anthropic’s shape', async () => {
    const res = await send({ messages: [{ role: 'assistant', content: 'hi' }] }, {}, '/v1/messages/count_tokens');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'The conversation must start with a user message.' },
    });
  });
});

test('GET /v1/models with anthropic-version: Anthropic’s list shape; without it, OpenAI’s', async () => {
  const list = (headers: Record<string, string>) =>
    withEnv({ SBA_ALLOWED_MODEL_IDS: JSON.stringify(['amazon.nova-lite-v1:0']) }, () =>
      invokeStream(ctx.mod, { ...apiEvent(null, { path: '/v1/models', rawBody: null, headers }), httpMethod: 'GET' }),
    );
  const res = await list(ANTHROPIC_HEADERS);
  expect(res.status).toBe(200);
  const model = (id: string) => ({ type: 'model', id, display_name: id, created_at: '1970-01-01T00:00:00Z' });
  expect(JSON.parse(res.body)).toEqual({
    data: [model(MODEL), model('amazon.nova-lite-v1:0')],
    has_more: false,
    first_id: MODEL,
    last_id: 'amazon.nova-lite-v1:0',
  });
  expect(JSON.parse((await list({})).body).object).toBe('list');
  expect(ctx.fake.requests).toHaveLength(0);
});

describe('hostile input: a clear 400 naming the field, nothing of the body echoed, Bedrock not called', () => {
  const SECRET = 'HOSTILE-SECRET-VALUE';
  const user = (content: unknown) => ({ messages: [{ role: 'user', content }] });
  const image = (source: object) =>
    user([
      { type: 'text', text: 'what?' },
      { type: 'image', source },
    ]);
  test.each([
    ['an unknown field', { toolConfig: SECRET }, 'unknown_field'],
    ['additionalModelRequestFields', { additionalModelRequestFields: { x: SECRET } }, 'unknown_field'],
    ['__proto__', JSON.parse(`{"__proto__": {"x": "${SECRET}"}}`), 'unknown_field'],
    ['mcp_servers', { mcp_servers: [{ url: SECRET }] }, 'unsupported_parameter'],
    [
      'a structured output schema with a remote $ref',
      { output_config: { format: { type: 'json_schema', schema: { $ref: `https://${SECRET}.example` } } } },
      'invalid_value',
    ],
    [
      'an image URL (never fetched)',
      image({ type: 'url', url: `https://${SECRET}.example/a.png` }),
      'unsupported_source',
    ],
    ['broken base64', image({ type: 'base64', media_type: 'image/png', data: `${SECRET}!!` }), 'invalid_base64'],
    [
      'JPEG bytes declared PNG',
      image({ type: 'base64', media_type: 'image/png', data: Buffer.from([0xff, 0xd8, 0xff, 1]).toString('base64') }),
      'format_mismatch',
    ],
    [
      'an unknown media type',
      image({ type: 'base64', media_type: 'image/svg+xml', data: PNG.toString('base64') }),
      'invalid_value',
    ],
    ['a cachePoint block', user([{ cachePoint: { type: 'default' } }]), 'invalid_value'],
    ['an unknown block type', user([{ type: 'server_tool_use', id: SECRET }]), 'invalid_value'],
    ['an unknown block field', user([{ type: 'text', text: 'x', extra: SECRET }]), 'unknown_field'],
    ['a blank text', user('   '), 'invalid_value'],
    ['a system role', { messages: [{ role: 'system', content: SECRET }] }, 'invalid_value'],
    ['two user turns, then assistant first', { messages: [{ role: 'assistant', content: SECRET }] }, 'invalid_value'],
    [
      'too many messages',
      { messages: Array.from({ length: 101 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: 'x' })) },
      'invalid_value',
    ],
    ['max_tokens 0', { max_tokens: 0 }, 'invalid_value'],
    ['max_tokens "10"', { max_tokens: '10' }, 'invalid_value'],
    ['max_tokens 1.5', { max_tokens: 1.5 }, 'invalid_value'],
    ['temperature 2', { temperature: 2 }, 'invalid_value'],
    ['top_k -1', { top_k: -1 }, 'invalid_value'],
    ['five stop sequences', { stop_sequences: ['a', 'b', 'c', 'd', 'e'] }, 'invalid_value'],
    ['a tool with a bad name', { tools: [{ ...WEATHER, name: `${SECRET} x` }] }, 'invalid_value'],
    ['a tool without a schema', { tools: [{ name: 'x' }] }, 'invalid_type'],
    ['a strict flag that is not a boolean', { tools: [{ ...WEATHER, strict: SECRET }] }, 'invalid_type'],
    ['a deferred tool (tool search)', { tools: [{ ...WEATHER, defer_loading: true }] }, 'unsupported_parameter'],
    [
      'a tool for programmatic calls',
      { tools: [{ ...WEATHER, allowed_callers: ['code_execution_20250825'] }] },
      'unsupported_parameter',
    ],
    ['tool_choice naming no tool', { tools: [WEATHER], tool_choice: { type: 'tool', name: SECRET } }, 'invalid_value'],
    [
      'a tool_result answering no call',
      { tools: [WEATHER], ...user([{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'r' }]) },
      'invalid_value',
    ],
    [
      'a tool_use without tools',
      {
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'x', input: {} }] },
        ],
      },
      'missing_field',
    ],
    ['thinking with temperature', { thinking: { type: 'adaptive' }, temperature: 0.5 }, 'invalid_value'],
    [
      'thinking with a forced tool',
      { tools: [WEATHER], thinking: { type: 'adaptive' }, tool_choice: { type: 'any' } },
      'invalid_value',
    ],
    ['a thinking budget below the minimum', { thinking: { type: 'enabled', budget_tokens: 10 } }, 'invalid_value'],
    [
      'cache_control of another type',
      user([{ type: 'text', text: 'x', cache_control: { type: SECRET } }]),
      'invalid_value',
    ],
    ['metadata with other fields', { metadata: { user_id: 'u', email: SECRET } }, 'unknown_field'],
    ['stream "yes"', { stream: 'yes' }, 'invalid_type'],
  ])('%s', async (_name, fields, code) => {
    const res = await send({ messages: hi, ...fields });
    expect(res.status).toBe(400);
    const body = JSON.parse(res.body);
    expect(body.error.type).toBe('invalid_request_error');
    expect(ctx.logs()[0].outcome).toBe(code);
    expectNoLeak(res.body, SECRET);
    expect(ctx.fake.requests).toHaveLength(0);
  });

  test('deep nesting in a tool input is refused before parsing further', async () => {
    let deep: unknown = {};
    for (let i = 0; i < 80; i++) {
      deep = { a: deep };
    }
    const res = await send({
      tools: [WEATHER],
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: deep }] },
      ],
    });
    expect(res.status).toBe(400);
    expect(ctx.logs()[0].outcome).toBe('nesting_too_deep');
  });

  test('a body that is not JSON, or JSON that is not an object', async () => {
    for (const rawBody of ['{"model": ', '[1,2]', 'null', `"${SECRET}"`]) {
      const res = await invokeStream(ctx.mod, apiEvent(null, { path: PATH, rawBody, headers: ANTHROPIC_HEADERS }));
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).type).toBe('error');
      expectNoLeak(res.body, SECRET);
    }
  });

  test('a wrong content type: 415 in Anthropic’s shape', async () => {
    const res = await invokeStream(
      ctx.mod,
      apiEvent({ model: MODEL }, { path: PATH, headers: { 'Content-Type': 'text/plain' } }),
    );
    expect(res.status).toBe(415);
    expect(JSON.parse(res.body).error.type).toBe('invalid_request_error');
  });
});

/**
 * The AI SDK protocol (POST /chat) through the bundled handler and the real AWS SDK against the fake Bedrock: the
 * exact Converse request a UIMessage history becomes, and the exact UI message stream chunks of the answer.
 */
import { SYSTEM_PROMPT, apiEvent, expectNoLeak, invokeStream, useHandlerTestContext, withEnv } from './harness';
import { Errors } from '../../src/handler/errors';
import { answer, blockFrames, httpError, type FakeBlock } from '../support/fake-bedrock';

const ctx = useHandlerTestContext();

const WEATHER = {
  name: 'get_weather',
  description: 'Current weather of a city',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const AWS_TEXT = 'arn:aws:bedrock:us-east-1:123456789012 internal detail';
const PNG = Buffer.from('\x89PNG\r\n\x1a\n fake', 'latin1').toString('base64');
const CSV = Buffer.from('a,b\n1,2\n').toString('base64');

const chatEvent = (body: object) => apiEvent(body, { path: '/chat' });
const chatBody = (messages: object[], extra: object = {}) => ({
  id: 'chat1',
  messages,
  trigger: 'submit-message',
  ...extra,
});
const userText = (text: string) => ({ id: 'u1', role: 'user', parts: [{ type: 'text', text }] });

/** The `data:` chunks of a UI message stream (comments skipped), checking it ends with [DONE]. */
function uiChunks(body: string): any[] {
  const frames = body.split('\n\n').filter((frame) => frame !== '' && !frame.startsWith(':'));
  expect(frames.at(-1)).toBe('data: [DONE]');
  return frames.slice(0, -1).map((frame) => {
    expect(frame).toMatch(/^data: \{/);
    return JSON.parse(frame.slice('data: '.length));
  });
}

describe('the Converse request', () => {
  test('files, signed and redacted reasoning, tool calls and their results, in Converse turns', async () => {
    ctx.fake.setScript(() => answer(['ok']));
    const messages = [
      {
        id: 'u1',
        role: 'user',
        parts: [
          { type: 'text', text: 'Weather here?' },
          { type: 'file', mediaType: 'image/png', url: `data:image/png;base64,${PNG}`, filename: 'photo.png' },
          { type: 'file', mediaType: 'text/csv', url: `data:text/csv;base64,${CSV}`, filename: 'readings.csv' },
        ],
      },
      {
        id: 'a1',
        role: 'assistant',
        metadata: { usage: { inputTokens: 1 } },
        parts: [
          { type: 'step-start' },
          { type: 'reasoning', text: 'Look it up.', providerMetadata: { bedrock: { signature: 'sig-1' } } },
          { type: 'reasoning', text: '', providerMetadata: { bedrock: { redactedData: 'AQID' } } },
          { type: 'text', text: 'Checking.' },
          {
            type: 'tool-get_weather',
            toolCallId: 'tooluse_1',
            state: 'output-available',
            input: { city: 'Paris' },
            output: { tempC: 21 },
          },
        ],
      },
    ];
    const res = await invokeStream(ctx.mod, chatEvent(chatBody(messages, { tools: [WEATHER], messageId: 'a1' })));
    expect(res.status).toBe(200);
    const body = ctx.fake.requests[0].body;
    expect(body.system).toEqual([{ text: SYSTEM_PROMPT }]);
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { text: 'Weather here?' },
          { image: { format: 'png', source: { bytes: PNG } } },
          { document: { format: 'csv', name: 'readings', source: { bytes: CSV } } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { reasoningContent: { reasoningText: { text: 'Look it up.', signature: 'sig-1' } } },
          { reasoningContent: { redactedContent: 'AQID' } },
          { text: 'Checking.' },
          { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', input: { city: 'Paris' } } },
        ],
      },
      { role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_1', content: [{ json: { tempC: 21 } }] } }] },
    ]);
    expect(body.toolConfig.tools[0]).toEqual({ toolSpec: { ...WEATHER, inputSchema: { json: WEATHER.inputSchema } } });
    // The answer continues the assistant message the client named.
    expect(uiChunks(res.body)[0]).toEqual({
      type: 'start',
      messageId: 'a1',
      messageMetadata: { modelId: expect.any(String) },
    });
  });

  test('a tool error result goes back with status error and its text', async () => {
    ctx.fake.setScript(() => answer(['ok']));
    const messages = [
      userText('weather?'),
      {
        id: 'a1',
        role: 'assistant',
        parts: [
          {
            type: 'dynamic-tool',
            toolName: 'get_weather',
            toolCallId: 't1',
            state: 'output-error',
            input: {},
            errorText: 'offline',
          },
        ],
      },
    ];
    await invokeStream(ctx.mod, chatEvent(chatBody(messages, { tools: [WEATHER] })));
    expect(ctx.fake.requests[0].body.messages[2]).toEqual({
      role: 'user',
      content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'offline' }], status: 'error' } }],
    });
  });
});

describe("the caller's system message", () => {
  const withSystem = chatBody([
    { id: 's', role: 'system', parts: [{ type: 'text', text: 'Answer in French.' }] },
    userText('hi'),
  ]);

  test('is refused by default, naming the prop that allows it', async () => {
    const res = await invokeStream(ctx.mod, chatEvent(withSystem));
    expect(res.status).toBe(400);
    const { error } = JSON.parse(res.body);
    expect(error).toMatchObject({ code: 'system_message_not_allowed', param: 'messages[0].parts[0].text' });
    expect(error.message).toContain('allowCallerSystemMessages');
    expect(res.body).not.toContain('French');
  });

  test("follows the API's system prompt where the operator allows it", async () => {
    ctx.fake.setScript(() => answer(['Bonjour']));
    const res = await withEnv({ SBA_CALLER_SYSTEM_MESSAGES: 'true' }, () =>
      invokeStream(ctx.mod, chatEvent(withSystem)),
    );
    expect(res.status).toBe(200);
    expect(ctx.fake.requests[0].body.system).toEqual([{ text: SYSTEM_PROMPT }, { text: 'Answer in French.' }]);
    expect(ctx.fake.requests[0].body.messages).toEqual([{ role: 'user', content: [{ text: 'hi' }] }]);
  });
});

describe('the answer', () => {
  const TURN: FakeBlock[] = [
    { reasoning: ['The user wants ', 'the weather.'], signature: 'sig-abc' },
    { text: ['Let me ', 'check.'] },
    { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', inputChunks: ['{"ci', 'ty": "Paris"}'] } },
  ];
  const USAGE = { inputTokens: 30, outputTokens: 12, cacheReadInputTokens: 5, cacheWriteInputTokens: 7 };

  test('reasoning with its signature, text and a tool call as UI message stream chunks', async () => {
    ctx.fake.setScript(() => ({ frames: [...blockFrames(TURN, { usage: USAGE })] }));
    const res = await invokeStream(ctx.mod, chatEvent(chatBody([userText('Weather in Paris?')], { tools: [WEATHER] })));
    expect(res.status).toBe(200);
    expect(res.headers['x-vercel-ai-ui-message-stream']).toBe('v1');
    expect(res.headers['Content-Type']).toMatch(/^text\/event-stream/);
    const chunks = uiChunks(res.body);
    expect(chunks).toEqual([
      {
        type: 'start',
        messageId: expect.stringMatching(/^msg_[0-9a-f]{32}$/),
        messageMetadata: { modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0' },
      },
      { type: 'start-step' },
      { type: 'reasoning-start', id: 'r0' },
      { type: 'reasoning-delta', id: 'r0', delta: 'The user wants ' },
      { type: 'reasoning-delta', id: 'r0', delta: 'the weather.' },
      { type: 'reasoning-end', id: 'r0', providerMetadata: { bedrock: { signature: 'sig-abc' } } },
      { type: 'text-start', id: 't1' },
      { type: 'text-delta', id: 't1', delta: 'Let me ' },
      { type: 'text-delta', id: 't1', delta: 'check.' },
      { type: 'text-end', id: 't1' },
      { type: 'tool-input-start', toolCallId: 'tooluse_1', toolName: 'get_weather' },
      { type: 'tool-input-delta', toolCallId: 'tooluse_1', inputTextDelta: '{"city":"Paris"}' },
      { type: 'tool-input-available', toolCallId: 'tooluse_1', toolName: 'get_weather', input: { city: 'Paris' } },
      { type: 'finish-step' },
      {
        type: 'finish',
        finishReason: 'tool-calls',
        messageMetadata: { usage: { ...USAGE, totalTokens: 42 } },
      },
    ]);
    const [line] = ctx.logs();
    expect(line).toMatchObject({ protocol: 'ai-sdk', format: 'ai-sdk', status: 200 });
  });

  test('each answer gets a new message id', async () => {
    ctx.fake.setScript(() => answer(['hi']));
    const ids = [];
    for (let i = 0; i < 2; i++) {
      ids.push(uiChunks((await invokeStream(ctx.mod, chatEvent(chatBody([userText('hi')])))).body)[0].messageId);
    }
    expect(ids[0]).not.toBe(ids[1]);
  });

  test('a guardrail stop finishes with content-filter', async () => {
    ctx.fake.setScript(() => answer(['Sorry, I cannot help.'], { stopReason: 'guardrail_intervened' }));
    const chunks = uiChunks((await invokeStream(ctx.mod, chatEvent(chatBody([userText('hi')])))).body);
    expect(chunks.at(-1)).toMatchObject({ type: 'finish', finishReason: 'content-filter' });
  });

  test('an error mid-stream: the text so far, then the fixed errorText (never AWS text), then [DONE]', async () => {
    ctx.fake.setScript(() =>
      answer(['first ', 'second ', 'never'], {
        failAfter: { deltas: 2, exception: 'ModelStreamErrorException', message: AWS_TEXT },
      }),
    );
    const res = await invokeStream(ctx.mod, chatEvent(chatBody([userText('hi')])));
    expect(res.status).toBe(200);
    const chunks = uiChunks(res.body);
    expect(chunks.slice(2)).toEqual([
      { type: 'text-start', id: 't0' },
      { type: 'text-delta', id: 't0', delta: 'first ' },
      { type: 'text-delta', id: 't0', delta: 'second ' },
      { type: 'error', errorText: Errors.upstreamFailed().message },
    ]);
    expectNoLeak(res.body, AWS_TEXT);
  });

  test('an error before output: the real status and the JSON error body', async () => {
    ctx.fake.setScript(() => httpError(403, 'AccessDeniedException', AWS_TEXT));
    const res = await invokeStream(ctx.mod, chatEvent(chatBody([userText('hi')])));
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body)).toEqual({
      error: expect.objectContaining({ code: 'upstream_misconfigured' }),
      requestId: expect.any(String),
    });
    expectNoLeak(res.body, AWS_TEXT);
  });

  test('a bad request is 400 naming the part, before Bedrock is called', async () => {
    const res = await invokeStream(
      ctx.mod,
      chatEvent(
        chatBody([
          { id: 'u', role: 'user', parts: [{ type: 'file', mediaType: 'image/png', url: 'https://x/y.png' }] },
        ]),
      ),
    );
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toMatchObject({ code: 'invalid_value', param: 'messages[0].parts[0].url' });
    expect(ctx.fake.requests).toHaveLength(0);
  });
});

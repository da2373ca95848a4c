import { loadConfig } from '../../../src/handler/config';
import { ApiError } from '../../../src/handler/errors';
import { decodeAiSdkRequest } from '../../../src/handler/protocols/ai-sdk-ui-messages/decode';
import { rejection } from '../../support/rejection';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const OTHER = 'amazon.nova-lite-v1:0';
const config = loadConfig({
  SBA_MODEL_ID: MODEL,
  SBA_ALLOWED_MODEL_IDS: JSON.stringify([OTHER]),
  SBA_MAX_TOKENS: '1000',
});
const PNG = Buffer.from('\x89PNG fake image', 'latin1').toString('base64');
const PDF = Buffer.from('%PDF-1.4 fake').toString('base64');
const WEATHER = { name: 'get_weather', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } };

const user = (...parts: object[]) => ({ id: 'u1', role: 'user', parts });
const assistant = (...parts: object[]) => ({ id: 'a1', role: 'assistant', parts });
const text = (value: string) => ({ type: 'text', text: value });
const body = (messages: object[], extra: object = {}) => ({
  id: 'chat1',
  messages,
  trigger: 'submit-message',
  ...extra,
});

/** The 400 for `value`, checked never to quote the secret inside it. */
function refusal(value: unknown, cfg = config): ApiError {
  const error = rejection(() => decodeAiSdkRequest(value, cfg));
  expect(error.status).toBe(400);
  expect(error.message).not.toContain('SECRET');
  expect(error.param ?? '').not.toContain('SECRET');
  return error;
}

describe('decodeAiSdkRequest accepts', () => {
  test('a text message: the API model and token cap, and no message to continue', () => {
    expect(decodeAiSdkRequest(body([user(text('hi'))]), config)).toEqual({
      request: {
        modelId: MODEL,
        messages: [{ role: 'user', content: [{ text: 'hi' }] }],
        maxTokens: 1000,
        temperature: undefined,
        tools: undefined,
        toolChoice: undefined,
        callerSystem: undefined,
      },
      continuesMessageId: undefined,
    });
  });

  test('an allowed modelId', () => {
    expect(decodeAiSdkRequest(body([user(text('hi'))], { modelId: OTHER }), config).request.modelId).toBe(OTHER);
  });

  test('messageId continues the last message only when it is that assistant message', () => {
    const history = [user(text('hi')), assistant(text('hello'))];
    expect(decodeAiSdkRequest(body(history, { messageId: 'a1' }), config).continuesMessageId).toBe('a1');
    // Regenerate, or submit after editing a user message, names another message: the answer is a new message.
    expect(decodeAiSdkRequest(body(history, { messageId: 'u1' }), config).continuesMessageId).toBeUndefined();
    const regenerate = body([user(text('hi'))], { messageId: 'a1', trigger: 'regenerate-message' });
    expect(decodeAiSdkRequest(regenerate, config).continuesMessageId).toBeUndefined();
  });

  test('image files and documents from data URLs; the document named from its sanitized filename', () => {
    const { request } = decodeAiSdkRequest(
      body([
        user(
          text('compare'),
          { type: 'file', mediaType: 'image/png', url: `data:image/png;base64,${PNG}`, filename: 'x.png' },
          {
            type: 'file',
            mediaType: 'application/pdf',
            url: `data:application/pdf;base64,${PDF}`,
            filename: 'Q3 report_v2.final.pdf',
          },
          { type: 'file', mediaType: 'text/plain', url: 'data:text/plain;base64,aGk=' },
        ),
      ]),
      config,
    );
    expect(request.messages[0].content).toEqual([
      { text: 'compare' },
      { image: { format: 'png', source: { bytes: new Uint8Array(Buffer.from(PNG, 'base64')) } } },
      {
        document: {
          format: 'pdf',
          name: 'Q3 report v2 final',
          source: { bytes: new Uint8Array(Buffer.from(PDF, 'base64')) },
        },
      },
      { document: { format: 'txt', name: 'document-2', source: { bytes: new Uint8Array(Buffer.from('hi')) } } },
    ]);
  });

  test('signed and redacted reasoning go back; reasoning without Bedrock metadata and display parts are skipped', () => {
    const { request } = decodeAiSdkRequest(
      body([
        user(text('q')),
        assistant(
          { type: 'step-start' },
          { type: 'reasoning', text: 'think', providerMetadata: { bedrock: { signature: 'sig' } } },
          { type: 'reasoning', text: '', providerMetadata: { bedrock: { redactedData: 'AQID' } } },
          { type: 'reasoning', text: 'other provider' },
          { type: 'source-url', sourceId: 's', url: 'https://example.com' },
          { type: 'data-weather', data: {} },
          text('answer'),
        ),
        user(text('more')),
      ]),
      config,
    );
    expect(request.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { reasoningContent: { reasoningText: { text: 'think', signature: 'sig' } } },
        { reasoningContent: { redactedContent: new Uint8Array([1, 2, 3]) } },
        { text: 'answer' },
      ],
    });
  });

  test('tool parts: calls in the assistant turn, outputs and errors as results of the next user turn', () => {
    const { request } = decodeAiSdkRequest(
      body(
        [
          user(text('weather?')),
          assistant(
            {
              type: 'tool-get_weather',
              toolCallId: 'c1',
              state: 'output-available',
              input: { city: 'Paris' },
              output: { tempC: 21 },
            },
            {
              type: 'dynamic-tool',
              toolName: 'get_weather',
              toolCallId: 'c2',
              state: 'output-available',
              input: {},
              output: 'sunny',
            },
            {
              type: 'tool-get_weather',
              toolCallId: 'c3',
              state: 'output-error',
              input: { city: 'X' },
              errorText: 'no such city',
            },
          ),
          user(text('thanks')),
        ],
        { tools: [WEATHER], toolChoice: 'auto' },
      ),
      config,
    );
    expect(request.tools).toEqual([WEATHER]);
    expect(request.toolChoice).toBe('auto');
    expect(request.messages).toEqual([
      { role: 'user', content: [{ text: 'weather?' }] },
      {
        role: 'assistant',
        content: [
          { toolUse: { toolUseId: 'c1', name: 'get_weather', input: { city: 'Paris' } } },
          { toolUse: { toolUseId: 'c2', name: 'get_weather', input: {} } },
          { toolUse: { toolUseId: 'c3', name: 'get_weather', input: { city: 'X' } } },
        ],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 'c1', content: [{ json: { tempC: 21 } }], status: undefined } },
          { toolResult: { toolUseId: 'c2', content: [{ text: 'sunny' }], status: undefined } },
          { toolResult: { toolUseId: 'c3', content: [{ text: 'no such city' }], status: 'error' } },
          { text: 'thanks' },
        ],
      },
    ]);
  });

  test('a continued assistant message: its tool results become a user turn before what it says next', () => {
    const { request } = decodeAiSdkRequest(
      body(
        [
          user(text('weather?')),
          assistant(
            { type: 'step-start' },
            {
              type: 'tool-get_weather',
              toolCallId: 'c1',
              state: 'output-available',
              input: { city: 'Paris' },
              output: [21],
            },
            { type: 'step-start' },
            text('It is 21.'),
          ),
        ],
        { tools: [WEATHER] },
      ),
      config,
    );
    expect(request.messages.map((m) => [m.role, m.content.map((b) => Object.keys(b)[0])])).toEqual([
      ['user', ['text']],
      ['assistant', ['toolUse']],
      ['user', ['toolResult']],
      ['assistant', ['text']],
    ]);
    expect(request.messages[2].content[0]).toEqual({
      toolResult: { toolUseId: 'c1', content: [{ text: '[21]' }], status: undefined },
    });
  });

  test('a system message when the operator allows them, after the API prompt', () => {
    const allowing = loadConfig({ SBA_MODEL_ID: MODEL, SBA_MAX_TOKENS: '1000', SBA_CALLER_SYSTEM_MESSAGES: 'true' });
    const { request } = decodeAiSdkRequest(
      body([{ id: 's', role: 'system', parts: [text('be brief')] }, user(text('hi'))]),
      allowing,
    );
    expect(request.callerSystem).toEqual(['be brief']);
    expect(request.messages).toEqual([{ role: 'user', content: [{ text: 'hi' }] }]);
  });
});

describe('decodeAiSdkRequest refuses, naming the field', () => {
  test.each([
    ['a body that is not an object', ['SECRET'], null],
    ['an unknown field', body([user(text('hi'))], { SECRET: 1 }), null],
    ['a missing trigger', { id: 'c', messages: [user(text('hi'))] }, 'trigger'],
    ['a malformed chat id', body([user(text('hi'))], { id: 'SECRET id!' }), 'id'],
    ['a malformed messageId', body([user(text('hi'))], { messageId: 'SECRET/../' }), 'messageId'],
    ['a model outside the allowed ids', body([user(text('hi'))], { modelId: 'SECRET' }), 'modelId'],
    ['empty messages', body([]), 'messages'],
    ['an unknown message field', body([{ ...user(text('hi')), SECRET: 1 }]), 'messages[0]'],
    ['an unknown role', body([{ id: 'x', role: 'SECRET', parts: [] }]), 'messages[0].role'],
    ['a blank text', body([user(text('  '))]), 'messages[0].parts[0].text'],
    ['an unknown part type', body([user({ type: 'SECRET' })]), 'messages[0].parts[0].type'],
    [
      'a file in an assistant message',
      body([user(text('q')), assistant({ type: 'file', mediaType: 'image/png', url: `data:image/png;base64,${PNG}` })]),
      'messages[1].parts[0].type',
    ],
    [
      'a file of an unsupported media type',
      body([user({ type: 'file', mediaType: 'audio/SECRET', url: 'data:,' })]),
      'messages[0].parts[0].mediaType',
    ],
    [
      'a file by URL',
      body([user({ type: 'file', mediaType: 'image/png', url: 'https://SECRET.example/x.png' })]),
      'messages[0].parts[0].url',
    ],
    [
      'a data URL that is not base64',
      body([user({ type: 'file', mediaType: 'image/png', url: 'data:image/png,SECRET' })]),
      'messages[0].parts[0].url',
    ],
    [
      'broken base64',
      body([user({ type: 'file', mediaType: 'image/png', url: 'data:image/png;base64,SECRET!!' })]),
      'messages[0].parts[0].url',
    ],
    ['a conversation starting with the assistant', body([assistant(text('hi'))]), 'messages'],
    [
      'a tool call still streaming',
      body([user(text('q')), assistant({ type: 'tool-x', toolCallId: 'c', state: 'input-streaming', input: {} })], {
        tools: [WEATHER],
      }),
      'messages[1].parts[0].state',
    ],
    [
      'a tool part without tool definitions',
      body([user(text('q')), assistant({ type: 'tool-x', toolCallId: 'c', state: 'input-available', input: {} })]),
      'messages[1].parts[0]',
    ],
    [
      'a tool part with a bad tool name',
      body(
        [
          user(text('q')),
          assistant({ type: 'tool-SECRET name', toolCallId: 'c', state: 'input-available', input: {} }),
        ],
        { tools: [WEATHER] },
      ),
      'messages[1].parts[0].toolUse.name',
    ],
    [
      'a reasoning part in a user message',
      body([user({ type: 'reasoning', text: 'SECRET' })]),
      'messages[0].parts[0].type',
    ],
    [
      'a system message with a file',
      body([{ id: 's', role: 'system', parts: [{ type: 'file' }] }, user(text('q'))]),
      'messages[0].parts[0].type',
    ],
    ['toolChoice without tools', body([user(text('q'))], { toolChoice: 'any' }), 'toolChoice'],
  ])('%s', (_name, value, param) => {
    expect(refusal(value).param).toBe(param);
  });

  test('a turn of more content blocks than the cap, naming the first block over it', () => {
    const many = Array.from({ length: 33 }, (_, i) => text(`part ${i}`));
    expect(refusal(body([user(...many.slice(0, 20)), user(...many.slice(20))])).param).toBe('messages[1].parts[12]');
    expect(refusal(body([user(...Array.from({ length: 65 }, () => text('x')))])).param).toBe('messages[0].parts');
  });

  test('a system message unless the operator allows them, naming the prop', () => {
    const error = refusal(body([{ id: 's', role: 'system', parts: [text('SECRET')] }, user(text('hi'))]));
    expect(error.code).toBe('system_message_not_allowed');
    expect(error.message).toContain('allowCallerSystemMessages');
    expect(error.param).toBe('messages[0].parts[0].text');
  });

  test('tools and tool parts when the API turned client tools off', () => {
    const noTools = loadConfig({ SBA_MODEL_ID: MODEL, SBA_MAX_TOKENS: '1000', SBA_CLIENT_TOOLS: 'false' });
    expect(refusal(body([user(text('q'))], { tools: [WEATHER] }), noTools).code).toBe('tools_disabled');
    const toolPart = assistant({ type: 'tool-get_weather', toolCallId: 'c', state: 'input-available', input: {} });
    expect(refusal(body([user(text('q')), toolPart]), noTools).code).toBe('tools_disabled');
  });

  test('the outputs of the last assistant message make the final user turn (the model answers them)', () => {
    const { request } = decodeAiSdkRequest(
      body(
        [
          user(text('q')),
          assistant({ type: 'tool-get_weather', toolCallId: 'c', state: 'output-available', input: {}, output: 'x' }),
        ],
        { tools: [WEATHER] },
      ),
      config,
    );
    expect(request.messages.at(-1)).toEqual({
      role: 'user',
      content: [{ toolResult: { toolUseId: 'c', content: [{ text: 'x' }], status: undefined } }],
    });
  });
});

import { loadConfig } from '../../../src/handler/config';
import { decodeChatCompletion } from '../../../src/handler/protocols/openai-chat-completions/decode';
import { IGNORED_FIELDS, UNSUPPORTED_FIELDS } from '../../../src/handler/protocols/openai-chat-completions/rules';
import { RequestLimits } from '../../../src/handler/request/limits';
import { rejection } from '../../support/rejection';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const PROFILE = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123';
const ENV = {
  SBA_MODEL_ID: MODEL,
  SBA_ALLOWED_MODEL_IDS: JSON.stringify(['amazon.nova-lite-v1:0', PROFILE]),
  SBA_MAX_TOKENS: '1000',
};
const config = loadConfig(ENV);
const withSystem = loadConfig({ ...ENV, SBA_CALLER_SYSTEM_MESSAGES: 'true' });
const noTools = loadConfig({ ...ENV, SBA_CLIENT_TOOLS: 'false' });
const thinking = loadConfig({
  ...ENV,
  SBA_ADDITIONAL_MODEL_REQUEST_FIELDS: JSON.stringify({ thinking: { type: 'enabled', budget_tokens: 500 } }),
});

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]).toString('base64');
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]).toString('base64');
const user = (content: unknown) => ({ role: 'user', content });
const base = { model: MODEL, messages: [user('hi')] };
const weatherTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: {} } },
};
const toolTurn = [
  user('Weather in Paris?'),
  {
    role: 'assistant',
    content: null,
    tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
  },
  { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
];

const decode = (body: object, cfg = config) => decodeChatCompletion(body, cfg);
const refused = (body: object, cfg = config) => rejection(() => decode(body, cfg));

describe('decodeChatCompletion maps', () => {
  test('a minimal request: the model, one user turn, the cap as max tokens, not streamed', () => {
    expect(decode(base)).toEqual({
      model: MODEL,
      stream: false,
      includeUsage: false,
      request: {
        modelId: MODEL,
        messages: [{ role: 'user', content: [{ text: 'hi' }] }],
        maxTokens: 1000,
        temperature: undefined,
        topP: undefined,
        stopSequences: undefined,
        tools: undefined,
        toolChoice: undefined,
        callerSystem: undefined,
      },
    });
  });

  test('an application inference profile named by its public form; the caller sees that form, Bedrock the ARN', () => {
    const decoded = decode({ ...base, model: 'application-inference-profile/abc123' });
    expect(decoded.request.modelId).toBe(PROFILE);
    expect(decoded.model).toBe('application-inference-profile/abc123');
  });

  test('inference parameters; stop as a string or an array', () => {
    const decoded = decode({ ...base, max_completion_tokens: 50, temperature: 0.5, top_p: 0.9, stop: 'END' });
    expect(decoded.request).toMatchObject({ maxTokens: 50, temperature: 0.5, topP: 0.9, stopSequences: ['END'] });
    expect(decode({ ...base, max_tokens: 7, stop: ['a', 'b'] }).request).toMatchObject({
      maxTokens: 7,
      stopSequences: ['a', 'b'],
    });
  });

  test('stream and stream_options.include_usage', () => {
    expect(decode({ ...base, stream: true, stream_options: { include_usage: true } })).toMatchObject({
      stream: true,
      includeUsage: true,
    });
    expect(decode({ ...base, stream: true, stream_options: { include_obfuscation: false } }).includeUsage).toBe(false);
  });

  test('null fields as absent (what OpenAI means by null)', () => {
    expect(decode({ ...base, temperature: null, n: null, logprobs: null, stop: null }).request.temperature).toBe(
      undefined,
    );
  });

  test('user parts: text and a data: URL image (bytes decoded, media type to format)', () => {
    const content = [
      { type: 'text', text: 'What is this?' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}`, detail: 'high' } },
      { type: 'image_url', image_url: { url: `data:image/jpg;base64,${JPEG}` } },
    ];
    const [message] = decode({ ...base, messages: [user(content)] }).request.messages;
    expect(message.content).toEqual([
      { text: 'What is this?' },
      { image: { format: 'png', source: { bytes: new Uint8Array(Buffer.from(PNG, 'base64')) } } },
      { image: { format: 'jpeg', source: { bytes: new Uint8Array(Buffer.from(JPEG, 'base64')) } } },
    ]);
  });

  test('tools, tool calls and tool results: one user turn holds the results and the message after them', () => {
    const decoded = decode({
      ...base,
      messages: [...toolTurn, user('and in Rome?')],
      tools: [weatherTool, { type: 'function', function: { name: 'now' } }],
      tool_choice: 'auto',
    });
    expect(decoded.request.tools).toEqual([
      { name: 'get_weather', description: 'Weather', inputSchema: { type: 'object', properties: {} } },
      { name: 'now', description: undefined, inputSchema: { type: 'object', properties: {} } },
    ]);
    expect(decoded.request.toolChoice).toBe('auto');
    expect(decoded.request.messages).toEqual([
      { role: 'user', content: [{ text: 'Weather in Paris?' }] },
      {
        role: 'assistant',
        content: [{ toolUse: { toolUseId: 'call_1', name: 'get_weather', input: { city: 'Paris' } } }],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 'call_1', content: [{ text: 'sunny' }], status: undefined } },
          { text: 'and in Rome?' },
        ],
      },
    ]);
  });

  test('assistant text beside tool calls, and text parts joined', () => {
    const messages = [
      user('hi'),
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
      user('more'),
    ];
    expect(decode({ ...base, messages }).request.messages[1]).toEqual({
      role: 'assistant',
      content: [{ text: 'a\nb' }],
    });
  });

  test.each([
    ['required', 'any'],
    [{ type: 'function', function: { name: 'get_weather' } }, { tool: 'get_weather' }],
  ])('tool_choice %j -> %j', (choice, expected) => {
    expect(decode({ ...base, tools: [weatherTool], tool_choice: choice }).request.toolChoice).toEqual(expected);
  });

  test('system and developer messages follow in order, where the operator allows them', () => {
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'developer', content: [{ type: 'text', text: 'Use French.' }] },
      user('hi'),
    ];
    expect(decode({ ...base, messages }, withSystem).request.callerSystem).toEqual(['Be brief.', 'Use French.']);
  });

  test.each(IGNORED_FIELDS)('the harmless field %s is accepted and ignored', (field) => {
    expect(decode({ ...base, [field]: 'x' }).request).toEqual(decode(base).request);
  });

  test.each([
    ['n', 1],
    ['logprobs', false],
    ['response_format', { type: 'text' }],
    ['frequency_penalty', 0],
    ['presence_penalty', 0],
    ['parallel_tool_calls', true],
    ['modalities', ['text']],
  ])('%s with the value that changes nothing (%j) is accepted', (field, value) => {
    expect(decode({ ...base, [field]: value }).request).toEqual(decode(base).request);
  });
});

describe('decodeChatCompletion refuses', () => {
  test('a model outside the allowed ids: 404 model_not_found naming model, not quoting it', () => {
    const err = refused({ ...base, model: 'gpt-4o-secret' });
    expect(err).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
    expect(err.message).not.toContain('gpt-4o-secret');
    expect(refused({ ...base, model: PROFILE.replace('abc123', 'zzz') })).toMatchObject({ status: 404 });
  });

  test('a request without model or messages', () => {
    expect(refused({ messages: [user('hi')] })).toMatchObject({ status: 400, code: 'missing_field', param: 'model' });
    expect(refused({ model: MODEL })).toMatchObject({ code: 'missing_field', param: 'messages' });
    expect(refused({ model: MODEL, messages: [] })).toMatchObject({ code: 'invalid_value', param: 'messages' });
  });

  test.each([
    ['n', 2],
    ['logprobs', true],
    ['top_logprobs', 3],
    ['modalities', ['text', 'audio']],
    ['audio', { voice: 'alloy', format: 'mp3' }],
    ['functions', [{ name: 'f' }]],
    ['function_call', 'auto'],
    ['seed', 42],
    ['frequency_penalty', 0.5],
    ['presence_penalty', -1],
    ['logit_bias', { '50256': -100 }],
    ['prediction', { type: 'content', content: 'x' }],
    ['web_search_options', {}],
    ['verbosity', 'low'],
    ['parallel_tool_calls', false],
  ])('%s = %j: 400 unsupported_parameter naming it', (field, value) => {
    expect(Object.keys(UNSUPPORTED_FIELDS)).toContain(field);
    expect(refused({ ...base, [field]: value })).toMatchObject({
      status: 400,
      code: 'unsupported_parameter',
      param: field,
    });
  });

  test('an unknown field, without echoing its name', () => {
    const err = refused({ ...base, sneaky_field: 1 });
    expect(err).toMatchObject({ status: 400, code: 'unknown_field', param: null });
    expect(err.message).not.toContain('sneaky_field');
  });

  test('max_tokens and max_completion_tokens together, or over the cap', () => {
    expect(refused({ ...base, max_tokens: 5, max_completion_tokens: 5 })).toMatchObject({ param: 'max_tokens' });
    expect(refused({ ...base, max_completion_tokens: 1001 })).toMatchObject({
      code: 'invalid_value',
      param: 'max_completion_tokens',
    });
    expect(refused({ ...base, max_tokens: 0 })).toMatchObject({ param: 'max_tokens' });
  });

  test('a temperature above 1 (OpenAI allows 2, Bedrock does not): refused, not clamped', () => {
    expect(refused({ ...base, temperature: 1.5 })).toMatchObject({ code: 'invalid_value', param: 'temperature' });
    expect(refused({ ...base, top_p: -0.1 })).toMatchObject({ param: 'top_p' });
  });

  test('stop beyond the caps', () => {
    expect(refused({ ...base, stop: ['a', 'b', 'c', 'd', 'e'] })).toMatchObject({ param: 'stop' });
    expect(refused({ ...base, stop: '' })).toMatchObject({ param: 'stop' });
  });

  test('stream_options without stream: true', () => {
    expect(refused({ ...base, stream_options: { include_usage: true } })).toMatchObject({ param: 'stream_options' });
  });

  test('system messages without a user message', () => {
    expect(refused({ ...base, messages: [{ role: 'system', content: 'x' }] }, withSystem)).toMatchObject({
      code: 'missing_field',
      param: 'messages',
    });
  });

  test('a system or developer message by default, naming the prop that allows it', () => {
    for (const role of ['system', 'developer']) {
      const err = refused({ ...base, messages: [{ role, content: 'x' }, user('hi')] });
      expect(err).toMatchObject({ code: 'system_message_not_allowed', param: 'messages[0].role' });
      expect(err.message).toContain('allowCallerSystemMessages');
    }
  });

  test('an image by https URL (nothing is fetched), an unknown media type, bad base64, too many bytes', () => {
    const image = (url: string) => ({
      ...base,
      messages: [user([{ type: 'image_url', image_url: { url } }])],
    });
    const param = 'messages[0].content[0].image_url.url';
    expect(refused(image('https://example.com/cat.png'))).toMatchObject({ code: 'unsupported_source', param });
    expect(refused(image(`data:image/tiff;base64,${PNG}`))).toMatchObject({ code: 'invalid_value', param });
    expect(refused(image('data:image/png;base64,not base64!'))).toMatchObject({ code: 'invalid_base64', param });
    const big = Buffer.alloc(RequestLimits.MAX_IMAGE_BYTES + 3).toString('base64');
    expect(refused(image(`data:image/png;base64,${big}`))).toMatchObject({ code: 'invalid_value', param });
  });

  test('more images than Bedrock takes in one request', () => {
    const part = { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } };
    const messages = [user(Array(RequestLimits.MAX_IMAGES + 1).fill(part))];
    expect(refused({ ...base, messages })).toMatchObject({ code: 'invalid_value', param: 'messages[0]' });
  });

  test('audio and file parts', () => {
    const audio = { type: 'input_audio', input_audio: { data: PNG, format: 'wav' } };
    expect(refused({ ...base, messages: [user([audio])] })).toMatchObject({
      code: 'unsupported_content',
      param: 'messages[0].content[0].type',
    });
  });

  test('tool call arguments that are not a JSON object string', () => {
    for (const args of ['not json', '[1]', '"x"']) {
      const messages = structuredClone(toolTurn);
      (messages[1] as any).tool_calls[0].function.arguments = args;
      expect(refused({ ...base, messages, tools: [weatherTool] })).toMatchObject({
        code: 'invalid_value',
        param: 'messages[1].tool_calls[0].function.arguments',
      });
    }
  });

  test('a tool result that answers no call of the previous assistant message', () => {
    const messages = structuredClone(toolTurn);
    (messages[2] as any).tool_call_id = 'call_9';
    expect(refused({ ...base, messages, tools: [weatherTool] })).toMatchObject({
      code: 'invalid_value',
      param: 'messages[2].tool_call_id',
    });
  });

  test('tool calls without tool definitions', () => {
    expect(refused({ ...base, messages: toolTurn })).toMatchObject({ code: 'missing_field', param: 'messages[1]' });
  });

  test('tools, tool_choice and tool messages where client tools are off', () => {
    expect(refused({ ...base, tools: [weatherTool] }, noTools)).toMatchObject({
      code: 'tools_disabled',
      param: 'tools',
    });
    expect(refused({ ...base, tool_choice: 'auto' }, noTools)).toMatchObject({
      code: 'tools_disabled',
      param: 'tool_choice',
    });
    expect(refused({ ...base, messages: toolTurn }, noTools)).toMatchObject({ code: 'tools_disabled' });
  });

  test('tool_choice none, an unknown tool, or a choice without tools', () => {
    expect(refused({ ...base, tools: [weatherTool], tool_choice: 'none' })).toMatchObject({
      code: 'unsupported_value',
      param: 'tool_choice',
    });
    expect(
      refused({ ...base, tools: [weatherTool], tool_choice: { type: 'function', function: { name: 'other' } } }),
    ).toMatchObject({ param: 'tool_choice.function.name' });
    expect(refused({ ...base, tool_choice: 'required' })).toMatchObject({
      code: 'missing_field',
      param: 'tool_choice',
    });
  });

  test('shared rules name the fields in OpenAI terms', () => {
    const tool = (fn: object) => ({ ...base, tools: [{ type: 'function', function: { name: 'f', ...fn } }] });
    const schema = refused(tool({ parameters: 'not a schema' }));
    expect(schema).toMatchObject({ code: 'invalid_type', param: 'tools[0].function.parameters' });
    expect(schema.message).toContain('tools[0].function.parameters');
    expect(refused(tool({ name: 'has space' }))).toMatchObject({ param: 'tools[0].function.name' });
    const badId = structuredClone(toolTurn);
    (badId[1] as any).tool_calls[0].id = 'bad id!';
    expect(refused({ ...base, messages: badId, tools: [weatherTool] })).toMatchObject({
      param: 'messages[1].tool_calls[0].id',
    });
    const badName = structuredClone(toolTurn);
    (badName[1] as any).tool_calls[0].function.name = 'bad name!';
    expect(refused({ ...base, messages: badName, tools: [weatherTool] })).toMatchObject({
      param: 'messages[1].tool_calls[0].function.name',
    });
    const badResult = structuredClone(toolTurn);
    (badResult[2] as any).tool_call_id = 'bad id!';
    expect(refused({ ...base, messages: badResult, tools: [weatherTool] })).toMatchObject({
      param: 'messages[2].tool_call_id',
    });
  });

  test('a tool of another type, or a strict flag that is not a boolean', () => {
    expect(refused({ ...base, tools: [{ type: 'custom', custom: { name: 'x' } }] })).toMatchObject({
      param: 'tools[0]',
    });
    const strict = { type: 'function', function: { name: 'f', strict: 'yes' } };
    expect(refused({ ...base, tools: [strict] })).toMatchObject({
      code: 'invalid_type',
      param: 'tools[0].function.strict',
    });
  });

  test('a conversation that starts with the assistant, or an unknown role', () => {
    expect(refused({ ...base, messages: [{ role: 'assistant', content: 'x' }] })).toMatchObject({
      param: 'messages[0].role',
    });
    expect(refused({ ...base, messages: [{ role: 'function', content: 'x' }] })).toMatchObject({
      param: 'messages[0].role',
    });
  });

  test('an assistant message with neither content nor tool calls, or with audio', () => {
    const messages = [user('hi'), { role: 'assistant', content: null }, user('again')];
    expect(refused({ ...base, messages })).toMatchObject({ code: 'missing_field', param: 'messages[1].content' });
    const audio = [user('hi'), { role: 'assistant', content: 'x', audio: { id: 'a' } }, user('again')];
    expect(refused({ ...base, messages: audio })).toMatchObject({
      code: 'unsupported_parameter',
      param: 'messages[1].audio',
    });
  });

  test('thinking rules with the OpenAI names', () => {
    expect(refused({ ...base, temperature: 0.5 }, thinking)).toMatchObject({ param: 'temperature' });
    expect(refused({ ...base, top_p: 0.5 }, thinking)).toMatchObject({ param: 'top_p' });
    expect(refused({ ...base, max_tokens: 400 }, thinking)).toMatchObject({ param: 'max_tokens' });
    expect(refused({ ...base, max_tokens: '100' }, thinking)).toMatchObject({
      code: 'invalid_value',
      param: 'max_tokens',
    });
    expect(decode({ ...base }, thinking).request.maxTokens).toBe(1000);
    expect(refused({ ...base, tools: [weatherTool], tool_choice: 'required' }, thinking)).toMatchObject({
      param: 'tool_choice',
    });
  });
});

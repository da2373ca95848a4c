import type { APIGatewayProxyEvent } from 'aws-lambda';
import { loadConfig } from '../../../src/handler/config';
import { validateChatRequest } from '../../../src/handler/protocols/native/decode';
import { readJsonBody } from '../../../src/handler/request/http';
import { RequestLimits } from '../../../src/handler/request/limits';
import { callerSystemText } from '../../../src/handler/request/operator';
import { rejection } from '../../support/rejection';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const config = loadConfig({
  SBA_MODEL_ID: MODEL,
  SBA_ALLOWED_MODEL_IDS: JSON.stringify(['amazon.nova-lite-v1:0']),
  SBA_MAX_TOKENS: '1000',
  SBA_TEMPERATURE: '0.4',
});

describe('validateChatRequest accepts', () => {
  test('a prompt, with the configured model, the cap as maxTokens and the default temperature', () => {
    expect(validateChatRequest({ prompt: 'hi' }, config)).toEqual({
      modelId: MODEL,
      messages: [{ role: 'user', content: [{ text: 'hi' }] }],
      maxTokens: 1000,
      temperature: 0.4,
      topP: undefined,
      stopSequences: undefined,
    });
  });

  test('messages with string and block content, and every inference parameter', () => {
    const request = validateChatRequest(
      {
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: [{ text: 'b' }] },
          { role: 'user', content: [{ text: 'c' }, { text: 'd' }] },
        ],
        modelId: 'amazon.nova-lite-v1:0',
        maxTokens: 1000,
        temperature: 0,
        topP: 1,
        stopSequences: ['END'],
      },
      config,
    );
    expect(request).toMatchObject({ modelId: 'amazon.nova-lite-v1:0', maxTokens: 1000, temperature: 0, topP: 1 });
    expect(request.messages.map((m) => m.content.length)).toEqual([1, 1, 2]);
  });
});

const user = (content: unknown) => ({ role: 'user', content });
const assistant = (content: unknown) => ({ role: 'assistant', content });

describe('validateChatRequest fails', () => {
  test.each<[string, unknown, string, string | null, RegExp]>([
    ['for an array body', [], 'invalid_body', null, /must be a JSON object/],
    ['for null', null, 'invalid_body', null, /must be a JSON object/],
    [
      'for a caller system prompt',
      { prompt: 'x', system: 's' },
      'unknown_field',
      'system',
      /system prompt is set by the API/,
    ],
    ['for toolConfig', { prompt: 'x', toolConfig: {} }, 'unknown_field', 'toolConfig', /Send tools and toolChoice/],
    [
      'for an unknown field, without naming it',
      { prompt: 'x', secretField: 1 },
      'unknown_field',
      null,
      /^The request has a field that is not accepted\. Accepted fields: prompt, messages/,
    ],
    ['for __proto__', JSON.parse('{"prompt":"x","__proto__":{"a":1}}'), 'unknown_field', null, /not accepted/],
    [
      'for prompt and messages together',
      { prompt: 'x', messages: [user('y')] },
      'invalid_body',
      null,
      /either prompt or messages/,
    ],
    ['for neither prompt nor messages', {}, 'missing_field', 'prompt', /needs a prompt/],
    ['for a blank prompt', { prompt: '  \n' }, 'invalid_value', 'prompt', /must not be empty or blank/],
    ['for a prompt that is not a string', { prompt: 5 }, 'invalid_type', 'prompt', /must be a string/],
    ['for messages that are not an array', { messages: {} }, 'invalid_type', 'messages', /must be an array/],
    ['for empty messages', { messages: [] }, 'invalid_value', 'messages', /must not be empty/],
    [
      'for 101 messages',
      { messages: Array.from({ length: 101 }, (_, i) => (i % 2 ? assistant('a') : user('u'))) },
      'invalid_value',
      'messages',
      /at most 100/,
    ],
    [
      'for a system role',
      { messages: [{ role: 'system', content: 'x' }] },
      'invalid_value',
      'messages[0].role',
      /system role is not accepted/,
    ],
    [
      'for an unknown role',
      { messages: [{ role: 'tool', content: 'x' }] },
      'invalid_value',
      'messages[0].role',
      /'user' or 'assistant'/,
    ],
    [
      'for a conversation starting with the assistant',
      { messages: [assistant('x')] },
      'invalid_value',
      'messages[0].role',
      /start with a user message/,
    ],
    [
      'for two user turns in a row',
      { messages: [user('a'), user('b')] },
      'invalid_value',
      'messages[1].role',
      /alternate/,
    ],
    [
      'for an extra message field',
      { messages: [{ ...user('a'), name: 'n' }] },
      'unknown_field',
      'messages[0]',
      /only have the fields role and content/,
    ],
    [
      'for an empty content array',
      { messages: [user([])] },
      'invalid_value',
      'messages[0].content',
      /1 to 32 content blocks/,
    ],
    [
      'for an unknown block type',
      { messages: [user([{ video: {} }])] },
      'unknown_field',
      'messages[0].content[0]',
      /exactly one of the keys text, image, document, toolUse, toolResult, reasoningContent/,
    ],
    [
      'for a blank text block',
      { messages: [user([{ text: ' ' }])] },
      'invalid_value',
      'messages[0].content[0].text',
      /must not be empty/,
    ],
    [
      'for a model not allowed',
      { prompt: 'x', modelId: 'other' },
      'model_not_allowed',
      'modelId',
      /modelId must be one of/,
    ],
    [
      'for a model given as an ARN',
      { prompt: 'x', modelId: `arn:aws:bedrock:us-east-1::foundation-model/${MODEL}` },
      'model_not_allowed',
      'modelId',
      /must be one of/,
    ],
    ['for maxTokens 0', { prompt: 'x', maxTokens: 0 }, 'invalid_value', 'maxTokens', /whole number from 1 to 1000/],
    ['for maxTokens 1.5', { prompt: 'x', maxTokens: 1.5 }, 'invalid_value', 'maxTokens', /whole number/],
    ['for maxTokens "10"', { prompt: 'x', maxTokens: '10' }, 'invalid_value', 'maxTokens', /whole number/],
    ['for maxTokens over the cap', { prompt: 'x', maxTokens: 1001 }, 'invalid_value', 'maxTokens', /1 to 1000/],
    ['for temperature 1.5', { prompt: 'x', temperature: 1.5 }, 'invalid_value', 'temperature', /from 0 to 1/],
    ['for topP NaN-like null', { prompt: 'x', topP: null }, 'invalid_value', 'topP', /from 0 to 1/],
    [
      'for five stop sequences',
      { prompt: 'x', stopSequences: ['a', 'b', 'c', 'd', 'e'] },
      'invalid_value',
      'stopSequences',
      /at most 4/,
    ],
    ['for an empty stop sequence', { prompt: 'x', stopSequences: [''] }, 'invalid_value', 'stopSequences', /non-empty/],
  ])('%s', (_name, body, code, param, message) => {
    const error = rejection(() => validateChatRequest(body, config));
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', code, param });
    expect(error.message).toMatch(message);
  });

  test('with one model only, the message says the model cannot be chosen', () => {
    const single = loadConfig({ SBA_MODEL_ID: MODEL });
    expect(rejection(() => validateChatRequest({ prompt: 'x', modelId: 'other' }, single)).message).toMatch(
      /does not let callers choose the model/,
    );
  });
});

function event(body: string | null, init: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    body,
    headers: { 'content-type': 'application/json' },
    isBase64Encoded: false,
    ...init,
  } as APIGatewayProxyEvent;
}

describe('readJsonBody', () => {
  test('parses a JSON body, also base64-encoded', () => {
    expect(readJsonBody(event('{"a":1}'), 100)).toEqual({ a: 1 });
    expect(readJsonBody(event(Buffer.from('{"b":"é"}').toString('base64'), { isBase64Encoded: true }), 100)).toEqual({
      b: 'é',
    });
  });

  test.each<[string, APIGatewayProxyEvent, number, string]>([
    [
      'with another content type',
      event('{}', { headers: { 'Content-Type': 'text/plain' } }),
      415,
      'unsupported_media_type',
    ],
    [
      'with a non-UTF-8 charset',
      event('{}', { headers: { 'content-type': 'application/json; charset=latin1' } }),
      415,
      'unsupported_media_type',
    ],
    ['without a body', event(null), 400, 'missing_body'],
    ['with invalid JSON, without quoting it', event('{"SECRET'), 400, 'invalid_json'],
    ['over the size cap, before parsing', event(`"${'x'.repeat(100)}"`), 413, 'request_too_large'],
    ['over the size cap in multi-byte characters', event(`"${'é'.repeat(60)}"`), 413, 'request_too_large'],
    ['with broken base64', event('!!!!', { isBase64Encoded: true }), 400, 'invalid_base64'],
    [
      'with base64 of invalid UTF-8',
      event(Buffer.from([0x7b, 0xff]).toString('base64'), { isBase64Encoded: true }),
      400,
      'invalid_encoding',
    ],
  ])('fails %s', (_name, input, status, code) => {
    const error = rejection(() => readJsonBody(input, 100));
    expect(error).toMatchObject({ status, code });
    expect(error.message).not.toContain('SECRET');
  });
});

/** A marker carried by every bad value below: no error message may quote it. */
const M = 'Marker7f3a';
const b64 = (bytes: Buffer | string) => Buffer.from(bytes).toString('base64');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const image = (format = 'png', source: unknown = { bytes: b64(PNG) }) => ({ image: { format, source } });
const document = (name = 'Q3 report (final) [v2]', source: unknown = { bytes: b64('a,b\n1,2\n') }) => ({
  document: { format: 'csv', name, source },
});
const WEATHER = { name: 'get_weather', description: 'Weather of a city', inputSchema: { type: 'object' } };
const toolUse = (toolUseId = 'tooluse_1', input: unknown = { city: 'Paris' }) => ({
  toolUse: { toolUseId, name: 'get_weather', input },
});
const toolResult = (toolUseId = 'tooluse_1', content: unknown = [{ json: { celsius: 21 } }]) => ({
  toolResult: { toolUseId, content },
});
const toolTurn = (result: unknown = toolResult()) => ({
  tools: [WEATHER],
  messages: [user('Weather in Paris?'), assistant([toolUse()]), user([result])],
});
const withConfig = (env: Record<string, string>) => loadConfig({ SBA_MODEL_ID: MODEL, SBA_MAX_TOKENS: '1000', ...env });
const thinking = withConfig({
  SBA_ADDITIONAL_MODEL_REQUEST_FIELDS: JSON.stringify({ thinking: { type: 'enabled', budget_tokens: 1024 } }),
});

describe('validateChatRequest accepts content blocks', () => {
  test('an image, with its bytes decoded', () => {
    const request = validateChatRequest({ messages: [user([{ text: 'What is it?' }, image('png')])] }, config);
    expect(request.messages[0].content[1]).toEqual({
      image: { format: 'png', source: { bytes: new Uint8Array(PNG) } },
    });
  });

  test('a document with a name and a text block beside it', () => {
    const request = validateChatRequest({ messages: [user([document(), { text: 'Summarize' }])] }, config);
    expect(request.messages[0].content[0]).toEqual({
      document: {
        format: 'csv',
        name: 'Q3 report (final) [v2]',
        source: { bytes: new Uint8Array(Buffer.from('a,b\n1,2\n')) },
      },
    });
  });

  test('a tool call, its result, and the reasoning that preceded the call', () => {
    const reasoning = { reasoningContent: { reasoningText: { text: 'I should look it up.', signature: 'sig==' } } };
    const redacted = { reasoningContent: { redactedContent: b64('encrypted') } };
    const request = validateChatRequest(
      {
        tools: [WEATHER],
        toolChoice: 'auto',
        messages: [
          user('Weather in Paris?'),
          assistant([reasoning, redacted, toolUse()]),
          user([toolResult('tooluse_1', [{ text: '21 C' }, { json: { celsius: 21 } }]), { text: 'and?' }]),
        ],
      },
      config,
    );
    expect(request.tools).toEqual([WEATHER]);
    expect(request.toolChoice).toBe('auto');
    expect(request.messages[1].content).toEqual([
      reasoning,
      { reasoningContent: { redactedContent: new Uint8Array(Buffer.from('encrypted')) } },
      toolUse(),
    ]);
    expect(request.messages[2].content[0]).toEqual(
      toolResult('tooluse_1', [{ text: '21 C' }, { json: { celsius: 21 } }]),
    );
  });

  test.each<[string, unknown]>([
    ['any', 'any'],
    ['a defined tool', { tool: 'get_weather' }],
  ])('toolChoice %s', (_name, toolChoice) => {
    expect(validateChatRequest({ prompt: 'x', tools: [WEATHER], toolChoice }, config).toolChoice).toEqual(toolChoice);
  });

  test('attachments exactly at the caps: 20 images and 5 documents, an image of 3,750,000 bytes', () => {
    const big = Buffer.alloc(RequestLimits.MAX_IMAGE_BYTES, 1);
    PNG.copy(big);
    const images = [image('png', { bytes: b64(big) }), ...Array.from({ length: 19 }, () => image())];
    const documents = Array.from({ length: 5 }, () => document());
    const request = validateChatRequest(
      { messages: [user([...images, { text: 'x' }]), assistant('y'), user([...documents, { text: 'z' }])] },
      config,
    );
    expect(request.messages[0].content).toHaveLength(21);
  });

  test('64 tools, with a schema of 16 KiB', () => {
    const schema = { type: 'object', description: '' };
    schema.description = 'd'.repeat(RequestLimits.MAX_TOOL_SCHEMA_BYTES - JSON.stringify(schema).length);
    const tools = Array.from({ length: 64 }, (_, i) => ({ name: `tool_${i}`, inputSchema: i === 0 ? schema : {} }));
    expect(validateChatRequest({ prompt: 'x', tools }, config).tools).toHaveLength(64);
  });

  test('with thinking on, a request without temperature, topP or a forced tool', () => {
    expect(
      validateChatRequest({ prompt: 'x', tools: [WEATHER], toolChoice: 'auto' }, thinking).temperature,
    ).toBeUndefined();
  });
});

describe('validateChatRequest fails, naming the block and never quoting the value', () => {
  const at = (message: number, block: number, field = '') => `messages[${message}].content[${block}]${field}`;
  test.each<[string, unknown, string, string, RegExp]>([
    // images
    [
      'for an image format not listed',
      { messages: [user([image(`bmp${M}`)])] },
      'invalid_value',
      at(0, 0, '.image.format'),
      /png, jpeg, gif, webp/,
    ],
    [
      'for an image from S3',
      { messages: [user([image('png', { s3Location: { uri: `s3://${M}/x.png` } })])] },
      'unsupported_source',
      at(0, 0, '.image.source'),
      /only inline bytes/,
    ],
    [
      'for an image URL',
      { messages: [user([image('png', { url: `https://${M}.example/x.png` })])] },
      'unsupported_source',
      at(0, 0, '.image.source'),
      /URLs/,
    ],
    [
      'for bytes beside another source',
      { messages: [user([image('png', { bytes: b64(PNG), uri: M })])] },
      'unsupported_source',
      at(0, 0, '.image.source'),
      /only inline bytes/,
    ],
    [
      'for bytes that are not a string',
      { messages: [user([image('png', { bytes: [1, 2] })])] },
      'invalid_type',
      at(0, 0, '.image.source.bytes'),
      /base64 string/,
    ],
    [
      'for broken base64',
      { messages: [user([image('png', { bytes: `${M}!!` })])] },
      'invalid_base64',
      at(0, 0, '.image.source.bytes'),
      /standard base64/,
    ],
    [
      'for base64 with whitespace',
      { messages: [user([image('png', { bytes: `${b64(M)}\n${b64(M)}` })])] },
      'invalid_base64',
      at(0, 0, '.image.source.bytes'),
      /no whitespace/,
    ],
    [
      'for base64 without padding',
      { messages: [user([image('png', { bytes: b64(`${M}!`).replace(/=+$/, '') })])] },
      'invalid_base64',
      at(0, 0, '.image.source.bytes'),
      /padding/,
    ],
    [
      'for URL-safe base64',
      { messages: [user([image('png', { bytes: Buffer.from([0xfb, 0xff, 0xfe]).toString('base64url') + M })])] },
      'invalid_base64',
      at(0, 0, '.image.source.bytes'),
      /standard base64/,
    ],
    [
      'for empty bytes',
      { messages: [user([image('png', { bytes: '' })])] },
      'invalid_base64',
      at(0, 0, '.image.source.bytes'),
      /non-empty/,
    ],
    [
      'for a data: URL as bytes',
      { messages: [user([image('png', { bytes: `data:image/png;base64,${b64(M)}` })])] },
      'invalid_base64',
      at(0, 0, '.image.source.bytes'),
      /standard base64/,
    ],
    [
      'for an image over 3,750,000 bytes',
      { messages: [user([image('png', { bytes: b64(Buffer.alloc(3_750_001, 7)) })])] },
      'invalid_value',
      at(0, 0, '.image.source.bytes'),
      /at most 3750000 bytes/,
    ],
    [
      'for a 21st image',
      {
        messages: [
          user([...Array.from({ length: 11 }, () => image()), { text: 'x' }]),
          assistant('y'),
          user(Array.from({ length: 10 }, () => image())),
        ],
      },
      'invalid_value',
      at(2, 9),
      /at most 20 images/,
    ],
    [
      'for an image in an assistant message',
      { messages: [user('x'), assistant([image()])] },
      'invalid_value',
      at(1, 0),
      /only in user messages/,
    ],
    [
      'for an unknown image field',
      { messages: [user([{ image: { format: 'png', source: { bytes: b64(PNG) }, [M]: 1 } }])] },
      'unknown_field',
      at(0, 0, '.image'),
      /only have the fields format, source/,
    ],
    // documents
    [
      'for a document format not listed',
      { messages: [user([{ document: { format: `exe${M}`, name: 'a', source: { bytes: b64(M) } } }, { text: 'x' }])] },
      'invalid_value',
      at(0, 0, '.document.format'),
      /pdf, csv, doc, docx, xls, xlsx, html, txt, md/,
    ],
    [
      'for a document name with a dot',
      { messages: [user([document(`${M}.pdf`), { text: 'x' }])] },
      'invalid_value',
      at(0, 0, '.document.name'),
      /no dots/,
    ],
    [
      'for a document name with two spaces',
      { messages: [user([document(`a  ${M}`), { text: 'x' }])] },
      'invalid_value',
      at(0, 0, '.document.name'),
      /single spaces/,
    ],
    [
      'for a document name of 201 characters',
      { messages: [user([document(M + 'a'.repeat(201 - M.length)), { text: 'x' }])] },
      'invalid_value',
      at(0, 0, '.document.name'),
      /1 to 200/,
    ],
    [
      'for a blank document name',
      { messages: [user([document(' '), { text: 'x' }])] },
      'invalid_value',
      at(0, 0, '.document.name'),
      /1 to 200/,
    ],
    [
      'for a document from S3',
      { messages: [user([document('a', { s3Location: { uri: `s3://${M}` } }), { text: 'x' }])] },
      'unsupported_source',
      at(0, 0, '.document.source'),
      /not fetched/,
    ],
    [
      'for a document over 4,500,000 bytes',
      { messages: [user([document('a', { bytes: b64(Buffer.alloc(4_500_001)) }), { text: 'x' }])] },
      'invalid_value',
      at(0, 0, '.document.source.bytes'),
      /at most 4500000 bytes/,
    ],
    [
      'for a document without a text block',
      { messages: [user([image(), document()])] },
      'invalid_value',
      at(0, 1),
      /needs a text block/,
    ],
    [
      'for a 6th document',
      { messages: [user([...Array.from({ length: 6 }, () => document()), { text: 'x' }])] },
      'invalid_value',
      at(0, 5),
      /at most 5 documents/,
    ],
    [
      'for a document in an assistant message',
      { messages: [user('x'), assistant([document(), { text: 'y' }])] },
      'invalid_value',
      at(1, 0),
      /only in user messages/,
    ],
    // other blocks
    [
      'for a cache point',
      { messages: [user([{ text: 'x' }, { cachePoint: { type: 'default' } }])] },
      'unknown_field',
      at(0, 1),
      /placed by the API/,
    ],
    [
      'for a block with two keys',
      { messages: [user([{ text: 'x', image: M }])] },
      'unknown_field',
      at(0, 0),
      /exactly one of the keys/,
    ],
    [
      'for reasoning in a user message',
      { messages: [user([{ reasoningContent: { reasoningText: { text: M } } }])] },
      'invalid_value',
      at(0, 0),
      /only in assistant messages/,
    ],
    [
      'for reasoning of an unknown kind',
      { messages: [user('x'), assistant([{ reasoningContent: { [M]: 1 } }])] },
      'unknown_field',
      at(1, 0, '.reasoningContent'),
      /reasoningText or redactedContent/,
    ],
    [
      'for reasoning without text',
      { messages: [user('x'), assistant([{ reasoningContent: { reasoningText: { signature: M } } }])] },
      'invalid_value',
      at(1, 0, '.reasoningContent.reasoningText.text'),
      /non-empty string/,
    ],
    [
      'for broken redacted reasoning',
      { messages: [user('x'), assistant([{ reasoningContent: { redactedContent: `${M}%` } }])] },
      'invalid_base64',
      at(1, 0, '.reasoningContent.redactedContent'),
      /base64/,
    ],
    // tool blocks
    [
      'for a tool call in a user message',
      { ...toolTurn(), messages: [user([toolUse()])] },
      'invalid_value',
      at(0, 0),
      /only in assistant messages/,
    ],
    [
      'for a tool result in an assistant message',
      { ...toolTurn(), messages: [user('x'), assistant([toolResult()])] },
      'invalid_value',
      at(1, 0),
      /only in user messages/,
    ],
    [
      'for a tool call whose input is not an object',
      { ...toolTurn(), messages: [user('x'), assistant([toolUse('t1', [M])])] },
      'invalid_type',
      at(1, 0, '.toolUse.input'),
      /JSON object/,
    ],
    [
      'for a tool call id with spaces',
      { ...toolTurn(), messages: [user('x'), assistant([toolUse(`a ${M}`)])] },
      'invalid_value',
      at(1, 0, '.toolUse.toolUseId'),
      /1 to 64 letters/,
    ],
    [
      'for a tool result answering no call of the previous message',
      toolTurn(toolResult(`x${M}`)),
      'invalid_value',
      at(2, 0, '.toolResult.toolUseId'),
      /previous assistant message/,
    ],
    [
      'for a tool result with empty content',
      toolTurn(toolResult('tooluse_1', [])),
      'invalid_value',
      at(2, 0, '.toolResult.content'),
      /1 to 32 items/,
    ],
    [
      'for a tool result item of another kind',
      toolTurn(toolResult('tooluse_1', [{ image: M }])),
      'unknown_field',
      at(2, 0, '.toolResult.content[0]'),
      /\{"text": "\.\.\."\} or \{"json"/,
    ],
    [
      'for a tool result status not listed',
      toolTurn({ toolResult: { toolUseId: 'tooluse_1', content: [{ text: 'x' }], status: M } }),
      'invalid_value',
      at(2, 0, '.toolResult.status'),
      /success, error/,
    ],
    [
      'for tool blocks without tools',
      { messages: [user('x'), assistant([toolUse()]), user([toolResult()])] },
      'missing_field',
      at(1, 0),
      /needs the tool definitions/,
    ],
    // tools
    ['for tools that are not an array', { prompt: 'x', tools: M }, 'invalid_type', 'tools', /must be an array/],
    ['for no tools', { prompt: 'x', tools: [] }, 'invalid_value', 'tools', /1 to 64 items/],
    [
      'for 65 tools',
      { prompt: 'x', tools: Array.from({ length: 65 }, (_, i) => ({ name: `t${i}`, inputSchema: {} })) },
      'invalid_value',
      'tools',
      /1 to 64 items/,
    ],
    [
      'for a tool name with a space',
      { prompt: 'x', tools: [{ ...WEATHER, name: `get ${M}` }] },
      'invalid_value',
      'tools[0].name',
      /1 to 64 letters, digits, underscores or hyphens/,
    ],
    [
      'for a tool name of 65 characters',
      { prompt: 'x', tools: [{ ...WEATHER, name: M + 'a'.repeat(65 - M.length) }] },
      'invalid_value',
      'tools[0].name',
      /1 to 64/,
    ],
    [
      'for two tools of one name',
      { prompt: 'x', tools: [WEATHER, WEATHER] },
      'invalid_value',
      'tools[1].name',
      /unique/,
    ],
    [
      'for a tool description over 16384 characters',
      { prompt: 'x', tools: [{ ...WEATHER, description: M.repeat(1640) }] },
      'invalid_value',
      'tools[0].description',
      /at most 16384 characters/,
    ],
    [
      'for a schema that is not an object',
      { prompt: 'x', tools: [{ ...WEATHER, inputSchema: [M] }] },
      'invalid_type',
      'tools[0].inputSchema',
      /JSON object/,
    ],
    [
      'for a schema as a string',
      { prompt: 'x', tools: [{ ...WEATHER, inputSchema: `{"type":"${M}"}` }] },
      'invalid_type',
      'tools[0].inputSchema',
      /JSON object/,
    ],
    [
      'for a schema over 16 KiB',
      { prompt: 'x', tools: [{ ...WEATHER, inputSchema: { description: M.repeat(1700) } }] },
      'invalid_value',
      'tools[0].inputSchema',
      /at most 16384 bytes/,
    ],
    [
      'for an unknown tool field',
      { prompt: 'x', tools: [{ ...WEATHER, [M]: 1 }] },
      'unknown_field',
      'tools[0]',
      /only have the fields name, description, inputSchema/,
    ],
    [
      'for a Converse-shaped tool',
      { prompt: 'x', tools: [{ toolSpec: WEATHER }] },
      'unknown_field',
      'tools[0]',
      /only have the fields/,
    ],
    // toolChoice
    [
      'for toolChoice without tools',
      { prompt: 'x', toolChoice: 'auto' },
      'missing_field',
      'toolChoice',
      /needs tool definitions/,
    ],
    [
      'for an unknown toolChoice',
      { prompt: 'x', tools: [WEATHER], toolChoice: M },
      'invalid_value',
      'toolChoice',
      /"auto", "any" or \{"tool"/,
    ],
    [
      'for toolChoice of a tool not defined',
      { prompt: 'x', tools: [WEATHER], toolChoice: { tool: M } },
      'invalid_value',
      'toolChoice.tool',
      /one of the tools/,
    ],
    [
      'for a Converse-shaped toolChoice',
      { prompt: 'x', tools: [WEATHER], toolChoice: { auto: {} } },
      'invalid_value',
      'toolChoice',
      /"auto", "any"/,
    ],
  ])('%s', (_name, body, code, param, message) => {
    const error = rejection(() => validateChatRequest(body, config));
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', code, param });
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(M);
  });
});

describe('with client tools turned off', () => {
  const noTools = withConfig({ SBA_CLIENT_TOOLS: 'false' });
  test.each<[string, unknown, string]>([
    ['tools', { prompt: 'x', tools: [WEATHER] }, 'tools'],
    ['toolChoice', { prompt: 'x', toolChoice: 'auto' }, 'toolChoice'],
    ['a tool call', { messages: [user('x'), assistant([toolUse()])] }, 'messages[1].content[0]'],
    ['a tool result', { messages: [user([toolResult()])] }, 'messages[0].content[0]'],
  ])('%s gets 400 tools_disabled', (_name, body, param) => {
    const error = rejection(() => validateChatRequest(body, noTools));
    expect(error).toMatchObject({ status: 400, code: 'tools_disabled', param });
    expect(error.message).toMatch(/Tool use is turned off for this API/);
  });

  test('images and documents are still accepted', () => {
    expect(
      validateChatRequest({ messages: [user([image(), document(), { text: 'x' }])] }, noTools).messages,
    ).toHaveLength(1);
  });
});

describe('with Claude thinking on (additionalModelRequestFields)', () => {
  test.each<[string, unknown, string, RegExp]>([
    [
      'a temperature',
      { prompt: 'x', temperature: 1 },
      'temperature',
      /temperature cannot be set on this API: its model reasons/,
    ],
    ['a topP', { prompt: 'x', topP: 0.99 }, 'topP', /topP cannot be set on this API: its model reasons/],
    [
      'toolChoice any',
      { prompt: 'x', tools: [WEATHER], toolChoice: 'any' },
      'toolChoice',
      /can only be auto on this API: its model reasons/,
    ],
    [
      'toolChoice of one tool',
      { prompt: 'x', tools: [WEATHER], toolChoice: { tool: 'get_weather' } },
      'toolChoice',
      /does not allow forcing a tool/,
    ],
  ])('%s gets 400 saying why', (_name, body, param, message) => {
    const error = rejection(() => validateChatRequest(body, thinking));
    expect(error).toMatchObject({ status: 400, code: 'invalid_value', param });
    expect(error.message).toMatch(message);
  });

  test('a maxTokens that does not exceed the thinking budget gets 400 naming maxTokens; a larger one passes', () => {
    const budget = withConfig({
      SBA_MAX_TOKENS: '4000',
      SBA_ADDITIONAL_MODEL_REQUEST_FIELDS: JSON.stringify({ thinking: { type: 'enabled', budget_tokens: 1024 } }),
    });
    const error = rejection(() => validateChatRequest({ prompt: 'x', maxTokens: 1024 }, budget));
    expect(error).toMatchObject({ status: 400, code: 'invalid_value', param: 'maxTokens' });
    expect(error.message).toMatch(/maxTokens must be greater than 1024 on this API/);
    expect(validateChatRequest({ prompt: 'x', maxTokens: 1025 }, budget).maxTokens).toBe(1025);
    expect(validateChatRequest({ prompt: 'x' }, budget).maxTokens).toBe(4000);
  });

  test('adaptive thinking has the same rules; other model fields have none', () => {
    const adaptive = withConfig({ SBA_ADDITIONAL_MODEL_REQUEST_FIELDS: '{"thinking":{"type":"adaptive"}}' });
    expect(rejection(() => validateChatRequest({ prompt: 'x', temperature: 0.2 }, adaptive)).param).toBe('temperature');
    const nova = withConfig({
      SBA_ADDITIONAL_MODEL_REQUEST_FIELDS: '{"reasoningConfig":{"type":"enabled","maxReasoningEffort":"low"}}',
    });
    expect(validateChatRequest({ prompt: 'x', temperature: 0.2 }, nova).temperature).toBe(0.2);
    const disabled = withConfig({ SBA_ADDITIONAL_MODEL_REQUEST_FIELDS: '{"thinking":{"type":"disabled"}}' });
    expect(validateChatRequest({ prompt: 'x', topP: 0.5 }, disabled).topP).toBe(0.5);
  });
});

describe("a caller's system message (OpenAI and AI SDK protocols)", () => {
  test('is refused by default with 400 naming the message and the prop that allows it, never quoting it', () => {
    const error = rejection(() => callerSystemText('SECRET-INSTRUCTIONS', false, 'messages[0]'));
    expect(error).toMatchObject({ status: 400, code: 'system_message_not_allowed', param: 'messages[0]' });
    expect(error.message).toMatch(/allowCallerSystemMessages/);
    expect(error.message).not.toContain('SECRET');
  });

  test('is its text when the operator allows them; blank text is still refused', () => {
    expect(callerSystemText('Answer in French.', true, 'messages[0]')).toBe('Answer in French.');
    expect(rejection(() => callerSystemText('  ', true, 'messages[0].content')).param).toBe('messages[0].content');
  });
});

import type { APIGatewayProxyEvent } from 'aws-lambda';
import { loadConfig } from '../../../src/handler/config';
import { validateChatRequest } from '../../../src/handler/dialects/native-request';
import { ApiError } from '../../../src/handler/errors';
import { readJsonBody } from '../../../src/handler/http-request';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const config = loadConfig({
  SBA_MODEL_ID: MODEL,
  SBA_ALLOWED_MODEL_IDS: JSON.stringify(['amazon.nova-lite-v1:0']),
  SBA_MAX_TOKENS: '1000',
  SBA_TEMPERATURE: '0.4',
});

function rejection(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) {
      return err;
    }
    throw err;
  }
  throw new Error('expected an ApiError');
}

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

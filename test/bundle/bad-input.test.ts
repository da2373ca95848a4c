import { apiEvent, expectNoLeak, invokeStream, MODEL, setEnv, useHandlerTestContext, withEnv } from './harness';
import { answer } from '../../src/local/fake-bedrock';

const ctx = useHandlerTestContext({
  SBA_ALLOWED_MODEL_IDS: JSON.stringify([MODEL, 'amazon.nova-lite-v1:0']),
  SBA_MAX_REQUEST_BYTES: String(16 * 1024),
});

/** A marker that every bad body carries: it must never come back. */
const M = 'BODY-MARKER-7f3a';

function nested(depth: number): unknown {
  let value: unknown = M;
  for (let i = 0; i < depth; i++) {
    value = [value];
  }
  return value;
}

interface Case {
  readonly name: string;
  readonly body?: unknown;
  readonly rawBody?: string | null;
  readonly headers?: Record<string, string>;
  readonly isBase64Encoded?: boolean;
  readonly status: number;
  readonly code: string;
  readonly param?: string | null;
  /** Settings of the API for this case. */
  readonly env?: Record<string, string>;
}

const user = (content: unknown) => ({ role: 'user', content });
const assistant = (content: unknown) => ({ role: 'assistant', content });
const b64 = (bytes: Buffer | string) => Buffer.from(bytes).toString('base64');
const image = (format: string, source: unknown) => ({ image: { format, source } });
const PNG = { bytes: b64(Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3])) };
const TOOL = { name: 'lookup', inputSchema: { type: 'object' } };
const THINKING = { SBA_ADDITIONAL_MODEL_REQUEST_FIELDS: '{"thinking":{"type":"enabled","budget_tokens":1024}}' };
const block = (message: number, index: number, field = '') => `messages[${message}].content[${index}]${field}`;

const cases: Case[] = [
  // body
  { name: 'a missing body', rawBody: null, status: 400, code: 'missing_body' },
  { name: 'an empty body', rawBody: '', status: 400, code: 'missing_body' },
  { name: 'invalid JSON', rawBody: `{"prompt": "${M}"`, status: 400, code: 'invalid_json' },
  { name: 'JSON with a trailing comma', rawBody: `{"prompt": "${M}",}`, status: 400, code: 'invalid_json' },
  { name: 'an array body', body: [M], status: 400, code: 'invalid_body' },
  { name: 'a string body', body: M, status: 400, code: 'invalid_body' },
  { name: 'a number body', body: 42, status: 400, code: 'invalid_body' },
  { name: 'a null body', body: null, status: 400, code: 'invalid_body' },
  { name: 'invalid base64', rawBody: `${M}!!`, isBase64Encoded: true, status: 400, code: 'invalid_base64' },
  {
    name: 'base64 of invalid UTF-8',
    rawBody: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64'),
    isBase64Encoded: true,
    status: 400,
    code: 'invalid_encoding',
  },
  {
    name: 'a wrong Content-Type',
    body: { prompt: M },
    headers: { 'Content-Type': 'text/plain' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'no Content-Type',
    body: { prompt: M },
    headers: { 'Content-Type': '' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'a non-UTF-8 charset',
    body: { prompt: M },
    headers: { 'Content-Type': 'application/json; charset=iso-8859-1' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'a body over the size cap',
    body: { prompt: M + 'x'.repeat(17 * 1024) },
    status: 413,
    code: 'request_too_large',
  },
  {
    name: 'a multi-byte body over the size cap',
    body: { prompt: M + '€'.repeat(6 * 1024) },
    status: 413,
    code: 'request_too_large',
  },
  {
    name: 'a base64 body over the size cap',
    rawBody: Buffer.from(JSON.stringify({ prompt: M + 'x'.repeat(17 * 1024) })).toString('base64'),
    isBase64Encoded: true,
    status: 413,
    code: 'request_too_large',
  },
  {
    name: 'a deeply nested unknown field',
    body: { prompt: 'hi', extra: nested(1000) },
    status: 400,
    code: 'nesting_too_deep',
    param: null,
  },
  {
    name: 'deeply nested content',
    body: { messages: [user(nested(500))] },
    status: 400,
    code: 'nesting_too_deep',
    param: 'messages[0].content[0]',
  },
  {
    name: 'an 8000-deep array body',
    rawBody: '['.repeat(8000) + ']'.repeat(8000),
    status: 400,
    code: 'nesting_too_deep',
  },
  // fields
  { name: 'a system field', body: { prompt: 'hi', system: M }, status: 400, code: 'unknown_field', param: 'system' },
  {
    name: 'a toolConfig field',
    body: { prompt: 'hi', toolConfig: { tools: [M] } },
    status: 400,
    code: 'unknown_field',
    param: 'toolConfig',
  },
  {
    name: 'a guardrailConfig field',
    body: { prompt: 'hi', guardrailConfig: { guardrailIdentifier: M } },
    status: 400,
    code: 'unknown_field',
    param: 'guardrailConfig',
  },
  {
    name: 'an additionalModelRequestFields field',
    body: { prompt: 'hi', additionalModelRequestFields: { top_k: M } },
    status: 400,
    code: 'unknown_field',
    param: 'additionalModelRequestFields',
  },
  {
    name: 'a __proto__ field',
    rawBody: `{"prompt":"hi","__proto__":{"x":"${M}"}}`,
    status: 400,
    code: 'unknown_field',
    param: null,
  },
  {
    name: 'an unknown field (not named back)',
    body: { prompt: 'hi', [M]: 1 },
    status: 400,
    code: 'unknown_field',
    param: null,
  },
  { name: 'neither prompt nor messages', body: {}, status: 400, code: 'missing_field', param: 'prompt' },
  { name: 'both prompt and messages', body: { prompt: M, messages: [user(M)] }, status: 400, code: 'invalid_body' },
  { name: 'an empty prompt', body: { prompt: '' }, status: 400, code: 'invalid_value', param: 'prompt' },
  { name: 'a blank prompt', body: { prompt: ' \n\t ' }, status: 400, code: 'invalid_value', param: 'prompt' },
  { name: 'a numeric prompt', body: { prompt: 5 }, status: 400, code: 'invalid_type', param: 'prompt' },
  { name: 'messages as a string', body: { messages: M }, status: 400, code: 'invalid_type', param: 'messages' },
  { name: 'empty messages', body: { messages: [] }, status: 400, code: 'invalid_value', param: 'messages' },
  {
    name: 'a message that is not an object',
    body: { messages: [M] },
    status: 400,
    code: 'invalid_type',
    param: 'messages[0]',
  },
  {
    name: 'the system role',
    body: { messages: [{ role: 'system', content: M }] },
    status: 400,
    code: 'invalid_value',
    param: 'messages[0].role',
  },
  {
    name: 'an unknown role',
    body: { messages: [{ role: M, content: 'hi' }] },
    status: 400,
    code: 'invalid_value',
    param: 'messages[0].role',
  },
  {
    name: 'a conversation starting with assistant',
    body: { messages: [assistant('hi'), user('x')] },
    status: 400,
    code: 'invalid_value',
    param: 'messages[0].role',
  },
  {
    name: 'two user turns in a row',
    body: { messages: [user('a'), user(M)] },
    status: 400,
    code: 'invalid_value',
    param: 'messages[1].role',
  },
  {
    name: 'a message with extra fields',
    body: { messages: [{ role: 'user', content: 'hi', name: M }] },
    status: 400,
    code: 'unknown_field',
    param: 'messages[0]',
  },
  {
    name: 'empty content',
    body: { messages: [user('')] },
    status: 400,
    code: 'invalid_value',
    param: 'messages[0].content',
  },
  {
    name: 'whitespace content',
    body: { messages: [user('   ')] },
    status: 400,
    code: 'invalid_value',
    param: 'messages[0].content',
  },
  {
    name: 'an empty content array',
    body: { messages: [user([])] },
    status: 400,
    code: 'invalid_value',
    param: 'messages[0].content',
  },
  {
    name: 'numeric content',
    body: { messages: [user(5)] },
    status: 400,
    code: 'invalid_type',
    param: 'messages[0].content',
  },
  {
    name: 'an unknown content block',
    body: { messages: [user([{ video: M }])] },
    status: 400,
    code: 'unknown_field',
    param: 'messages[0].content[0]',
  },
  {
    name: 'a numeric text block',
    body: { messages: [user([{ text: 5 }])] },
    status: 400,
    code: 'invalid_type',
    param: 'messages[0].content[0].text',
  },
  {
    name: 'too many messages',
    body: { messages: Array.from({ length: 101 }, (_, i) => (i % 2 === 0 ? user('a') : assistant('b'))) },
    status: 400,
    code: 'invalid_value',
    param: 'messages',
  },
  {
    name: 'a modelId not allowed',
    body: { prompt: 'hi', modelId: M },
    status: 400,
    code: 'model_not_allowed',
    param: 'modelId',
  },
  {
    name: 'a model ARN',
    body: { prompt: 'hi', modelId: `arn:aws:bedrock:us-east-1::foundation-model/${MODEL}` },
    status: 400,
    code: 'model_not_allowed',
    param: 'modelId',
  },
  { name: 'maxTokens 0', body: { prompt: 'hi', maxTokens: 0 }, status: 400, code: 'invalid_value', param: 'maxTokens' },
  {
    name: 'maxTokens -1',
    body: { prompt: 'hi', maxTokens: -1 },
    status: 400,
    code: 'invalid_value',
    param: 'maxTokens',
  },
  {
    name: 'maxTokens 1.5',
    body: { prompt: 'hi', maxTokens: 1.5 },
    status: 400,
    code: 'invalid_value',
    param: 'maxTokens',
  },
  {
    name: 'maxTokens "10"',
    body: { prompt: 'hi', maxTokens: '10' },
    status: 400,
    code: 'invalid_value',
    param: 'maxTokens',
  },
  {
    name: 'maxTokens above the cap',
    body: { prompt: 'hi', maxTokens: 1025 },
    status: 400,
    code: 'invalid_value',
    param: 'maxTokens',
  },
  {
    name: 'temperature 1.5',
    body: { prompt: 'hi', temperature: 1.5 },
    status: 400,
    code: 'invalid_value',
    param: 'temperature',
  },
  {
    name: 'temperature -0.1',
    body: { prompt: 'hi', temperature: -0.1 },
    status: 400,
    code: 'invalid_value',
    param: 'temperature',
  },
  {
    name: 'temperature "0.5"',
    body: { prompt: 'hi', temperature: '0.5' },
    status: 400,
    code: 'invalid_value',
    param: 'temperature',
  },
  { name: 'topP 2', body: { prompt: 'hi', topP: 2 }, status: 400, code: 'invalid_value', param: 'topP' },
  { name: 'topP null', body: { prompt: 'hi', topP: null }, status: 400, code: 'invalid_value', param: 'topP' },
  {
    name: 'too many stop sequences',
    body: { prompt: 'hi', stopSequences: ['a', 'b', 'c', 'd', M] },
    status: 400,
    code: 'invalid_value',
    param: 'stopSequences',
  },
  {
    name: 'a too long stop sequence',
    body: { prompt: 'hi', stopSequences: [M.repeat(20)] },
    status: 400,
    code: 'invalid_value',
    param: 'stopSequences',
  },
  {
    name: 'stop sequences as a string',
    body: { prompt: 'hi', stopSequences: M },
    status: 400,
    code: 'invalid_value',
    param: 'stopSequences',
  },
  // attachments, tools and reasoning (SECURITY.md "New surfaces")
  {
    name: 'an image from S3',
    body: { messages: [user([{ text: 'x' }, image('png', { s3Location: { uri: `s3://${M}/a.png` } })])] },
    status: 400,
    code: 'unsupported_source',
    param: block(0, 1, '.image.source'),
  },
  {
    name: 'an image URL',
    body: { messages: [user([image('png', { url: `https://${M}.example/a.png` })])] },
    status: 400,
    code: 'unsupported_source',
    param: block(0, 0, '.image.source'),
  },
  {
    name: 'an image with broken base64',
    body: { messages: [user([image('png', { bytes: `${M}=!` })])] },
    status: 400,
    code: 'invalid_base64',
    param: block(0, 0, '.image.source.bytes'),
  },
  {
    name: 'an image as a data: URL',
    body: { messages: [user([image('png', { bytes: `data:image/png;base64,${M}` })])] },
    status: 400,
    code: 'invalid_base64',
    param: block(0, 0, '.image.source.bytes'),
  },
  {
    name: 'an image format not listed',
    body: { messages: [user([image(`svg${M}`, PNG)])] },
    status: 400,
    code: 'invalid_value',
    param: block(0, 0, '.image.format'),
  },
  {
    name: 'an image over 3.75 MB (within a raised body cap)',
    body: { messages: [user([image('png', { bytes: b64(Buffer.alloc(3_750_001, M)) })])] },
    env: { SBA_MAX_REQUEST_BYTES: String(6 * 1024 * 1024) },
    status: 400,
    code: 'invalid_value',
    param: block(0, 0, '.image.source.bytes'),
  },
  {
    name: '21 images',
    body: { messages: [user([{ text: M }, ...Array.from({ length: 21 }, () => image('png', PNG))])] },
    status: 400,
    code: 'invalid_value',
    param: block(0, 21),
  },
  {
    name: 'an image from the assistant',
    body: { messages: [user(M), assistant([image('png', PNG)])] },
    status: 400,
    code: 'invalid_value',
    param: block(1, 0),
  },
  {
    name: 'a document name with a file extension',
    body: {
      messages: [user([{ document: { format: 'pdf', name: `${M}.pdf`, source: PNG } }, { text: 'x' }])],
    },
    status: 400,
    code: 'invalid_value',
    param: block(0, 0, '.document.name'),
  },
  {
    name: 'a document without a text block',
    body: { messages: [user([{ document: { format: 'txt', name: M, source: { bytes: b64(M) } } }])] },
    status: 400,
    code: 'invalid_value',
    param: block(0, 0),
  },
  {
    name: 'a caller cache point',
    body: { messages: [user([{ text: M }, { cachePoint: { type: 'default' } }])] },
    status: 400,
    code: 'unknown_field',
    param: block(0, 1),
  },
  {
    name: 'a tool name with spaces',
    body: { prompt: 'hi', tools: [{ ...TOOL, name: `rm -rf ${M}` }] },
    status: 400,
    code: 'invalid_value',
    param: 'tools[0].name',
  },
  {
    name: 'a tool schema that is not an object',
    body: { prompt: 'hi', tools: [{ ...TOOL, inputSchema: M }] },
    status: 400,
    code: 'invalid_type',
    param: 'tools[0].inputSchema',
  },
  {
    name: '65 tools',
    body: { prompt: M, tools: Array.from({ length: 65 }, (_, i) => ({ ...TOOL, name: `t${i}` })) },
    status: 400,
    code: 'invalid_value',
    param: 'tools',
  },
  {
    name: 'toolChoice naming an unknown tool',
    body: { prompt: 'hi', tools: [TOOL], toolChoice: { tool: M } },
    status: 400,
    code: 'invalid_value',
    param: 'toolChoice.tool',
  },
  {
    name: 'toolChoice without tools',
    body: { prompt: M, toolChoice: 'any' },
    status: 400,
    code: 'missing_field',
    param: 'toolChoice',
  },
  {
    name: 'a tool call without tools',
    body: { messages: [user('x'), assistant([{ toolUse: { toolUseId: 't1', name: 'lookup', input: { q: M } } }])] },
    status: 400,
    code: 'missing_field',
    param: block(1, 0),
  },
  {
    name: 'a tool result answering no tool call',
    body: {
      tools: [TOOL],
      messages: [user([{ toolResult: { toolUseId: 't1', content: [{ text: M }] } }])],
    },
    status: 400,
    code: 'invalid_value',
    param: block(0, 0, '.toolResult.toolUseId'),
  },
  {
    name: 'tools when client tools are turned off',
    body: { prompt: M, tools: [TOOL] },
    env: { SBA_CLIENT_TOOLS: 'false' },
    status: 400,
    code: 'tools_disabled',
    param: 'tools',
  },
  {
    name: 'a temperature when the model reasons (thinking)',
    body: { prompt: M, temperature: 0.2 },
    env: THINKING,
    status: 400,
    code: 'invalid_value',
    param: 'temperature',
  },
  {
    name: 'a forced tool when the model reasons (thinking)',
    body: { prompt: M, tools: [TOOL], toolChoice: 'any' },
    env: THINKING,
    status: 400,
    code: 'invalid_value',
    param: 'toolChoice',
  },
];

describe.each(cases)('$name', ({ body, rawBody, headers, isBase64Encoded, status, code, param, env }) => {
  const event = () => apiEvent(body, { rawBody, headers, isBase64Encoded });

  test(`gets ${status} ${code} before any output, without calling Bedrock or echoing the request`, async () => {
    ctx.fake.setScript(() => answer(['should not be called']));
    const res = await withEnv(env ?? {}, () => invokeStream(ctx.mod, event()));
    expect(res.status).toBe(status);
    expect(res.headers['Content-Type']).toBe('application/json');
    const parsed = JSON.parse(res.body);
    expect(parsed).toEqual({
      error: { type: 'invalid_request_error', code, message: expect.any(String), param: param ?? null },
      requestId: expect.stringMatching(/^req-/),
    });
    expect(ctx.fake.requests).toHaveLength(0);
    expectNoLeak(res.body + JSON.stringify(res.headers), M);
    const [line] = ctx.logs();
    expect(line).toMatchObject({ status, outcome: code, error: { code, afterOutput: false } });
    expect(JSON.stringify(line)).not.toContain(M);
  });
});

test('the buffered endpoint rejects bad input the same way', async () => {
  const res = await ctx.mod.bufferedHandler(apiEvent({ prompt: 'hi', system: M }), {
    awsRequestId: 'x',
    getRemainingTimeInMillis: () => 10_000,
  });
  expect(res.statusCode).toBe(400);
  expect(JSON.parse(res.body).error).toMatchObject({ code: 'unknown_field', param: 'system' });
  expect(ctx.fake.requests).toHaveLength(0);
});

test('a body exactly at the size cap is accepted', async () => {
  ctx.fake.setScript(() => answer(['ok']));
  const restore = setEnv({ SBA_MAX_REQUEST_BYTES: '1024' });
  try {
    const skeleton = JSON.stringify({ prompt: '' });
    const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'x'.repeat(1024 - skeleton.length) }));
    expect(res.status).toBe(200);
    const over = await invokeStream(ctx.mod, apiEvent({ prompt: 'x'.repeat(1025 - skeleton.length) }));
    expect(over.status).toBe(413);
  } finally {
    restore();
  }
});

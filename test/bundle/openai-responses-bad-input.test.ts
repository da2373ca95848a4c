/**
 * Hostile and wrong input on `POST /v1/responses`: each gets its real status and OpenAI's error shape before any
 * output, Bedrock is not called, and nothing of the request (a marker every bad body carries), the system prompt or
 * AWS comes back or reaches the log line.
 */
import { apiEvent, expectNoLeak, invokeStream, MODEL, useHandlerTestContext, withEnv } from '../bundle/harness';
import { answer } from '../support/fake-bedrock';

const ctx = useHandlerTestContext({ SBA_MAX_REQUEST_BYTES: String(16 * 1024) });

/** A marker that every bad body carries: it must never come back. */
const M = 'BODY-MARKER-5e1b';

interface Case {
  readonly name: string;
  readonly body?: unknown;
  readonly rawBody?: string | null;
  readonly headers?: Record<string, string>;
  readonly status: number;
  readonly code: string;
  readonly param?: string | null;
  readonly env?: Record<string, string>;
}

const TOOL = { type: 'function', name: 'lookup', parameters: { type: 'object' } };
const user = (content: unknown) => ({ role: 'user', content });
const ok = { model: MODEL, input: M };
const call = { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{}' };
const THINKING = { SBA_ADDITIONAL_MODEL_REQUEST_FIELDS: '{"thinking":{"type":"enabled","budget_tokens":1024}}' };

const cases: Case[] = [
  // body
  { name: 'invalid JSON', rawBody: `{"input": "${M}"`, status: 400, code: 'invalid_json' },
  { name: 'an array body', body: [M], status: 400, code: 'invalid_body' },
  {
    name: 'a wrong Content-Type',
    body: ok,
    headers: { 'Content-Type': 'text/plain' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'a body over the size cap',
    body: { ...ok, input: M + 'x'.repeat(17 * 1024) },
    status: 413,
    code: 'request_too_large',
  },
  {
    name: 'deep nesting',
    rawBody: '{"input":' + '['.repeat(5000) + ']'.repeat(5000) + '}',
    status: 400,
    code: 'nesting_too_deep',
    param: 'input[0]',
  },
  // fields
  {
    name: 'an unknown field (not named back)',
    body: { ...ok, [M]: 1 },
    status: 400,
    code: 'unknown_field',
    param: null,
  },
  {
    name: 'a __proto__ field',
    rawBody: `{"model":"${MODEL}","input":"hi","__proto__":{"x":"${M}"}}`,
    status: 400,
    code: 'unknown_field',
    param: null,
  },
  { name: 'a system field', body: { ...ok, system: M }, status: 400, code: 'unknown_field', param: null },
  { name: 'a toolConfig field', body: { ...ok, toolConfig: M }, status: 400, code: 'unknown_field', param: null },
  { name: 'no model', body: { input: M }, status: 400, code: 'missing_field', param: 'model' },
  { name: 'a model not served', body: { ...ok, model: M }, status: 404, code: 'model_not_found', param: 'model' },
  {
    name: 'a model ARN',
    body: { ...ok, model: `arn:aws:bedrock:us-east-1::foundation-model/${MODEL}` },
    status: 404,
    code: 'model_not_found',
    param: 'model',
  },
  { name: 'no input', body: { model: MODEL }, status: 400, code: 'missing_field', param: 'input' },
  { name: 'an empty input', body: { ...ok, input: [] }, status: 400, code: 'invalid_value', param: 'input' },
  { name: 'a blank input', body: { ...ok, input: ' \n ' }, status: 400, code: 'invalid_value', param: 'input' },
  {
    name: 'previous_response_id (nothing is stored)',
    body: { ...ok, previous_response_id: `resp_${M}` },
    status: 400,
    code: 'unsupported_parameter',
    param: 'previous_response_id',
  },
  {
    name: 'store: true (nothing is stored)',
    body: { ...ok, store: true },
    status: 400,
    code: 'unsupported_parameter',
    param: 'store',
  },
  {
    name: 'a conversation id',
    body: { ...ok, conversation: M },
    status: 400,
    code: 'unsupported_parameter',
    param: 'conversation',
  },
  {
    name: 'background: true',
    body: { ...ok, background: true },
    status: 400,
    code: 'unsupported_parameter',
    param: 'background',
  },
  {
    name: 'a stored item reference',
    body: { ...ok, input: [user('hi'), { type: 'item_reference', id: M }] },
    status: 400,
    code: 'unsupported_parameter',
    param: 'input[1].type',
  },
  {
    name: 'an item type of a hosted tool',
    body: { ...ok, input: [user('hi'), { type: 'web_search_call', id: M }] },
    status: 400,
    code: 'unsupported_value',
    param: 'input[1].type',
  },
  {
    name: 'an unknown role',
    body: { ...ok, input: [{ role: M, content: 'hi' }] },
    status: 400,
    code: 'invalid_value',
    param: 'input[0].role',
  },
  {
    name: 'a developer message by default',
    body: { ...ok, input: [{ role: 'developer', content: M }, user('hi')] },
    status: 400,
    code: 'system_message_not_allowed',
    param: 'input[0].role',
  },
  {
    name: 'instructions by default',
    body: { ...ok, instructions: M },
    status: 400,
    code: 'system_message_not_allowed',
    param: 'instructions',
  },
  {
    name: 'a conversation starting with the assistant',
    body: { ...ok, input: [{ role: 'assistant', content: M }, user('x')] },
    status: 400,
    code: 'invalid_value',
    param: 'input[0]',
  },
  {
    name: 'an input part of another type',
    body: { ...ok, input: [user([{ type: 'input_audio', data: M }])] },
    status: 400,
    code: 'unsupported_content',
    param: 'input[0].content[0].type',
  },
  {
    name: 'an extra field in a message',
    body: { ...ok, input: [{ ...user('hi'), name: M }] },
    status: 400,
    code: 'unknown_field',
    param: 'input[0]',
  },
  {
    name: 'an image by http URL (nothing is fetched)',
    body: { ...ok, input: [user([{ type: 'input_image', image_url: `https://${M}.example/a.png`, detail: 'auto' }])] },
    status: 400,
    code: 'unsupported_source',
    param: 'input[0].content[0].image_url',
  },
  {
    name: 'an image by file id (nothing is stored)',
    body: { ...ok, input: [user([{ type: 'input_image', file_id: `file-${M}`, detail: 'auto' }])] },
    status: 400,
    code: 'unsupported_source',
    param: 'input[0].content[0].file_id',
  },
  {
    name: 'an image with broken base64',
    body: {
      ...ok,
      input: [user([{ type: 'input_image', image_url: `data:image/png;base64,${M}!!`, detail: 'auto' }])],
    },
    status: 400,
    code: 'invalid_base64',
    param: 'input[0].content[0].image_url',
  },
  {
    name: 'an image whose bytes are not its type',
    body: {
      ...ok,
      input: [
        user([
          {
            type: 'input_image',
            image_url: `data:image/png;base64,${Buffer.from(M).toString('base64')}`,
            detail: 'auto',
          },
        ]),
      ],
    },
    status: 400,
    code: 'format_mismatch',
    param: 'input[0].content[0].image_url',
  },
  {
    name: 'call arguments that are not a JSON object',
    body: { ...ok, tools: [TOOL], input: [user('hi'), { ...call, arguments: M }] },
    status: 400,
    code: 'invalid_value',
    param: 'input[1].arguments',
  },
  {
    name: 'a call id of another form',
    body: { ...ok, tools: [TOOL], input: [user('hi'), { ...call, call_id: `${M} x` }] },
    status: 400,
    code: 'invalid_value',
    param: 'input[1].call_id',
  },
  {
    name: 'an output answering no call',
    body: { ...ok, tools: [TOOL], input: [user('hi'), { type: 'function_call_output', call_id: 'call_9', output: M }] },
    status: 400,
    code: 'invalid_value',
    param: 'input[1].call_id',
  },
  {
    name: 'calls without tools',
    body: { ...ok, input: [user('hi'), call] },
    status: 400,
    code: 'missing_field',
    param: 'input[1]',
  },
  {
    name: 'reasoning with a forged part type',
    body: {
      ...ok,
      input: [user('hi'), { type: 'reasoning', summary: [{ type: M, text: 'x' }], encrypted_content: 'sig' }],
    },
    status: 400,
    code: 'invalid_value',
    param: 'input[1].summary[0].type',
  },
  {
    name: 'too many turns',
    body: {
      ...ok,
      input: Array.from({ length: 101 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: 'a' })),
    },
    status: 400,
    code: 'invalid_value',
    param: 'input',
  },
  // tools
  {
    name: 'a tool of an unknown type',
    body: { ...ok, tools: [{ type: M }] },
    status: 400,
    code: 'invalid_value',
    param: 'tools[0].type',
  },
  {
    name: 'a tool name with spaces',
    body: { ...ok, tools: [{ type: 'web_search' }, { ...TOOL, name: `rm -rf ${M}` }] },
    status: 400,
    code: 'invalid_value',
    param: 'tools[1].name',
  },
  {
    name: 'a tool schema that is not an object',
    body: { ...ok, tools: [{ ...TOOL, parameters: M }] },
    status: 400,
    code: 'invalid_type',
    param: 'tools[0].parameters',
  },
  {
    name: 'a tool with an unknown field',
    body: { ...ok, tools: [{ ...TOOL, [M]: 1 }] },
    status: 400,
    code: 'unknown_field',
    param: 'tools[0]',
  },
  {
    name: '65 tools',
    body: { ...ok, tools: Array.from({ length: 65 }, (_, i) => ({ ...TOOL, name: `t${i}` })) },
    status: 400,
    code: 'invalid_value',
    param: 'tools',
  },
  {
    name: 'tool_choice forcing a hosted tool',
    body: { ...ok, tools: [TOOL, { type: 'web_search' }], tool_choice: { type: 'web_search_preview' } },
    status: 400,
    code: 'unsupported_value',
    param: 'tool_choice',
  },
  {
    name: 'tool_choice naming an unknown function',
    body: { ...ok, tools: [TOOL], tool_choice: { type: 'function', name: M } },
    status: 400,
    code: 'invalid_value',
    param: 'tool_choice.name',
  },
  {
    name: 'tool_choice required with only hosted tools',
    body: { ...ok, tools: [{ type: 'web_search' }], tool_choice: 'required' },
    status: 400,
    code: 'missing_field',
    param: 'tool_choice',
  },
  {
    name: 'tool_choice none',
    body: { ...ok, tools: [TOOL], tool_choice: 'none' },
    status: 400,
    code: 'unsupported_value',
    param: 'tool_choice',
  },
  {
    name: 'parallel_tool_calls false',
    body: { ...ok, tools: [TOOL], parallel_tool_calls: false },
    status: 400,
    code: 'unsupported_parameter',
    param: 'parallel_tool_calls',
  },
  {
    name: 'tools when client tools are off',
    body: { ...ok, tools: [TOOL] },
    env: { SBA_CLIENT_TOOLS: 'false' },
    status: 400,
    code: 'tools_disabled',
    param: 'tools',
  },
  // parameters
  {
    name: 'max_output_tokens 0',
    body: { ...ok, max_output_tokens: 0 },
    status: 400,
    code: 'invalid_value',
    param: 'max_output_tokens',
  },
  {
    name: 'max_output_tokens "10"',
    body: { ...ok, max_output_tokens: '10' },
    status: 400,
    code: 'invalid_value',
    param: 'max_output_tokens',
  },
  {
    name: 'temperature 1.5 (refused, not clamped)',
    body: { ...ok, temperature: 1.5 },
    status: 400,
    code: 'invalid_value',
    param: 'temperature',
  },
  { name: 'top_p "0.5"', body: { ...ok, top_p: '0.5' }, status: 400, code: 'invalid_value', param: 'top_p' },
  {
    name: 'a reasoning effort not listed',
    body: { ...ok, reasoning: { effort: M } },
    status: 400,
    code: 'invalid_value',
    param: 'reasoning.effort',
  },
  {
    name: 'a structured output schema with a remote $ref',
    body: { ...ok, text: { format: { type: 'json_schema', name: 'x', schema: { $ref: `https://${M}.example` } } } },
    status: 400,
    code: 'invalid_value',
    param: 'text.format.schema',
  },
  {
    name: 'a verbosity other than medium',
    body: { ...ok, text: { verbosity: 'low' } },
    status: 400,
    code: 'unsupported_parameter',
    param: 'text.verbosity',
  },
  {
    name: 'an include value not listed',
    body: { ...ok, include: [M] },
    status: 400,
    code: 'invalid_value',
    param: 'include[0]',
  },
  {
    name: 'stream_options without stream',
    body: { ...ok, stream_options: { include_obfuscation: false } },
    status: 400,
    code: 'invalid_value',
    param: 'stream_options',
  },
  {
    name: 'top_logprobs',
    body: { ...ok, top_logprobs: 5 },
    status: 400,
    code: 'unsupported_parameter',
    param: 'top_logprobs',
  },
  {
    name: 'a temperature when the model reasons',
    body: { ...ok, temperature: 0.2 },
    env: THINKING,
    status: 400,
    code: 'invalid_value',
    param: 'temperature',
  },
  {
    name: 'max_output_tokens under the thinking budget',
    body: { ...ok, max_output_tokens: 1000 },
    env: THINKING,
    status: 400,
    code: 'invalid_value',
    param: 'max_output_tokens',
  },
];

describe.each(cases)('$name', ({ body, rawBody, headers, status, code, param, env }) => {
  test(`gets ${status} ${code} before any output, without calling Bedrock or echoing the request`, async () => {
    ctx.fake.setScript(() => answer(['should not be called']));
    const event = apiEvent(body, { rawBody, headers, path: '/v1/responses' });
    const res = await withEnv(env ?? {}, () => invokeStream(ctx.mod, event));
    expect(res.status).toBe(status);
    expect(res.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual({
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

test('the refusals of stored state say that nothing is stored', async () => {
  for (const field of [{ previous_response_id: 'resp_1' }, { store: true }]) {
    const res = await invokeStream(ctx.mod, apiEvent({ ...ok, ...field }, { path: '/v1/responses' }));
    expect(JSON.parse(res.body).error.message).toMatch(/stateless and stores nothing/);
  }
});

test('a tool_choice forcing a hosted tool says why', async () => {
  const res = await invokeStream(
    ctx.mod,
    apiEvent(
      { ...ok, tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search_preview' } },
      { path: '/v1/responses' },
    ),
  );
  expect(JSON.parse(res.body).error.message).toMatch(/hosted tools are not run here/);
});

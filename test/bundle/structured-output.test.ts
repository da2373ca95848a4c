/**
 * Structured output and strict tools through the bundled handler: each protocol's field reaches Bedrock as
 * `outputConfig.textFormat` (the schema as a JSON string) or `toolSpec.strict`, in the exact shape the real SDK puts
 * on the wire; hostile schemas get 400 naming the caller's field without quoting it; Bedrock's refusal of structured
 * output is told as such.
 */
import { apiEvent, expectNoLeak, invokeStream, MODEL, useHandlerTestContext } from './harness';
import { answer, httpError } from '../support/fake-bedrock';

const ctx = useHandlerTestContext({ SBA_MAX_REQUEST_BYTES: String(256 * 1024) });

const PERSON = {
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer' } },
  required: ['name', 'age'],
  additionalProperties: false,
};
const PARAMETERS = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const SECRET = 'SECRET-VALUE-7f3a';
const ANTHROPIC_HEADERS = { 'anthropic-version': '2023-06-01' };

/** The textFormat Bedrock gets for a schema. */
const textFormat = (name: string, schema: object, description?: string) => ({
  textFormat: {
    type: 'json_schema',
    structure: { jsonSchema: { schema: JSON.stringify(schema), name, ...(description ? { description } : {}) } },
  },
});
const strictSpec = (name: string) => ({
  toolSpec: { name, inputSchema: { json: PARAMETERS }, strict: true },
});

const PROTOCOLS = {
  native: { path: '/stream', headers: {}, base: { prompt: 'Who?' } },
  openai: {
    path: '/v1/chat/completions',
    headers: {},
    base: { model: MODEL, messages: [{ role: 'user', content: 'Who?' }] },
  },
  responses: { path: '/v1/responses', headers: {}, base: { model: MODEL, input: 'Who?' } },
  ui: {
    path: '/chat',
    headers: {},
    base: {
      id: 'c1',
      trigger: 'submit-message',
      messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Who?' }] }],
    },
  },
  anthropic: {
    path: '/v1/messages',
    headers: ANTHROPIC_HEADERS,
    base: { model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'Who?' }] },
  },
} as const;
type Protocol = keyof typeof PROTOCOLS;

function send(protocol: Protocol, fields: object) {
  const { path, headers, base } = PROTOCOLS[protocol];
  return invokeStream(ctx.mod, apiEvent({ ...base, ...fields }, { path, headers }));
}

/** A 400 naming the field: Anthropic's errors carry only a type and a message, the others a code and a param. */
function expectFieldError(protocol: Protocol, res: { status: number; body: string }, code: string, param: string) {
  expect(res.status).toBe(400);
  const error = JSON.parse(res.body).error;
  if (protocol === 'anthropic') {
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toContain(param);
  } else {
    expect(error).toMatchObject({ code, param });
  }
  expectNoLeak(res.body, SECRET);
}

/** The one Converse request Bedrock received for the body. */
async function converseRequest(protocol: Protocol, fields: object): Promise<Record<string, any>> {
  ctx.fake.setScript(() => answer(['{}']));
  const res = await send(protocol, fields);
  expect(res.status).toBe(200);
  expect(ctx.fake.requests).toHaveLength(1);
  return ctx.fake.requests[0].body;
}

describe('structured output reaches Bedrock as outputConfig.textFormat', () => {
  test.each<[string, Protocol, object, object]>([
    [
      'native outputSchema',
      'native',
      { outputSchema: { name: 'person', description: 'A person', schema: PERSON } },
      textFormat('person', PERSON, 'A person'),
    ],
    [
      "AI SDK UI messages: outputSchema in the transport's body",
      'ui',
      { outputSchema: { name: 'person', schema: PERSON } },
      textFormat('person', PERSON),
    ],
    [
      'OpenAI response_format json_schema (strict)',
      'openai',
      { response_format: { type: 'json_schema', json_schema: { name: 'person', schema: PERSON, strict: true } } },
      textFormat('person', PERSON),
    ],
    [
      'OpenAI response_format json_object: any JSON object',
      'openai',
      { response_format: { type: 'json_object' } },
      textFormat('json_object', { type: 'object' }),
    ],
    [
      'Responses text.format json_schema',
      'responses',
      { text: { format: { type: 'json_schema', name: 'person', schema: PERSON, strict: true, description: 'who' } } },
      textFormat('person', PERSON, 'who'),
    ],
    [
      'Responses text.format json_object',
      'responses',
      { text: { format: { type: 'json_object' }, verbosity: 'medium' } },
      textFormat('json_object', { type: 'object' }),
    ],
    [
      'Anthropic output_config.format',
      'anthropic',
      { output_config: { format: { type: 'json_schema', schema: PERSON } } },
      textFormat('output', PERSON),
    ],
    [
      "Anthropic output_format (the beta's name)",
      'anthropic',
      { output_format: { type: 'json_schema', schema: PERSON } },
      textFormat('output', PERSON),
    ],
  ])('%s', async (_name, protocol, fields, expected) => {
    const body = await converseRequest(protocol, fields);
    expect(body.outputConfig).toEqual(expected);
  });

  test.each<[string, Protocol, object]>([
    ['OpenAI response_format text', 'openai', { response_format: { type: 'text' } }],
    ['Responses text.format text', 'responses', { text: { format: { type: 'text' } } }],
    ['no field at all', 'native', {}],
  ])('%s: no outputConfig', async (_name, protocol, fields) => {
    expect((await converseRequest(protocol, fields)).outputConfig).toBeUndefined();
  });
});

describe('strict tools reach Bedrock as toolSpec.strict', () => {
  test.each<[string, Protocol, object]>([
    ['native', 'native', { tools: [{ name: 'weather', inputSchema: PARAMETERS, strict: true }] }],
    [
      'OpenAI',
      'openai',
      { tools: [{ type: 'function', function: { name: 'weather', parameters: PARAMETERS, strict: true } }] },
    ],
    [
      'Responses',
      'responses',
      { tools: [{ type: 'function', name: 'weather', parameters: PARAMETERS, strict: true }] },
    ],
    ['Anthropic', 'anthropic', { tools: [{ name: 'weather', input_schema: PARAMETERS, strict: true }] }],
  ])('%s strict: true', async (_name, protocol, fields) => {
    const body = await converseRequest(protocol, fields);
    expect(body.toolConfig.tools).toEqual([strictSpec('weather')]);
  });

  test('strict: false (or absent) sends no strict flag', async () => {
    const body = await converseRequest('openai', {
      tools: [
        { type: 'function', function: { name: 'a', parameters: PARAMETERS, strict: false } },
        { type: 'function', function: { name: 'b', parameters: PARAMETERS, strict: null } },
      ],
    });
    expect(body.toolConfig.tools).toEqual([
      { toolSpec: { name: 'a', inputSchema: { json: PARAMETERS } } },
      { toolSpec: { name: 'b', inputSchema: { json: PARAMETERS } } },
    ]);
  });
});

/** A schema nested `levels` objects deep. */
function nested(levels: number): object {
  let schema: object = { type: 'string' };
  for (let i = 1; i < levels; i++) {
    schema = { type: 'array', items: schema };
  }
  return schema;
}

const HOSTILE_SCHEMAS: Array<[string, unknown, string]> = [
  ['an array', [{ type: 'object' }], 'invalid_type'],
  ['a string', `{"type": "${SECRET}"}`, 'invalid_type'],
  ['over 32 KiB', { type: 'object', description: SECRET.repeat(5000) }, 'invalid_value'],
  ['nested 40 levels', nested(40), 'invalid_value'],
  ['a remote $ref', { $ref: `https://${SECRET}.example/schema.json` }, 'invalid_value'],
  ['a $ref to nothing', { type: 'object', properties: { a: { $ref: `#/$defs/${SECRET}` } } }, 'invalid_value'],
  ['a $ref of broken percent-encoding', { type: 'object', properties: { a: { $ref: '#/%E0' } } }, 'invalid_value'],
  [
    'a $ref loop',
    { $defs: { a: { $ref: '#/$defs/b' }, b: { $ref: '#/$defs/a' } }, $ref: '#/$defs/a' },
    'invalid_value',
  ],
  [
    'a recursive schema',
    { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#' } } } },
    'invalid_value',
  ],
];

describe('hostile schemas: 400 naming the field, never quoting it, nothing sent to Bedrock', () => {
  const where: Array<[Protocol, (schema: unknown) => object, string]> = [
    ['native', (schema) => ({ outputSchema: { name: 'x', schema } }), 'outputSchema.schema'],
    ['ui', (schema) => ({ outputSchema: { name: 'x', schema } }), 'outputSchema.schema'],
    [
      'openai',
      (schema) => ({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } }),
      'response_format.json_schema.schema',
    ],
    ['responses', (schema) => ({ text: { format: { type: 'json_schema', name: 'x', schema } } }), 'text.format.schema'],
    [
      'anthropic',
      (schema) => ({ output_config: { format: { type: 'json_schema', schema } } }),
      'output_config.format.schema',
    ],
  ];
  const cases = where.flatMap(([protocol, field, param]) =>
    HOSTILE_SCHEMAS.map(([name, schema, code]) => [protocol, name, field(schema), param, code] as const),
  );

  test.each(cases)('%s: %s', async (protocol, _name, fields, param, code) => {
    expectFieldError(protocol, await send(protocol, fields), code, param);
    expect(ctx.fake.requests).toHaveLength(0);
  });

  test('the depth cap counts the schema itself: 32 levels pass, 33 do not', async () => {
    expect(
      (await converseRequest('native', { outputSchema: { name: 'x', schema: nested(32) } })).outputConfig,
    ).toBeDefined();
    const res = await send('native', { outputSchema: { name: 'x', schema: nested(33) } });
    expect(JSON.parse(res.body).error).toMatchObject({ code: 'invalid_value', param: 'outputSchema.schema' });
  });

  test('a schema deeper than the body allows: 400 nesting_too_deep naming the field, not its keys', async () => {
    const res = await send('openai', {
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: nested(70) } },
    });
    expectFieldError('openai', res, 'nesting_too_deep', 'response_format.json_schema.schema');
  });

  test('a shared $ref (not a loop) is accepted', async () => {
    const schema = {
      $defs: { point: { type: 'object', properties: { x: { type: 'number' } } } },
      type: 'object',
      properties: { from: { $ref: '#/$defs/point' }, to: { $ref: '#/$defs/point' } },
    };
    const body = await converseRequest('native', { outputSchema: { name: 'segment', schema } });
    expect(JSON.parse(body.outputConfig.textFormat.structure.jsonSchema.schema)).toEqual(schema);
  });

  test.each<[string, Protocol, object, string, string]>([
    [
      'a name with spaces',
      'native',
      { outputSchema: { name: `a ${SECRET}`, schema: PERSON } },
      'outputSchema.name',
      'invalid_value',
    ],
    ['no name', 'native', { outputSchema: { schema: PERSON } }, 'outputSchema.name', 'invalid_value'],
    [
      'a 65-character name',
      'openai',
      { response_format: { type: 'json_schema', json_schema: { name: 'n'.repeat(65), schema: PERSON } } },
      'response_format.json_schema.name',
      'invalid_value',
    ],
    [
      'an unknown format type',
      'openai',
      { response_format: { type: SECRET } },
      'response_format.type',
      'invalid_value',
    ],
    [
      'a strict that is a string',
      'responses',
      { text: { format: { type: 'json_schema', name: 'x', schema: PERSON, strict: 'yes' } } },
      'text.format.strict',
      'invalid_type',
    ],
    [
      'a blank description',
      'native',
      { outputSchema: { name: 'x', schema: PERSON, description: ' ' } },
      'outputSchema.description',
      'invalid_value',
    ],
    [
      'an unknown field',
      'native',
      { outputSchema: { name: 'x', schema: PERSON, [SECRET]: 1 } },
      'outputSchema',
      'unknown_field',
    ],
    [
      'both Anthropic fields',
      'anthropic',
      {
        output_format: { type: 'json_schema', schema: PERSON },
        output_config: { format: { type: 'json_schema', schema: PERSON } },
      },
      'output_format',
      'invalid_value',
    ],
    [
      'a strict tool flag that is a string',
      'native',
      { tools: [{ name: 'w', inputSchema: PARAMETERS, strict: 'true' }] },
      'tools[0].strict',
      'invalid_type',
    ],
  ])('%s', async (_name, protocol, fields, param, code) => {
    expectFieldError(protocol, await send(protocol, fields), code, param);
  });
});

describe("Bedrock's refusal of structured output", () => {
  test("a ValidationException about it: 400 structured_output_unsupported, without Bedrock's text", async () => {
    const message = `The model ${SECRET} does not support structured output with outputConfig.textFormat.`;
    ctx.fake.setScript(() => httpError(400, 'ValidationException', message));
    const res = await send('openai', {
      response_format: { type: 'json_schema', json_schema: { name: 'person', schema: PERSON } },
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'structured_output_unsupported',
    });
    expectNoLeak(res.body, SECRET);
    expect(ctx.logs()[0]).toMatchObject({ outcome: 'structured_output_unsupported' });
  });

  test('a request without structured output or strict tools: a refusal naming a JSON schema stays upstream_validation', async () => {
    ctx.fake.setScript(() => httpError(400, 'ValidationException', 'The tool input json_schema is invalid.'));
    const tool = { name: 'lookup', inputSchema: { type: 'object' } };
    const res = await send('native', { tools: [tool] });
    expect(JSON.parse(res.body).error.code).toBe('upstream_validation');
  });

  test('a strict tool refused: structured_output_unsupported', async () => {
    ctx.fake.setScript(() =>
      httpError(400, 'ValidationException', 'Tool strict mode is not supported for this model.'),
    );
    const tool = { name: 'lookup', inputSchema: { type: 'object' }, strict: true };
    const res = await send('native', { tools: [tool] });
    expect(JSON.parse(res.body).error.code).toBe('structured_output_unsupported');
  });

  test('another ValidationException stays upstream_validation', async () => {
    ctx.fake.setScript(() => httpError(400, 'ValidationException', 'A conversation must alternate roles.'));
    const res = await send('native', { outputSchema: { name: 'person', schema: PERSON } });
    expect(JSON.parse(res.body).error.code).toBe('upstream_validation');
  });
});

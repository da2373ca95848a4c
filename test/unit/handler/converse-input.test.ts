import { converseStreamInput } from '../../../src/handler/backends/bedrock/converse-input';
import { loadConfig } from '../../../src/handler/config';
import { validateChatRequest } from '../../../src/handler/protocols/native/decode';

const MODEL = 'anthropic.claude-3-7-sonnet-20250219-v1:0';
const config = (env: Record<string, string> = {}) =>
  loadConfig({ SBA_MODEL_ID: MODEL, SBA_MAX_TOKENS: '500', SBA_SYSTEM_PROMPT: 'Be terse.', ...env });
const WEATHER = { name: 'get_weather', description: 'Weather of a city', inputSchema: { type: 'object' } };
const input = (body: unknown, env: Record<string, string> = {}) =>
  converseStreamInput(validateChatRequest(body, config(env)), config(env));

describe('converseStreamInput', () => {
  test('a prompt: the system prompt, the capped maxTokens, no tools, no cache points, no model fields', () => {
    expect(input({ prompt: 'hi' })).toEqual({
      modelId: MODEL,
      messages: [{ role: 'user', content: [{ text: 'hi' }] }],
      system: [{ text: 'Be terse.' }],
      inferenceConfig: { maxTokens: 500 },
    });
  });

  test('structured output: the schema as a JSON string in outputConfig; a strict tool keeps its flag', () => {
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] };
    const converse = input({
      prompt: 'ok?',
      outputSchema: { name: 'answer', schema },
      tools: [{ ...WEATHER, strict: true }],
    });
    expect(converse.outputConfig).toStrictEqual({
      textFormat: {
        type: 'json_schema',
        structure: { jsonSchema: { schema: JSON.stringify(schema), name: 'answer', description: undefined } },
      },
    });
    expect(converse.toolConfig!.tools).toEqual([
      {
        toolSpec: {
          name: WEATHER.name,
          description: WEATHER.description,
          inputSchema: { json: WEATHER.inputSchema },
          strict: true,
        },
      },
    ]);
  });

  test('attachments pass through with their bytes as Uint8Array (the SDK encodes them)', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 9, 9]);
    const { messages } = input({
      messages: [
        {
          role: 'user',
          content: [
            { image: { format: 'png', source: { bytes: png.toString('base64') } } },
            { document: { format: 'md', name: 'notes', source: { bytes: Buffer.from('# x').toString('base64') } } },
            { text: 'Compare' },
          ],
        },
      ],
    });
    const [image, document] = messages![0].content!;
    expect(image.image!.source).toEqual({ bytes: new Uint8Array(png) });
    expect(image.image!.source!.bytes).toBeInstanceOf(Uint8Array);
    expect(document.document).toEqual({
      format: 'md',
      name: 'notes',
      source: { bytes: new Uint8Array(Buffer.from('# x')) },
    });
  });

  test.each<[string, unknown, unknown]>([
    ['auto', 'auto', { auto: {} }],
    ['any', 'any', { any: {} }],
    ['one tool', { tool: 'get_weather' }, { tool: { name: 'get_weather' } }],
  ])('tools and toolChoice %s become toolConfig', (_name, toolChoice, converseChoice) => {
    expect(input({ prompt: 'x', tools: [WEATHER], toolChoice }).toolConfig).toEqual({
      tools: [
        {
          toolSpec: {
            name: 'get_weather',
            description: 'Weather of a city',
            inputSchema: { json: { type: 'object' } },
          },
        },
      ],
      toolChoice: converseChoice,
    });
  });

  test('tools without toolChoice leave the choice to the model', () => {
    expect(input({ prompt: 'x', tools: [WEATHER] }).toolConfig).toEqual({
      tools: [expect.objectContaining({ toolSpec: expect.objectContaining({ name: 'get_weather' }) })],
    });
  });

  test('prompt caching puts a cache point after the system prompt and after the tools', () => {
    const converse = input({ prompt: 'x', tools: [WEATHER] }, { SBA_PROMPT_CACHING: 'true' });
    expect(converse.system).toEqual([{ text: 'Be terse.' }, { cachePoint: { type: 'default' } }]);
    expect(converse.toolConfig!.tools).toEqual([
      expect.objectContaining({ toolSpec: expect.anything() }),
      { cachePoint: { type: 'default' } },
    ]);
  });

  test('prompt caching without a system prompt or tools adds no cache point', () => {
    const env = { SBA_PROMPT_CACHING: 'true', SBA_SYSTEM_PROMPT: '' };
    const converse = input({ prompt: 'x' }, env);
    expect(converse.system).toBeUndefined();
    expect(converse.toolConfig).toBeUndefined();
  });

  test("a caller's system messages follow the operator's system prompt and its cache point, never replace it", () => {
    const request = { ...validateChatRequest({ prompt: 'hi' }, config()), callerSystem: ['Answer in French.'] };
    expect(converseStreamInput(request, config({ SBA_PROMPT_CACHING: 'true' })).system).toEqual([
      { text: 'Be terse.' },
      { cachePoint: { type: 'default' } },
      { text: 'Answer in French.' },
    ]);
    const noPrompt = loadConfig({ SBA_MODEL_ID: MODEL });
    expect(converseStreamInput(request, noPrompt).system).toEqual([{ text: 'Answer in French.' }]);
  });

  test("the operator's model fields are passed unchanged, with the guardrail", () => {
    const fields = { thinking: { type: 'enabled', budget_tokens: 2048 }, anthropic_beta: ['x'] };
    const converse = input(
      { prompt: 'x' },
      {
        SBA_ADDITIONAL_MODEL_REQUEST_FIELDS: JSON.stringify(fields),
        SBA_GUARDRAIL_ID: 'gr-1',
        SBA_GUARDRAIL_VERSION: '2',
      },
    );
    expect(converse.additionalModelRequestFields).toEqual(fields);
    expect(converse.guardrailConfig).toEqual({
      guardrailIdentifier: 'gr-1',
      guardrailVersion: '2',
      streamProcessingMode: 'sync',
      trace: 'disabled',
    });
  });
});

/**
 * The exact ConverseStream request Bedrock receives for each kind of content, through the bundled handler and the
 * real SDK (which base64-encodes the bytes on the wire).
 */
import { apiEvent, invokeStream, MODEL, SYSTEM_PROMPT, useHandlerTestContext, withEnv } from './harness';
import { answer } from '../support/fake-bedrock';

const ctx = useHandlerTestContext({ SBA_MAX_REQUEST_BYTES: String(1024 * 1024) });

const CACHE_POINT = { cachePoint: { type: 'default' } };
const WEATHER = {
  name: 'get_weather',
  description: 'Current weather of a city',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const WEATHER_SPEC = { toolSpec: { ...WEATHER, inputSchema: { json: WEATHER.inputSchema } } };

/** Sends the body to the streaming endpoint and returns the one Converse request the fake received. */
async function converseRequest(body: unknown): Promise<Record<string, any>> {
  ctx.fake.setScript(() => answer(['ok']));
  const res = await invokeStream(ctx.mod, apiEvent(body));
  expect(res.status).toBe(200);
  expect(ctx.fake.requests).toHaveLength(1);
  return ctx.fake.requests[0].body;
}

test('an image reaches Bedrock with the bytes the caller sent', async () => {
  const png = Buffer.from([
    0x89,
    0x50,
    0x4e,
    0x47,
    0x0d,
    0x0a,
    0x1a,
    0x0a,
    ...Array.from({ length: 300 }, (_, i) => i % 256),
  ]);
  const bytes = png.toString('base64');
  const body = await converseRequest({
    messages: [
      {
        role: 'user',
        content: [{ text: 'What is in this picture?' }, { image: { format: 'png', source: { bytes } } }],
      },
    ],
  });
  expect(body).toEqual({
    messages: [
      {
        role: 'user',
        content: [{ text: 'What is in this picture?' }, { image: { format: 'png', source: { bytes } } }],
      },
    ],
    system: [{ text: SYSTEM_PROMPT }],
    inferenceConfig: { maxTokens: 1024 },
  });
  expect(Buffer.from(body.messages[0].content[1].image.source.bytes, 'base64').equals(png)).toBe(true);
  expect(ctx.fake.requests[0].modelId).toBe(MODEL);
});

test('a document reaches Bedrock with its name, format and bytes', async () => {
  const pdf = Buffer.from('%PDF-1.7\n% a tiny document\n');
  const body = await converseRequest({
    messages: [
      {
        role: 'user',
        content: [
          { document: { format: 'pdf', name: 'Invoice (March) [draft]', source: { bytes: pdf.toString('base64') } } },
          { text: 'Summarize the invoice.' },
        ],
      },
    ],
  });
  expect(body.messages[0].content).toEqual([
    { document: { format: 'pdf', name: 'Invoice (March) [draft]', source: { bytes: pdf.toString('base64') } } },
    { text: 'Summarize the invoice.' },
  ]);
});

test('tools and toolChoice become toolConfig', async () => {
  const body = await converseRequest({
    prompt: 'Weather in Paris?',
    tools: [WEATHER],
    toolChoice: { tool: 'get_weather' },
  });
  expect(body.toolConfig).toEqual({ tools: [WEATHER_SPEC], toolChoice: { tool: { name: 'get_weather' } } });
  expect(body.system).toEqual([{ text: SYSTEM_PROMPT }]);
});

test('a tool-use turn is sent back as the caller wrote it: reasoning, the call and its result', async () => {
  const redacted = Buffer.from('encrypted reasoning').toString('base64');
  const messages = [
    { role: 'user', content: [{ text: 'Weather in Paris?' }] },
    {
      role: 'assistant',
      content: [
        { reasoningContent: { reasoningText: { text: 'I should call the tool.', signature: 'c2lnbmF0dXJl' } } },
        { reasoningContent: { redactedContent: redacted } },
        { toolUse: { toolUseId: 'tooluse_abc-1', name: 'get_weather', input: { city: 'Paris' } } },
      ],
    },
    {
      role: 'user',
      content: [
        {
          toolResult: {
            toolUseId: 'tooluse_abc-1',
            content: [{ json: { celsius: 21, sky: 'clear' } }, { text: 'from the city sensor' }],
            status: 'success',
          },
        },
      ],
    },
  ];
  const body = await converseRequest({ messages, tools: [WEATHER] });
  expect(body.messages).toEqual(messages);
  expect(body.toolConfig).toEqual({ tools: [WEATHER_SPEC] });
});

describe('with prompt caching on', () => {
  test('cache points follow the system prompt and the tools', async () => {
    const body = await withEnv({ SBA_PROMPT_CACHING: 'true' }, () =>
      converseRequest({ prompt: 'Weather in Paris?', tools: [WEATHER], toolChoice: 'auto' }),
    );
    expect(body.system).toEqual([{ text: SYSTEM_PROMPT }, CACHE_POINT]);
    expect(body.toolConfig).toEqual({ tools: [WEATHER_SPEC, CACHE_POINT], toolChoice: { auto: {} } });
    expect(body.messages).toEqual([{ role: 'user', content: [{ text: 'Weather in Paris?' }] }]);
  });

  test('a request without tools has only the system cache point', async () => {
    const body = await withEnv({ SBA_PROMPT_CACHING: 'true' }, () => converseRequest({ prompt: 'hi' }));
    expect(body.system).toEqual([{ text: SYSTEM_PROMPT }, CACHE_POINT]);
    expect(body).not.toHaveProperty('toolConfig');
  });
});

test('with prompt caching off, no cache point is sent', async () => {
  const body = await converseRequest({ prompt: 'Weather in Paris?', tools: [WEATHER], toolChoice: 'any' });
  expect(JSON.stringify(body)).not.toContain('cachePoint');
  expect(body.toolConfig).toEqual({ tools: [WEATHER_SPEC], toolChoice: { any: {} } });
});

test("the operator's additional model fields reach Bedrock unchanged", async () => {
  const fields = {
    thinking: { type: 'enabled', budget_tokens: 1024 },
    anthropic_beta: ['interleaved-thinking-2025-05-14'],
  };
  const body = await withEnv({ SBA_ADDITIONAL_MODEL_REQUEST_FIELDS: JSON.stringify(fields) }, () =>
    converseRequest({ prompt: 'Think first.', tools: [WEATHER], toolChoice: 'auto' }),
  );
  expect(body.additionalModelRequestFields).toEqual(fields);
  expect(body.inferenceConfig).toEqual({ maxTokens: 1024 });
});

test('without additional model fields, none are sent', async () => {
  const body = await converseRequest({ prompt: 'hi' });
  expect(body).not.toHaveProperty('additionalModelRequestFields');
  expect(body).not.toHaveProperty('toolConfig');
});

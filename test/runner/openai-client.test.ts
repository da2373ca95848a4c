/**
 * The official `openai` npm client, unchanged (only baseURL and an unused key), against the local API running the
 * bundled handler in front of the fake Bedrock: streaming, usage with cached tokens, the completion, a tools round
 * trip, an image, reasoning, the model list, and every error class as the client's own typed error.
 */
import OpenAI, { APIError, BadRequestError, InternalServerError, NotFoundError, RateLimitError } from 'openai';
import { MODEL } from '../bundle/harness';
import { FakeBedrock, answer, blockFrames, httpError, type FakeScript } from '../support/fake-bedrock';
import { withInProcessApi } from '../support/in-process-api';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9, 9]);
const WEATHER: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

let fake: FakeBedrock;
beforeAll(async () => {
  fake = await new FakeBedrock().start();
});
afterAll(() => fake.stop());
beforeEach(() => {
  fake.requests.length = 0;
});

/** A client of a fresh local API whose fake Bedrock follows `script`. */
async function withClient(script: FakeScript, fn: (client: OpenAI) => Promise<void>, env: Record<string, string> = {}) {
  fake.setScript(script);
  await withInProcessApi(fake, { env }, async (url) => {
    await fn(new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 }));
  });
}

const hi: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'hi' }];

test('streaming text, then usage with cached tokens when asked for', async () => {
  const usage = { inputTokens: 5, outputTokens: 2, cacheReadInputTokens: 100, cacheWriteInputTokens: 0 };
  await withClient(
    () => answer(['Hello', ' world'], { usage }),
    async (client) => {
      const stream = await client.chat.completions.create({
        model: MODEL,
        messages: hi,
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const chunk of stream) {
        chunks.push(chunk);
      }
      expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('Hello world');
      expect(chunks[0].choices[0].delta.role).toBe('assistant');
      expect(chunks[chunks.length - 2].choices[0].finish_reason).toBe('stop');
      expect(chunks[chunks.length - 1].usage).toEqual({
        prompt_tokens: 105,
        completion_tokens: 2,
        total_tokens: 107,
        prompt_tokens_details: { cached_tokens: 100 },
      });
    },
  );
});

test('the stream helper assembles the final completion', async () => {
  await withClient(
    () => answer(['Hello', ' world']),
    async (client) => {
      const completion = await client.chat.completions.stream({ model: MODEL, messages: hi }).finalChatCompletion();
      expect(completion.choices[0].message.content).toBe('Hello world');
      expect(completion.choices[0].finish_reason).toBe('stop');
    },
  );
});

test('non-streaming: one completion with usage', async () => {
  await withClient(
    () => answer(['Hello', ' world'], { usage: { inputTokens: 7, outputTokens: 2 } }),
    async (client) => {
      const completion = await client.chat.completions.create({ model: MODEL, messages: hi, max_tokens: 50 });
      expect(completion.object).toBe('chat.completion');
      expect(completion.choices[0].message).toMatchObject({ role: 'assistant', content: 'Hello world' });
      expect(completion.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 });
      expect(completion.model).toBe(MODEL);
    },
  );
});

test('a tools round trip: the tool call, the tool result sent back, the answer', async () => {
  const script: FakeScript = (request) =>
    request.body.messages.length === 1
      ? {
          frames: [
            ...blockFrames([
              { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', inputChunks: ['{"city":', '"Paris"}'] } },
            ]),
          ],
        }
      : answer(['It is sunny.']);
  await withClient(script, async (client) => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await client.chat.completions.create({ model: MODEL, messages, tools: [WEATHER] });
    const call = first.choices[0].message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    expect(call).toEqual({
      id: 'tooluse_1',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    });
    messages.push(first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: 'sunny, 21 C' });
    const second = await client.chat.completions.create({ model: MODEL, messages, tools: [WEATHER] });
    expect(second.choices[0].message.content).toBe('It is sunny.');
    expect(fake.requests[1].body.messages[2]).toEqual({
      role: 'user',
      content: [{ toolResult: { toolUseId: 'tooluse_1', content: [{ text: 'sunny, 21 C' }] } }],
    });
  });
});

test('an image as a data: URL reaches Bedrock as bytes', async () => {
  await withClient(
    () => answer(['A PNG.']),
    async (client) => {
      const completion = await client.chat.completions.create({
        model: MODEL,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG.toString('base64')}` } },
            ],
          },
        ],
      });
      expect(completion.choices[0].message.content).toBe('A PNG.');
      expect(fake.requests[0].body.messages[0].content[1]).toEqual({
        image: { format: 'png', source: { bytes: PNG.toString('base64') } },
      });
    },
  );
});

test('reasoning as delta.reasoning_content, and as message.reasoning_content when not streamed', async () => {
  const script = () => ({
    frames: [...blockFrames([{ reasoning: ['Let me ', 'think.'], signature: 'sig' }, { text: ['42'] }])],
  });
  await withClient(script, async (client) => {
    const stream = await client.chat.completions.create({ model: MODEL, messages: hi, stream: true });
    let reasoning = '';
    let content = '';
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { reasoning_content?: string; content?: string } | undefined;
      reasoning += delta?.reasoning_content ?? '';
      content += delta?.content ?? '';
    }
    expect({ reasoning, content }).toEqual({ reasoning: 'Let me think.', content: '42' });
    const completion = await client.chat.completions.create({ model: MODEL, messages: hi });
    expect(completion.choices[0].message).toMatchObject({ content: '42', reasoning_content: 'Let me think.' });
  });
});

test('models.list() shows the allowed ids', async () => {
  await withClient(
    () => answer(['unused']),
    async (client) => {
      const ids: string[] = [];
      for await (const model of client.models.list()) {
        ids.push(model.id);
        expect(model).toMatchObject({ object: 'model', owned_by: 'amazon-bedrock' });
      }
      expect(ids).toEqual([MODEL, 'amazon.nova-lite-v1:0']);
    },
    { SBA_ALLOWED_MODEL_IDS: JSON.stringify(['amazon.nova-lite-v1:0']) },
  );
});

/** The error the client throws for `request`. */
async function clientError(client: OpenAI, request: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming>) {
  try {
    await client.chat.completions.create({ model: MODEL, messages: hi, ...request });
  } catch (err) {
    return err as APIError;
  }
  throw new Error('expected the client to throw');
}

describe('errors as the client’s typed errors', () => {
  test('BadRequestError naming the param, for an unsupported parameter and a refused system message', async () => {
    await withClient(
      () => answer(['unused']),
      async (client) => {
        const n = await clientError(client, { n: 3 });
        expect(n).toBeInstanceOf(BadRequestError);
        expect(n).toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'n' });
        const system = await clientError(client, { messages: [{ role: 'system', content: 'x' }, ...hi] });
        expect(system).toBeInstanceOf(BadRequestError);
        expect(system).toMatchObject({ code: 'system_message_not_allowed', param: 'messages[0].role' });
        expect(system.message).toContain('allowCallerSystemMessages');
        expect(fake.requests).toHaveLength(0);
      },
    );
  });

  test('NotFoundError model_not_found for a model the API does not serve', async () => {
    await withClient(
      () => answer(['unused']),
      async (client) => {
        const err = await clientError(client, { model: 'gpt-4o' });
        expect(err).toBeInstanceOf(NotFoundError);
        expect(err).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
      },
    );
  });

  test('RateLimitError when Bedrock throttles', async () => {
    await withClient(
      () => httpError(429, 'ThrottlingException'),
      async (client) => {
        const err = await clientError(client, {});
        expect(err).toBeInstanceOf(RateLimitError);
        expect(err).toMatchObject({ status: 429, code: 'upstream_throttled', type: 'rate_limit_error' });
        expect(err.headers?.get('retry-after')).toBe('2');
      },
    );
  });

  test.each([
    [502, 'ModelErrorException', 'upstream_failed'],
    [503, 'ServiceUnavailableException', 'upstream_unavailable'],
  ])('InternalServerError %i (%s)', async (status, errorType, code) => {
    await withClient(
      () => httpError(status === 502 ? 424 : 503, errorType),
      async (client) => {
        const err = await clientError(client, {});
        expect(err).toBeInstanceOf(InternalServerError);
        expect(err).toMatchObject({ status, code });
      },
    );
  });

  test('APIError mid-stream, after the text so far', async () => {
    await withClient(
      () => answer(['partial', 'more'], { failAfter: { deltas: 1, exception: 'ModelStreamErrorException' } }),
      async (client) => {
        const stream = await client.chat.completions.create({ model: MODEL, messages: hi, stream: true });
        let text = '';
        const failure = await (async () => {
          try {
            for await (const chunk of stream) {
              text += chunk.choices[0]?.delta.content ?? '';
            }
          } catch (err) {
            return err as APIError;
          }
          throw new Error('expected the stream to throw');
        })();
        expect(text).toBe('partial');
        expect(failure).toBeInstanceOf(APIError);
        expect(failure.status).toBeUndefined();
        expect(failure.code).toMatch(/^upstream_/);
      },
    );
  });
});

/**
 * The official `@anthropic-ai/sdk` client, unchanged (only baseURL and an unused key), against the local API running
 * the bundled handler in front of the fake Bedrock: streaming text, the non-streaming Message, a tool round trip,
 * thinking with its signature sent back, an image, cache_control giving cache tokens in usage, count_tokens, the
 * model list, and each error as the client's own typed error class.
 */
import Anthropic, {
  APIError,
  BadRequestError,
  ContentTooLargeError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
  ServiceUnavailableError,
} from '@anthropic-ai/sdk';
import { DEFAULT_FAKE_MODEL, FAKE_SIGNATURE, fakeModelScript } from '../../src/local/fake-model';
import { MODEL } from '../bundle/harness';
import { FakeBedrock, answer, httpError, type FakeScript } from '../support/fake-bedrock';
import { withInProcessApi } from '../support/in-process-api';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9, 9]);
const WEATHER: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather of a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
/** The runner's fake model, fast: tool calls, signed thinking and prompt caching as the runner serves them. */
const FAKE_MODEL = fakeModelScript({
  ...DEFAULT_FAKE_MODEL,
  firstTokenMs: 0,
  tokensPerSecond: 10_000,
  answerTokens: 12,
});
const ALLOW_SYSTEM = { SBA_CALLER_SYSTEM_MESSAGES: 'true', SBA_MAX_TOKENS: '4096' };

let fake: FakeBedrock;
beforeAll(async () => {
  fake = await new FakeBedrock().start();
});
afterAll(() => fake.stop());
beforeEach(() => {
  fake.requests.length = 0;
});

/** A client of a fresh local API whose fake Bedrock follows `script`. */
async function withClient(
  script: FakeScript,
  fn: (client: Anthropic) => Promise<void>,
  env: Record<string, string> = {},
) {
  fake.setScript(script);
  await withInProcessApi(fake, { env }, async (url) => {
    await fn(new Anthropic({ baseURL: url, apiKey: 'unused', maxRetries: 0 }));
  });
}

const hi: Anthropic.MessageParam[] = [{ role: 'user', content: 'hi' }];

test('streaming text through messages.stream(): the text events and the final message', async () => {
  const usage = { inputTokens: 5, outputTokens: 2, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 };
  await withClient(
    () => answer(['Hello', ' world'], { usage }),
    async (client) => {
      const stream = client.messages.stream({ model: MODEL, max_tokens: 100, messages: hi });
      const texts: string[] = [];
      stream.on('text', (text) => texts.push(text));
      const message = await stream.finalMessage();
      expect(texts).toEqual(['Hello', ' world']);
      expect(message).toMatchObject({
        role: 'assistant',
        model: MODEL,
        content: [{ type: 'text', text: 'Hello world' }],
        stop_reason: 'end_turn',
        usage: { input_tokens: 5, output_tokens: 2 },
      });
    },
  );
});

test('non-streaming: messages.create returns one Message', async () => {
  await withClient(
    () => answer(['Hello', ' world']),
    async (client) => {
      const message = await client.messages.create({ model: MODEL, max_tokens: 100, messages: hi });
      expect(message.id).toMatch(/^msg_/);
      expect(message.content).toEqual([{ type: 'text', text: 'Hello world' }]);
      expect(message.stop_reason).toBe('end_turn');
    },
  );
});

test('a tool round trip: the model asks, the caller runs the tool, the answer quotes the result', async () => {
  await withClient(FAKE_MODEL, async (client) => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await client.messages
      .stream({ model: MODEL, max_tokens: 200, messages, tools: [WEATHER] })
      .finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    const call = first.content.find((block) => block.type === 'tool_use') as Anthropic.ToolUseBlock;
    expect(call).toMatchObject({ name: 'get_weather', input: { city: expect.any(String) } });
    messages.push({ role: 'assistant', content: first.content });
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'Sunny, 21 C' }] });
    const second = await client.messages.create({ model: MODEL, max_tokens: 200, messages, tools: [WEATHER] });
    expect(second.stop_reason).toBe('end_turn');
    expect((second.content[0] as Anthropic.TextBlock).text).toContain('Sunny, 21 C');
  });
});

test('thinking: the signed thinking block is sent back unchanged with the tool result', async () => {
  await withClient(
    FAKE_MODEL,
    async (client) => {
      const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
      const params = {
        model: MODEL,
        max_tokens: 2048,
        tools: [WEATHER],
        thinking: { type: 'enabled' as const, budget_tokens: 1024 },
      };
      const first = await client.messages.stream({ ...params, messages }).finalMessage();
      expect(first.content[0]).toMatchObject({ type: 'thinking', signature: FAKE_SIGNATURE });
      const call = first.content.find((block) => block.type === 'tool_use') as Anthropic.ToolUseBlock;
      messages.push({ role: 'assistant', content: first.content });
      messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'Sunny' }] });
      await client.messages.create({ ...params, messages });
      const sentBack = fake.requests[1].body.messages[1].content[0];
      expect(sentBack).toEqual({
        reasoningContent: {
          reasoningText: { text: (first.content[0] as Anthropic.ThinkingBlock).thinking, signature: FAKE_SIGNATURE },
        },
      });
    },
    ALLOW_SYSTEM,
  );
});

test('an image reaches Bedrock as its bytes', async () => {
  await withClient(
    () => answer(['A tiny image.']),
    async (client) => {
      await client.messages.create({
        model: MODEL,
        max_tokens: 100,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG.toString('base64') } },
            ],
          },
        ],
      });
      expect(fake.requests[0].body.messages[0].content[1]).toEqual({
        image: { format: 'png', source: { bytes: PNG.toString('base64') } },
      });
    },
  );
});

test('cache_control: the first call writes the cache, the next one reads it, both in usage', async () => {
  await withClient(
    FAKE_MODEL,
    async (client) => {
      const params: Anthropic.MessageCreateParamsNonStreaming = {
        model: MODEL,
        max_tokens: 100,
        system: [
          { type: 'text', text: 'A long, stable system prompt. '.repeat(50), cache_control: { type: 'ephemeral' } },
        ],
        messages: hi,
      };
      const first = await client.messages.create(params);
      const second = await client.messages.stream(params).finalMessage();
      expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(0);
      expect(first.usage.cache_read_input_tokens).toBe(0);
      expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
      expect(second.usage.cache_creation_input_tokens).toBe(0);
    },
    ALLOW_SYSTEM,
  );
});

test('count_tokens: an estimate of the input, without calling the model', async () => {
  await withClient(FAKE_MODEL, async (client) => {
    const { input_tokens: tokens } = await client.messages.countTokens({
      model: MODEL,
      messages: [{ role: 'user', content: 'word '.repeat(200) }],
    });
    // One token per short word (the budget's estimate counts text, not JSON), plus the message's markers and the
    // runner's system prompt, if any.
    expect(tokens).toBeGreaterThanOrEqual(204);
    expect(tokens).toBeLessThan(230);
    expect(fake.requests).toHaveLength(0);
  });
});

test('models.list: the allowed models in Anthropic’s list shape', async () => {
  await withClient(FAKE_MODEL, async (client) => {
    const ids: string[] = [];
    for await (const model of client.models.list()) {
      ids.push(model.id);
      expect(model.type).toBe('model');
    }
    expect(ids).toEqual([MODEL]);
  });
});

describe('each error as the client’s typed error class', () => {
  test.each([
    ['an unknown model', { model: 'claude-nope' }, () => answer(['x']), NotFoundError, 'not_found_error', {}],
    ['bad input', { max_tokens: 0 }, () => answer(['x']), BadRequestError, 'invalid_request_error', {}],
    [
      'too large a body',
      { messages: [{ role: 'user', content: 'x'.repeat(3000) }] },
      () => answer(['x']),
      ContentTooLargeError,
      'request_too_large',
      { SBA_MAX_REQUEST_BYTES: '2000' },
    ],
    [
      'Bedrock throttling',
      {},
      () => httpError(429, 'ThrottlingException', 'slow down'),
      RateLimitError,
      'rate_limit_error',
      {},
    ],
    [
      'Bedrock unavailable',
      {},
      () => httpError(503, 'ServiceUnavailableException', 'down'),
      ServiceUnavailableError,
      'overloaded_error',
      {},
    ],
    [
      'a model failure',
      {},
      () => httpError(500, 'InternalServerException', 'boom'),
      InternalServerError,
      'api_error',
      {},
    ],
  ])('%s', async (_name, fields, script, errorClass, type, env) => {
    await withClient(
      script as FakeScript,
      async (client) => {
        const error = await client.messages
          .create({
            model: MODEL,
            max_tokens: 100,
            messages: hi,
            ...(fields as Partial<Anthropic.MessageCreateParamsNonStreaming>),
          })
          .catch((e) => e);
        expect(error).toBeInstanceOf(errorClass);
        expect(error.error).toMatchObject({ type: 'error', error: { type } });
        expect(error.requestID ?? error.error.request_id).toBeTruthy();
      },
      env,
    );
  });

  test('an error after output: the stream throws the error event as an APIError, after the text so far', async () => {
    await withClient(
      () => answer(['partial', 'more'], { failAfter: { deltas: 1, exception: 'ModelStreamErrorException' } }),
      async (client) => {
        const stream = client.messages.stream({ model: MODEL, max_tokens: 100, messages: hi });
        const texts: string[] = [];
        stream.on('text', (text) => texts.push(text));
        const error = await stream.finalMessage().catch((e) => e);
        expect(error).toBeInstanceOf(APIError);
        expect(error.error).toMatchObject({ type: 'error', error: { type: 'api_error' } });
        expect(texts).toEqual(['partial']);
      },
    );
  });
});

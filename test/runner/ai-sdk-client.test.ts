/**
 * The real AI SDK client against the local API (the bundled handler in front of the fake Bedrock). `ai` is ESM-only
 * and ts-jest compiles tests to CommonJS, so the client runs in a child `node` process (ai-sdk-client.mjs) that
 * prints what the client made of the stream. With managed keys, against the runner: the transport with the key in
 * its headers and `@ai-sdk/openai-compatible` with it as apiKey, until the key is revoked.
 */
import { execFile } from 'child_process';
import * as path from 'path';
import { CLI_PATH, runClientScript, startRunner, type Runner } from './runner';
import { Errors } from '../../src/handler/errors';
import { FakeBedrock, answer, blockFrames, type FakeRequest } from '../support/fake-bedrock';
import { withInProcessApi } from '../support/in-process-api';

const CLIENT = path.join(__dirname, 'ai-sdk-client.mjs');
const USAGE = { inputTokens: 30, outputTokens: 12, cacheReadInputTokens: 5, cacheWriteInputTokens: 0 };

/** Runs one scenario of the client script against `url` (with a managed key for `model`) and returns its result. */
function runClient(url: string, scenario: string, key?: { key: string; model: string }): Promise<any> {
  return runClientScript(CLIENT, [url, scenario, ...(key ? [key.key, key.model] : [])]);
}

/** A tool-use turn with signed reasoning; once the tool result is back, the final answer. */
function weatherModel(request: FakeRequest) {
  const last = request.body.messages.at(-1);
  if (last.content.some((block: object) => 'toolResult' in block)) {
    return answer(['It is 21 degrees.'], { usage: USAGE });
  }
  return {
    frames: [
      ...blockFrames(
        [
          { reasoning: ['The user wants ', 'the weather.'], signature: 'sig-abc' },
          { text: ['Let me ', 'check.'] },
          { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', inputChunks: ['{"city":', '"Paris"}'] } },
        ],
        { usage: USAGE },
      ),
    ],
  };
}

let fake: FakeBedrock;
beforeAll(async () => {
  fake = await new FakeBedrock().start();
});
afterAll(() => fake.stop());
beforeEach(() => {
  fake.requests.length = 0;
});

const withApi = (fn: (url: string) => Promise<void>) => withInProcessApi(fake, {}, fn);

test('readUIMessageStream: reasoning with its signature, text, the tool call and usage in the message', async () => {
  fake.setScript(weatherModel);
  await withApi(async (url) => {
    const { message, errors } = await runClient(url, 'stream');
    expect(errors).toEqual([]);
    expect(message.id).toMatch(/^msg_/);
    expect(message.metadata).toEqual({
      modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0',
      usage: { ...USAGE, totalTokens: 42 },
    });
    expect(message.parts).toEqual([
      { type: 'step-start' },
      {
        type: 'reasoning',
        id: 'r0',
        text: 'The user wants the weather.',
        providerMetadata: { bedrock: { signature: 'sig-abc' } },
        state: 'done',
      },
      { type: 'text', text: 'Let me check.', state: 'done' },
      expect.objectContaining({
        type: 'tool-get_weather',
        toolCallId: 'tooluse_1',
        state: 'input-available',
        input: { city: 'Paris' },
      }),
    ]);
  });
});

test('Chat: addToolOutput sends the result automatically; the answer is appended to the same message', async () => {
  fake.setScript(weatherModel);
  await withApi(async (url) => {
    const result = await runClient(url, 'tool-round-trip');
    expect(result).toMatchObject({ status: 'ready', finishedCount: 2 });
    expect(result.error).toBeUndefined();
    const [, assistant] = result.messages;
    expect(result.messages).toHaveLength(2);
    expect(assistant.parts.map((p: { type: string; state?: string }) => `${p.type}:${p.state ?? ''}`)).toEqual([
      'step-start:',
      'reasoning:done',
      'text:done',
      'tool-get_weather:output-available',
      'step-start:',
      'text:done',
    ]);
    expect(assistant.parts[5].text).toBe('It is 21 degrees.');
  });
  // The second request gave Bedrock the signed reasoning, the call and its result.
  expect(fake.requests).toHaveLength(2);
  expect(fake.requests[1].body.messages).toEqual([
    { role: 'user', content: [{ text: 'Weather in Paris?' }] },
    {
      role: 'assistant',
      content: [
        { reasoningContent: { reasoningText: { text: 'The user wants the weather.', signature: 'sig-abc' } } },
        { text: 'Let me check.' },
        { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', input: { city: 'Paris' } } },
      ],
    },
    { role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_1', content: [{ json: { tempC: 21 } }] } }] },
  ]);
});

test('Chat: an error mid-stream shows the fixed errorText, the partial text kept', async () => {
  fake.setScript(() =>
    answer(['partial ', 'never'], {
      failAfter: { deltas: 1, exception: 'ModelStreamErrorException', message: 'arn:aws:secret internal' },
    }),
  );
  await withApi(async (url) => {
    const result = await runClient(url, 'chat-error');
    expect(result.status).toBe('error');
    expect(result.error).toBe(Errors.upstreamFailed().message);
    expect(result.lastMessage.parts).toContainEqual({ type: 'text', text: 'partial ', state: 'streaming' });
  });
});

test("a 400 before output surfaces as the client's APICallError with the API's JSON error body", async () => {
  await withApi(async (url) => {
    const { thrown } = await runClient(url, 'bad-request');
    expect(thrown).toMatchObject({ name: 'AI_APICallError', statusCode: 400 });
    expect(JSON.parse(thrown.message).error).toMatchObject({
      type: 'invalid_request_error',
      param: 'messages[0].parts[0].text',
    });
  });
  expect(fake.requests).toHaveLength(0);
});

describe('with a managed key, against the runner', () => {
  const MODEL = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
  /** The runner's key cache TTL (--key-cache-ttl): how long a revoked key may still be accepted. */
  const KEY_CACHE_TTL_SECONDS = 1;
  let runner: Runner;
  let key: { key: string; model: string };

  beforeAll(async () => {
    runner = await startRunner([
      '--create-key',
      'web',
      '--key-cache-ttl',
      String(KEY_CACHE_TTL_SECONDS),
      '--model-id',
      MODEL,
      '--first-token-ms',
      '0',
      '--tokens-per-second',
      '5000',
    ]);
    key = { key: (await runner.waitForLine(/^key web: /)).slice('key web: '.length), model: MODEL };
  });
  afterAll(() => runner?.stop());

  /** `keys ...` of the shipped bin against the runner's store (the flags its banner names). */
  async function keys(...args: string[]): Promise<string> {
    const banner = await runner.waitForLine(/^Managed keys: /);
    const flags = ['--table', '--endpoint-url'].flatMap((flag) => [
      flag,
      banner.match(new RegExp(`${flag} (\\S+)`))![1],
    ]);
    return new Promise((resolve, reject) =>
      execFile(process.execPath, [CLI_PATH, 'keys', ...args, ...flags], (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      ),
    );
  }

  test('the transport (key in headers) and the OpenAI-compatible provider (apiKey) stream; a revoked key gets 401', async () => {
    const { message, errors } = await runClient(runner.url, 'text', key);
    expect(errors).toEqual([]);
    expect(message.parts).toContainEqual(expect.objectContaining({ type: 'text', state: 'done' }));
    const compatible = await runClient(runner.url, 'openai-compatible', key);
    expect(compatible.errors).toEqual([]);
    expect(compatible.text.length).toBeGreaterThan(0);

    const keyId = (await keys('list'))
      .split('\n')
      .find((line) => /\sweb\s/.test(line))!
      .split(/\s+/)[0];
    await keys('revoke', keyId);
    // Within the TTL the handler may still answer from its cached lookup; after it, the key is read again.
    await new Promise((resolve) => setTimeout(resolve, KEY_CACHE_TTL_SECONDS * 1000 + 100));
    const { thrown } = await runClient(runner.url, 'text', key);
    expect(thrown).toMatchObject({ name: 'AI_APICallError', statusCode: 401 });
    expect(JSON.parse(thrown.message).error).toMatchObject({ code: 'invalid_api_key' });
    const refused = await runClient(runner.url, 'openai-compatible', key);
    expect(refused).toEqual({ text: '', errors: [{ name: 'AI_APICallError', statusCode: 401 }] });
  }, 60_000);
});

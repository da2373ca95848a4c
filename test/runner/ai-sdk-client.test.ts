/**
 * The real AI SDK client against the local API (the bundled handler in front of the fake Bedrock). `ai` is ESM-only
 * and ts-jest compiles tests to CommonJS, so the client runs in a child `node` process (ai-sdk-client.mjs) that
 * prints what the client made of the stream.
 */
import { spawn } from 'child_process';
import * as path from 'path';
import { Errors } from '../../src/handler/errors';
import { FakeBedrock, answer, blockFrames, type FakeRequest } from '../support/fake-bedrock';
import { withInProcessApi } from '../support/in-process-api';

const CLIENT = path.join(__dirname, 'ai-sdk-client.mjs');
const USAGE = { inputTokens: 30, outputTokens: 12, cacheReadInputTokens: 5, cacheWriteInputTokens: 0 };

/** Runs one scenario of the client script against `url` and returns its JSON result. */
function runClient(url: string, scenario: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLIENT, url, scenario], { cwd: path.join(__dirname, '..', '..') });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString('utf8')));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`client exited ${code}: ${stderr}`)),
    );
  });
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

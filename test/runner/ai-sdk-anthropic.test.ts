/**
 * The AI SDK's `@ai-sdk/anthropic` provider with `streamText`, unchanged (only baseURL and an unused key), against the
 * local API running the bundled handler in front of the fake Bedrock. The provider runs in a child `node` process
 * (ai-sdk-anthropic.mjs) that prints what it made of the stream.
 */
import * as path from 'path';
import { runClientScript } from './runner';
import { DEFAULT_FAKE_MODEL, fakeModelScript } from '../../src/local/fake-model';
import { MODEL } from '../bundle/harness';
import { FakeBedrock, answer } from '../support/fake-bedrock';
import { withInProcessApi } from '../support/in-process-api';

const CLIENT = path.join(__dirname, 'ai-sdk-anthropic.mjs');

/** Runs one scenario of the client script against `url` and returns its JSON result. */
function runClient(url: string, scenario: string): Promise<any> {
  return runClientScript(CLIENT, [url, MODEL, scenario]);
}

let fake: FakeBedrock;
beforeAll(async () => {
  fake = await new FakeBedrock().start();
});
afterAll(() => fake.stop());

test('streamText: the text deltas as the model sent them, the finish reason and the usage', async () => {
  const usage = { inputTokens: 30, outputTokens: 2, cacheReadInputTokens: 5, cacheWriteInputTokens: 0 };
  fake.setScript(() => answer(['Hello', ' world'], { usage }));
  await withInProcessApi(fake, {}, async (url) => {
    const result = await runClient(url, 'text');
    expect(result).toMatchObject({
      deltas: ['Hello', ' world'],
      text: 'Hello world',
      finishReason: 'stop',
      errors: [],
    });
    expect(result.usage).toMatchObject({ outputTokens: 2, inputTokens: 35 });
  });
});

test('streamText with a tool: the provider runs it and sends the result, the next step answers with it', async () => {
  fake.setScript(
    fakeModelScript({ ...DEFAULT_FAKE_MODEL, firstTokenMs: 0, tokensPerSecond: 10_000, answerTokens: 12 }),
  );
  await withInProcessApi(fake, {}, async (url) => {
    const result = await runClient(url, 'tools');
    expect(result.errors).toEqual([]);
    expect(result.toolCalls).toEqual([{ name: 'get_weather', input: { city: expect.any(String) } }]);
    expect(result.steps).toBe(2);
    expect(result.text).toContain('Sunny in');
    expect(result.finishReason).toBe('stop');
  });
});

/**
 * Fallback models through the runner and the official `openai` client: the fake Bedrock throttles the first model
 * only (--throttle-model), and the answer comes from the fallback (--fallback-model-id), which the completion names.
 */
import OpenAI from 'openai';
import { startRunner } from './runner';

const FIRST = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const FALLBACK = 'amazon.nova-lite-v1:0';

test('the first model throttled: the openai client gets the answer from the fallback, which it names', async () => {
  const runner = await startRunner([
    '--model-id',
    FIRST,
    '--throttle-model',
    FIRST,
    '--fallback-model-id',
    FALLBACK,
    '--first-token-ms',
    '0',
    '--answer-tokens',
    '5',
  ]);
  try {
    await runner.waitForLine(new RegExp(`fallback models ${FALLBACK.replace(/\./g, '\\.')}`));
    const client = new OpenAI({ baseURL: `${runner.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'hi' }];
    const stream = await client.chat.completions.create({ model: FIRST, messages, stream: true });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
    }
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toContain('received');
    expect(new Set(chunks.map((c) => c.model))).toEqual(new Set([FALLBACK]));
    const line = await runner.waitForLine(/POST \/v1\/chat\/completions 200/);
    expect(line).toContain(`answered by ${FALLBACK} for ${FIRST}`);
  } finally {
    expect(await runner.stop()).toBe(0);
  }
});

test('without a fallback the throttled model is a 429 the client sees as its RateLimitError', async () => {
  const runner = await startRunner(['--throttle-model', 'us.anthropic.claude-haiku-4-5-20251001-v1:0']);
  try {
    const client = new OpenAI({ baseURL: `${runner.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    await expect(
      client.chat.completions.create({ model: FIRST, messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toBeInstanceOf(OpenAI.RateLimitError);
  } finally {
    expect(await runner.stop()).toBe(0);
  }
});

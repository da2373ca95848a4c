/**
 * Reasoning effort from the real clients, unchanged, against the local API running the bundled handler in front of the
 * fake Bedrock: `openai` with `reasoning_effort`, `responses.create` with `reasoning.effort`, and the Anthropic SDK
 * with adaptive thinking each reach Bedrock as the model family's own reasoning fields (the fake's request record).
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { FakeBedrock, answer } from '../support/fake-bedrock';
import { withInProcessApi } from '../support/in-process-api';

const CLAUDE_45 = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const CLAUDE_46 = 'anthropic.claude-opus-4-6-v1';
const NOVA_2 = 'amazon.nova-2-lite-v1:0';
const ENV = { SBA_ALLOWED_MODEL_IDS: JSON.stringify([CLAUDE_45, CLAUDE_46, NOVA_2]), SBA_MAX_TOKENS: '8192' };

let fake: FakeBedrock;
beforeAll(async () => {
  fake = await new FakeBedrock().start();
});
afterAll(() => fake.stop());
beforeEach(() => {
  fake.requests.length = 0;
  fake.setScript(() => answer(['Thought', ' through']));
});

const withApi = (fn: (url: string) => Promise<void>) => withInProcessApi(fake, { env: ENV }, (url) => fn(url));
const sentFields = () => fake.requests.map((request) => request.body.additionalModelRequestFields);

test('openai chat.completions.create with reasoning_effort: a Claude 4.5 thinking budget', async () => {
  await withApi(async (url) => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: CLAUDE_45,
      messages: [{ role: 'user', content: 'Is 1009 prime?' }],
      reasoning_effort: 'medium',
    });
    expect(completion.choices[0].message.content).toBe('Thought through');
  });
  expect(sentFields()).toEqual([{ thinking: { type: 'enabled', budget_tokens: 4096 } }]);
});

test('openai chat.completions.create with an unknown reasoning_effort: the client throws a 400 naming it', async () => {
  await withApi(async (url) => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const call = client.chat.completions.create({
      model: CLAUDE_45,
      messages: [{ role: 'user', content: 'hi' }],
      reasoning_effort: 'extreme' as OpenAI.ReasoningEffort,
    });
    await expect(call).rejects.toMatchObject({ status: 400, param: 'reasoning_effort' });
  });
  expect(fake.requests).toHaveLength(0);
});

test('openai responses.create with reasoning.effort: Nova 2 maxReasoningEffort', async () => {
  await withApi(async (url) => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const response = await client.responses.create({
      model: NOVA_2,
      input: 'Is 1009 prime?',
      reasoning: { effort: 'high' },
    });
    expect(response.output_text).toBe('Thought through');
  });
  expect(sentFields()).toEqual([{ reasoningConfig: { type: 'enabled', maxReasoningEffort: 'high' } }]);
});

test('the Anthropic SDK with adaptive thinking and output_config.effort: Claude 4.6 adaptive thinking', async () => {
  await withApi(async (url) => {
    const client = new Anthropic({ baseURL: url, apiKey: 'unused', maxRetries: 0 });
    const stream = client.messages.stream({
      model: CLAUDE_46,
      max_tokens: 8192,
      messages: [{ role: 'user', content: 'Is 1009 prime?' }],
      thinking: { type: 'adaptive' },
      output_config: { effort: 'low' },
    } as Anthropic.MessageStreamParams);
    const message = await stream.finalMessage();
    expect(message.content).toMatchObject([{ type: 'text', text: 'Thought through' }]);
  });
  expect(sentFields()).toEqual([{ thinking: { type: 'adaptive' }, output_config: { effort: 'low' } }]);
});

test('the Anthropic SDK with adaptive thinking on Claude 4.5: the table’s budget for Anthropic’s default effort', async () => {
  await withApi(async (url) => {
    const client = new Anthropic({ baseURL: url, apiKey: 'unused', maxRetries: 0 });
    await client.messages.create({
      model: CLAUDE_45,
      max_tokens: 8192,
      messages: [{ role: 'user', content: 'Is 1009 prime?' }],
      thinking: { type: 'adaptive' },
    } as Anthropic.MessageCreateParamsNonStreaming);
  });
  // high: 16,000, held to half of the 8,192 output tokens.
  expect(sentFields()).toEqual([{ thinking: { type: 'enabled', budget_tokens: 4096 } }]);
});

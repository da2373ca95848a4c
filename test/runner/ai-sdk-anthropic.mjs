/**
 * The AI SDK's Anthropic provider (`@ai-sdk/anthropic` with `ai`'s streamText; ESM-only, so it runs here in plain Node
 * rather than under ts-jest's CommonJS), driven by test/runner/ai-sdk-anthropic.test.ts:
 * `node ai-sdk-anthropic.mjs <api url> <model> <scenario>` prints one JSON result.
 */
import { createAnthropic } from '@ai-sdk/anthropic';
import { jsonSchema, stepCountIs, streamText, tool } from 'ai';

const [url, model, scenario] = process.argv.slice(2);
// The provider's base URL ends in /v1: it appends /messages.
const anthropic = createAnthropic({ baseURL: `${url}/v1`, apiKey: 'unused' });

const weather = tool({
  description: 'Current weather of a city',
  inputSchema: jsonSchema({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
  execute: async ({ city }) => `Sunny in ${city}, 21 C`,
});

const errors = [];

async function run() {
  const result = streamText({
    model: anthropic(model),
    prompt: 'Weather in Paris?',
    maxOutputTokens: 200,
    ...(scenario === 'tools' && { tools: { get_weather: weather }, stopWhen: stepCountIs(3) }),
    onError: ({ error }) => errors.push(String(error?.message ?? error)),
  });
  const deltas = [];
  for await (const delta of result.textStream) {
    deltas.push(delta);
  }
  const steps = await result.steps;
  return {
    deltas,
    text: await result.text,
    usage: await result.totalUsage,
    finishReason: await result.finishReason,
    toolCalls: steps.flatMap((step) => step.toolCalls.map((call) => ({ name: call.toolName, input: call.input }))),
    steps: steps.length,
    errors,
  };
}

try {
  process.stdout.write(JSON.stringify(await run()));
} catch (e) {
  process.stdout.write(JSON.stringify({ thrown: String(e?.message ?? e), errors }));
}

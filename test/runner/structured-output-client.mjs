/**
 * The AI SDK's `streamText` with `output: Output.object({schema})` through `@ai-sdk/openai-compatible`, as an app
 * pointed at this API would call it (ESM-only, so it runs in plain Node: structured-output.test.ts drives it).
 * `node structured-output-client.mjs <api url> <model> <structured|json-mode>` prints the parsed object, the
 * request's response_format as the provider sent it, and any error.
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { Output, streamText } from 'ai';
import { z } from 'zod';

const [url, model, mode] = process.argv.slice(2);
const Recipe = z.object({
  title: z.string(),
  servings: z.number().int(),
  vegetarian: z.boolean(),
  ingredients: z.array(z.object({ name: z.string(), grams: z.number() })),
});

let sent;
const provider = createOpenAICompatible({
  name: 'bedrock-api',
  baseURL: `${url}/v1`,
  apiKey: 'unused',
  // The provider only sends the schema (json_schema) when told the endpoint supports it; otherwise JSON mode.
  supportsStructuredOutputs: mode === 'structured',
  fetch: async (input, init) => {
    sent = JSON.parse(init.body).response_format;
    return fetch(input, init);
  },
});

const errors = [];
const result = streamText({
  model: provider(model),
  output: Output.object({ schema: Recipe }),
  prompt: 'A recipe for pancakes, as JSON.',
  onError: ({ error }) => errors.push(error.message),
});
let partials = 0;
for await (const partial of result.partialOutputStream) {
  partials += partial === undefined ? 0 : 1;
}
let output;
try {
  output = await result.output;
} catch (e) {
  errors.push(`${e.name}: ${e.message}`);
}
process.stdout.write(JSON.stringify({ output, responseFormat: sent, partials, errors }));

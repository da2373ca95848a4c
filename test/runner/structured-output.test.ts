/**
 * Structured output through the runner with real clients, unchanged: the AI SDK's `streamText` + `Output.object`
 * through `@ai-sdk/openai-compatible` (seed 002's case), `openai`'s `chat.completions.parse` with
 * `zodResponseFormat`, and `responses.parse` with `zodTextFormat`. The fake model answers JSON valid against the
 * schema it receives; each client parses and validates it with its own zod schema.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import OpenAI from 'openai';
import { zodFunction, zodResponseFormat, zodTextFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { runClientScript, startRunner, type Runner } from './runner';

const MODEL = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const FAST = ['--tokens-per-second', '1000', '--first-token-ms', '0'];
const CLIENT = path.join(__dirname, 'structured-output-client.mjs');

const Weather = z.object({
  city: z.string(),
  celsius: z.number(),
  conditions: z.enum(['sunny', 'cloudy', 'rain']),
  alerts: z.array(z.string()),
  wind: z.object({ kmh: z.number().int(), direction: z.string() }),
  note: z.string().nullable(),
});

async function withRunner(args: string[], fn: (runner: Runner) => Promise<void>): Promise<void> {
  const runner = await startRunner([...FAST, ...args]);
  try {
    await fn(runner);
  } finally {
    expect(await runner.stop()).toBe(0);
  }
}

function runAiSdk(url: string, mode: 'structured' | 'json-mode'): Promise<any> {
  return runClientScript(CLIENT, [url, MODEL, mode]);
}

const client = (runner: Runner) => new OpenAI({ baseURL: `${runner.url}/v1`, apiKey: 'unused', maxRetries: 0 });
const ask = [{ role: 'user' as const, content: 'The weather in Paris?' }];

test('the AI SDK streamText + Output.object (openai-compatible, structured outputs on): the schema reaches the model and the object parses', async () => {
  await withRunner([], async (runner) => {
    const result = await runAiSdk(runner.url, 'structured');
    expect(result.errors).toEqual([]);
    expect(result.responseFormat).toMatchObject({ type: 'json_schema', json_schema: { name: 'response' } });
    expect(result.output).toEqual({
      title: 'example title',
      servings: 1,
      vegetarian: true,
      ingredients: [{ name: 'example name', grams: 1.5 }],
    });
    expect(result.partials).toBeGreaterThan(1);
  });
});

test("the AI SDK with the provider's defaults (JSON mode: json_object): the model's JSON object parses", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'structured-'));
  const script = path.join(dir, 'script.json');
  const recipe = { title: 'Pancakes', servings: 4, vegetarian: true, ingredients: [{ name: 'flour', grams: 200 }] };
  fs.writeFileSync(script, JSON.stringify([{ text: JSON.stringify(recipe) }]));
  try {
    await withRunner(['--script', script], async (runner) => {
      const result = await runAiSdk(runner.url, 'json-mode');
      expect(result.responseFormat).toEqual({ type: 'json_object' });
      expect(result.errors).toEqual([]);
      expect(result.output).toEqual(recipe);
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('openai chat.completions.parse with zodResponseFormat: message.parsed is the typed object', async () => {
  await withRunner([], async (runner) => {
    const completion = await client(runner).chat.completions.parse({
      model: MODEL,
      messages: ask,
      response_format: zodResponseFormat(Weather, 'weather'),
    });
    const message = completion.choices[0].message;
    expect(message.refusal).toBeNull();
    expect(message.parsed).toEqual({
      city: 'example city',
      celsius: 1.5,
      conditions: 'sunny',
      alerts: ['example alerts'],
      wind: { kmh: 1, direction: 'example direction' },
      note: 'example note',
    });
    expect(Weather.parse(message.parsed)).toEqual(message.parsed);
  });
});

test('openai chat.completions.parse with strict tools (zodFunction): the tool call arguments parse', async () => {
  await withRunner([], async (runner) => {
    const completion = await client(runner).chat.completions.parse({
      model: MODEL,
      messages: ask,
      tools: [zodFunction({ name: 'get_weather', parameters: z.object({ city: z.string() }) })],
    });
    const call = completion.choices[0].message.tool_calls![0];
    expect(call.type === 'function' && call.function.parsed_arguments).toEqual({ city: 'example city' });
  });
});

test('openai responses.parse with zodTextFormat: output_parsed is the typed object (streamed too)', async () => {
  await withRunner([], async (runner) => {
    const openai = client(runner);
    const response = await openai.responses.parse({
      model: MODEL,
      input: 'The weather in Paris?',
      text: { format: zodTextFormat(Weather, 'weather') },
    });
    expect(response.output_parsed).toMatchObject({ city: 'example city', conditions: 'sunny', note: 'example note' });
    const stream = openai.responses.stream({
      model: MODEL,
      input: 'The weather in Paris?',
      text: { format: zodTextFormat(Weather, 'weather') },
    });
    const final = await stream.finalResponse();
    expect(final.output_parsed).toEqual(response.output_parsed);
  });
});

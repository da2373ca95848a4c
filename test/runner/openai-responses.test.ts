/**
 * OpenAI Responses with the official clients, unchanged (only a base URL and an unused key), against the local API
 * running the bundled handler in front of the fake Bedrock: the `openai` client's `responses.create` and
 * `responses.stream` (text, a function-tool round trip, reasoning sent back with its signature, errors as the
 * client's typed errors), and the OpenAI Agents SDK running an agent with a function tool, streamed and not.
 */
import { Agent, OpenAIProvider, Runner, setTracingDisabled, tool } from '@openai/agents';
import OpenAI, { APIError, BadRequestError, NotFoundError } from 'openai';
import { z } from 'zod';
import { MODEL } from '../bundle/harness';
import { FakeBedrock, answer, blockFrames, type FakeRequest, type FakeScript } from '../support/fake-bedrock';
import { withInProcessApi } from '../support/in-process-api';

const ALLOW_SYSTEM = { SBA_CALLER_SYSTEM_MESSAGES: 'true' };
const WEATHER: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: true,
};

let fake: FakeBedrock;
beforeAll(async () => {
  fake = await new FakeBedrock().start();
  // The Agents SDK would send traces to OpenAI: nothing leaves this machine.
  setTracingDisabled(true);
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

/** Whether the conversation Bedrock got ends with tool results (the second step of a tool round trip). */
const answersTool = (request: FakeRequest) =>
  request.body.messages[request.body.messages.length - 1].content.some((block: object) => 'toolResult' in block);

/** A model that calls get_weather for Paris, then answers from the tool's result. */
const weatherModel: FakeScript = (request) =>
  answersTool(request)
    ? answer(['It is sunny', ' in Paris.'])
    : {
        frames: [
          ...blockFrames([
            { text: ['Let me check.'] },
            { toolUse: { toolUseId: 'tooluse_w1', name: 'get_weather', inputChunks: ['{"city":', '"Paris"}'] } },
          ]),
        ],
      };

test('responses.create streaming: the text deltas, then response.completed with the usage', async () => {
  const usage = { inputTokens: 5, outputTokens: 2, cacheReadInputTokens: 100, cacheWriteInputTokens: 0 };
  await withClient(
    () => answer(['Hello', ' world'], { usage }),
    async (client) => {
      const stream = await client.responses.create({ model: MODEL, input: 'hi', stream: true, store: false });
      const types: string[] = [];
      let text = '';
      let completed: OpenAI.Responses.Response | undefined;
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === 'response.output_text.delta') {
          text += event.delta;
        } else if (event.type === 'response.completed') {
          completed = event.response;
        }
      }
      expect(text).toBe('Hello world');
      expect(types[0]).toBe('response.created');
      expect(types[types.length - 1]).toBe('response.completed');
      expect(completed!.usage).toEqual({
        input_tokens: 105,
        input_tokens_details: { cached_tokens: 100 },
        output_tokens: 2,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 107,
      });
    },
  );
});

test('responses.stream: the helper emits deltas and assembles the final response', async () => {
  await withClient(
    () => answer(['Hello', ' world']),
    async (client) => {
      const deltas: string[] = [];
      const stream = client.responses.stream({ model: MODEL, input: 'hi' });
      stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
      const response = await stream.finalResponse();
      expect(deltas).toEqual(['Hello', ' world']);
      expect(response.output_text).toBe('Hello world');
      expect(response.status).toBe('completed');
    },
  );
});

test('responses.create without stream: one response with its output text', async () => {
  await withClient(
    () => answer(['Hello', ' world']),
    async (client) => {
      const response = await client.responses.create({ model: MODEL, input: [{ role: 'user', content: 'hi' }] });
      expect(response.output_text).toBe('Hello world');
      expect(response.usage?.output_tokens).toBe(2);
    },
  );
});

test('a function-tool round trip: the call as a function_call item, its output sent back, the answer', async () => {
  await withClient(weatherModel, async (client) => {
    const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await client.responses.stream({ model: MODEL, input, tools: [WEATHER] }).finalResponse();
    const calls = first.output.filter((item) => item.type === 'function_call');
    expect(calls).toEqual([
      expect.objectContaining({ call_id: 'tooluse_w1', name: 'get_weather', arguments: '{"city":"Paris"}' }),
    ]);
    input.push(...(first.output as OpenAI.Responses.ResponseInputItem[]), {
      type: 'function_call_output',
      call_id: calls[0].call_id,
      output: 'sunny, 21 C',
    });
    const second = await client.responses.create({ model: MODEL, input, tools: [WEATHER] });
    expect(second.output_text).toBe('It is sunny in Paris.');
    expect(fake.requests[1].body.messages).toEqual([
      { role: 'user', content: [{ text: 'Weather in Paris?' }] },
      {
        role: 'assistant',
        content: [
          { text: 'Let me check.' },
          { toolUse: { toolUseId: 'tooluse_w1', name: 'get_weather', input: { city: 'Paris' } } },
        ],
      },
      { role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_w1', content: [{ text: 'sunny, 21 C' }] } }] },
    ]);
  });
});

test('reasoning: streamed as reasoning text (and summary), sent back with its signature in the next turn', async () => {
  const script: FakeScript = (request) =>
    answersTool(request)
      ? answer(['Done.'])
      : {
          frames: [
            ...blockFrames([
              { reasoning: ['Need the ', 'weather.'], signature: 'sig-123' },
              { toolUse: { toolUseId: 'tooluse_r1', name: 'get_weather', inputChunks: ['{"city":"Oslo"}'] } },
            ]),
          ],
        };
  await withClient(script, async (client) => {
    const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: 'Weather in Oslo?' }];
    const reasoningDeltas: string[] = [];
    const summaryDeltas: string[] = [];
    const stream = client.responses.stream({
      model: MODEL,
      input,
      tools: [WEATHER],
      include: ['reasoning.encrypted_content'],
      reasoning: { summary: 'auto' },
      store: false,
    });
    stream.on('response.reasoning_text.delta', (event) => reasoningDeltas.push(event.delta));
    stream.on('response.reasoning_summary_text.delta', (event) => summaryDeltas.push(event.delta));
    const first = await stream.finalResponse();
    expect(reasoningDeltas).toEqual(['Need the ', 'weather.']);
    expect(summaryDeltas).toEqual(['Need the ', 'weather.']);
    expect(first.output[0]).toMatchObject({ type: 'reasoning', encrypted_content: 'sig-123' });
    const call = first.output[1] as OpenAI.Responses.ResponseFunctionToolCall;
    input.push(...(first.output as OpenAI.Responses.ResponseInputItem[]), {
      type: 'function_call_output',
      call_id: call.call_id,
      output: 'snow',
    });
    await client.responses.create({ model: MODEL, input, tools: [WEATHER], include: ['reasoning.encrypted_content'] });
    expect(fake.requests[1].body.messages[1].content[0]).toEqual({
      reasoningContent: { reasoningText: { text: 'Need the weather.', signature: 'sig-123' } },
    });
  });
});

test('errors are the client’s typed errors: a model not served, stored state, a failure mid-stream', async () => {
  await withClient(
    () => answer(['partial', 'more'], { failAfter: { deltas: 1, exception: 'ModelStreamErrorException' } }),
    async (client) => {
      await expect(client.responses.create({ model: 'gpt-5', input: 'hi' })).rejects.toBeInstanceOf(NotFoundError);
      const stored = client.responses.create({ model: MODEL, input: 'hi', previous_response_id: 'resp_1' });
      await expect(stored).rejects.toBeInstanceOf(BadRequestError);
      await expect(stored).rejects.toThrow(/stateless and stores nothing/);
      let text = '';
      const failing = async () => {
        for await (const event of await client.responses.create({ model: MODEL, input: 'hi', stream: true })) {
          text += event.type === 'response.output_text.delta' ? event.delta : '';
        }
      };
      await expect(failing()).rejects.toBeInstanceOf(APIError);
      expect(text).toBe('partial');
    },
  );
});

describe('the OpenAI Agents SDK (its default API, Responses)', () => {
  const getWeather = tool({
    name: 'get_weather',
    description: 'Current weather of a city',
    parameters: z.object({ city: z.string() }),
    execute: async ({ city }) => `sunny, 21 C in ${city}`,
  });

  const agent = new Agent({ name: 'Weather', instructions: 'Answer briefly.', model: MODEL, tools: [getWeather] });

  /**
   * A runner whose model provider is the SDK's own OpenAI provider (Responses, its default) with a client of a fresh
   * local API: the operator allows caller system messages, since an agent sends its instructions.
   */
  async function withRunner(fn: (runner: Runner) => Promise<void>) {
    fake.setScript(weatherModel);
    await withInProcessApi(fake, { env: ALLOW_SYSTEM }, async (url) => {
      const openAIClient = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
      await fn(new Runner({ modelProvider: new OpenAIProvider({ openAIClient }) }));
    });
  }

  /** The agent ran the tool the model asked for and sent its result back. */
  function expectToolRoundTrip() {
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[0].body.system.map((block: { text: string }) => block.text)).toContain('Answer briefly.');
    expect(fake.requests[1].body.messages[2].content).toEqual([
      { toolResult: { toolUseId: 'tooluse_w1', content: [{ text: 'sunny, 21 C in Paris' }] } },
    ]);
  }

  test('run(): the agent calls the function tool and answers', async () => {
    await withRunner(async (runner) => {
      const result = await runner.run(agent, 'Weather in Paris?');
      expect(result.finalOutput).toBe('It is sunny in Paris.');
      expectToolRoundTrip();
    });
  });

  test('run() streamed: the same session over the streaming events', async () => {
    await withRunner(async (runner) => {
      const result = await runner.run(agent, 'Weather in Paris?', { stream: true });
      let text = '';
      for await (const chunk of result.toTextStream()) {
        text += chunk;
      }
      await result.completed;
      expect(text).toContain('It is sunny in Paris.');
      expect(result.finalOutput).toBe('It is sunny in Paris.');
      expectToolRoundTrip();
    });
  });
});

/**
 * The model features as a person sees them with curl against the runner (the shipped CLI in its own process): the
 * fake model reasons with --reasoning, calls a tool when the request has tools and answers its result, reads its
 * cache with --prompt-caching; --no-client-tools refuses tools; bad flags are usage errors.
 */
import { spawnSync } from 'child_process';
import { CLI_PATH, postJson, startRunner, type Runner } from './runner';

const FAST = ['--tokens-per-second', '1000', '--first-token-ms', '0', '--answer-tokens', '6'];
const WEATHER = {
  name: 'get_weather',
  description: 'Current weather of a city',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

/** The SSE events of a response body: `event:` name and parsed `data:`. */
async function events(response: Response): Promise<Array<{ event: string; data: any }>> {
  const body = await response.text();
  return body
    .split('\n\n')
    .filter((block) => block.startsWith('event: '))
    .map((block) => {
      const [event, data] = block.split('\n');
      return { event: event.slice('event: '.length), data: JSON.parse(data.slice('data: '.length)) };
    });
}

async function withRunner(args: string[], fn: (runner: Runner) => Promise<void>): Promise<void> {
  const runner = await startRunner([...FAST, ...args]);
  try {
    await fn(runner);
  } finally {
    expect(await runner.stop()).toBe(0);
  }
}

test('--reasoning: the reasoning streams first, signed, then the answer; the banner says what is on', async () => {
  await withRunner(['--reasoning'], async (runner) => {
    // The banner follows the "Listening on" line that startRunner waits for.
    expect(await runner.waitForLine(/^Features: /)).toMatch(
      /Features: maxTokens 2048, additionalModelRequestFields .*"thinking"/,
    );
    const received = await events(await postJson(`${runner.url}/stream`, { prompt: 'Is 221 prime?' }));
    const kinds = received.map((e) => e.event);
    expect(kinds.indexOf('delta')).toBeGreaterThan(kinds.lastIndexOf('reasoning'));
    expect(received.filter((e) => e.event === 'reasoning').at(-1)!.data).toEqual({
      signature: expect.any(String),
    });
    expect(received.at(-1)!.event).toBe('done');
  });
});

test('a tool round trip: call -> result -> an answer that used the result', async () => {
  await withRunner([], async (runner) => {
    const question = { role: 'user', content: 'What is the weather in Paris?' };
    const first = await events(await postJson(`${runner.url}/stream`, { messages: [question], tools: [WEATHER] }));
    const call = first.find((e) => e.event === 'tool_use')!.data;
    expect(call).toEqual({ toolUseId: expect.any(String), name: 'get_weather', input: { city: 'example city' } });
    expect(first.at(-1)!.data.stopReason).toBe('tool_use');

    const text = first
      .filter((e) => e.event === 'delta')
      .map((e) => e.data.text)
      .join('');
    const messages = [
      question,
      { role: 'assistant', content: [{ text }, { toolUse: call }] },
      { role: 'user', content: [{ toolResult: { toolUseId: call.toolUseId, content: [{ json: { celsius: 21 } }] } }] },
    ];
    const second = await events(await postJson(`${runner.url}/stream`, { messages, tools: [WEATHER] }));
    const answer = second
      .filter((e) => e.event === 'delta')
      .map((e) => e.data.text)
      .join('');
    expect(answer).toMatch(/^The tool returned \{"celsius":21\}\./);
    expect(second.at(-1)!.data.stopReason).toBe('end_turn');
  });
});

test('--prompt-caching: the first request writes the system prompt to the cache, the next one reads it', async () => {
  await withRunner(
    ['--prompt-caching', '--system-prompt', 'You are the terse assistant of Example Corp'],
    async (runner) => {
      const usage = async () =>
        (await events(await postJson(`${runner.url}/stream`, { prompt: 'hi' }))).at(-1)!.data.usage;
      expect(await usage()).toMatchObject({ cacheWriteInputTokens: 8, cacheReadInputTokens: 0 });
      expect(await usage()).toMatchObject({ cacheWriteInputTokens: 0, cacheReadInputTokens: 8 });
    },
  );
});

test('--no-client-tools: a request with tools gets 400 tools_disabled', async () => {
  await withRunner(['--no-client-tools'], async (runner) => {
    const response = await postJson(`${runner.url}/stream`, { prompt: 'hi', tools: [WEATHER] });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatchObject({ code: 'tools_disabled', param: 'tools' });
  });
});

test('the runner serves every protocol; --allow-caller-system-messages lets OpenAI callers add a system message', async () => {
  const body = {
    model: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
    messages: [
      { role: 'system', content: 'Answer in French.' },
      { role: 'user', content: 'hi' },
    ],
  };
  await withRunner([], async (runner) => {
    expect(await runner.waitForLine(/^OpenAI clients: /)).toContain(`baseURL ${runner.url}/v1`);
    const refused = await postJson(`${runner.url}/v1/chat/completions`, body);
    expect(refused.status).toBe(400);
    expect((await refused.json()).error).toMatchObject({ code: 'system_message_not_allowed' });
  });
  await withRunner(['--allow-caller-system-messages'], async (runner) => {
    const response = await postJson(`${runner.url}/v1/chat/completions`, body);
    expect(response.status).toBe(200);
    expect((await response.json()).choices[0].message.content).toMatch(/^\(1 word received\) /);
  });
});

test.each([
  [['--additional-model-request-fields', '{not json'], /--additional-model-request-fields must be JSON/],
  [['--additional-model-request-fields', '[1]'], /must be a JSON object/],
  [['--reasoning', '--additional-model-request-fields', '{}'], /use one or the other/],
  [['--reasoning', '--max-tokens', '1024'], /--max-tokens must be greater than the thinking budget/],
])('rejects %j with a usage message and exit code 2', (args, message) => {
  const result = spawnSync(process.execPath, [CLI_PATH, 'serve', ...args], { encoding: 'utf8' });
  expect(result.status).toBe(2);
  expect(result.stderr).toMatch(message);
});

/**
 * OpenAI Responses through the bundled handler: the exact Converse request Bedrock receives for each field (Codex's
 * own request among them), the streaming events in order with their sequence numbers, the non-streaming Response,
 * errors before output (hostile input included) and after it. The real AWS SDK reads the fake Bedrock's stream.
 */
import {
  apiEvent,
  expectNoLeak,
  invokeStream,
  MODEL,
  SYSTEM_PROMPT,
  useHandlerTestContext,
  withEnv,
} from '../bundle/harness';
import { answer, blockFrames, httpError, type FakeBlock } from '../support/fake-bedrock';

const ctx = useHandlerTestContext({ SBA_MAX_REQUEST_BYTES: String(64 * 1024) });

const PATH = '/v1/responses';
const ALLOW_SYSTEM = { SBA_CALLER_SYSTEM_MESSAGES: 'true' };
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const SHELL = {
  type: 'function',
  name: 'exec_command',
  description: 'Runs a command',
  strict: false,
  parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] },
};
const USAGE = { inputTokens: 30, outputTokens: 12, cacheReadInputTokens: 8, cacheWriteInputTokens: 2 };

const respond = (body: object) => invokeStream(ctx.mod, apiEvent({ model: MODEL, ...body }, { path: PATH }));

/** The events of a Responses stream: `event:` and `data:` lines that agree, comments (keep-alive) skipped. */
function events(body: string): any[] {
  return body
    .split('\n\n')
    .filter((block) => block !== '' && !block.startsWith(':'))
    .map((block) => {
      const match = /^event: ([a-z_.]+)\ndata: ([^\n]*)$/.exec(block);
      expect(match).not.toBeNull();
      const data = JSON.parse(match![2]);
      expect(data.type).toBe(match![1]);
      return data;
    });
}

async function converseBody(body: object, env: Record<string, string> = {}) {
  ctx.fake.setScript(() => answer(['ok']));
  const res = await withEnv(env, () => respond(body));
  expect(res.status).toBe(200);
  expect(ctx.fake.requests).toHaveLength(1);
  return ctx.fake.requests[0].body;
}

describe('the Converse request Bedrock receives', () => {
  test("Codex's request: developer messages after the operator's prompt, function tools only, hosted tools logged", async () => {
    const write = jest.spyOn(process.stdout, 'write');
    const body = await converseBody(
      {
        stream: true,
        input: [
          { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'You are Codex.' }] },
          {
            type: 'message',
            role: 'developer',
            content: [
              { type: 'input_text', text: 'Sandbox: read-only.' },
              { type: 'input_text', text: 'Approvals: never.' },
            ],
          },
          { type: 'message', role: 'user', content: [{ type: 'input_text', text: '<environment_context/>' }] },
          { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'read notes.txt' }] },
        ],
        tools: [
          SHELL,
          {
            type: 'namespace',
            name: 'multi_agent_v1',
            description: 'agents',
            tools: [{ type: 'function', name: 'x' }],
          },
          { type: 'web_search', external_web_access: false },
        ],
        tool_choice: 'auto',
        parallel_tool_calls: true,
        reasoning: { summary: 'auto' },
        store: false,
        include: ['reasoning.encrypted_content'],
        prompt_cache_key: 'session-1',
        client_metadata: { 'x-codex-installation-id': 'abc' },
      },
      ALLOW_SYSTEM,
    );
    expect(body.system).toEqual([
      { text: SYSTEM_PROMPT },
      { text: 'You are Codex.' },
      { text: 'Sandbox: read-only.' },
      { text: 'Approvals: never.' },
    ]);
    expect(body.messages).toEqual([
      { role: 'user', content: [{ text: '<environment_context/>' }, { text: 'read notes.txt' }] },
    ]);
    expect(body.toolConfig).toEqual({
      tools: [
        { toolSpec: { name: 'exec_command', description: 'Runs a command', inputSchema: { json: SHELL.parameters } } },
      ],
      toolChoice: { auto: {} },
    });
    const lines = write.mock.calls.map(([chunk]) => String(chunk)).filter((line) => line.includes('hosted tools'));
    write.mockRestore();
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      {
        level: 'INFO',
        message: 'hosted tools left out',
        requestId: expect.stringMatching(/^req-/),
        droppedTools: ['namespace', 'web_search'],
      },
    ]);
    expect(ctx.logs()[0]).toMatchObject({ protocol: 'openai-responses', format: 'openai-responses-sse', status: 200 });
  });

  test('a tool round trip with reasoning sent back: one assistant turn (signed reasoning, text, call), then the output', async () => {
    const body = await converseBody({
      input: [
        { role: 'user', content: 'Read notes.txt' },
        {
          type: 'reasoning',
          id: 'rs_1',
          summary: [{ type: 'summary_text', text: 'I should read it.' }],
          content: [{ type: 'reasoning_text', text: 'Read the file first.' }],
          encrypted_content: 'sig-abc',
        },
        {
          type: 'message',
          id: 'msg_1',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: 'Reading it.', annotations: [], logprobs: [] }],
        },
        {
          type: 'function_call',
          id: 'fc_1',
          call_id: 'tooluse_1',
          name: 'exec_command',
          arguments: '{"cmd":"cat notes.txt"}',
          status: 'completed',
        },
        { type: 'function_call_output', call_id: 'tooluse_1', output: 'hello from notes' },
        { type: 'reasoning', summary: [], encrypted_content: null },
        { role: 'user', content: 'And now?' },
      ],
      tools: [SHELL],
    });
    expect(body.messages).toEqual([
      { role: 'user', content: [{ text: 'Read notes.txt' }] },
      {
        role: 'assistant',
        content: [
          { reasoningContent: { reasoningText: { text: 'Read the file first.', signature: 'sig-abc' } } },
          { text: 'Reading it.' },
          { toolUse: { toolUseId: 'tooluse_1', name: 'exec_command', input: { cmd: 'cat notes.txt' } } },
        ],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 'tooluse_1', content: [{ text: 'hello from notes' }] } },
          { text: 'And now?' },
        ],
      },
    ]);
  });

  test('redacted reasoning sent back (encrypted_content without text) stays redacted', async () => {
    const redacted = Buffer.from('opaque').toString('base64');
    const body = await converseBody({
      input: [
        { role: 'user', content: 'hi' },
        { type: 'reasoning', summary: [], encrypted_content: redacted },
        { role: 'assistant', content: 'hello' },
        { role: 'user', content: 'again' },
      ],
    });
    expect(body.messages[1].content[0]).toEqual({ reasoningContent: { redactedContent: redacted } });
  });

  test('instructions, an image data URL and the inference parameters; max_output_tokens capped at the API cap', async () => {
    const body = await converseBody(
      {
        instructions: 'Answer in French.',
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'What is this?' },
              { type: 'input_image', image_url: `data:image/png;base64,${PNG.toString('base64')}`, detail: 'auto' },
            ],
          },
        ],
        max_output_tokens: 50_000,
        temperature: 0.2,
        top_p: 0.9,
        text: { format: { type: 'text' } },
        truncation: 'disabled',
        metadata: { team: 'a' },
        user: 'someone',
      },
      ALLOW_SYSTEM,
    );
    expect(body).toEqual({
      messages: [
        {
          role: 'user',
          content: [{ text: 'What is this?' }, { image: { format: 'png', source: { bytes: PNG.toString('base64') } } }],
        },
      ],
      system: [{ text: SYSTEM_PROMPT }, { text: 'Answer in French.' }],
      inferenceConfig: { maxTokens: 1024, temperature: 0.2, topP: 0.9 },
    });
  });

  test('a string input is one user message', async () => {
    const body = await converseBody({ input: 'hi there' });
    expect(body.messages).toEqual([{ role: 'user', content: [{ text: 'hi there' }] }]);
    expect(body.inferenceConfig).toEqual({ maxTokens: 1024 });
  });
});

describe('streaming', () => {
  const TURN: FakeBlock[] = [
    { reasoning: ['Think ', 'hard.'], signature: 'sig-abc' },
    { text: ['Hello ', 'world'] },
    { toolUse: { toolUseId: 'tooluse_1', name: 'exec_command', inputChunks: ['{"cm', 'd": "ls"}'] } },
  ];

  test('every event in order, numbered from 0, ending with response.completed and the usage', async () => {
    ctx.fake.setScript(() => ({ frames: [...blockFrames(TURN, { usage: USAGE })] }));
    const res = await respond({
      input: 'list files',
      tools: [SHELL],
      stream: true,
      include: ['reasoning.encrypted_content'],
      reasoning: { summary: 'auto' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['Content-Type']).toBe('text/event-stream; charset=utf-8');
    const all = events(res.body);
    expect(all.map((e) => e.sequence_number)).toEqual(all.map((_, i) => i));
    const id = `resp_${res.headers['X-Request-Id']}`;
    const base = id.slice('resp_'.length);
    expect(all.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_text.delta',
      'response.reasoning_summary_text.delta',
      'response.reasoning_text.delta',
      'response.reasoning_summary_text.delta',
      'response.reasoning_text.done',
      'response.content_part.done',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(all[0].response).toMatchObject({ id, object: 'response', status: 'in_progress', model: MODEL, output: [] });
    expect(all[16]).toEqual({
      type: 'response.output_text.delta',
      sequence_number: 16,
      item_id: `msg_${base}_1`,
      output_index: 1,
      content_index: 0,
      delta: 'Hello ',
      logprobs: [],
    });
    const reasoning = {
      id: `rs_${base}_0`,
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: 'Think hard.' }],
      content: [{ type: 'reasoning_text', text: 'Think hard.' }],
      encrypted_content: 'sig-abc',
      status: 'completed',
    };
    const message = {
      id: `msg_${base}_1`,
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: 'Hello world', annotations: [], logprobs: [] }],
    };
    const call = {
      id: `fc_${base}_2`,
      type: 'function_call',
      status: 'completed',
      call_id: 'tooluse_1',
      name: 'exec_command',
      arguments: '{"cmd":"ls"}',
    };
    expect(all[13].item).toEqual(reasoning);
    expect(all[20].item).toEqual(message);
    expect(all[22]).toMatchObject({ item_id: call.id, output_index: 2, delta: '{"cmd":"ls"}' });
    expect(all[24].item).toEqual(call);
    expect(all[25].response).toMatchObject({
      id,
      status: 'completed',
      incomplete_details: null,
      output: [reasoning, message, call],
      usage: {
        input_tokens: 40,
        input_tokens_details: { cached_tokens: 8 },
        output_tokens: 12,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 52,
      },
    });
  });

  test('without include, reasoning items carry no signature; without a summary asked, no summary events', async () => {
    ctx.fake.setScript(() => ({ frames: [...blockFrames([TURN[0], TURN[1]])] }));
    const all = events((await respond({ input: 'hi', stream: true })).body);
    expect(all.map((e) => e.type)).not.toContain('response.reasoning_summary_text.delta');
    const reasoning = all.find((e) => e.type === 'response.output_item.done').item;
    expect(reasoning).toMatchObject({ type: 'reasoning', summary: [], encrypted_content: null });
    expect(JSON.stringify(all)).not.toContain('sig-abc');
  });

  test('max tokens: response.incomplete with the reason', async () => {
    ctx.fake.setScript(() => answer(['Hello'], { stopReason: 'max_tokens' }));
    const all = events((await respond({ input: 'hi', stream: true, max_output_tokens: 1 })).body);
    expect(all[all.length - 1]).toMatchObject({
      type: 'response.incomplete',
      response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } },
    });
    expect(ctx.fake.requests[0].body.inferenceConfig.maxTokens).toBe(1);
  });

  test('model text that looks like SSE stays inside one data line', async () => {
    ctx.fake.setScript(() => answer(['a\n\nevent: response.completed\ndata: {}\n\n', '\u0000']));
    const all = events((await respond({ input: 'hi', stream: true })).body);
    expect(all.filter((e) => e.type === 'response.completed')).toHaveLength(1);
    expect(all.find((e) => e.type === 'response.output_text.done').text).toBe(
      'a\n\nevent: response.completed\ndata: {}\n\n\u0000',
    );
  });

  test('an error after output: items so far, response.failed, then the error event; no AWS text', async () => {
    ctx.fake.setScript(() =>
      answer(['partial', 'more'], {
        failAfter: { deltas: 1, exception: 'ModelStreamErrorException', message: 'AWS-SECRET-TEXT' },
      }),
    );
    const res = await respond({ input: 'hi', stream: true });
    expect(res.status).toBe(200);
    const all = events(res.body);
    expect(all.slice(-4).map((e) => e.type)).toEqual([
      'response.content_part.done',
      'response.output_item.done',
      'response.failed',
      'error',
    ]);
    const [failed, error] = all.slice(-2);
    expect(failed.response).toMatchObject({
      status: 'failed',
      error: { code: expect.stringMatching(/^upstream_/), message: expect.any(String) },
      output: [{ type: 'message', content: [{ type: 'output_text', text: 'partial' }] }],
    });
    expect(error).toEqual({
      type: 'error',
      sequence_number: failed.sequence_number + 1,
      code: failed.response.error.code,
      message: failed.response.error.message,
      param: null,
    });
    expect(all.map((e) => e.type)).not.toContain('response.completed');
    expectNoLeak(res.body, 'AWS-SECRET-TEXT');
  });
});

test('non-streaming: one Response object with reasoning, text, the call and usage', async () => {
  ctx.fake.setScript(() => ({
    frames: [
      ...blockFrames(
        [
          { reasoning: ['Think.'], signature: 'sig' },
          { text: ['Hello ', 'world'] },
          { toolUse: { toolUseId: 'tooluse_1', name: 'exec_command', inputChunks: ['{"cmd":"ls"}'] } },
        ],
        { usage: USAGE },
      ),
    ],
  }));
  const res = await respond({ input: 'hi', tools: [SHELL], include: ['reasoning.encrypted_content'] });
  expect(res.status).toBe(200);
  expect(res.headers['Content-Type']).toBe('application/json');
  const response = JSON.parse(res.body);
  expect(response).toMatchObject({
    id: `resp_${res.headers['X-Request-Id']}`,
    object: 'response',
    status: 'completed',
    model: MODEL,
    store: false,
    usage: { input_tokens: 40, output_tokens: 12, total_tokens: 52 },
  });
  expect(
    response.output.map((item: any) => [
      item.type,
      item.encrypted_content ?? item.content?.[0]?.text ?? item.arguments,
    ]),
  ).toEqual([
    ['reasoning', 'sig'],
    ['message', 'Hello world'],
    ['function_call', '{"cmd":"ls"}'],
  ]);
  expect(ctx.logs()[0]).toMatchObject({ protocol: 'openai-responses', format: 'openai-responses-json' });
});

test('Bedrock throttling before output: 429 with Retry-After in the error shape', async () => {
  ctx.fake.setScript(() => httpError(429, 'ThrottlingException', 'AWS-SECRET-TEXT'));
  const res = await respond({ input: 'hi', stream: true });
  expect(res.status).toBe(429);
  expect(res.headers['Retry-After']).toBe('2');
  expect(JSON.parse(res.body).error).toMatchObject({ type: 'rate_limit_error', code: 'upstream_throttled' });
  expectNoLeak(res.body, 'AWS-SECRET-TEXT');
});

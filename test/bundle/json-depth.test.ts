/**
 * Deeply nested JSON (2,500 levels fit in a 5 KB body) in any protocol: refused with 400 naming the field, before
 * validation, the token estimate or the SDK walk it recursively, and without calling Bedrock or logging an ERROR.
 */
import { apiEvent, expectNoLeak, invokeStream, MODEL, useHandlerTestContext, withEnv } from './harness';
import { HandlerEnvironment as Env } from '../../src/contract';
import { answer } from '../support/fake-bedrock';

const ctx = useHandlerTestContext();

/** A marker in the deep value's keys: it must never come back. */
const M = 'DEEP-MARKER-5c1e';
const LEVELS = 2500;

function deep(): Record<string, unknown> {
  let value: Record<string, unknown> = { [M]: 'leaf' };
  for (let i = 0; i < LEVELS; i++) {
    value = { [M]: value };
  }
  return value;
}

const TOOL = { name: 'lookup', inputSchema: { type: 'object' } };
const call = { toolUse: { toolUseId: 't1', name: 'lookup', input: deep() } };
const userText = (text: string) => ({ role: 'user', content: [{ text }] });
const openAiTool = (parameters: object) => ({ type: 'function', function: { name: 'lookup', parameters } });
const openAiCall = (args: string) => ({
  role: 'assistant',
  tool_calls: [{ id: 't1', type: 'function', function: { name: 'lookup', arguments: args } }],
});
const uiToolPart = (part: object) => ({
  id: 'a1',
  role: 'assistant',
  parts: [{ type: 'tool-lookup', toolCallId: 't1', state: 'output-available', input: {}, output: {}, ...part }],
});
const uiUser = { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'hi' }] };

interface Case {
  readonly name: string;
  readonly path: string;
  readonly body: object;
  readonly param: string;
}

const cases: Case[] = [
  {
    name: 'native: a tool input',
    path: '/stream',
    body: { messages: [userText('hi'), { role: 'assistant', content: [call] }, userText('go')], tools: [TOOL] },
    param: 'messages[1].content[0].toolUse.input',
  },
  {
    name: 'native: a tool result',
    path: '/stream',
    body: {
      messages: [
        userText('hi'),
        { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'lookup', input: {} } }] },
        { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ json: deep() }] } }] },
      ],
      tools: [TOOL],
    },
    param: 'messages[2].content[0].toolResult.content[0].json',
  },
  {
    name: 'native: a tool schema',
    path: '/stream',
    body: { prompt: 'hi', tools: [{ name: 'lookup', inputSchema: deep() }] },
    param: 'tools[0].inputSchema',
  },
  {
    name: 'OpenAI: tool call arguments (a JSON string)',
    path: '/v1/chat/completions',
    body: {
      model: MODEL,
      messages: [
        { role: 'user', content: 'hi' },
        openAiCall(JSON.stringify(deep())),
        { role: 'tool', tool_call_id: 't1', content: 'ok' },
      ],
      tools: [openAiTool({ type: 'object' })],
    },
    param: 'messages[1].tool_calls[0].function.arguments',
  },
  {
    name: 'OpenAI: tool parameters',
    path: '/v1/chat/completions',
    body: { model: MODEL, messages: [{ role: 'user', content: 'hi' }], tools: [openAiTool(deep())] },
    param: 'tools[0].function.parameters',
  },
  {
    name: 'AI SDK: a tool part input',
    path: '/chat',
    body: { id: 'c', trigger: 'submit-message', messages: [uiUser, uiToolPart({ input: deep() })], tools: [TOOL] },
    param: 'messages[1].parts[0].input',
  },
  {
    name: 'AI SDK: a tool part output',
    path: '/chat',
    body: { id: 'c', trigger: 'submit-message', messages: [uiUser, uiToolPart({ output: deep() })], tools: [TOOL] },
    param: 'messages[1].parts[0].output',
  },
];

describe.each(cases)('$name nested 2,500 levels deep', ({ path, body, param }) => {
  test('gets 400 nesting_too_deep naming the field, without calling Bedrock or echoing the request', async () => {
    ctx.fake.setScript(() => answer(['should not be called']));
    const res = await invokeStream(ctx.mod, apiEvent(body, { path }));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toEqual({
      type: 'invalid_request_error',
      code: 'nesting_too_deep',
      message: `${param} nests objects and arrays too deeply: at most 64 levels are accepted. Send flatter JSON.`,
      param,
    });
    expect(ctx.fake.requests).toHaveLength(0);
    expectNoLeak(res.body, M);
    const [line] = ctx.logs();
    expect(line).toMatchObject({ level: 'WARN', status: 400, outcome: 'nesting_too_deep' });
  });
});

test('with token budgets on, a deep tool schema is refused before the ledger or the token estimate', async () => {
  // The ledger's endpoint answers nothing: reaching it would turn the 400 into a budget failure.
  const budget = {
    [Env.BUDGET_TABLE]: 'no-such-table',
    [Env.BUDGET_TOKENS_PER_DAY]: '5000',
    AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
  };
  const body = { prompt: 'hi', tools: [{ name: 'lookup', inputSchema: deep() }] };
  const res = await withEnv(budget, () => invokeStream(ctx.mod, apiEvent(body)));
  expect(res.status).toBe(400);
  expect(JSON.parse(res.body).error).toMatchObject({ code: 'nesting_too_deep', param: 'tools[0].inputSchema' });
});

test('the buffered endpoint refuses it the same way', async () => {
  const body = { prompt: 'hi', tools: [{ name: 'lookup', inputSchema: deep() }] };
  const res = await ctx.mod.bufferedHandler(apiEvent(body, { path: '/buffered' }), {
    awsRequestId: 'x',
    getRemainingTimeInMillis: () => 10_000,
  });
  expect(res.statusCode).toBe(400);
  expect(JSON.parse(res.body).error).toMatchObject({ code: 'nesting_too_deep', param: 'tools[0].inputSchema' });
});

test('JSON nested as deep as the limit allows still reaches the model', async () => {
  ctx.fake.setScript(() => answer(['ok']));
  // The body, messages, a message, content, a block, toolUse and input take 7 of the 64 levels.
  let input: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < 64 - 8; i++) {
    input = { a: input };
  }
  const toolUse = { toolUse: { toolUseId: 't1', name: 'lookup', input } };
  const messages = [userText('hi'), { role: 'assistant', content: [toolUse] }, userText('go')];
  const res = await invokeStream(ctx.mod, apiEvent({ messages, tools: [TOOL] }));
  expect(res.status).toBe(200);
  expect(ctx.fake.requests).toHaveLength(1);
});

/**
 * Reasoning effort and conversation caching: the exact Converse input Bedrock receives from each protocol's effort
 * field, per model family, and the cache points prompt caching places in a conversation.
 */
import { apiEvent, invokeStream, MODEL, useHandlerTestContext, withEnv } from './harness';
import { answer } from '../support/fake-bedrock';

const CLAUDE_45 = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const CLAUDE_46 = 'anthropic.claude-opus-4-6-v1';
const NOVA_2 = 'amazon.nova-2-lite-v1:0';
const ctx = useHandlerTestContext({
  SBA_ALLOWED_MODEL_IDS: JSON.stringify([MODEL, CLAUDE_45, CLAUDE_46, NOVA_2]),
  SBA_MAX_TOKENS: '8192',
});
const CACHE_POINT = { cachePoint: { type: 'default' } };
const ANTHROPIC = { 'anthropic-version': '2023-06-01' };

/** One request per protocol, naming `effort` in that protocol's own field. */
const PROTOCOLS: Record<string, (model: string, effort: string, extra?: object) => ReturnType<typeof apiEvent>> = {
  native: (model, effort, extra) => apiEvent({ modelId: model, prompt: 'hi', reasoningEffort: effort, ...extra }),
  chat: (model, effort, extra) =>
    apiEvent(
      { model, messages: [{ role: 'user', content: 'hi' }], reasoning_effort: effort, ...extra },
      { path: '/v1/chat/completions' },
    ),
  responses: (model, effort, extra) =>
    apiEvent({ model, input: 'hi', reasoning: { effort }, ...extra }, { path: '/v1/responses' }),
  anthropic: (model, effort, extra) =>
    apiEvent(
      {
        model,
        max_tokens: 8192,
        messages: [{ role: 'user', content: 'hi' }],
        thinking: { type: 'adaptive' },
        output_config: { effort: effort === 'xhigh' ? 'max' : effort },
        ...extra,
      },
      { path: '/v1/messages', headers: ANTHROPIC },
    ),
};

async function converseBody(event: ReturnType<typeof apiEvent>, env: Record<string, string> = {}) {
  ctx.fake.setScript(() => answer(['ok']));
  const res = await withEnv(env, () => invokeStream(ctx.mod, event));
  expect(res.status).toBe(200);
  expect(ctx.fake.requests).toHaveLength(1);
  return ctx.fake.requests[0].body;
}

describe.each(Object.keys(PROTOCOLS))('reasoning effort through %s', (protocol) => {
  const event = PROTOCOLS[protocol];

  test.each([
    [CLAUDE_45, 'low', { thinking: { type: 'enabled', budget_tokens: 1024 } }],
    [CLAUDE_45, 'medium', { thinking: { type: 'enabled', budget_tokens: 4096 } }],
    // The table's 16,000 is held to half of the 8,192 output tokens.
    [CLAUDE_45, 'high', { thinking: { type: 'enabled', budget_tokens: 4096 } }],
    [CLAUDE_46, 'low', { thinking: { type: 'adaptive' }, output_config: { effort: 'low' } }],
    [CLAUDE_46, 'high', { thinking: { type: 'adaptive' }, output_config: { effort: 'high' } }],
    [CLAUDE_46, 'xhigh', { thinking: { type: 'adaptive' }, output_config: { effort: 'max' } }],
    [NOVA_2, 'medium', { reasoningConfig: { type: 'enabled', maxReasoningEffort: 'medium' } }],
    [NOVA_2, 'high', { reasoningConfig: { type: 'enabled', maxReasoningEffort: 'high' } }],
  ])('%s with %s: additionalModelRequestFields', async (model, effort, fields) => {
    const body = await converseBody(event(model, effort));
    expect(body.additionalModelRequestFields).toEqual(fields);
    expect(body.inferenceConfig.maxTokens).toBe(8192);
  });

  test('a model without a reasoning setting: 400 naming the field, Bedrock not called', async () => {
    const res = await invokeStream(ctx.mod, event(MODEL, 'low'));
    expect(res.status).toBe(400);
    expect(res.body).toContain('cannot be set on this model: it has no reasoning setting Bedrock can change.');
    expect(ctx.fake.requests).toHaveLength(0);
  });

  test("the operator's reasoning fields win: the caller's effort is dropped, and the log line names it", async () => {
    const operator = { reasoningConfig: { type: 'enabled', maxReasoningEffort: 'low' } };
    const body = await converseBody(event(NOVA_2, 'high'), {
      SBA_ADDITIONAL_MODEL_REQUEST_FIELDS: JSON.stringify(operator),
    });
    expect(body.additionalModelRequestFields).toEqual(operator);
    expect(ctx.logs()[0].dropped).toEqual([protocol === 'anthropic' ? 'thinking' : effortParam(protocol)]);
  });
});

function effortParam(protocol: string): string {
  return { native: 'reasoningEffort', chat: 'reasoning_effort', responses: 'reasoning.effort' }[protocol]!;
}

describe('hostile reasoning inputs: 400 naming the field, nothing echoed, Bedrock not called', () => {
  test.each([
    ['native', PROTOCOLS.native(CLAUDE_45, 'turbo'), 'reasoningEffort'],
    ['chat', PROTOCOLS.chat(CLAUDE_45, 'turbo'), 'reasoning_effort'],
    ['responses', PROTOCOLS.responses(CLAUDE_45, 'turbo'), 'reasoning.effort'],
    ['anthropic', PROTOCOLS.anthropic(CLAUDE_45, 'turbo'), 'output_config.effort'],
  ])('an unknown effort (%s)', async (_name, event, param) => {
    const res = await invokeStream(ctx.mod, event);
    expect(res.status).toBe(400);
    expect(res.body).toContain(`${param} must be one of:`);
    expect(res.body).not.toContain('turbo');
    expect(ctx.fake.requests).toHaveLength(0);
  });

  test.each([
    ['native', PROTOCOLS.native(CLAUDE_45, 'high', { toolChoice: { tool: 'f' }, tools: [tool('f')] }), 'toolChoice'],
    [
      'chat',
      PROTOCOLS.chat(CLAUDE_46, 'high', {
        tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
        tool_choice: 'required',
      }),
      'tool_choice',
    ],
  ])('an effort with a forced tool choice on Claude (%s)', async (_name, event, param) => {
    const res = await invokeStream(ctx.mod, event);
    expect(res.status).toBe(400);
    expect(res.body).toContain(`${param} can only be auto on this API: its model reasons before answering`);
    expect(ctx.fake.requests).toHaveLength(0);
  });

  test('an effort with a changed temperature on Claude', async () => {
    const res = await invokeStream(ctx.mod, PROTOCOLS.chat(CLAUDE_45, 'low', { temperature: 0.3 }));
    expect(res.status).toBe(400);
    expect(res.body).toContain('temperature cannot be set on this API');
  });

  test('too few output tokens to reason with: 400 naming the effort', async () => {
    const res = await invokeStream(ctx.mod, PROTOCOLS.chat(CLAUDE_45, 'low', { max_completion_tokens: 1500 }));
    expect(res.status).toBe(400);
    expect(res.body).toContain('reasoning_effort needs at least 2048 output tokens on this model');
  });

  test('effort none sends no reasoning fields', async () => {
    const body = await converseBody(PROTOCOLS.chat(CLAUDE_45, 'none'));
    expect(body.additionalModelRequestFields).toBeUndefined();
  });
});

function tool(name: string) {
  return { name, inputSchema: { type: 'object' } };
}

describe('conversation caching (promptCaching)', () => {
  const CACHING = { SBA_PROMPT_CACHING: 'true' };
  const long = (label: string) => `${label} ${'word '.repeat(1100)}`;

  /** Where the cache points are: per message, the indexes of cache point blocks. */
  function cachePoints(body: Record<string, any>) {
    const at = (list: any[] = []) => list.flatMap((block, i) => (block.cachePoint ? [i] : []));
    return {
      system: at(body.system),
      tools: at(body.toolConfig?.tools),
      messages: body.messages.map((message: any) => at(message.content)),
    };
  }

  test('a long conversation: after the system prompt, the tools, the previous user turn and the newest', async () => {
    const messages = [
      { role: 'user', content: [{ text: long('first') }] },
      { role: 'assistant', content: [{ text: long('answer') }] },
      { role: 'user', content: [{ text: long('second') }] },
      { role: 'assistant', content: [{ text: long('answer two') }] },
      { role: 'user', content: [{ text: long('third') }] },
    ];
    const body = await converseBody(apiEvent({ messages, tools: [tool('f')] }), CACHING);
    expect(cachePoints(body)).toEqual({ system: [1], tools: [1], messages: [[], [], [1], [], [1]] });
    expect(body.messages[4].content[1]).toEqual(CACHE_POINT);
  });

  test('a short conversation: a point whose prefix is below the model minimum is not placed', async () => {
    const messages = [
      { role: 'user', content: [{ text: 'hi' }] },
      { role: 'assistant', content: [{ text: 'hello' }] },
      { role: 'user', content: [{ text: 'again' }] },
    ];
    const body = await converseBody(apiEvent({ messages }), CACHING);
    expect(cachePoints(body)).toEqual({ system: [1], tools: [], messages: [[], [], []] });
  });

  test("never more than 4, and a caller's cache_control is not doubled", async () => {
    const cached = (text: string) => ({ type: 'text', text, cache_control: { type: 'ephemeral' } });
    const body = await converseBody(
      apiEvent(
        {
          model: CLAUDE_45,
          max_tokens: 100,
          tools: [{ name: 'f', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral' } }],
          messages: [
            { role: 'user', content: [cached(long('first'))] },
            { role: 'assistant', content: long('answer') },
            { role: 'user', content: [cached(long('second'))] },
          ],
        },
        { path: '/v1/messages', headers: ANTHROPIC },
      ),
      CACHING,
    );
    const points = cachePoints(body);
    const total = points.system.length + points.tools.length + points.messages.flat().length;
    expect(total).toBe(4);
    expect(points).toEqual({ system: [1], tools: [1], messages: [[1], [], [1]] });
  });

  test('without promptCaching, no cache points', async () => {
    const body = await converseBody(apiEvent({ messages: [{ role: 'user', content: [{ text: long('x') }] }] }));
    expect(cachePoints(body)).toEqual({ system: [], tools: [], messages: [[]] });
  });
});

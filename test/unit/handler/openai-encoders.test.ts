import type { ChatEvent, ChatSummary } from '../../../src/handler/chat';
import { loadConfig } from '../../../src/handler/config';
import { errorBody } from '../../../src/handler/errors';
import {
  chunkEncoder,
  completionEncoder,
  finishReason,
  openAiUsage,
} from '../../../src/handler/protocols/openai-chat-completions/encode';
import { modelList } from '../../../src/handler/protocols/openai-chat-completions/models';

const answer = { id: 'chatcmpl-req-1', created: 1764745000, model: 'claude-x' };
const usage = { inputTokens: 10, outputTokens: 20, totalTokens: 30, cacheReadInputTokens: 4, cacheWriteInputTokens: 2 };
const summary = (stopReason = 'end_turn'): ChatSummary => ({ stopReason, usage, latencyMs: 12 });
const failure = errorBody(
  { type: 'upstream_error', code: 'upstream_failed', message: 'The model failed to answer. Try again.', param: null },
  'req-1',
);
const text = (t: string, index = 1): ChatEvent => ({ type: 'text', index, text: t });
const thought = (t: string): ChatEvent => ({ type: 'reasoning', index: 0, text: t });
const toolUse = (id: string, index: number): ChatEvent => ({
  type: 'toolUse',
  index,
  toolUseId: id,
  name: 'get_weather',
  input: { city: 'Paris\n\ndata: [DONE]' },
});

/** The `data:` payloads of an SSE body, strictly: no `event:` lines, comments skipped, one data line per event. */
function dataLines(body: string): string[] {
  expect(body.endsWith('\n\n')).toBe(true);
  return body
    .slice(0, -2)
    .split('\n\n')
    .filter((block) => !block.startsWith(':'))
    .map((block) => {
      expect(block).toMatch(/^data: [^\n]*$/);
      return block.slice('data: '.length);
    });
}
const chunks = (body: string) => dataLines(body).map((line) => (line === '[DONE]' ? line : JSON.parse(line)));

function stream(events: ChatEvent[], end: (e: ReturnType<typeof chunkEncoder>) => string, includeUsage = false) {
  const encoder = chunkEncoder(answer, includeUsage);
  return chunks(events.map((event) => encoder.event(event)).join('') + end(encoder));
}

const envelope = { id: 'chatcmpl-req-1', object: 'chat.completion.chunk', created: 1764745000, model: 'claude-x' };
const choice = (delta: object, finish: string | null = null) => ({
  ...envelope,
  choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
});

describe('chunk encoder', () => {
  test('role first, reasoning and text deltas, the finish chunk, [DONE]; framing events and signatures show nothing', () => {
    const events: ChatEvent[] = [
      { type: 'blockStart', index: 0 },
      thought('Let me think.'),
      { type: 'reasoning', index: 0, signature: 'sig==' },
      { type: 'reasoning', index: 2, redactedContent: 'AAH+/w==' },
      { type: 'blockStop', index: 0 },
      text('Hello '),
      text('world'),
      { type: 'stop', stopReason: 'end_turn' },
      { type: 'usage', usage },
    ];
    expect(stream(events, (e) => e.done(summary()))).toEqual([
      choice({ role: 'assistant', content: '' }),
      choice({ reasoning_content: 'Let me think.' }),
      choice({ content: 'Hello ' }),
      choice({ content: 'world' }),
      choice({}, 'stop'),
      '[DONE]',
    ]);
  });

  test('each complete tool call is one delta with its index, id, type, name and JSON arguments', () => {
    expect(stream([toolUse('tooluse_1', 0), toolUse('tooluse_2', 1)], (e) => e.done(summary('tool_use')))).toEqual([
      choice({ role: 'assistant', content: '' }),
      choice({
        tool_calls: [
          {
            index: 0,
            id: 'tooluse_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris\\n\\ndata: [DONE]"}' },
          },
        ],
      }),
      choice({
        tool_calls: [
          {
            index: 1,
            id: 'tooluse_2',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris\\n\\ndata: [DONE]"}' },
          },
        ],
      }),
      choice({}, 'tool_calls'),
      '[DONE]',
    ]);
  });

  test('with include_usage: a usage chunk with no choices before [DONE], cache tokens counted in the prompt', () => {
    const out = stream([text('hi')], (e) => e.done(summary()), true);
    expect(out.slice(-2)).toEqual([
      {
        ...envelope,
        choices: [],
        usage: {
          prompt_tokens: 16,
          completion_tokens: 20,
          total_tokens: 36,
          prompt_tokens_details: { cached_tokens: 4 },
        },
      },
      '[DONE]',
    ]);
  });

  test('an answer with no content still has the role chunk, a finish reason and [DONE]', () => {
    expect(stream([], (e) => e.done(summary('max_tokens')))).toEqual([
      choice({ role: 'assistant', content: '' }),
      choice({}, 'length'),
      '[DONE]',
    ]);
  });

  test('model text that looks like SSE stays inside one data line', () => {
    const hostile = 'a\n\ndata: [DONE]\n\r\nevent: error\n';
    const out = stream([text(hostile)], (e) => e.done(summary()));
    expect(out[1]).toEqual(choice({ content: hostile }));
    expect(out).toHaveLength(4);
  });

  test('an error after output: the error object OpenAI reads, then [DONE]', () => {
    expect(stream([text('partial')], (e) => e.error(failure))).toEqual([
      choice({ role: 'assistant', content: '' }),
      choice({ content: 'partial' }),
      {
        error: {
          message: 'The model failed to answer. Try again.',
          type: 'upstream_error',
          code: 'upstream_failed',
          param: null,
        },
      },
      '[DONE]',
    ]);
  });

  test('SSE content type, a comment as keep-alive', () => {
    const encoder = chunkEncoder(answer, false);
    expect(encoder.contentType).toBe('text/event-stream; charset=utf-8');
    expect(encoder.keepAlive).toBe(': ping\n\n');
    expect(dataLines(`${encoder.keepAlive}data: [DONE]\n\n`)).toEqual(['[DONE]']);
  });
});

describe('completion encoder', () => {
  test('one chat.completion with text, reasoning, tool calls, finish reason and usage', () => {
    const encoder = completionEncoder(answer);
    const events = [thought('Hmm. '), thought('Yes.'), text('Hello '), text('world'), toolUse('tooluse_1', 2)];
    expect(events.map((event) => encoder.event(event)).join('')).toBe('');
    expect(JSON.parse(encoder.done(summary('tool_use')))).toEqual({
      id: 'chatcmpl-req-1',
      object: 'chat.completion',
      created: 1764745000,
      model: 'claude-x',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Hello world',
            reasoning_content: 'Hmm. Yes.',
            tool_calls: [
              {
                id: 'tooluse_1',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Paris\\n\\ndata: [DONE]"}' },
              },
            ],
            refusal: null,
          },
          finish_reason: 'tool_calls',
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: 16,
        completion_tokens: 20,
        total_tokens: 36,
        prompt_tokens_details: { cached_tokens: 4 },
      },
    });
  });

  test('content null when the model wrote no text; no reasoning_content or tool_calls keys when none', () => {
    const encoder = completionEncoder(answer);
    const message = JSON.parse(encoder.done(summary('max_tokens'))).choices[0];
    expect(message).toEqual({
      index: 0,
      message: { role: 'assistant', content: null, refusal: null },
      finish_reason: 'length',
      logprobs: null,
    });
  });

  test('JSON content type, whitespace keep-alive, the error object after output', () => {
    const encoder = completionEncoder(answer);
    expect(encoder.contentType).toBe('application/json');
    expect(JSON.parse(`${encoder.keepAlive}${encoder.keepAlive}${encoder.error(failure)}`)).toEqual({
      error: { message: failure.error.message, type: 'upstream_error', code: 'upstream_failed', param: null },
    });
  });
});

test.each([
  ['end_turn', 'stop'],
  ['stop_sequence', 'stop'],
  ['max_tokens', 'length'],
  ['tool_use', 'tool_calls'],
  ['guardrail_intervened', 'content_filter'],
  ['content_filtered', 'content_filter'],
])('finish reason of %s is %s', (stopReason, expected) => {
  expect(finishReason(stopReason)).toBe(expected);
});

test('usage without cache tokens', () => {
  expect(
    openAiUsage({ inputTokens: 3, outputTokens: 2, totalTokens: 5, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 }),
  ).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5, prompt_tokens_details: { cached_tokens: 0 } });
});

test('the model list: every allowed id, an application inference profile without its ARN', () => {
  const config = loadConfig({
    SBA_MODEL_ID: 'anthropic.claude-3-5-haiku-20241022-v1:0',
    SBA_ALLOWED_MODEL_IDS: JSON.stringify([
      'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123',
    ]),
  });
  const list = modelList(config);
  expect(list).toEqual({
    object: 'list',
    data: [
      { id: 'anthropic.claude-3-5-haiku-20241022-v1:0', object: 'model', created: 0, owned_by: 'amazon-bedrock' },
      { id: 'application-inference-profile/abc123', object: 'model', created: 0, owned_by: 'amazon-bedrock' },
    ],
  });
  expect(JSON.stringify(list)).not.toContain('123456789012');
});

/**
 * The Anthropic Messages encoders and error shape as pure functions: the framing cases a model stream rarely shows in
 * the bundle tests (redacted thinking, an empty answer, a block Bedrock never stopped), and the error types.
 */
import type { ChatEvent, ChatSummary } from '../../../src/handler/chat';
import { Errors, invalidRequest } from '../../../src/handler/errors';
import {
  anthropicErrorShape,
  messageEncoder,
  sseEncoder,
} from '../../../src/handler/protocols/anthropic-messages/encode';

const ANSWER = { id: 'msg_1', model: 'm' };
const SUMMARY: ChatSummary = {
  stopReason: 'end_turn',
  latencyMs: 5,
  usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 },
};

/** The events of one answer, as `[name, data]` pairs. */
function sse(events: ChatEvent[], summary: ChatSummary = SUMMARY): Array<[string, any]> {
  const encoder = sseEncoder(ANSWER);
  const body = events.map((e) => encoder.event(e)).join('') + encoder.done(summary);
  return body
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const [event, data] = block.split('\n');
      return [event.slice('event: '.length), JSON.parse(data.slice('data: '.length))];
    });
}

test('redacted thinking is one whole block: start with its data, then stop', () => {
  const events = sse([
    { type: 'blockStart', index: 0 },
    { type: 'reasoning', index: 0, redactedContent: 'ZW5j' },
    { type: 'blockStop', index: 0 },
    { type: 'text', index: 1, text: 'Hi' },
    { type: 'blockStop', index: 1 },
  ]);
  expect(events.map(([name, data]) => [name, data.index, data.content_block ?? data.delta])).toEqual([
    ['message_start', undefined, undefined],
    ['content_block_start', 0, { type: 'redacted_thinking', data: 'ZW5j' }],
    ['content_block_stop', 0, undefined],
    ['content_block_start', 1, { type: 'text', text: '' }],
    ['content_block_delta', 1, { type: 'text_delta', text: 'Hi' }],
    ['content_block_stop', 1, undefined],
    ['message_delta', undefined, { stop_reason: 'end_turn', stop_sequence: null }],
    ['message_stop', undefined, undefined],
  ]);
});

test('an empty block start writes nothing, so that a later failure keeps its real status', () => {
  expect(sseEncoder(ANSWER).event({ type: 'blockStart', index: 0 })).toBe('');
});

test('an answer without content still has message_start, message_delta and message_stop', () => {
  expect(sse([]).map(([name]) => name)).toEqual(['message_start', 'message_delta', 'message_stop']);
});

test('a block Bedrock never stopped is stopped before message_delta', () => {
  const names = sse([{ type: 'text', index: 0, text: 'cut' }], { ...SUMMARY, stopReason: 'max_tokens' });
  expect(names.map(([name]) => name)).toEqual([
    'message_start',
    'content_block_start',
    'content_block_delta',
    'content_block_stop',
    'message_delta',
    'message_stop',
  ]);
  expect(names[4][1].delta.stop_reason).toBe('max_tokens');
});

test.each([
  ['content_filtered', 'refusal'],
  ['guardrail_intervened', 'refusal'],
  ['stop_sequence', 'stop_sequence'],
  ['model_context_window_exceeded', 'model_context_window_exceeded'],
  ['something_new', 'end_turn'],
])('Bedrock stop reason %s is %s', (stopReason, expected) => {
  const events = sse([], { ...SUMMARY, stopReason });
  expect(events[1][1].delta.stop_reason).toBe(expected);
});

test('non-streaming: text chunks of one block join; redacted thinking and a tool call are blocks of their own', () => {
  const encoder = messageEncoder(ANSWER);
  const events: ChatEvent[] = [
    { type: 'reasoning', index: 0, redactedContent: 'ZW5j' },
    { type: 'text', index: 1, text: 'a' },
    { type: 'text', index: 1, text: 'b' },
    { type: 'toolUse', index: 2, toolUseId: 't1', name: 'f', input: { x: 1 } },
  ];
  events.forEach((e) => expect(encoder.event(e)).toBe(''));
  expect(JSON.parse(encoder.done(SUMMARY)).content).toEqual([
    { type: 'redacted_thinking', data: 'ZW5j' },
    { type: 'text', text: 'ab' },
    { type: 'tool_use', id: 't1', name: 'f', input: { x: 1 } },
  ]);
});

test.each([
  [invalidRequest('x', 'Bad.'), 'invalid_request_error'],
  [Errors.unsupportedMediaType(), 'invalid_request_error'],
  [Errors.tooLarge(10), 'request_too_large'],
  [Errors.throttled(), 'rate_limit_error'],
  [
    Errors.overLimit({ name: 'tokensPerDay', period: 'day', counter: 'tokens' }, { tokens: 10 }, 60),
    'rate_limit_error',
  ],
  [Errors.upstreamMisconfigured(), 'api_error'],
  [Errors.upstreamUnavailable(), 'overloaded_error'],
  [Errors.deadline(), 'timeout_error'],
  [Errors.internal(), 'api_error'],
])('the error %p before output is Anthropic’s %s', (error, type) => {
  expect(anthropicErrorShape(error, 'req-1')).toEqual({
    type: 'error',
    error: { type, message: error.message },
    request_id: 'req-1',
  });
});

test('an error after output is an error event typed by its code', () => {
  const body = {
    error: { type: 'upstream_error', code: 'upstream_unavailable', message: 'Down.', param: null },
    requestId: 'r',
  };
  expect(sseEncoder(ANSWER).error(body)).toBe(
    'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Down."},"request_id":"r"}\n\n',
  );
});

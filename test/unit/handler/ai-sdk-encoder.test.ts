import type { ChatEvent, ChatSummary } from '../../../src/handler/chat';
import { finishReason, uiMessageStreamEncoder } from '../../../src/handler/protocols/ai-sdk-ui-messages/encode';

const USAGE = { inputTokens: 10, outputTokens: 5, totalTokens: 15, cacheReadInputTokens: 4, cacheWriteInputTokens: 0 };
const summary = (stopReason: string): ChatSummary => ({ stopReason, usage: USAGE, latencyMs: 42 });

/** The chunks of an answer: every event, then done (or the error). */
function encode(events: ChatEvent[], end: ChatSummary | 'error' = summary('end_turn')): unknown[] {
  const encoder = uiMessageStreamEncoder('msg_1', 'model-x');
  const body =
    events.map((event) => encoder.event(event)).join('') +
    (end === 'error'
      ? encoder.error({ error: { type: 't', code: 'c', message: 'The fixed message.', param: null }, requestId: 'r' })
      : encoder.done(end));
  expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
  return body
    .split('\n\n')
    .filter((frame) => frame !== '' && frame !== 'data: [DONE]')
    .map((frame) => {
      expect(frame).toMatch(/^data: \{.*\}$/);
      return JSON.parse(frame.slice('data: '.length));
    });
}

const START = [{ type: 'start', messageId: 'msg_1', messageMetadata: { modelId: 'model-x' } }, { type: 'start-step' }];
const finish = (reason: string) => [
  { type: 'finish-step' },
  { type: 'finish', finishReason: reason, messageMetadata: { usage: USAGE } },
];

test('headers and keep-alive: the stream version header, SSE, and a comment as ping', () => {
  const encoder = uiMessageStreamEncoder('m', 'x');
  expect(encoder.headers).toEqual({ 'x-vercel-ai-ui-message-stream': 'v1' });
  expect(encoder.contentType).toMatch(/^text\/event-stream/);
  expect(encoder.keepAlive).toBe(': ping\n\n');
});

test('reasoning with its signature, text, and a tool call: each framed by its block index', () => {
  const chunks = encode(
    [
      { type: 'reasoning', index: 0, text: 'Let me ' },
      { type: 'reasoning', index: 0, text: 'think.' },
      { type: 'reasoning', index: 0, signature: 'sig-abc' },
      { type: 'blockStop', index: 0 },
      { type: 'text', index: 1, text: 'Hello' },
      { type: 'text', index: 1, text: ' world' },
      { type: 'blockStop', index: 1 },
      { type: 'blockStart', index: 2, toolUse: { toolUseId: 'tu_1', name: 'get_weather' } },
      { type: 'toolUse', index: 2, toolUseId: 'tu_1', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'blockStop', index: 2 },
      { type: 'stop', stopReason: 'tool_use' },
      { type: 'usage', usage: USAGE },
    ],
    summary('tool_use'),
  );
  expect(chunks).toEqual([
    ...START,
    { type: 'reasoning-start', id: 'r0' },
    { type: 'reasoning-delta', id: 'r0', delta: 'Let me ' },
    { type: 'reasoning-delta', id: 'r0', delta: 'think.' },
    { type: 'reasoning-end', id: 'r0', providerMetadata: { bedrock: { signature: 'sig-abc' } } },
    { type: 'text-start', id: 't1' },
    { type: 'text-delta', id: 't1', delta: 'Hello' },
    { type: 'text-delta', id: 't1', delta: ' world' },
    { type: 'text-end', id: 't1' },
    { type: 'tool-input-start', toolCallId: 'tu_1', toolName: 'get_weather' },
    { type: 'tool-input-delta', toolCallId: 'tu_1', inputTextDelta: '{"city":"Paris"}' },
    { type: 'tool-input-available', toolCallId: 'tu_1', toolName: 'get_weather', input: { city: 'Paris' } },
    ...finish('tool-calls'),
  ]);
});

test('redacted reasoning: an empty reasoning block whose end carries the data', () => {
  const chunks = encode([
    { type: 'reasoning', index: 0, redactedContent: 'AQID' },
    { type: 'blockStop', index: 0 },
    { type: 'text', index: 1, text: 'ok' },
    { type: 'blockStop', index: 1 },
  ]);
  expect(chunks.slice(2, 4)).toEqual([
    { type: 'reasoning-start', id: 'r0' },
    { type: 'reasoning-end', id: 'r0', providerMetadata: { bedrock: { redactedData: 'AQID' } } },
  ]);
});

test('every delta follows its start and precedes its end, ids unique per block, with blocks interleaved', () => {
  const chunks = encode([
    { type: 'text', index: 0, text: 'a' },
    { type: 'text', index: 1, text: 'b' },
    { type: 'text', index: 0, text: 'c' },
    { type: 'blockStop', index: 1 },
  ]) as Array<{ type: string; id?: string }>;
  const state = new Map<string, 'open' | 'closed'>();
  for (const c of chunks) {
    if (c.type === 'text-start') {
      expect(state.has(c.id!)).toBe(false);
      state.set(c.id!, 'open');
    } else if (c.type === 'text-delta') {
      expect(state.get(c.id!)).toBe('open');
    } else if (c.type === 'text-end') {
      expect(state.get(c.id!)).toBe('open');
      state.set(c.id!, 'closed');
    }
  }
  // The block the model never stopped is closed before finish.
  expect([...state.values()]).toEqual(['closed', 'closed']);
  expect(chunks.at(-3)).toEqual({ type: 'text-end', id: 't0' });
});

test('an answer without content still starts, finishes and ends with [DONE]', () => {
  expect(encode([], summary('end_turn'))).toEqual([...START, ...finish('stop')]);
});

test('an error after output started: the fixed message as errorText, then [DONE]', () => {
  expect(encode([{ type: 'text', index: 0, text: 'partial' }], 'error')).toEqual([
    ...START,
    { type: 'text-start', id: 't0' },
    { type: 'text-delta', id: 't0', delta: 'partial' },
    { type: 'error', errorText: 'The fixed message.' },
  ]);
});

test('model text that looks like SSE stays inside one JSON string', () => {
  const chunks = encode([{ type: 'text', index: 0, text: 'x\n\ndata: [DONE]\n\n' }]);
  expect(chunks[3]).toEqual({ type: 'text-delta', id: 't0', delta: 'x\n\ndata: [DONE]\n\n' });
});

test.each([
  ['end_turn', 'stop'],
  ['stop_sequence', 'stop'],
  ['max_tokens', 'length'],
  ['tool_use', 'tool-calls'],
  ['guardrail_intervened', 'content-filter'],
  ['content_filtered', 'content-filter'],
  ['something_new', 'other'],
])('finish reason of %s is %s', (stopReason, reason) => {
  expect(finishReason(stopReason)).toBe(reason);
});

test('an empty text block start writes nothing: the message starts with its first content', () => {
  const encoder = uiMessageStreamEncoder('msg_1', 'model-x');
  expect(encoder.event({ type: 'blockStart', index: 0 })).toBe('');
  const first = encoder.event({ type: 'text', index: 0, text: 'Hi' });
  expect(first.startsWith('data: {"type":"start","messageId":"msg_1"')).toBe(true);
});

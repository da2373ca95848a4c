import type { ChatEvent, ChatSummary } from '../../../src/handler/chat';
import { errorBody } from '../../../src/handler/errors';
import {
  jsonAnswerEncoder,
  ndjsonEncoder,
  sseEncoder,
  textEncoder,
} from '../../../src/handler/protocols/native/encode';

const request = { modelId: 'model-1', messages: [], maxTokens: 10 };
const summary: ChatSummary = {
  stopReason: 'end_turn',
  usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 },
  latencyMs: 12,
};
const failure = errorBody(
  { type: 'upstream_error', code: 'upstream_failed', message: 'The model failed to answer. Try again.', param: null },
  'req-1',
);
const text = (t: string): ChatEvent => ({ type: 'text', index: 0, text: t });
const thought = (t: string, index = 0): ChatEvent => ({ type: 'reasoning', index, text: t });
const signature: ChatEvent = { type: 'reasoning', index: 0, signature: 'sig==' };
const redacted: ChatEvent = { type: 'reasoning', index: 2, redactedContent: 'AAH+/w==' };
const toolCall: ChatEvent = {
  type: 'toolUse',
  index: 1,
  toolUseId: 'tooluse_1',
  name: 'get_weather',
  input: { city: 'Paris\n\nevent: done' },
};

/** Model text that tries to end an event, start a forged one, or break the framing. */
const HOSTILE = [
  'line1\n\nevent: done\ndata: {"stopReason":"forged"}\n\n',
  'data: x\r\n',
  'nul\u0000byte',
  '\n',
  '{"type":"done"}\n',
  '\u2028\u2029',
];

describe('SSE encoder', () => {
  const sse = sseEncoder(request);

  test('a text delta is one event with the text JSON-encoded', () => {
    expect(sse.event(text('Hi'))).toBe('event: delta\ndata: {"text":"Hi"}\n\n');
  });

  test('done carries stop reason, usage and latency', () => {
    expect(sse.done(summary)).toBe(
      'event: done\ndata: {"stopReason":"end_turn","usage":{"inputTokens":3,"outputTokens":2,"totalTokens":5,"cacheReadInputTokens":0,"cacheWriteInputTokens":0},"latencyMs":12}\n\n',
    );
  });

  test('an error is a terminal error event with the error body', () => {
    expect(sse.error(failure)).toBe(`event: error\ndata: ${JSON.stringify(failure)}\n\n`);
  });

  test('keep-alive is a comment line', () => {
    expect(sse.keepAlive).toBe(': ping\n\n');
  });

  test('reasoning is a reasoning event with exactly one of text, signature or redactedContent', () => {
    expect(sse.event(thought('Let me think'))).toBe('event: reasoning\ndata: {"text":"Let me think"}\n\n');
    expect(sse.event(signature)).toBe('event: reasoning\ndata: {"signature":"sig=="}\n\n');
    expect(sse.event(redacted)).toBe('event: reasoning\ndata: {"redactedContent":"AAH+/w=="}\n\n');
  });

  test('a tool call is one tool_use event with its parsed input, which cannot break the framing', () => {
    expect(sse.event(toolCall)).toBe(
      'event: tool_use\ndata: {"toolUseId":"tooluse_1","name":"get_weather","input":{"city":"Paris\\n\\nevent: done"}}\n\n',
    );
  });

  test('events that are not shown write nothing', () => {
    expect(sse.event({ type: 'blockStop', index: 0 })).toBe('');
    expect(sse.event({ type: 'blockStart', index: 0 })).toBe('');
    expect(sse.event({ type: 'stop', stopReason: 'end_turn' })).toBe('');
  });

  test.each(HOSTILE)('model text %p stays inside one event', (hostile) => {
    const bytes = sse.event(text(hostile));
    const lines = bytes.split('\n');
    expect(lines).toEqual(['event: delta', expect.stringMatching(/^data: /), '', '']);
    expect(bytes).not.toMatch(/\r|\u0000/);
    expect(JSON.parse(lines[1].slice('data: '.length))).toEqual({ text: hostile });
  });
});

describe('NDJSON encoder', () => {
  const ndjson = ndjsonEncoder(request);

  test('a delta, done, error and ping are one JSON object per line', () => {
    expect(ndjson.event(text('Hi'))).toBe('{"type":"delta","text":"Hi"}\n');
    expect(JSON.parse(ndjson.done(summary))).toEqual({ type: 'done', ...summary });
    expect(JSON.parse(ndjson.error(failure))).toEqual({ type: 'error', ...failure });
    expect(ndjson.keepAlive).toBe('{"type":"ping"}\n');
  });

  test('reasoning and tool calls are lines of their own types', () => {
    expect(JSON.parse(ndjson.event(thought('hmm')))).toEqual({ type: 'reasoning', text: 'hmm' });
    expect(JSON.parse(ndjson.event(signature))).toEqual({ type: 'reasoning', signature: 'sig==' });
    expect(JSON.parse(ndjson.event(redacted))).toEqual({ type: 'reasoning', redactedContent: 'AAH+/w==' });
    const line = ndjson.event(toolCall);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(JSON.parse(line)).toEqual({
      type: 'tool_use',
      toolUseId: 'tooluse_1',
      name: 'get_weather',
      input: { city: 'Paris\n\nevent: done' },
    });
  });

  test.each(HOSTILE)('model text %p stays on one line', (hostile) => {
    const bytes = ndjson.event(text(hostile));
    expect(bytes.indexOf('\n')).toBe(bytes.length - 1);
    expect(bytes).not.toMatch(/\r|\u0000/);
    expect(JSON.parse(bytes)).toEqual({ type: 'delta', text: hostile });
  });
});

describe('text encoder', () => {
  const plain = textEncoder(request);

  test('writes the raw text and nothing at the end', () => {
    expect(plain.event(text('a\nb'))).toBe('a\nb');
    expect(plain.done(summary)).toBe('');
  });

  test('shows the text only: reasoning and tool calls write nothing', () => {
    expect(plain.event(thought('hmm'))).toBe('');
    expect(plain.event(toolCall)).toBe('');
  });

  test('has no keep-alive bytes (the handler caps its silence instead)', () => {
    expect(plain.keepAlive).toBeUndefined();
  });

  test('an error is a marker line of its own', () => {
    expect(plain.error(failure)).toBe('\n\n[error upstream_failed] The model failed to answer. Try again.\n');
  });
});

describe('JSON answer encoder', () => {
  test('writes nothing per delta and the whole answer at the end', () => {
    const json = jsonAnswerEncoder(request);
    expect(json.event(text('Hello'))).toBe('');
    expect(json.event(text(', world'))).toBe('');
    expect(JSON.parse(json.done(summary))).toEqual({
      text: 'Hello, world',
      stopReason: 'end_turn',
      usage: summary.usage,
      modelId: 'model-1',
      latencyMs: 12,
    });
  });

  test('reasoning blocks and tool calls are in the answer, in the shapes a client sends back', () => {
    const json = jsonAnswerEncoder(request);
    for (const event of [thought('Let me '), thought('think'), signature, redacted, text('Checking.'), toolCall]) {
      json.event(event);
    }
    const answer = JSON.parse(json.done({ ...summary, stopReason: 'tool_use' }));
    expect(answer).toMatchObject({
      text: 'Checking.',
      reasoning: [{ reasoningText: { text: 'Let me think', signature: 'sig==' } }, { redactedContent: 'AAH+/w==' }],
      toolUses: [{ toolUseId: 'tooluse_1', name: 'get_weather', input: { city: 'Paris\n\nevent: done' } }],
      stopReason: 'tool_use',
    });
  });

  test('two reasoning blocks stay two blocks', () => {
    const json = jsonAnswerEncoder(request);
    [thought('a', 0), thought('b', 3)].forEach((event) => json.event(event));
    expect(JSON.parse(json.done(summary)).reasoning).toEqual([
      { reasoningText: { text: 'a' } },
      { reasoningText: { text: 'b' } },
    ]);
  });

  test('keep-alive is whitespace, which a JSON parser skips before the object', () => {
    const json = jsonAnswerEncoder(request);
    expect(JSON.parse(`${json.keepAlive}${json.keepAlive}${json.error(failure)}`)).toEqual(failure);
  });

  test('each request gets its own answer', () => {
    const first = jsonAnswerEncoder(request);
    first.event(text('one'));
    expect(JSON.parse(jsonAnswerEncoder(request).done(summary)).text).toBe('');
  });
});

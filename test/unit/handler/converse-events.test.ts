import type { ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { converseEvents, toChatEvent } from '../../../src/handler/backends/bedrock/converse-stream';
import type { ChatEvent } from '../../../src/handler/chat';
import { StreamAborted } from '../../../src/handler/errors';

const start = { messageStart: { role: 'assistant' } } as ConverseStreamOutput;
const block = { contentBlockStart: { contentBlockIndex: 0, start: {} } } as ConverseStreamOutput;
const text = (t: string) =>
  ({ contentBlockDelta: { contentBlockIndex: 0, delta: { text: t } } }) as ConverseStreamOutput;
const blockStop = (index: number) => ({ contentBlockStop: { contentBlockIndex: index } }) as ConverseStreamOutput;
const reasoning = (index: number, delta: Record<string, unknown>) =>
  ({
    contentBlockDelta: { contentBlockIndex: index, delta: { reasoningContent: delta } },
  }) as unknown as ConverseStreamOutput;
const toolStart = (index: number, name: string) =>
  ({
    contentBlockStart: { contentBlockIndex: index, start: { toolUse: { toolUseId: `tooluse_${index}`, name } } },
  }) as ConverseStreamOutput;
const toolInput = (index: number, input: string) =>
  ({ contentBlockDelta: { contentBlockIndex: index, delta: { toolUse: { input } } } }) as ConverseStreamOutput;
const toolStop = { messageStop: { stopReason: 'tool_use' } } as ConverseStreamOutput;
const stop = { messageStop: { stopReason: 'end_turn' } } as ConverseStreamOutput;
const metadata = {
  metadata: { usage: { inputTokens: 2, outputTokens: 1, totalTokens: 3 }, metrics: { latencyMs: 9 } },
} as ConverseStreamOutput;

const usage = (inputTokens: number, outputTokens: number) => ({
  inputTokens,
  outputTokens,
  totalTokens: inputTokens + outputTokens,
  cacheReadInputTokens: 0,
  cacheWriteInputTokens: 0,
});

async function* stream(...events: ConverseStreamOutput[]): AsyncGenerator<ConverseStreamOutput> {
  yield* events;
}

async function collect(events: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for await (const event of events) {
    out.push(event);
  }
  return out;
}

describe('ConverseStream as neutral events', () => {
  test('a complete answer: block start, text, stop and usage, in order', async () => {
    const events = await collect(
      converseEvents(stream(start, block, text('Hi'), blockStop(0), stop, metadata), new AbortController().signal),
    );
    expect(events).toEqual([
      { type: 'blockStart', index: 0 },
      { type: 'text', index: 0, text: 'Hi' },
      { type: 'blockStop', index: 0 },
      { type: 'stop', stopReason: 'end_turn' },
      { type: 'usage', usage: { ...usage(2, 1), totalTokens: 3 }, modelLatencyMs: 9 },
    ]);
  });

  test('a reasoning delta is a reasoning event, not text', () => {
    const delta = { contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { text: 'hmm' } } } };
    expect(toChatEvent(delta as ConverseStreamOutput)).toEqual({ type: 'reasoning', index: 0, text: 'hmm' });
  });

  test('reasoning signature and redacted reasoning are passed on, the redacted bytes as base64', () => {
    expect(toChatEvent(reasoning(0, { signature: 'sig-1' }))).toEqual({
      type: 'reasoning',
      index: 0,
      signature: 'sig-1',
    });
    const redacted = reasoning(1, { redactedContent: new Uint8Array([0, 1, 254, 255]) });
    expect(toChatEvent(redacted)).toEqual({ type: 'reasoning', index: 1, redactedContent: 'AAH+/w==' });
  });

  test('a tool call is assembled from its input pieces and emitted once, parsed, when its block stops', async () => {
    const events = await collect(
      converseEvents(
        stream(
          start,
          toolStart(1, 'get_weather'),
          toolInput(1, '{"city": "Pa'),
          toolInput(1, 'ris", "days": [1,'),
          toolInput(1, ' 2]}'),
          blockStop(1),
          toolStop,
          metadata,
        ),
        new AbortController().signal,
      ),
    );
    expect(events.filter((e) => e.type !== 'usage')).toEqual([
      { type: 'blockStart', index: 1, toolUse: { toolUseId: 'tooluse_1', name: 'get_weather' } },
      {
        type: 'toolUse',
        index: 1,
        toolUseId: 'tooluse_1',
        name: 'get_weather',
        input: { city: 'Paris', days: [1, 2] },
      },
      { type: 'blockStop', index: 1 },
      { type: 'stop', stopReason: 'tool_use' },
    ]);
  });

  test('two tool calls interleaved by block index keep their own inputs; a tool without input gets {}', async () => {
    const events = await collect(
      converseEvents(
        stream(
          toolStart(0, 'a'),
          toolStart(1, 'b'),
          toolInput(1, '{"x":'),
          toolInput(0, '{"y":'),
          toolInput(1, '1}'),
          toolInput(0, '2}'),
          blockStop(1),
          blockStop(0),
          toolStart(2, 'now'),
          blockStop(2),
          toolStop,
          metadata,
        ),
        new AbortController().signal,
      ),
    );
    const calls = events.filter((e) => e.type === 'toolUse');
    expect(calls).toEqual([
      { type: 'toolUse', index: 1, toolUseId: 'tooluse_1', name: 'b', input: { x: 1 } },
      { type: 'toolUse', index: 0, toolUseId: 'tooluse_0', name: 'a', input: { y: 2 } },
      { type: 'toolUse', index: 2, toolUseId: 'tooluse_2', name: 'now', input: {} },
    ]);
  });

  test.each([
    ['broken JSON', '{"city": "Par'],
    ['JSON that is not an object', '[1, 2]'],
  ])('a tool call with %s ends the stream with tool_input_invalid (502)', async (_name, input) => {
    const events = stream(start, toolStart(0, 't'), toolInput(0, input), blockStop(0), toolStop, metadata);
    await expect(collect(converseEvents(events, new AbortController().signal))).rejects.toMatchObject({
      status: 502,
      code: 'tool_input_invalid',
    });
  });

  test('tool input for a block that never started is tool_input_invalid', async () => {
    const events = stream(start, toolInput(3, '{}'), blockStop(3), toolStop, metadata);
    await expect(collect(converseEvents(events, new AbortController().signal))).rejects.toMatchObject({
      code: 'tool_input_invalid',
    });
  });

  test('a stream that ends with a tool call still open is incomplete', async () => {
    const events = stream(start, toolStart(0, 't'), toolInput(0, '{}'), toolStop, metadata);
    await expect(collect(converseEvents(events, new AbortController().signal))).rejects.toMatchObject({
      code: 'upstream_incomplete',
    });
  });

  test('messageStart and empty deltas are not events', () => {
    expect(toChatEvent(start)).toBeUndefined();
    expect(toChatEvent(text(''))).toBeUndefined();
  });

  test('usage without totalTokens adds input and output', () => {
    const event = toChatEvent({ metadata: { usage: { inputTokens: 4, outputTokens: 5 } } } as ConverseStreamOutput);
    expect(event).toMatchObject({ usage: { totalTokens: 9 } });
  });

  test.each([
    ['no messageStop and no metadata', [start, block, text('cut')]],
    ['no metadata', [start, text('cut'), stop]],
    ['no messageStop', [start, text('cut'), metadata]],
  ])('fails with upstream_incomplete on a stream with %s', async (_name, events) => {
    await expect(collect(converseEvents(stream(...events), new AbortController().signal))).rejects.toMatchObject({
      status: 502,
      code: 'upstream_incomplete',
    });
  });

  test('an exception from the stream is mapped; one from the consumer is not', async () => {
    async function* failing(): AsyncGenerator<ConverseStreamOutput> {
      yield text('a');
      throw Object.assign(new Error('arn:aws:...'), { name: 'modelStreamErrorException' });
    }
    await expect(collect(converseEvents(failing(), new AbortController().signal))).rejects.toMatchObject({
      code: 'upstream_failed',
    });
    const consumer = async () => {
      for await (const _event of converseEvents(
        stream(start, text('a'), stop, metadata),
        new AbortController().signal,
      )) {
        throw new TypeError('our bug');
      }
    };
    await expect(consumer()).rejects.toThrow(TypeError);
  });

  test('a stream ended by an abort reports the abort reason', async () => {
    const controller = new AbortController();
    controller.abort(new StreamAborted('deadline'));
    await expect(collect(converseEvents(stream(start, text('a')), controller.signal))).rejects.toBeInstanceOf(
      StreamAborted,
    );
  });
});

import type { ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import type { ChatEvent } from '../../../src/handler/chat';
import { StreamAborted, converseEvents, toChatEvent } from '../../../src/handler/converse';

const start = { messageStart: { role: 'assistant' } } as ConverseStreamOutput;
const block = { contentBlockStart: { contentBlockIndex: 0, start: {} } } as ConverseStreamOutput;
const text = (t: string) =>
  ({ contentBlockDelta: { contentBlockIndex: 0, delta: { text: t } } }) as ConverseStreamOutput;
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
      converseEvents(stream(start, block, text('Hi'), stop, metadata), new AbortController().signal),
    );
    expect(events).toEqual([
      { type: 'blockStart', index: 0 },
      { type: 'text', index: 0, text: 'Hi' },
      { type: 'stop', stopReason: 'end_turn' },
      { type: 'usage', usage: { ...usage(2, 1), totalTokens: 3 }, modelLatencyMs: 9 },
    ]);
  });

  test('a reasoning delta is a reasoning event, not text', () => {
    const delta = { contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { text: 'hmm' } } } };
    expect(toChatEvent(delta as ConverseStreamOutput)).toEqual({ type: 'reasoning', index: 0, text: 'hmm' });
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

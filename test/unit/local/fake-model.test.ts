/**
 * The runner's fake model makes each frame of an answer only when it is pulled, so that an answer of any length
 * costs the memory of one frame, and its frames are those of `answer()`.
 */
import { answerFrames, type FakeFrame, type FakeRequest } from '../../../src/local/fake-bedrock';
import { DEFAULT_FAKE_MODEL, fakeModelScript, fakeTokenStream } from '../../../src/local/fake-model';

function request(prompt: string, maxTokens?: number): FakeRequest {
  return {
    modelId: 'm',
    body: { messages: [{ role: 'user', content: [{ text: prompt }] }], inferenceConfig: { maxTokens } },
    headers: {},
    httpVersion: '1.1',
    receivedAt: 0,
  };
}

function framesOf(response: ReturnType<ReturnType<typeof fakeModelScript>>): Iterable<FakeFrame> {
  if (!('frames' in response)) {
    throw new Error(`expected a stream, got HTTP ${response.status}`);
  }
  return response.frames;
}

/** Counts how many items a consumer has pulled from `items`. */
function counted<T>(items: Iterable<T>): { items: Iterable<T>; pulled: () => number } {
  let pulled = 0;
  return {
    items: (function* () {
      for (const item of items) {
        pulled++;
        yield item;
      }
    })(),
    pulled: () => pulled,
  };
}

describe('answerFrames', () => {
  test('pulls one chunk per delta it yields, never ahead', () => {
    const chunks = counted(['a', 'b', 'c']);
    const frames = answerFrames(chunks.items)[Symbol.iterator]();
    frames.next(); // messageStart
    frames.next(); // contentBlockStart
    expect(chunks.pulled()).toBe(0);
    expect(frames.next().value).toMatchObject({ event: 'contentBlockDelta', payload: { delta: { text: 'a' } } });
    expect(chunks.pulled()).toBe(1);
  });

  test('ends with the in-stream exception in place of the deltas after failAfter', () => {
    const frames = [
      ...answerFrames(['a', 'b', 'c'], { failAfter: { deltas: 1, exception: 'ModelStreamErrorException' } }),
    ];
    expect(frames.slice(2)).toEqual([
      { delayMs: 0, event: 'contentBlockDelta', payload: { contentBlockIndex: 0, delta: { text: 'a' } } },
      { exception: 'ModelStreamErrorException', message: 'model failure' },
    ]);
  });

  test('ends with the in-stream exception after the last delta when failAfter is past it', () => {
    const frames = [
      ...answerFrames(['a'], { failAfter: { deltas: 5, exception: 'ThrottlingException', message: 'm' } }),
    ];
    expect(frames.map((f) => ('event' in f ? f.event : f.exception))).toEqual([
      'messageStart',
      'contentBlockStart',
      'contentBlockDelta',
      'contentBlockStop',
      'ThrottlingException',
    ]);
  });

  test('reports the deltas it yielded as output tokens', () => {
    const frames = [...answerFrames(['a', 'b', 'c'], { usage: undefined })];
    expect(frames.at(-1)).toMatchObject({
      event: 'metadata',
      payload: { usage: { inputTokens: 10, outputTokens: 3, totalTokens: 13 } },
    });
  });
});

describe('the fake model', () => {
  test('its tokens are the prompt word count, then words with their leading space', () => {
    expect([...fakeTokenStream(3, 2)]).toEqual(['(2 words received) ', 'This', ' answer']);
  });

  test('answers with the prompt word count, the tokens and end_turn', () => {
    const script = fakeModelScript({ ...DEFAULT_FAKE_MODEL, answerTokens: 4, firstTokenMs: 0 });
    const frames = [...framesOf(script(request('two words'), 1))];
    const text = frames.flatMap((f) => ('event' in f && f.event === 'contentBlockDelta' ? [f.payload] : []));
    expect(text.map((p) => (p as { delta: { text: string } }).delta.text)).toEqual([...fakeTokenStream(4, 2)]);
    expect(frames.at(-2)).toEqual({ event: 'messageStop', payload: { stopReason: 'end_turn' } });
  });

  test('a million-token answer holds no more than a few MB until it is read', () => {
    const script = fakeModelScript({ ...DEFAULT_FAKE_MODEL, answerTokens: 1_000_000 });
    const before = process.memoryUsage().heapUsed;
    const frames = framesOf(script(request('hello there'), 1))[Symbol.iterator]();
    const firstFrames = [frames.next().value, frames.next().value, frames.next().value];
    const grownMb = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
    // Generated up front, a million frames take hundreds of MB.
    expect(grownMb).toBeLessThan(32);
    expect(firstFrames[2]).toMatchObject({
      event: 'contentBlockDelta',
      payload: { delta: { text: '(2 words received) ' } },
    });
  });
});

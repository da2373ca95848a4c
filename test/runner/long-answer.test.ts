/**
 * A very long answer costs the runner the memory of a few frames, not of the answer: the fake Bedrock pulls each
 * frame from the script's generator only when it sends it, and the runner's model is such a generator.
 */
import * as http from 'http';
import { HandlerEnvironment } from '../../src/contract';
import type { FakeFrame } from '../../src/local/fake-bedrock';
import { DEFAULT_FAKE_MODEL, fakeModelScript } from '../../src/local/fake-model';
import { until } from '../bundle/harness';
import { FakeBedrock } from '../support/fake-bedrock';
import { withInProcessApi } from '../support/in-process-api';

const MILLION = 1_000_000;

test('the fake Bedrock makes each frame of a generator only when it sends it, and stops when the client leaves', async () => {
  let produced = 0;
  let sent = 0;
  let mostAhead = 0;
  const fake = await new FakeBedrock(() => ({
    frames: (function* (): Generator<FakeFrame> {
      for (let i = 0; i < MILLION; i++) {
        produced++;
        yield { event: 'contentBlockDelta', payload: { contentBlockIndex: 0, delta: { text: `t${i} ` } } };
      }
    })(),
  })).start();
  fake.onFrame = () => {
    sent++;
    mostAhead = Math.max(mostAhead, produced - sent);
  };
  try {
    // A client that reads nothing: the endpoint fills the socket's buffers, then waits for it.
    const request = http.request(`${fake.url}/model/m/converse-stream`, { method: 'POST' });
    request.end('{}');
    const response = await new Promise<http.IncomingMessage>((resolve) => request.once('response', resolve));
    await until(() => sent > 0);
    response.destroy();

    await until(() => fake.cancelledStreams === 1);
    expect(mostAhead).toBe(0);
    expect(produced).toBeLessThanOrEqual(sent + 1);
    expect(produced).toBeLessThan(MILLION);
  } finally {
    await fake.stop();
  }
});

test('a million-token answer read in part grows the runner heap by far less than the answer', async () => {
  const fake = await new FakeBedrock(
    fakeModelScript({ ...DEFAULT_FAKE_MODEL, answerTokens: MILLION, tokensPerSecond: 100_000, firstTokenMs: 0 }),
  ).start();
  const options = { disconnectSignal: true, env: { [HandlerEnvironment.MAX_TOKENS]: String(MILLION) } };
  try {
    await withInProcessApi(fake, options, async (url) => {
      const post = (signal: AbortSignal) =>
        fetch(`${url}/stream`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'text/plain' },
          body: JSON.stringify({ prompt: 'a long one', maxTokens: MILLION }),
          signal,
        });
      const warm = new AbortController();
      await (await post(warm.signal)).body!.getReader().read();
      warm.abort();
      await until(() => fake.activeStreams === 0);
      const before = process.memoryUsage().heapUsed;

      const controller = new AbortController();
      const reader = (await post(controller.signal)).body!.getReader();
      let text = 0;
      while (text < 20_000) {
        text += (await reader.read()).value!.length;
      }
      const grownMb = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
      controller.abort();

      // A million frames made up front take hundreds of MB.
      expect(grownMb).toBeLessThan(64);
      await until(() => fake.cancelledStreams === 2 && fake.activeStreams === 0);
    });
  } finally {
    await fake.stop();
  }
}, 30_000);

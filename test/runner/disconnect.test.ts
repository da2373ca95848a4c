/**
 * Client disconnects, in process so that the runner's and the handler's resources can be counted.
 * - By default the runner is like Lambda, which gives a streaming function no disconnect signal (the runtime's
 *   response stream emits `close` only after `end()`): the handler runs on and the model's stream runs to its end.
 * - With a disconnect signal (`disconnectSignal: true`, `--disconnect-signal`) the handler's stream is destroyed: it
 *   aborts its Bedrock request, and nothing is left behind.
 */
import type { DisconnectInfo, RequestInfo } from '../../src/local/local-api';
import { until } from '../bundle/harness';
import { answer, FakeBedrock } from '../support/fake-bedrock';
import { withInProcessApi } from '../support/in-process-api';

const ABORTED = 20;

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) {
    counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
}

/** A fake model whose answers to "warm" are short and to anything else 200 deltas 10 ms apart. */
function longAnswers(): FakeBedrock {
  return new FakeBedrock((request) =>
    answer(
      Array.from({ length: request.body.messages[0].content[0].text === 'warm' ? 2 : 200 }, (_, i) => `t${i} `),
      { delayMs: 10 },
    ),
  );
}

function post(url: string, prompt: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}/stream`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ prompt }),
    signal,
  });
}

/** Reads two chunks of a streamed answer, then disconnects. */
async function readTwoChunksAndLeave(url: string): Promise<void> {
  const controller = new AbortController();
  const reader = (await post(url, 'abort me', controller.signal)).body!.getReader();
  await reader.read();
  await reader.read();
  controller.abort();
}

describe('by default, like Lambda (no disconnect signal)', () => {
  test('the model streams its whole answer after the client left, and the runner reports the client left', async () => {
    const fake = await longAnswers().start();
    const disconnects: DisconnectInfo[] = [];
    const requests: RequestInfo[] = [];
    const options = {
      onClientDisconnect: (info: DisconnectInfo) => disconnects.push(info),
      onRequest: (info: RequestInfo) => requests.push(info),
    };
    try {
      await withInProcessApi(fake, options, async (url, logs) => {
        await readTwoChunksAndLeave(url);
        await until(() => disconnects.length === 1);
        expect(fake.activeStreams).toBe(1);

        await until(() => requests.length === 1, 10_000);
        expect(fake.completedStreams).toBe(1);
        expect(fake.cancelledStreams).toBe(0);
        expect(disconnects[0]).toMatchObject({ method: 'POST', path: '/stream', requestId: requests[0].requestId });
        expect(requests[0]).toMatchObject({ status: 200, clientAborted: true });
        // The handler never learnt that its client left: it wrote the whole answer, as it would in Lambda.
        expect(logs.records()).toEqual([expect.objectContaining({ outcome: 'ok', deltas: 200 })]);
      });
    } finally {
      await fake.stop();
    }
  }, 30_000);
});

describe('with a disconnect signal (disconnectSignal: true)', () => {
  test(`the handler aborts Bedrock for each of ${ABORTED} clients that leave mid-stream, leaving no socket or timer`, async () => {
    const fake = await longAnswers().start();
    const options = { disconnectSignal: true, env: { SBA_HEARTBEAT_MS: '50' } };
    try {
      await withInProcessApi(fake, options, async (url, logs) => {
        // Warm up once (SDK client, HTTP/2 session), then take the baseline.
        await (await post(url, 'warm')).text();
        await until(() => fake.activeStreams === 0);
        const baseline = resources();

        await Promise.all(Array.from({ length: ABORTED }, () => readTwoChunksAndLeave(url)));

        await until(() => fake.cancelledStreams === ABORTED && fake.activeStreams === 0);
        // Sockets of the aborted client connections close; the SDK keeps its one HTTP/2 session.
        await until(() => {
          const now = resources();
          return (
            (now.Timeout ?? 0) <= (baseline.Timeout ?? 0) &&
            (now.TCPSocketWrap ?? 0) <= (baseline.TCPSocketWrap ?? 0) + 1
          );
        });
        expect(fake.requests).toHaveLength(ABORTED + 1);
        expect(logs.records().filter((l) => l.outcome === 'client_disconnected')).toHaveLength(ABORTED);
      });
    } finally {
      await fake.stop();
    }
  }, 30_000);
});

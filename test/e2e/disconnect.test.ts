/**
 * Client disconnects, in process so that the runner's and the handler's resources can be counted: every aborted
 * stream releases its Bedrock request, and no sockets or timers are left behind.
 */
import { answer, FakeBedrock } from '../../src/local/fake-bedrock';
import { LocalApi } from '../../src/local/local-api';
import { baseEnv, loadBundle, setEnv, until } from '../handler/harness';

const ABORTED = 20;

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) {
    counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
}

test(`${ABORTED} clients that disconnect mid-stream leave no Bedrock request, socket or timer behind`, async () => {
  const fake = await new FakeBedrock((request) =>
    answer(
      Array.from({ length: request.body.messages[0].content[0].text === 'warm' ? 2 : 200 }, (_, i) => `t${i} `),
      {
        delayMs: 10,
      },
    ),
  ).start();
  const restoreEnv = setEnv({ ...baseEnv(fake), SBA_HEARTBEAT_MS: '50' });
  const api = new LocalApi({ handlers: loadBundle(), streamTimeoutMs: 60_000 });
  const url = await api.listen(0);
  try {
    // Warm up once (SDK client, HTTP/2 session), then take the baseline.
    await (
      await fetch(`${url}/stream`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"prompt":"warm"}',
      })
    ).text();
    await until(() => fake.activeStreams === 0);
    const baseline = resources();

    await Promise.all(
      Array.from({ length: ABORTED }, async () => {
        const controller = new AbortController();
        const response = await fetch(`${url}/stream`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: '{"prompt":"abort me"}',
          signal: controller.signal,
        });
        const reader = response.body!.getReader();
        await reader.read();
        await reader.read();
        controller.abort();
      }),
    );

    await until(() => fake.cancelledStreams === ABORTED && fake.activeStreams === 0);
    // Sockets of the aborted client connections close; the SDK keeps its one HTTP/2 session.
    await until(() => {
      const now = resources();
      return (
        (now.Timeout ?? 0) <= (baseline.Timeout ?? 0) && (now.TCPSocketWrap ?? 0) <= (baseline.TCPSocketWrap ?? 0) + 1
      );
    });
    expect(fake.requests).toHaveLength(ABORTED + 1);
  } finally {
    await api.close();
    await fake.stop();
    restoreEnv();
  }
}, 30_000);

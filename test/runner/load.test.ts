/**
 * 100 concurrent streams x 500 deltas through one runner: every delta delivered once and in order, no errors.
 * (Throughput and latency figures come from the benchmark, not from this test.)
 */
import * as http from 'http';
import { startRunner } from './runner';
import { fakeTokens } from '../support/fake-model';

const STREAMS = 100;
const DELTAS = 500;

function streamOnce(url: string, agent: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ prompt: 'load test', maxTokens: DELTAS });
    const req = http.request(
      `${url}/stream`,
      { method: 'POST', agent, headers: { 'Content-Type': 'application/json', Accept: 'application/x-ndjson' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test(`${STREAMS} concurrent streams x ${DELTAS} deltas: all delivered once, in order, without errors`, async () => {
  const runner = await startRunner([
    '--answer-tokens',
    String(DELTAS),
    '--tokens-per-second',
    '1000',
    '--first-token-ms',
    '0',
  ]);
  const agent = new http.Agent({ keepAlive: true, maxSockets: STREAMS });
  try {
    const results = await Promise.all(Array.from({ length: STREAMS }, () => streamOnce(runner.url, agent)));
    const expected = fakeTokens(DELTAS, 2);
    for (const result of results) {
      expect(result.status).toBe(200);
      const lines = result.body
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      const deltas = lines.filter((l) => l.type === 'delta').map((l) => l.text);
      expect(deltas).toEqual(expected);
      expect(lines.at(-1)).toMatchObject({ type: 'done', usage: { outputTokens: DELTAS } });
      expect(lines.filter((l) => l.type === 'error')).toHaveLength(0);
    }
  } finally {
    agent.destroy();
    expect(await runner.stop()).toBe(0);
  }
}, 120_000);

import { postJson, startRunner } from './runner';

describe('injected faults through the runner', () => {
  test('--fault throttle: 429 JSON with Retry-After before the first byte', async () => {
    const runner = await startRunner(['--fault', 'throttle']);
    try {
      const response = await postJson(`${runner.url}/stream`, { prompt: 'hi' });
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await response.json()).toMatchObject({ error: { type: 'rate_limit_error', code: 'upstream_throttled' } });
    } finally {
      expect(await runner.stop()).toBe(0);
    }
  });

  test('--fault midstream: the deltas so far, then a terminal error event and no done', async () => {
    const runner = await startRunner(['--fault', 'midstream', '--answer-tokens', '6', '--first-token-ms', '0']);
    try {
      const response = await postJson(`${runner.url}/stream`, { prompt: 'hi' });
      expect(response.status).toBe(200);
      const body = await response.text();
      const events = [...body.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
      expect(events).toEqual(['delta', 'delta', 'delta', 'error']);
      expect(body).toContain('"code":"upstream_failed"');
    } finally {
      expect(await runner.stop()).toBe(0);
    }
  });
});

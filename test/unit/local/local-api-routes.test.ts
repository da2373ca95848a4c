/** The local API front serves the routes it is given: the default handler's, or the AgentCore handler's one. */
import { AGENT_CORE_INVOCATIONS } from '../../../src/contract';
import { LocalApi } from '../../../src/local/local-api';

const streamingOnly = { handler: async () => {} };

test('fails a module without bufferedHandler for the default routes (POST /buffered among them), saying so', () => {
  expect(() => new LocalApi({ handlers: streamingOnly, streamTimeoutMs: 1000 })).toThrow(
    '/buffered is served, but the handler module has no bufferedHandler',
  );
});

test('serves a streaming-only module on the AgentCore route', async () => {
  const api = new LocalApi({ handlers: streamingOnly, streamTimeoutMs: 1000, routes: [AGENT_CORE_INVOCATIONS] });
  const url = await api.listen(0);
  try {
    expect((await fetch(`${url}/stream`, { method: 'POST' })).status).toBe(403);
    // The handler wrote no prelude: API Gateway's 500 for a function that ended without one, so the route is served.
    expect((await fetch(`${url}/invocations`, { method: 'POST', body: '{}' })).status).toBe(500);
  } finally {
    await api.close();
  }
});

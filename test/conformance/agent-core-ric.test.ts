/**
 * Conformance: the AgentCore handler bundle (assets/agent-core-handler/index.js) under the real aws-lambda-ric 4.0.2
 * on Node 22 and 24, talking to a fake Lambda Runtime API and, through the real AgentCore SDK, to the AgentCore
 * stand-in in front of a small agent. Needs `bash build-tools/setup-conformance.sh && npx projen bundle`.
 */
import { FakeRuntimeApi, streamed } from './fake-runtime-api';
import { RicProcess, startRic } from './ric-process';
import { SESSION_HEADER } from '../../src/contract';
import type { FakeAgentCore } from '../../src/local/fake-agent-core';
import {
  AGENT_CORE_BUNDLE,
  type TestAgent,
  agentCoreEnv,
  invocationEvent,
  jsonAgent,
  startAgentCore,
} from '../bundle/agent-core-harness';

jest.setTimeout(60_000);

describe.each([22, 24])('the AgentCore handler under aws-lambda-ric 4.0.2 on Node %i', (major) => {
  const runtimeApi = new FakeRuntimeApi();
  let agent: TestAgent;
  let agentCore: FakeAgentCore;
  let ric: RicProcess;

  beforeAll(async () => {
    ({ agent, agentCore } = await startAgentCore(jsonAgent({ ok: true })));
    await runtimeApi.start();
    ric = startRic(major, runtimeApi.address, 'index.handler', agentCoreEnv(agentCore), AGENT_CORE_BUNDLE);
  });
  afterAll(async () => {
    await ric?.stop();
    await runtimeApi.stop();
    await agentCore?.stop();
    await agent?.stop();
  });
  beforeEach(() => {
    agent.answer = jsonAgent({ ok: true });
    agentCore.setFault(() => undefined);
  });

  test("a JSON answer streams with response mode streaming, the agent's content type and the session header", async () => {
    const result = await runtimeApi.invoke(invocationEvent('{"prompt":"hi"}'));
    expect(result.kind).toBe('response');
    expect(result.headers['lambda-runtime-function-response-mode']).toBe('streaming');
    const { metadata, text } = streamed(result);
    expect(metadata.statusCode).toBe(200);
    expect(metadata.headers?.['Content-Type']).toBe('application/json');
    expect(metadata.headers?.[SESSION_HEADER]).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(text)).toEqual({ ok: true });
    expect(result.trailers['lambda-runtime-function-error-type']).toBeUndefined();
  });

  test("an SSE agent's events reach the Runtime API as separate writes", async () => {
    agent.answer = async (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"n":1}\n\n');
      await new Promise((resolve) => setTimeout(resolve, 300));
      res.end('data: {"n":2}\n\n');
    };
    const result = await runtimeApi.invoke(invocationEvent('{}'));
    const { metadata, text } = streamed(result);
    expect(metadata.headers?.['Content-Type']).toBe('text/event-stream');
    expect(text).toBe('data: {"n":1}\n\ndata: {"n":2}\n\n');
    const withData = result.chunks.filter((chunk) => chunk.bytes.toString('utf8').includes('data: {"n"'));
    expect(withData.length).toBeGreaterThanOrEqual(2);
  });

  test('throttling before the first byte: a 429 prelude with Retry-After', async () => {
    agentCore.setFault(() => ({ status: 429, name: 'ThrottlingException', message: 'Rate exceeded' }));
    const { metadata } = streamed(await runtimeApi.invoke(invocationEvent('{}')));
    expect(metadata.statusCode).toBe(429);
    expect(metadata.headers?.['Retry-After']).toMatch(/^\d+$/);
  });

  test("the deadline (the invocation's own) before the first byte: a 504 prelude, and the log line", async () => {
    agent.answer = () => {}; // never answers
    const { metadata, text } = streamed(await runtimeApi.invoke(invocationEvent('{}'), 2000));
    expect(metadata.statusCode).toBe(504);
    expect(JSON.parse(text).error.code).toBe('timeout');
    expect(ric.stdout()).toContain('"message":"request completed"');
    expect(ric.stdout()).toContain('"Namespace":"StreamingAgentCoreApi"');
  });
});

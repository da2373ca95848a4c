/**
 * The AgentCore stand-in through the real `@aws-sdk/client-bedrock-agentcore`: what the SDK sends reaches the agent
 * under the container contract, the agent's bytes come back as they arrive, and faults surface as the SDK's own
 * exceptions.
 */
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from '@aws-sdk/client-bedrock-agentcore';
import { RUNTIME_ARN, jsonAgent, signal, startAgentCore, type TestAgent } from './agent-core-harness';
import type { FakeAgentCore } from '../../src/local/fake-agent-core';

const SESSION = 'session-0123456789-0123456789-0123456789';

let agent: TestAgent;
let agentCore: FakeAgentCore;
let client: BedrockAgentCoreClient;

beforeEach(async () => {
  ({ agent, agentCore } = await startAgentCore(jsonAgent({ ok: true })));
  process.env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE = agentCore.url;
  client = new BedrockAgentCoreClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' },
    maxAttempts: 1,
  });
});

afterEach(async () => {
  delete process.env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE;
  client.destroy();
  await agentCore.stop();
  await agent.stop();
});

function invoke(
  payload = '{"prompt":"hi"}',
  extra: Partial<ConstructorParameters<typeof InvokeAgentRuntimeCommand>[0]> = {},
) {
  return client.send(
    new InvokeAgentRuntimeCommand({
      agentRuntimeArn: RUNTIME_ARN,
      qualifier: 'DEFAULT',
      runtimeSessionId: SESSION,
      runtimeUserId: 'iam:AROAEXAMPLE',
      contentType: 'application/json',
      accept: 'text/event-stream, application/json',
      payload: Buffer.from(payload),
      ...extra,
    }),
  );
}

test('the SDK finds the stand-in by AWS_ENDPOINT_URL_BEDROCK_AGENTCORE and the agent gets the payload and session', async () => {
  const response = await invoke('{"prompt":"hello"}');
  expect(response.contentType).toBe('application/json');
  expect(response.runtimeSessionId).toBe(SESSION);
  expect(response.statusCode).toBe(200);
  expect(Buffer.from(await response.response!.transformToByteArray()).toString()).toBe('{"ok":true}');
  expect(agentCore.requests).toEqual([
    {
      arn: RUNTIME_ARN,
      qualifier: 'DEFAULT',
      sessionId: SESSION,
      userId: 'iam:AROAEXAMPLE',
      contentType: 'application/json',
      accept: 'text/event-stream, application/json',
      body: Buffer.from('{"prompt":"hello"}'),
    },
  ]);
  expect(agent.received[0].body.toString()).toBe('{"prompt":"hello"}');
  expect(agent.received[0].headers['x-amzn-bedrock-agentcore-runtime-session-id']).toBe(SESSION);
});

test("the agent's SSE bytes reach the SDK progressively: the first event arrives before the agent writes the second", async () => {
  const firstSeen = signal();
  agent.answer = async (_request, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: one\n\n');
    await firstSeen.promise; // the agent only goes on once the client has the first event
    res.end('data: two\n\n');
  };
  const response = await invoke();
  expect(response.contentType).toBe('text/event-stream');
  const seen: string[] = [];
  for await (const chunk of response.response as AsyncIterable<Uint8Array>) {
    seen.push(Buffer.from(chunk).toString());
    firstSeen.resolve();
  }
  expect(seen.join('')).toBe('data: one\n\ndata: two\n\n');
  expect(seen[0]).toBe('data: one\n\n');
});

test("a fault is answered in AgentCore's error shape: the SDK throws that exception", async () => {
  agentCore.setFault(() => ({ status: 429, name: 'ThrottlingException', message: 'Rate exceeded' }));
  await expect(invoke()).rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } });
  expect(agent.received).toHaveLength(0);
});

test("a cut stream errors the SDK's body after the bytes before the cut", async () => {
  agent.answer = (_request, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: 0123456789\n\n');
  };
  agentCore.setFault(() => ({ afterBytes: 8, destroy: true }));
  const response = await invoke();
  const seen: string[] = [];
  await expect(
    (async () => {
      for await (const chunk of response.response as AsyncIterable<Uint8Array>) {
        seen.push(Buffer.from(chunk).toString());
      }
    })(),
  ).rejects.toThrow();
  expect(seen.join('')).toBe('data: 01');
});

test("an agent's error status and an unreachable agent are RuntimeClientError, as from AgentCore", async () => {
  agent.answer = jsonAgent({ error: 'bad input' }, 400);
  await expect(invoke()).rejects.toMatchObject({ name: 'RuntimeClientError', $metadata: { httpStatusCode: 424 } });
  await agent.stop();
  await expect(invoke()).rejects.toMatchObject({ name: 'RuntimeClientError' });
});

test('AgentCore checks: an endpoint ARN is ResourceNotFound, a short session id is a ValidationException', async () => {
  await expect(invoke('{}', { agentRuntimeArn: `${RUNTIME_ARN}/runtime-endpoint/DEFAULT` })).rejects.toMatchObject({
    name: 'ResourceNotFoundException',
  });
  await expect(invoke('{}', { runtimeSessionId: 'short' })).rejects.toMatchObject({ name: 'ValidationException' });
});

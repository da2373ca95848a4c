/**
 * The fake Bedrock endpoint speaks ConverseStream's wire protocol to the real AWS SDK client over both transports:
 * the SDK's default HTTP/2 (prior knowledge, no TLS) and HTTP/1.1 (what the handler uses).
 */
import * as http from 'http';
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { answer, FakeBedrock, httpError } from '../support/fake-bedrock';

let fake: FakeBedrock;

beforeAll(async () => {
  fake = await new FakeBedrock().start();
});
afterAll(() => fake.stop());

const clients = {
  'HTTP/2 (the SDK default)': () =>
    new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: fake.url,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
    }),
  'HTTP/1.1': () =>
    new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: fake.url,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }) }),
    }),
};

async function converse(client: BedrockRuntimeClient) {
  const response = await client.send(
    new ConverseStreamCommand({
      modelId: 'us.amazon.nova-lite-v1:0',
      messages: [{ role: 'user', content: [{ text: 'hi' }] }],
    }),
  );
  const events: unknown[] = [];
  for await (const event of response.stream!) {
    events.push(event);
  }
  return events;
}

describe.each(Object.entries(clients))('over %s', (transport, makeClient) => {
  test('the SDK decodes every event of an answer', async () => {
    fake.setScript(() =>
      answer(['Hel', 'lo'], { stopReason: 'max_tokens', usage: { inputTokens: 3, outputTokens: 2 } }),
    );
    const events = await converse(makeClient());
    expect(events).toEqual([
      { messageStart: { role: 'assistant' } },
      { contentBlockStart: { contentBlockIndex: 0, start: {} } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'Hel' } } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'lo' } } },
      { contentBlockStop: { contentBlockIndex: 0 } },
      { messageStop: { stopReason: 'max_tokens' } },
      {
        metadata: expect.objectContaining({
          usage: expect.objectContaining({ inputTokens: 3, outputTokens: 2, totalTokens: 5 }),
          metrics: { latencyMs: 42 },
        }),
      },
    ]);
    expect(fake.requests.at(-1)!.httpVersion).toBe(transport === 'HTTP/1.1' ? '1.1' : '2.0');
    expect(fake.requests.at(-1)!.modelId).toBe('us.amazon.nova-lite-v1:0');
  });

  test('an in-stream exception reaches the SDK as that exception, after the earlier events', async () => {
    fake.setScript(() =>
      answer(['a', 'b'], { failAfter: { deltas: 1, exception: 'ModelStreamErrorException', message: 'boom' } }),
    );
    const client = makeClient();
    const response = await client.send(
      new ConverseStreamCommand({ modelId: 'm.x', messages: [{ role: 'user', content: [{ text: 'hi' }] }] }),
    );
    const seen: unknown[] = [];
    await expect(
      (async () => {
        for await (const event of response.stream!) seen.push(event);
      })(),
    ).rejects.toMatchObject({ name: 'ModelStreamErrorException', message: 'boom' });
    expect(seen).toContainEqual({ contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'a' } } });
  });

  test('an HTTP error before the stream is the typed exception with its status', async () => {
    fake.setScript(() => httpError(403, 'AccessDeniedException', 'no access'));
    await expect(converse(makeClient())).rejects.toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    });
  });
});

/**
 * examples/agentcore-proxy/handler follows the project's own advice for a bring-your-own streaming handler: one client
 * per container, the status sent only once the agent's stream opened, backpressure, and an in-band error event that
 * never carries AWS message text. Run with the local streaming runtime (the same bytes as Lambda's) and a stubbed
 * AgentCore client.
 */
import * as path from 'path';
import { Writable } from 'stream';
import { splitPrelude } from '../../src/contract';
import { localStreamingRuntime } from '../../src/handler/response-stream';

const sent: Array<Record<string, unknown>> = [];
let clientsCreated = 0;
let answer: () => AsyncIterable<Uint8Array> = async function* () {};
let startError: Error | undefined;

jest.mock(
  '@aws-sdk/client-bedrock-agentcore',
  () => ({
    BedrockAgentCoreClient: class {
      constructor() {
        clientsCreated++;
      }
      async send(command: { input: Record<string, unknown> }) {
        sent.push(command.input);
        if (startError) throw startError;
        return { response: answer() };
      }
    },
    InvokeAgentRuntimeCommand: class {
      constructor(readonly input: Record<string, unknown>) {}
    },
  }),
  { virtual: true },
);

(globalThis as any).awslambda = localStreamingRuntime;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { handler } = require(path.join(__dirname, '..', '..', 'examples', 'agentcore-proxy', 'handler', 'index.js'));

/** A slow client: takes each write after a tick, with a tiny buffer, recording what arrived. */
class SlowClient extends Writable {
  readonly chunks: Buffer[] = [];
  constructor() {
    super({ highWaterMark: 16 });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, callback: () => void) {
    this.chunks.push(Buffer.from(chunk));
    setImmediate(callback);
  }
  response() {
    const split = splitPrelude(Buffer.concat(this.chunks))!;
    return { status: split.metadata.statusCode, body: split.body.toString('utf8') };
  }
}

async function invoke(body: unknown) {
  const client = new SlowClient();
  const event = { body: JSON.stringify(body), headers: {}, requestContext: { requestId: 'req-1' } };
  await handler(event, client, { awsRequestId: 'lambda-1' });
  return { client, ...client.response() };
}

const encode = (text: string) => new TextEncoder().encode(text);
const silenceErrors = () => jest.spyOn(console, 'error').mockImplementation(() => undefined);

beforeEach(() => {
  sent.length = 0;
  startError = undefined;
});

test('streams the agent answer with status 200 once the agent stream opened', async () => {
  answer = async function* () {
    yield encode('data: one\n\n');
    yield encode('data: two\n\n');
  };
  const res = await invoke({ prompt: 'hi' });
  expect(res.status).toBe(200);
  expect(res.body).toBe('data: one\n\ndata: two\n\n');
  expect(sent[0]).toMatchObject({ accept: 'text/event-stream', agentRuntimeArn: process.env.AGENT_RUNTIME_ARN });
  expect(String(sent[0].runtimeSessionId).length).toBeGreaterThanOrEqual(33);
});

test('waits for a slow client: the agent stream is never read far ahead of what the client took', async () => {
  let produced = 0;
  let client: SlowClient | undefined;
  let maxAhead = 0;
  answer = async function* () {
    for (let i = 0; i < 200; i++) {
      produced++;
      maxAhead = Math.max(maxAhead, produced - (client?.chunks.length ?? 0));
      yield encode(`data: ${'x'.repeat(64)}\n\n`);
    }
  };
  const pending = new SlowClient();
  client = pending;
  const event = { body: JSON.stringify({ prompt: 'hi' }), headers: {}, requestContext: { requestId: 'r' } };
  await handler(event, pending, {});
  expect(pending.response().body.split('\n\n').filter(Boolean)).toHaveLength(200);
  expect(maxAhead).toBeLessThan(5);
});

test('a failure after output started ends with an error event, without the AWS message', async () => {
  const spy = silenceErrors();
  answer = async function* () {
    yield encode('data: partial\n\n');
    throw Object.assign(new Error('arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/secret broke'), {
      name: 'InternalServerException',
    });
  };
  const res = await invoke({ prompt: 'hi' });
  spy.mockRestore();
  expect(res.status).toBe(200);
  expect(res.body).toMatch(
    /^data: partial\n\nevent: error\ndata: \{"error":\{"type":"upstream_error","code":"upstream_failed"/,
  );
  expect(res.body).not.toMatch(/123456789012|secret/);
});

test('a failure to start keeps its real status: throttling is 429', async () => {
  const spy = silenceErrors();
  startError = Object.assign(new Error('Rate exceeded for arn:aws:...:123456789012'), { name: 'ThrottlingException' });
  const res = await invoke({ prompt: 'hi' });
  spy.mockRestore();
  expect(res.status).toBe(429);
  expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'upstream_throttled' }, requestId: 'req-1' });
  expect(res.body).not.toContain('123456789012');
});

test('a body without a prompt gets 400 and the agent is not called', async () => {
  const res = await invoke({ nope: true });
  expect(res.status).toBe(400);
  expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'invalid_body' } });
  expect(sent).toHaveLength(0);
});

test('one AgentCore client serves every invocation of a container', async () => {
  answer = async function* () {
    yield encode('data: x\n\n');
  };
  await invoke({ prompt: 'a' });
  await invoke({ prompt: 'b' });
  expect(clientsCreated).toBe(1);
});

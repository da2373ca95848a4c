/**
 * Conformance: the bundled handler under the real aws-lambda-ric 4.0.2 on Node 22 and 24, talking to a fake Lambda
 * Runtime API and the project's fake Bedrock. Needs `bash build-tools/setup-conformance.sh && npx projen bundle`.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { FakeRuntimeApi, streamed } from './fake-runtime-api';
import { RicProcess, startRic } from './ric-process';
import { BUDGET_REMAINING_HEADER, HandlerEnvironment as Env } from '../../src/contract';
import { estimateInputTokens } from '../../src/handler/budget';
import { estimateTextTokens } from '../../src/handler/token-estimate';
import { BudgetStore } from '../../src/local/budget-store';
import { MODEL, SYSTEM_PROMPT, apiEvent, baseEnv, parseSse } from '../bundle/harness';
import { answer, FakeBedrock, httpError } from '../support/fake-bedrock';

jest.setTimeout(60_000);

describe.each([22, 24])('aws-lambda-ric 4.0.2 on Node %i', (major) => {
  const fake = new FakeBedrock();
  const runtimeApi = new FakeRuntimeApi();
  const bufferedApi = new FakeRuntimeApi();
  let streaming: RicProcess;
  let buffered: RicProcess;

  beforeAll(async () => {
    await Promise.all([fake.start(), runtimeApi.start(), bufferedApi.start()]);
    streaming = startRic(major, runtimeApi.address, 'index.handler', baseEnv(fake));
    buffered = startRic(major, bufferedApi.address, 'index.bufferedHandler', baseEnv(fake));
  });
  afterAll(async () => {
    await Promise.all([streaming?.stop(), buffered?.stop()]);
    await Promise.all([runtimeApi.stop(), bufferedApi.stop(), fake.stop()]);
  });
  beforeEach(() => fake.setScript(() => answer(['Hello', ' world'])));

  test('a success streams with response mode streaming, a 200 prelude and the SSE body', async () => {
    const result = await runtimeApi.invoke(apiEvent({ prompt: 'hi' }));
    expect(result.kind).toBe('response');
    expect(result.headers['lambda-runtime-function-response-mode']).toBe('streaming');
    expect(result.headers['transfer-encoding']).toBe('chunked');
    const { metadata, text } = streamed(result);
    expect(metadata.statusCode).toBe(200);
    expect(
      parseSse(text)
        .filter((e) => e.event === 'delta')
        .map((e) => e.data.text)
        .join(''),
    ).toBe('Hello world');
    expect(result.trailers['lambda-runtime-function-error-type']).toBeUndefined();
  });

  test('throttling before the stream: a 429 prelude with Retry-After', async () => {
    fake.setScript(() => httpError(429, 'ThrottlingException', 'aws text'));
    const { metadata } = streamed(await runtimeApi.invoke(apiEvent({ prompt: 'hi' })));
    expect(metadata.statusCode).toBe(429);
    expect(metadata.headers?.['Retry-After']).toMatch(/^\d+$/);
  });

  test('bad input: a 400 prelude', async () => {
    const { metadata } = streamed(await runtimeApi.invoke(apiEvent(undefined, { rawBody: '{not json' })));
    expect(metadata.statusCode).toBe(400);
  });

  test('deltas reach the Runtime API as separate writes over time, not all at the end', async () => {
    fake.setScript(() => answer(['a', 'b', 'c'], { delayMs: 300 }));
    const result = await runtimeApi.invoke(apiEvent({ prompt: 'hi' }));
    const withDelta = result.chunks.filter((chunk) => chunk.bytes.toString('utf8').includes('event: delta'));
    expect(withDelta.length).toBeGreaterThanOrEqual(3);
    expect(withDelta[withDelta.length - 1].at - withDelta[0].at).toBeGreaterThanOrEqual(400);
  });

  test('a mid-stream model error becomes an error event after the deltas, status 200 kept', async () => {
    fake.setScript(() => answer(['a', 'b'], { failAfter: { deltas: 1, exception: 'modelStreamErrorException' } }));
    const { metadata, text } = streamed(await runtimeApi.invoke(apiEvent({ prompt: 'hi' })));
    expect(metadata.statusCode).toBe(200);
    expect(parseSse(text).map((e) => e.event)).toEqual(expect.arrayContaining(['delta', 'error']));
  });

  test('the deadline from Lambda-Runtime-Deadline-Ms ends the stream with an error event before the timeout', async () => {
    fake.setScript(() => answer(['a', 'b', 'c'], { delayMs: 3000 }));
    const started = Date.now();
    const { text } = streamed(await runtimeApi.invoke(apiEvent({ prompt: 'hi' }), 4000));
    expect(Date.now() - started).toBeLessThan(4000);
    expect(parseSse(text).map((e) => e.event)).toContain('error');
  });

  test('a client protocol loads its part beside index.js when first asked: Anthropic Messages streams its events', async () => {
    fake.setScript(() => answer(['a', 'b']));
    const event = apiEvent(
      { model: MODEL, max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] },
      { path: '/v1/messages', headers: { 'anthropic-version': '2023-06-01' } },
    );
    const { metadata, text } = streamed(await runtimeApi.invoke(event));
    expect(metadata.statusCode).toBe(200);
    const events = text.split('\n').flatMap((line) => (line.startsWith('event: ') ? [line.slice(7)] : []));
    expect(events[0]).toBe('message_start');
    expect(events).toContain('content_block_delta');
    expect(events.at(-1)).toBe('message_stop');
  });

  test('two invocations on one warm process', async () => {
    const first = await runtimeApi.invoke(apiEvent({ prompt: 'one' }));
    const second = await runtimeApi.invoke(apiEvent({ prompt: 'two' }));
    expect([streamed(first).metadata.statusCode, streamed(second).metadata.statusCode]).toEqual([200, 200]);
    expect(streaming.child.exitCode).toBeNull();
  });

  test('writes one EMF request record on stdout', async () => {
    await runtimeApi.invoke(apiEvent({ prompt: 'hi' }));
    const records = streaming
      .stdout()
      .split('\n')
      .filter((line) => line.includes('"CloudWatchMetrics"'));
    expect(records.length).toBeGreaterThan(0);
    const json = records[records.length - 1].slice(records[records.length - 1].indexOf('{'));
    expect(JSON.parse(json)._aws.CloudWatchMetrics).toBeDefined();
  });

  test('the buffered entry point returns a classic proxy result', async () => {
    const result = await bufferedApi.invoke(apiEvent({ prompt: 'hi' }));
    expect(result.kind).toBe('response');
    const proxy = JSON.parse(result.body.toString('utf8'));
    expect(proxy.statusCode).toBe(200);
    expect(typeof proxy.body).toBe('string');
  });

  test('no init errors were posted', () => {
    expect([...runtimeApi.initErrors, ...bufferedApi.initErrors]).toEqual([]);
  });
});

describe.each([22, 24])('token budgets under aws-lambda-ric 4.0.2 on Node %i', (major) => {
  const fake = new FakeBedrock();
  const runtimeApi = new FakeRuntimeApi();
  let store: BudgetStore;
  let ric: RicProcess;
  const reservation =
    estimateInputTokens(
      { modelId: MODEL, maxTokens: 100, messages: [{ role: 'user', content: [{ text: 'hi' }] }] },
      { systemPrompt: SYSTEM_PROMPT },
    ) + 100;

  beforeAll(async () => {
    [store] = await Promise.all([BudgetStore.start(), fake.start(), runtimeApi.start()]);
    ric = startRic(major, runtimeApi.address, 'index.handler', {
      ...baseEnv(fake),
      AWS_ENDPOINT_URL_DYNAMODB: store.url,
      [Env.BUDGET_TABLE]: store.tableName,
      [Env.BUDGET_TOKENS_PER_DAY]: String(2 * reservation - 1),
    });
  });
  afterAll(async () => {
    await ric?.stop();
    await Promise.all([runtimeApi.stop(), fake.stop(), store?.stop()]);
  });
  beforeEach(() => fake.setScript(() => answer(['Hello'], { usage: { inputTokens: 5, outputTokens: 1 } })));

  const fromKey = (apiKeyId: string): APIGatewayProxyEvent => {
    const event = apiEvent({ prompt: 'hi', maxTokens: 100 });
    return { ...event, requestContext: { ...event.requestContext, identity: { apiKeyId } } } as APIGatewayProxyEvent;
  };

  test('each answer is settled before the runtime asks for the next invocation (Lambda may freeze in between)', async () => {
    // Two reservations do not fit in the limit together: the second fits only if the first was settled to its usage.
    const first = streamed(await runtimeApi.invoke(fromKey(`settled-${major}`)));
    const second = streamed(await runtimeApi.invoke(fromKey(`settled-${major}`)));
    expect([first.metadata.statusCode, second.metadata.statusCode]).toEqual([200, 200]);
    // The header leaves the system prompt's share of the reservation out (it would measure the system prompt).
    expect(Number(first.metadata.headers?.[BUDGET_REMAINING_HEADER])).toBe(
      reservation - 1 + estimateTextTokens(SYSTEM_PROMPT),
    );
  });

  test('over budget: a 429 prelude with Retry-After, and Bedrock is not called', async () => {
    const apiKeyId = `over-${major}`;
    await store.client.send(
      new PutItemCommand({
        TableName: store.tableName,
        Item: { pk: { S: `apiKey#${apiKeyId}` }, sk: { S: 'limits' }, tokensPerDay: { N: '10' } },
      }),
    );
    fake.requests.length = 0;
    const { metadata, text } = streamed(await runtimeApi.invoke(fromKey(apiKeyId)));
    expect(metadata.statusCode).toBe(429);
    expect(metadata.headers?.['Retry-After']).toMatch(/^\d+$/);
    expect(JSON.parse(text).error.code).toBe('budget_exceeded');
    expect(fake.requests).toHaveLength(0);
    expect(runtimeApi.initErrors).toEqual([]);
  });
});

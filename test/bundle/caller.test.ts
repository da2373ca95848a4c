/**
 * Who called, through the shipped bundle: every request's log line names the caller API Gateway authenticated, and
 * its EMF document keeps the caller out of the metric dimensions.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { MODEL, apiEvent, invokeStream, lambdaContext, useHandlerTestContext } from './harness';
import { Routes } from '../../src/contract';
import { answer, httpError } from '../../src/local/fake-bedrock';
import { LocalApi, sourceIp } from '../../src/local/local-api';

const ctx = useHandlerTestContext();

const ROLE_ARN = 'arn:aws:sts::111122223333:assumed-role/ChatClient/session-1';

/** The request context fields API Gateway adds for each auth mode (the rest of the identity is null). */
const AUTH_CONTEXTS = {
  iam: { identity: { sourceIp: '203.0.113.7', userArn: ROLE_ARN, accountId: '111122223333', apiKeyId: null } },
  apiKey: { identity: { sourceIp: '203.0.113.7', userArn: null, apiKey: 'SECRET-KEY-VALUE', apiKeyId: 'k1a2b3c4d5' } },
  cognito: { identity: { sourceIp: '203.0.113.7' }, authorizer: { claims: { sub: 'user-sub-1', email: 'a@b.c' } } },
  lambdaAuthorizer: { identity: { sourceIp: '203.0.113.7' }, authorizer: { principalId: 'tenant-42', tier: 'gold' } },
  none: { identity: { sourceIp: '203.0.113.7' } },
};

/** `event` as API Gateway sends it to a method with this auth: the harness's request context plus the identity. */
function calledBy(context: object, event: APIGatewayProxyEvent = apiEvent({ prompt: 'hi' })): APIGatewayProxyEvent {
  return { ...event, requestContext: { ...event.requestContext, ...context } } as APIGatewayProxyEvent;
}

beforeEach(() => ctx.fake.setScript(() => answer(['Hi'], { usage: { inputTokens: 5, outputTokens: 1 } })));

describe('the log line names the caller', () => {
  test.each([
    ['iam', AUTH_CONTEXTS.iam, { type: 'iam', id: ROLE_ARN }],
    ['apiKey', AUTH_CONTEXTS.apiKey, { type: 'apiKey', id: 'k1a2b3c4d5' }],
    ['cognito', AUTH_CONTEXTS.cognito, { type: 'cognito', id: 'user-sub-1' }],
    ['lambdaAuthorizer', AUTH_CONTEXTS.lambdaAuthorizer, { type: 'lambdaAuthorizer', id: 'tenant-42' }],
    ['none', AUTH_CONTEXTS.none, { type: 'ip', id: '203.0.113.7' }],
  ])('auth %s', async (_mode, context, caller) => {
    const res = await invokeStream(ctx.mod, calledBy(context));
    expect(res.status).toBe(200);
    expect(ctx.logs()).toHaveLength(1);
    expect(ctx.logs()[0].caller).toEqual(caller);
  });

  test('never the API key itself', async () => {
    await invokeStream(ctx.mod, calledBy(AUTH_CONTEXTS.apiKey));
    expect(JSON.stringify(ctx.logs())).not.toContain('SECRET-KEY-VALUE');
  });

  test("whatever the client claims in headers or the body (OpenAI's `user` field)", async () => {
    const body = { model: MODEL, messages: [{ role: 'user', content: 'hi' }], user: 'someone-else' };
    const headers = { 'X-Forwarded-For': '198.51.100.1', 'X-Api-Key': 'forged', Authorization: 'Bearer forged' };
    const event = apiEvent(body, { path: Routes.CHAT_COMPLETIONS.path, headers });
    const res = await invokeStream(ctx.mod, calledBy(AUTH_CONTEXTS.none, event));
    expect(res.status).toBe(200);
    expect(ctx.logs()[0].caller).toEqual({ type: 'ip', id: '203.0.113.7' });
  });

  test('on a 4xx line', async () => {
    const res = await invokeStream(ctx.mod, calledBy(AUTH_CONTEXTS.iam, apiEvent(null, { rawBody: '{not json' })));
    expect(res.status).toBe(400);
    expect(ctx.logs()[0]).toMatchObject({ status: 400, caller: { type: 'iam', id: ROLE_ARN } });
  });

  test('on a 5xx line', async () => {
    ctx.fake.setScript(() => httpError(503, 'ServiceUnavailableException'));
    const res = await invokeStream(ctx.mod, calledBy(AUTH_CONTEXTS.cognito));
    expect(res.status).toBe(503);
    expect(ctx.logs()[0]).toMatchObject({ status: 503, caller: { type: 'cognito', id: 'user-sub-1' } });
  });

  test('on the buffered endpoint', async () => {
    const event = calledBy(AUTH_CONTEXTS.lambdaAuthorizer, apiEvent({ prompt: 'hi' }, { path: Routes.BUFFERED.path }));
    const res = await ctx.mod.bufferedHandler(event, lambdaContext());
    expect(res.statusCode).toBe(200);
    expect(ctx.logs()[0]).toMatchObject({
      endpoint: 'buffered',
      caller: { type: 'lambdaAuthorizer', id: 'tenant-42' },
    });
  });
});

describe('metrics', () => {
  test('API-wide, per model and per model and outcome; the caller is no dimension', async () => {
    await invokeStream(ctx.mod, calledBy(AUTH_CONTEXTS.apiKey));
    const [line] = ctx.logs();
    const [directive] = line._aws.CloudWatchMetrics;
    expect(directive.Dimensions).toEqual([[], ['ModelId'], ['ModelId', 'Outcome']]);
    expect(directive.Metrics.map((m: { Name: string }) => m.Name)).toEqual(
      expect.arrayContaining(['Requests', 'Errors', 'InputTokens', 'OutputTokens', 'TimeToFirstToken', 'Duration']),
    );
    expect(line).toMatchObject({ Requests: 1, Errors: 0, InputTokens: 5, OutputTokens: 1 });
  });

  test('a failed request counts in Requests and Errors API-wide too', async () => {
    await invokeStream(ctx.mod, calledBy(AUTH_CONTEXTS.none, apiEvent(null, { rawBody: '{not json' })));
    const [line] = ctx.logs();
    expect(line._aws.CloudWatchMetrics[0].Dimensions).toContainEqual([]);
    expect(line).toMatchObject({ Requests: 1, Errors: 1, Outcome: 'invalid_json' });
  });

  test('GET /v1/models is logged with its caller but counts in no metric', async () => {
    const event = { ...apiEvent(null, { path: Routes.MODELS.path, rawBody: null }), httpMethod: 'GET' };
    const res = await invokeStream(ctx.mod, calledBy(AUTH_CONTEXTS.iam, event));
    expect(res.status).toBe(200);
    const [line] = ctx.logs();
    expect(line).toMatchObject({ message: 'request completed', status: 200, caller: { type: 'iam', id: ROLE_ARN } });
    expect(line._aws).toBeUndefined();
    expect(line.Requests).toBeUndefined();
  });
});

describe('the local runner', () => {
  test("names the client's address as an ip caller, like API Gateway with ApiAuth.none()", async () => {
    const api = new LocalApi({ handlers: ctx.mod, streamTimeoutMs: 60_000 });
    try {
      const res = await fetch(`${await api.listen(0)}/stream`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': '198.51.100.1' },
        body: JSON.stringify({ prompt: 'hi' }),
      });
      await res.text();
      expect(res.status).toBe(200);
    } finally {
      await api.close();
    }
    expect(ctx.logs()).toHaveLength(1);
    expect(ctx.logs()[0].caller).toEqual({ type: 'ip', id: '127.0.0.1' });
  });

  test.each([
    ['::ffff:192.0.2.10', '192.0.2.10'],
    ['192.0.2.10', '192.0.2.10'],
    ['2001:db8::7', '2001:db8::7'],
    ['::1', '::1'],
  ])('writes the address %s as API Gateway would: %s', (remoteAddress, ip) => {
    expect(sourceIp(remoteAddress)).toBe(ip);
  });
});

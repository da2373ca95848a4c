/**
 * The shipped AgentCore handler (assets/agent-core-handler/index.js) with the real @aws-sdk/client-bedrock-agentcore
 * against the AgentCore stand-in (FakeAgentCore) and small in-test agents under the container contract: the agent's
 * answer streamed as it arrives with its content type, the session header rules, the runtime user from the caller,
 * every error mapping without leaks, the payload cap, the keep-alive, the idle limit and the deadline, the log line.
 */
import {
  RUNTIME_ARN,
  WatchedStream,
  agentCoreSuite,
  invocationEvent,
  invokeAgentCore,
  jsonAgent,
  signal,
  sseAgent,
} from './agent-core-harness';
import { expectNoLeak, lambdaContext, setEnv } from './harness';
import { HandlerEnvironment as Env, SESSION_HEADER } from '../../src/contract';

const SESSION = 'chat-0123456789-0123456789-0123456789';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** An AWS error message as AgentCore writes them: it must never reach the caller. */
const AWS_TEXT = `User: arn:aws:sts::123456789012:assumed-role/x is not authorized on ${RUNTIME_ARN}`;

const suite = agentCoreSuite();

/** Settings for one test, restored after it. */
function withEnv(vars: Record<string, string | undefined>): void {
  const restore = setEnv(vars);
  afterEachOnce(restore);
}
const pending: Array<() => void> = [];
const afterEachOnce = (fn: () => void) => pending.push(fn);
afterEach(() => pending.splice(0).forEach((fn) => fn()));

describe('answers', () => {
  test("a JSON agent's answer, with its content type, and a new session returned in X-Session-Id", async () => {
    suite.agent.answer = jsonAgent({ answer: 42 });
    const res = await invokeAgentCore(suite.mod, invocationEvent('{"prompt":"hi"}'));
    expect(res.status).toBe(200);
    expect(res.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual({ answer: 42 });
    const session = res.headers[SESSION_HEADER];
    expect(session).toMatch(UUID);
    expect(suite.agentCore.requests[0]).toMatchObject({ arn: RUNTIME_ARN, qualifier: 'DEFAULT', sessionId: session });
    expect(suite.agent.received[0].headers['x-amzn-bedrock-agentcore-runtime-session-id']).toBe(session);
    expect(suite.logs()[0]).toMatchObject({
      sessionGenerated: true,
      status: 200,
      outcome: 'ok',
      contentType: 'application/json',
    });
  });

  test("an SSE agent's events arrive progressively: the first is out before the agent writes the second", async () => {
    const firstOut = signal();
    suite.agent.answer = async (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"text":"one"}\n\n');
      await firstOut.promise; // only once the caller has the first event
      res.end('data: {"text":"two"}\n\n');
    };
    const stream = new WatchedStream((body) => body.includes('one') && firstOut.resolve());
    const res = await invokeAgentCore(suite.mod, invocationEvent('{"prompt":"hi"}'), { stream });
    expect(res.status).toBe(200);
    expect(res.headers['Content-Type']).toBe('text/event-stream');
    expect(res.headers['Cache-Control']).toBe('no-cache, no-transform');
    expect(res.chunks[0].text).toBe('data: {"text":"one"}\n\n');
    expect(res.body).toBe('data: {"text":"one"}\n\ndata: {"text":"two"}\n\n');
  });

  test("any other content type is kept, and the agent's 2xx status too", async () => {
    suite.agent.answer = (_request, res) => {
      res.writeHead(201, { 'content-type': 'text/plain; charset=utf-8' }).end('made it');
    };
    const res = await invokeAgentCore(suite.mod, invocationEvent('{}'));
    expect(res.status).toBe(201);
    expect(res.headers['Content-Type']).toBe('text/plain; charset=utf-8');
    expect(res.body).toBe('made it');
  });

  test('the payload reaches the agent byte for byte, never parsed, with its Content-Type and Accept', async () => {
    const payload = 'not json at all: \u00e9\u20ac';
    await invokeAgentCore(
      suite.mod,
      invocationEvent(payload, {
        headers: { 'Content-Type': 'text/plain; charset=utf-8', Accept: 'text/event-stream' },
      }),
    );
    expect(suite.agent.received[0].body.toString('utf8')).toBe(payload);
    expect(suite.agentCore.requests[0]).toMatchObject({
      contentType: 'text/plain; charset=utf-8',
      accept: 'text/event-stream',
    });
    const bytes = Buffer.from([0, 1, 2, 250, 251, 252]);
    await invokeAgentCore(
      suite.mod,
      invocationEvent(bytes.toString('base64'), {
        isBase64Encoded: true,
        headers: { 'Content-Type': 'application/octet-stream' },
      }),
    );
    expect(suite.agent.received[1].body).toEqual(bytes);
  });

  test('JSON is the default Content-Type and Accept', async () => {
    await invokeAgentCore(suite.mod, invocationEvent('{}', { headers: { 'Content-Type': '' } }));
    expect(suite.agentCore.requests[0]).toMatchObject({ contentType: 'application/json', accept: 'application/json' });
  });
});

describe('sessions', () => {
  test('a valid X-Session-Id is passed to AgentCore and returned', async () => {
    const res = await invokeAgentCore(suite.mod, invocationEvent('{}', { headers: { [SESSION_HEADER]: SESSION } }));
    expect(res.status).toBe(200);
    expect(res.headers[SESSION_HEADER]).toBe(SESSION);
    expect(suite.agentCore.requests[0].sessionId).toBe(SESSION);
    expect(suite.logs()[0]).toMatchObject({ sessionGenerated: false });
    expect(suite.logs()[0].sessionIdHash).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(suite.logs())).not.toContain(SESSION);
  });

  test.each([
    ['too short', 'abc'],
    ['a bad character', `${SESSION}/x`],
    ['a leading dot', `.${SESSION}`],
    ['too long', 'a'.repeat(257)],
  ])('an X-Session-Id %s is 400 naming the header, never echoing it; AgentCore is not called', async (_why, value) => {
    const res = await invokeAgentCore(suite.mod, invocationEvent('{}', { headers: { [SESSION_HEADER]: value } }));
    expect(res.status).toBe(400);
    const body = JSON.parse(res.body);
    expect(body.error.code).toBe('invalid_session_id');
    expect(body.error.message).toContain(SESSION_HEADER);
    expect(res.body).not.toContain(value);
    expect(res.headers[SESSION_HEADER]).toBeUndefined();
    expect(suite.agentCore.requests).toHaveLength(0);
  });

  test('the session header comes back on errors too, so the caller can retry in the same session', async () => {
    suite.agentCore.setFault(() => ({ status: 429, name: 'ThrottlingException', message: 'Rate exceeded' }));
    const res = await invokeAgentCore(suite.mod, invocationEvent('{}', { headers: { [SESSION_HEADER]: SESSION } }));
    expect(res.status).toBe(429);
    expect(res.headers[SESSION_HEADER]).toBe(SESSION);
  });
});

describe('the runtime user is the authenticated caller, never a header', () => {
  const spoof = { 'X-Amzn-Bedrock-AgentCore-Runtime-User-Id': 'admin', 'X-User-Id': 'admin' };

  test.each([
    [
      'IAM',
      { identity: { userArn: 'arn:aws:iam::123456789012:user/alice' } },
      'iam:arn:aws:iam::123456789012:user/alice',
    ],
    ['Cognito', { authorizer: { claims: { sub: 'c0ffee-sub' } } }, 'cognito:c0ffee-sub'],
    ['a Lambda authorizer', { authorizer: { principalId: 'user-7' } }, 'lambdaAuthorizer:user-7'],
    ['an API key', { identity: { apiKeyId: 'k1a2b3' } }, 'apiKey:k1a2b3'],
    ['no auth', {}, 'ip:203.0.113.7'],
  ])('%s', async (_name, init, userId) => {
    await invokeAgentCore(suite.mod, invocationEvent('{}', { ...init, headers: spoof }));
    expect(suite.agentCore.requests[0].userId).toBe(userId);
  });

  test('a caller id too long for AgentCore becomes a stable hash of it', async () => {
    const userArn = `arn:aws:sts::123456789012:assumed-role/${'r'.repeat(64)}/${'s'.repeat(64)}`;
    await invokeAgentCore(suite.mod, invocationEvent('{}', { identity: { userArn } }));
    await invokeAgentCore(suite.mod, invocationEvent('{}', { identity: { userArn } }));
    const [first, second] = suite.agentCore.requests.map((r) => r.userId);
    expect(first).toMatch(/^iam:sha256:[0-9a-f]{64}$/);
    expect(second).toBe(first);
  });

  test('a caller id that is not printable ASCII (an authorizer may say anything) is answered, as its hash', async () => {
    const res = await invokeAgentCore(suite.mod, invocationEvent('{}', { authorizer: { principalId: '用户' } }));
    expect(res.status).toBe(200);
    expect(suite.agentCore.requests[0].userId).toMatch(/^lambdaAuthorizer:sha256:[0-9a-f]{64}$/);
  });
});

describe('errors before the first byte keep their real status; nothing of AWS reaches the caller', () => {
  test.each([
    ['ThrottlingException', 429, 429, 'upstream_throttled'],
    ['ServiceQuotaExceededException', 402, 429, 'upstream_throttled'],
    ['AccessDeniedException', 403, 502, 'upstream_misconfigured'],
    ['ResourceNotFoundException', 404, 502, 'upstream_misconfigured'],
    ['ValidationException', 400, 400, 'upstream_validation'],
    ['RetryableConflictException', 409, 409, 'session_busy'],
    ['InternalServerException', 500, 502, 'upstream_failed'],
    ['RuntimeClientError', 424, 502, 'upstream_failed'],
  ])('%s (%i) -> %i %s', async (name, awsStatus, status, code) => {
    suite.agentCore.setFault(() => ({ status: awsStatus, name, message: AWS_TEXT }));
    const res = await invokeAgentCore(suite.mod, invocationEvent('{}'));
    expect(res.status).toBe(status);
    expect(res.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(res.body).error.code).toBe(code);
    if (status === 429 || status === 409) {
      expect(res.headers['Retry-After']).toBe('2');
    }
    expectNoLeak(res.body, AWS_TEXT, 'not authorized');
    expect(suite.logs()[0]).toMatchObject({
      status,
      outcome: code,
      error: { code, afterOutput: false, cause: { name } },
    });
    expect(JSON.stringify(suite.logs()[0])).not.toContain('not authorized');
  });

  test("an agent's own error status is 502 upstream_failed (AgentCore turns it into RuntimeClientError)", async () => {
    suite.agent.answer = jsonAgent({ error: 'secret agent detail' }, 500);
    const res = await invokeAgentCore(suite.mod, invocationEvent('{}'));
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body).error.code).toBe('upstream_failed');
    expect(res.body).not.toContain('secret agent detail');
  });

  test('AgentCore unreachable: 503 upstream_unavailable with Retry-After', async () => {
    const port = Number(new URL(suite.agentCore.url).port);
    await suite.agentCore.stop();
    try {
      const res = await invokeAgentCore(suite.mod, invocationEvent('{}'));
      expect(res.status).toBe(503);
      expect(res.headers['Retry-After']).toBe('2');
      expect(JSON.parse(res.body).error.code).toBe('upstream_unavailable');
      expectNoLeak(res.body, '127.0.0.1', 'ECONNREFUSED');
    } finally {
      await suite.agentCore.start(port);
    }
  });

  test('each invocation opens its own connection: a service that closed the last one costs nothing, no retry', async () => {
    await invokeAgentCore(suite.mod, invocationEvent('{}')); // a connection to keep
    const port = Number(new URL(suite.agentCore.url).port);
    await suite.agentCore.stop(); // closes it under the client
    await suite.agentCore.start(port);
    const res = await invokeAgentCore(suite.mod, invocationEvent('{}'));
    expect(res.status).toBe(200);
    expect(suite.agentCore.requests).toHaveLength(2);
  });

  test('throttling is not retried: the agent is invoked once, the caller decides', async () => {
    suite.agentCore.setFault(() => ({ status: 429, name: 'ThrottlingException', message: 'Rate exceeded' }));
    await invokeAgentCore(suite.mod, invocationEvent('{}'));
    expect(suite.agentCore.requests).toHaveLength(1);
  });

  test('a configuration the construct never writes (no runtime ARN) is a 500 that names nothing', async () => {
    withEnv({ SBA_AGENT_RUNTIME_ARN: undefined });
    const res = await invokeAgentCore(suite.mod, invocationEvent('{}'));
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body).error.code).toBe('internal_error');
    expect(res.body).not.toContain('SBA_');
  });
});

describe('limits', () => {
  test('a payload over maxRequestBytes is 413 before anything else (even a bad session header)', async () => {
    withEnv({ [Env.MAX_REQUEST_BYTES]: '64' });
    const res = await invokeAgentCore(
      suite.mod,
      invocationEvent(JSON.stringify({ text: 'x'.repeat(100) }), { headers: { [SESSION_HEADER]: 'bad' } }),
    );
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe('request_too_large');
    expect(suite.agentCore.requests).toHaveLength(0);
    const fits = await invokeAgentCore(suite.mod, invocationEvent('{"text":"short"}'));
    expect(fits.status).toBe(200);
  });

  test('an empty body is 400 missing_body', async () => {
    const res = await invokeAgentCore(suite.mod, invocationEvent(null));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe('missing_body');
    expect(suite.agentCore.requests).toHaveLength(0);
  });
});

describe('silence, cuts and the deadline', () => {
  test('while an SSE agent is silent, : ping between events, never inside a partial one', async () => {
    withEnv({ [Env.HEARTBEAT_MS]: '20' });
    const pinged = signal();
    suite.agent.answer = async (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"text":"par');
      await new Promise((resolve) => setTimeout(resolve, 150)); // several heartbeats inside the event
      res.write('tial"}\n\n');
      await pinged.promise; // silent until a ping went out
      res.end('data: {"text":"after"}\n\n');
    };
    const stream = new WatchedStream((body) => body.endsWith(': ping\n\n') && pinged.resolve());
    const res = await invokeAgentCore(suite.mod, invocationEvent('{}'), { stream });
    const events = res.body.split('\n\n').filter((block) => block !== '');
    expect(events[0]).toBe('data: {"text":"partial"}');
    expect(events).toContain(': ping');
    expect(events[events.length - 1]).toBe('data: {"text":"after"}');
    expect(events.filter((e) => e !== ': ping')).toHaveLength(2);
  });

  test('an SSE agent silent before its first byte: the ping commits 200 and keeps the stream open', async () => {
    withEnv({ [Env.HEARTBEAT_MS]: '20' });
    const pinged = signal();
    suite.agent.answer = async (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      await pinged.promise;
      res.end('data: {"text":"late"}\n\n');
    };
    const stream = new WatchedStream((body) => body.includes(': ping') && pinged.resolve());
    const res = await invokeAgentCore(suite.mod, invocationEvent('{}'), { stream });
    expect(res.status).toBe(200);
    expect(res.body.startsWith(': ping\n\n')).toBe(true);
    expect(res.body.endsWith('data: {"text":"late"}\n\n')).toBe(true);
  });

  test("a JSON agent's silence is bounded by the idle limit: 504 idle_timeout before its first byte", async () => {
    withEnv({ [Env.IDLE_LIMIT_MS]: '100' });
    suite.agent.answer = (_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders(); // and then nothing
    };
    const res = await invokeAgentCore(suite.mod, invocationEvent('{}'));
    expect(res.status).toBe(504);
    expect(JSON.parse(res.body).error.code).toBe('idle_timeout');
  });

  test('an agent that sends no headers until it is done is bounded by the idle limit too: 504 idle_timeout', async () => {
    withEnv({ [Env.IDLE_LIMIT_MS]: '100' });
    const release = signal();
    suite.agent.answer = async (_request, res) => {
      await release.promise; // a JSON agent that answers whole, later than the idle limit
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    };
    const res = await invokeAgentCore(suite.mod, invocationEvent('{}'));
    release.resolve();
    expect(res.status).toBe(504);
    expect(JSON.parse(res.body).error.code).toBe('idle_timeout');
    expect(suite.logs()[0]).toMatchObject({ status: 504, outcome: 'idle_timeout' });
  });

  test('an SSE agent silent inside an event for the idle limit: no ping there, the answer ends with an error event', async () => {
    withEnv({ [Env.HEARTBEAT_MS]: '20', [Env.IDLE_LIMIT_MS]: '150' });
    const release = signal();
    suite.agent.answer = async (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"text":"par'); // and then nothing inside the event
      await release.promise;
      res.end();
    };
    const res = await invokeAgentCore(suite.mod, invocationEvent('{}'));
    release.resolve();
    expect(res.status).toBe(200);
    expect(res.body).not.toContain(': ping');
    expect(res.body).toMatch(/^data: \{"text":"par\n\nevent: error\ndata: \{"error":\{[^}]*"code":"idle_timeout"/);
    expect(suite.logs()[0]).toMatchObject({ outcome: 'idle_timeout', error: { afterOutput: true } });
  });

  test('after the first byte of a non-SSE answer, the idle limit ends the answer and the log says so', async () => {
    withEnv({ [Env.IDLE_LIMIT_MS]: '100' });
    suite.agent.answer = (_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":'); // and then nothing
    };
    const res = await invokeAgentCore(suite.mod, invocationEvent('{}'));
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"partial":');
    expect(suite.logs()[0]).toMatchObject({ status: 200, outcome: 'idle_timeout', error: { afterOutput: true } });
  });

  test('a stream cut after output ends an SSE answer with an error event (a partial event ended first)', async () => {
    suite.agent.answer = sseAgent(['{"text":"one"}', '{"text":"two"}']);
    suite.agentCore.setFault(() => ({ afterBytes: 28, destroy: true })); // the first event (22 bytes) and 'data: '
    const res = await invokeAgentCore(suite.mod, invocationEvent('{}'));
    expect(res.status).toBe(200);
    const [first, partial, error] = res.body.split('\n\n');
    expect(first).toBe('data: {"text":"one"}');
    expect(partial).toBe('data: ');
    expect(error.split('\n')[0]).toBe('event: error');
    const data = JSON.parse(error.split('\n')[1].slice('data: '.length));
    expect(data).toMatchObject({ error: { code: 'upstream_incomplete', type: 'upstream_error' } });
    expect(suite.logs()[0]).toMatchObject({ outcome: 'upstream_incomplete', error: { afterOutput: true }, bytes: 28 });
  });

  test('the deadline before the first byte: 504, before Lambda would kill the function', async () => {
    suite.agent.answer = () => {}; // never answers
    const res = await invokeAgentCore(suite.mod, invocationEvent('{}'), { remainingMs: 1000 });
    expect(res.status).toBe(504);
    expect(JSON.parse(res.body).error.code).toBe('timeout');
    expect(res.headers[SESSION_HEADER]).toMatch(UUID);
  });

  test('the deadline after the first byte of an SSE answer: an error event ends it', async () => {
    suite.agent.answer = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"text":"thinking"}\n\n'); // and then nothing
    };
    const res = await invokeAgentCore(suite.mod, invocationEvent('{}'), { remainingMs: 1000 });
    expect(res.status).toBe(200);
    expect(res.body).toMatch(
      /^data: \{"text":"thinking"\}\n\nevent: error\ndata: \{"error":\{"type":"timeout_error","code":"timeout"/,
    );
  });

  test('the deadline after the first byte of a JSON answer: the answer just ends, and the log says so', async () => {
    suite.agent.answer = (_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":'); // and then nothing
    };
    const res = await invokeAgentCore(suite.mod, invocationEvent('{}'), { remainingMs: 1000 });
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"partial":');
    expect(suite.logs()[0]).toMatchObject({
      status: 200,
      outcome: 'timeout',
      error: { code: 'timeout', afterOutput: true },
    });
  });
});

test('a client gone mid-answer stops the read: the agent sees its connection close, the log says 499', async () => {
  const agentClosed = signal();
  suite.agent.answer = (_request, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"text":"one"}\n\n'); // and then nothing, until the connection closes
    res.once('close', () => agentClosed.resolve());
  };
  const stream = new WatchedStream((body) => body.includes('one') && stream.destroy());
  await suite.mod.handler(invocationEvent('{}'), stream, lambdaContext());
  await agentClosed.promise;
  expect(suite.logs()[0]).toMatchObject({ status: 499, outcome: 'client_disconnected', error: { afterOutput: true } });
});

describe('the log line', () => {
  test('one line per request with the caller, the session hash, timing and bytes, and its EMF metrics', async () => {
    suite.agent.answer = sseAgent(['{"text":"hi"}']);
    const res = await invokeAgentCore(
      suite.mod,
      invocationEvent('{}', { identity: { apiKeyId: 'k-log' }, headers: { [SESSION_HEADER]: SESSION } }),
    );
    expect(res.status).toBe(200);
    expect(suite.logs()).toHaveLength(1);
    const line = suite.logs()[0];
    expect(line).toMatchObject({
      level: 'INFO',
      message: 'request completed',
      caller: { type: 'apiKey', id: 'k-log' },
      sessionGenerated: false,
      status: 200,
      outcome: 'ok',
      contentType: 'text/event-stream',
      bytes: Buffer.byteLength('data: {"text":"hi"}\n\n'),
      Requests: 1,
      Errors: 0,
      Outcome: 'ok',
    });
    expect(line.timeToFirstByteMs).toBeLessThanOrEqual(line.durationMs);
    expect(line._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'StreamingAgentCoreApi',
        Dimensions: [[], ['Outcome']],
        Metrics: [
          { Name: 'Requests', Unit: 'Count' },
          { Name: 'Errors', Unit: 'Count' },
          { Name: 'TimeToFirstByte', Unit: 'Milliseconds' },
          { Name: 'Duration', Unit: 'Milliseconds' },
        ],
      },
    ]);
  });

  test('the metrics namespace follows the setting', async () => {
    withEnv({ [Env.METRICS_NAMESPACE]: 'MyAgents' });
    await invokeAgentCore(suite.mod, invocationEvent('{}'));
    expect(suite.logs()[0]._aws.CloudWatchMetrics[0].Namespace).toBe('MyAgents');
  });
});

describe('CORS', () => {
  test('an allowed Origin gets CORS headers that let the browser read X-Session-Id', async () => {
    withEnv({ [Env.CORS_ALLOW_ORIGINS]: JSON.stringify(['https://app.example.com']) });
    const res = await invokeAgentCore(
      suite.mod,
      invocationEvent('{}', { headers: { Origin: 'https://app.example.com' } }),
    );
    expect(res.headers['Access-Control-Allow-Origin']).toBe('https://app.example.com');
    expect(res.headers['Access-Control-Expose-Headers']).toContain(SESSION_HEADER);
  });
});

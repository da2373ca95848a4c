/**
 * The AgentCore handler's pure parts: the runtime user id of each caller, the SSE event boundary the keep-alive and
 * the error event respect, the mapping of InvokeAgentRuntime's failures, and the configuration's defaults.
 */
import { AgentCoreDefaults, agentCoreEnvironment } from '../../../src/contract';
import { loadAgentCoreConfig } from '../../../src/handler/backends/agent-core/config';
import { invokeError } from '../../../src/handler/backends/agent-core/errors';
import { runtimeRegion } from '../../../src/handler/backends/agent-core/invoke';
import { EventBoundary, isEventStream } from '../../../src/handler/backends/agent-core/sse';
import { MAX_RUNTIME_USER_ID, runtimeUserId } from '../../../src/handler/caller';
import { ApiError, StreamAborted } from '../../../src/handler/errors';

const ARN = 'arn:aws:bedrock-agentcore:eu-west-1:123456789012:runtime/agent-1';

describe('runtimeUserId', () => {
  test('is <type>:<id>, the same on every request of a caller', () => {
    expect(runtimeUserId({ type: 'cognito', id: 'sub-1' })).toBe('cognito:sub-1');
    expect(runtimeUserId({ type: 'managedKey', id: 'k1' })).toBe('managedKey:k1');
  });

  test('an id too long is a stable SHA-256 within the limit, distinct per caller', () => {
    const long = (c: string) => ({ type: 'lambdaAuthorizer' as const, id: c.repeat(300) });
    const a = runtimeUserId(long('a'));
    expect(a).toMatch(/^lambdaAuthorizer:sha256:[0-9a-f]{64}$/);
    expect(a.length).toBeLessThanOrEqual(MAX_RUNTIME_USER_ID);
    expect(runtimeUserId(long('a'))).toBe(a);
    expect(runtimeUserId(long('b'))).not.toBe(a);
  });

  test.each(['用户', 'josé', 'a b', 'line\nbreak'])(
    'an id that is not printable ASCII (%j) is its SHA-256: it travels in an HTTP header',
    (id) => {
      const userId = runtimeUserId({ type: 'lambdaAuthorizer', id });
      expect(userId).toMatch(/^lambdaAuthorizer:sha256:[0-9a-f]{64}$/);
      expect(userId).toBe(runtimeUserId({ type: 'lambdaAuthorizer', id }));
    },
  );
});

describe('EventBoundary', () => {
  const after = (...chunks: string[]) => {
    const boundary = new EventBoundary();
    chunks.forEach((chunk) => boundary.wrote(Buffer.from(chunk)));
    return boundary.atBoundary;
  };

  test('nothing written, or an event ended by an empty line (LF, CRLF, CR): at a boundary', () => {
    expect(after()).toBe(true);
    expect(after('data: x\n\n')).toBe(true);
    expect(after('data: x\r\n\r\n')).toBe(true);
    expect(after('data: x\r\r')).toBe(true);
    expect(after('data: x\n', '\n')).toBe(true);
  });

  test('inside an event (a partial line, or a line without the empty one after it): not at a boundary', () => {
    expect(after('data: x')).toBe(false);
    expect(after('data: x\n')).toBe(false);
    expect(after('data: x\r\n')).toBe(false);
    expect(after('data: x\n\n', 'event: y\n')).toBe(false);
  });

  test('the content type check ignores parameters and case', () => {
    expect(isEventStream('Text/Event-Stream; charset=utf-8')).toBe(true);
    expect(isEventStream('application/json')).toBe(false);
    expect(isEventStream(undefined)).toBe(false);
  });
});

describe('invokeError', () => {
  const live = new AbortController().signal;
  const aws = (name: string) => Object.assign(new Error('AWS text naming arn:aws:...'), { name, $metadata: {} });
  const codeOf = (err: unknown) => (invokeError(err, live) as ApiError).code;

  test("AgentCore's exceptions by what the caller can do", () => {
    expect(codeOf(aws('ThrottlingException'))).toBe('upstream_throttled');
    expect(codeOf(aws('AccessDeniedException'))).toBe('upstream_misconfigured');
    expect(codeOf(aws('ValidationException'))).toBe('upstream_validation');
    expect(codeOf(aws('RuntimeClientError'))).toBe('upstream_failed');
    expect(codeOf(aws('SomeNewException'))).toBe('upstream_failed');
  });

  test('timeouts are 504 upstream_timeout, unreachable endpoints 503 (also when the SDK wrapped the error)', () => {
    expect(codeOf(Object.assign(new Error('Connection timed out'), { name: 'TimeoutError' }))).toBe('upstream_timeout');
    expect(codeOf(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(
      'upstream_unavailable',
    );
    const wrapped = Object.assign(new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:1'), {
      $metadata: {},
    });
    expect(codeOf(wrapped)).toBe('upstream_unavailable');
    const hangUp = Object.assign(new Error('AWS SDK error wrapper for TimeoutError: socket hang up'), {
      $metadata: {},
    });
    expect(codeOf(hangUp)).toBe('upstream_unavailable');
  });

  test('an abort is its reason, whatever the SDK threw', () => {
    const controller = new AbortController();
    controller.abort(new StreamAborted('deadline'));
    expect(invokeError(Object.assign(new Error('aborted'), { name: 'AbortError' }), controller.signal)).toBe(
      controller.signal.reason,
    );
  });

  test('anything else is passed on as it is (an internal error of the API)', () => {
    const bug = new TypeError('x is undefined');
    expect(invokeError(bug, live)).toBe(bug);
  });
});

describe('the configuration', () => {
  test('defaults: qualifier DEFAULT, 1 MiB, the AgentCore metrics namespace', () => {
    const config = loadAgentCoreConfig(agentCoreEnvironment({ agentRuntimeArn: ARN }));
    expect(config).toMatchObject({
      agentRuntimeArn: ARN,
      qualifier: AgentCoreDefaults.QUALIFIER,
      maxRequestBytes: AgentCoreDefaults.MAX_REQUEST_BYTES,
      metricsNamespace: AgentCoreDefaults.METRICS_NAMESPACE,
      heartbeatMs: AgentCoreDefaults.HEARTBEAT_MS,
      corsAllowOrigins: [],
    });
    expect(config.tokenBudget).toBeUndefined();
  });

  test('the client calls the runtime in its own region (the ARN names it)', () => {
    expect(runtimeRegion(ARN)).toBe('eu-west-1');
  });
});

import { Duration, Lazy } from 'aws-cdk-lib';
import { validateCors } from '../../src/private/api-shell';
import { validateModelIds } from '../../src/private/props-validation';
import { resolveTimeouts, validateStreamingTimeouts } from '../../src/private/timeouts';
import { fail, show, subjectOf, validateModelId, validateOrigin } from '../../src/private/validation';

const SUBJECT = "StreamingBedrockApi at 'S/Chat'";
const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';

describe('error messages', () => {
  test('name the subject, the prop, the value and the fix', () => {
    expect(() => fail(SUBJECT, 'maxTokens', 0, 'Use 1 or more.')).toThrow(
      "StreamingBedrockApi at 'S/Chat': invalid maxTokens 0. Use 1 or more.",
    );
  });

  test.each([
    ['a string, quoted', 'x', '"x"'],
    ['a number, as is', 1.5, '1.5'],
    ['a duration, in words', Duration.minutes(20), '20 minutes'],
    ['a list, as JSON', ['*'], '["*"]'],
    ['undefined, by name', undefined, 'undefined'],
  ])('show %s', (_name, value, shown) => {
    expect(show(value)).toBe(shown);
  });

  test('the subject is the class and the construct path', () => {
    expect(subjectOf('StreamingBedrockApi', { node: { path: 'MyStack/Chat' } } as any)).toBe(
      "StreamingBedrockApi at 'MyStack/Chat'",
    );
  });
});

describe('model ids', () => {
  test.each([
    MODEL,
    `us.${MODEL}`,
    `global.${MODEL}`,
    'amazon.nova-lite-v1:0',
    'cohere.command-r-plus-v1:0',
    'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6',
    'arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:application-inference-profile/a1b2c3d4e5f6',
  ])('accepts %s', (id) => {
    expect(() => validateModelId(SUBJECT, 'modelId', id)).not.toThrow();
  });

  test.each([
    ['an empty id', '', /invalid modelId ""\. Pass a Bedrock model id/],
    ['an id without provider', 'claude', /invalid modelId "claude"\. Pass a Bedrock model id \('provider\.model/],
    ['an id with spaces', 'anthropic. claude', /no spaces/],
    [
      'a foundation model ARN',
      `arn:aws:bedrock:us-east-1::foundation-model/${MODEL}`,
      /not another ARN; .*bring your own handler/,
    ],
    [
      'a system inference profile ARN',
      `arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.${MODEL}`,
      /or an application inference profile ARN .*not another ARN/,
    ],
    [
      'an application inference profile ARN without account',
      'arn:aws:bedrock:us-east-1::application-inference-profile/a1b2c3d4e5f6',
      /not another ARN/,
    ],
    ['a token', Lazy.string({ produce: () => MODEL }), /literal string: IAM permissions are derived from it/],
  ])('fails with %s', (_name, id, message) => {
    expect(() => validateModelId(SUBJECT, 'modelId', id)).toThrow(message);
  });

  test('fails without a default model', () => {
    expect(() => validateModelIds(SUBJECT, undefined, undefined)).toThrow(
      /invalid modelId undefined\. The default handler needs a model: pass modelId/,
    );
  });

  test('fails when the default model is not allowed', () => {
    expect(() => validateModelIds(SUBJECT, MODEL, ['amazon.nova-lite-v1:0'])).toThrow(
      /It is not in allowedModelIds \["amazon\.nova-lite-v1:0"\]/,
    );
  });

  test('names the index of a malformed allowed id', () => {
    expect(() => validateModelIds(SUBJECT, MODEL, [MODEL, 'bad id'])).toThrow(/invalid allowedModelIds\[1\] "bad id"/);
  });
});

describe('CORS', () => {
  test.each(['https://app.example.com', 'http://localhost:3000', 'https://[::1]:8443', '*'])('accepts %s', (origin) => {
    expect(() => validateOrigin(SUBJECT, 'cors.allowOrigins[0]', origin)).not.toThrow();
  });

  test.each([
    ['no scheme', 'app.example.com'],
    ['a trailing slash', 'https://app.example.com/'],
    ['a path', 'https://app.example.com/chat'],
    ['another scheme', 'ftp://app.example.com'],
  ])('fails with an origin with %s', (_name, origin) => {
    expect(() => validateOrigin(SUBJECT, 'cors.allowOrigins[0]', origin)).toThrow(
      /invalid cors\.allowOrigins\[0\] .*Use a full origin with scheme and host/,
    );
  });

  test('fails without origins', () => {
    expect(() => validateCors(SUBJECT, { allowOrigins: [] })).toThrow(/List at least one origin/);
  });

  test("fails with credentials for '*'", () => {
    expect(() => validateCors(SUBJECT, { allowOrigins: ['*'], allowCredentials: true })).toThrow(
      /allowCredentials cannot be used with origin '\*'/,
    );
  });

  test('accepts credentials for listed origins', () => {
    expect(() =>
      validateCors(SUBJECT, {
        allowOrigins: ['https://a.example.com', 'https://b.example.com'],
        allowCredentials: true,
      }),
    ).not.toThrow();
  });
});

describe('timeouts', () => {
  test('default: 5 minutes streaming, the buffered endpoint capped at 29 s', () => {
    const { streaming, buffered } = resolveTimeouts(SUBJECT, undefined, false);
    expect([streaming.toSeconds(), buffered.toSeconds()]).toEqual([300, 29]);
  });

  test('a short timeout applies to both endpoints', () => {
    const { streaming, buffered } = resolveTimeouts(SUBJECT, Duration.seconds(20), false);
    expect([streaming.toSeconds(), buffered.toSeconds()]).toEqual([20, 20]);
  });

  test('buffered only: 29 s by default', () => {
    expect(resolveTimeouts(SUBJECT, undefined, true).buffered.toSeconds()).toBe(29);
  });

  test.each([
    ['over 15 minutes', Duration.minutes(16), false, /invalid timeout 16 minutes\. .*Duration\.minutes\(15\) or less/],
    ['under 1 second', Duration.millis(500), false, /invalid timeout 500 millis\. Use at least Duration\.seconds\(1\)/],
    ['buffered only over 29 s', Duration.seconds(30), true, /invalid timeout 30 seconds\. With ResponseMode\.BUFFERED/],
  ])('fails %s', (_name, timeout, bufferedOnly, message) => {
    expect(() => resolveTimeouts(SUBJECT, timeout, bufferedOnly)).toThrow(message);
  });

  test('fails when the integration would end before the function', () => {
    expect(() => validateStreamingTimeouts(SUBJECT, 'timeout', Duration.minutes(1), Duration.minutes(2))).toThrow(
      /invalid timeout 1 minute\. The integration timeout is shorter than the function timeout \(2 minutes\)/,
    );
  });

  test('a token timeout cannot be checked and passes', () => {
    const token = Duration.seconds(Lazy.number({ produce: () => 5000 }));
    expect(() => validateStreamingTimeouts(SUBJECT, 'timeout', token)).not.toThrow();
  });
});

import { fromBedrockError } from '../../../src/handler/backends/bedrock/errors';
import { ApiError, logLevel } from '../../../src/handler/errors';

/** An error as the AWS SDK throws it for an HTTP error before the stream. */
function sdkError(name: string, message = 'AWS text', httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode } });
}

describe('fromBedrockError: by exception name', () => {
  test.each([
    ['ThrottlingException', 429, 'upstream_throttled'],
    ['ServiceQuotaExceededException', 429, 'upstream_throttled'],
    ['ModelNotReadyException', 429, 'upstream_throttled'],
    ['TooManyRequestsException', 429, 'upstream_throttled'],
    ['AccessDeniedException', 502, 'upstream_misconfigured'],
    ['ResourceNotFoundException', 502, 'upstream_misconfigured'],
    ['UnrecognizedClientException', 502, 'upstream_misconfigured'],
    ['ExpiredTokenException', 502, 'upstream_misconfigured'],
    ['InvalidSignatureException', 502, 'upstream_misconfigured'],
    ['CredentialsProviderError', 502, 'upstream_misconfigured'],
    ['ValidationException', 400, 'upstream_validation'],
    ['ServiceUnavailableException', 503, 'upstream_unavailable'],
    ['ModelTimeoutException', 504, 'upstream_timeout'],
    ['TimeoutError', 504, 'upstream_timeout'],
    ['ModelErrorException', 502, 'upstream_failed'],
    ['ModelStreamErrorException', 502, 'upstream_failed'],
    ['InternalServerException', 502, 'upstream_failed'],
  ])('%s -> %i %s', (name, status, code) => {
    expect(fromBedrockError(sdkError(name))).toMatchObject({ status, code });
  });

  test('the throttled and unavailable errors tell the caller when to retry', () => {
    expect(fromBedrockError(sdkError('ThrottlingException')).headers).toEqual({ 'Retry-After': '2' });
    expect(fromBedrockError(sdkError('ServiceUnavailableException')).headers).toEqual({ 'Retry-After': '2' });
  });
});

describe('fromBedrockError: a ValidationException by what it is about', () => {
  test.each([
    'Invocation of model ID anthropic.claude-3-5-sonnet-20241022-v2:0 with on-demand throughput isn\u2019t supported. Retry your request with the ID or ARN of an inference profile that contains this model.',
    'The provided model identifier is invalid.',
    "The provided model doesn't support on-demand throughput.",
    "This action doesn't support the model that you provided. Try again with a supported text or chat model.",
    'The model is not supported in this region.',
    'This model version has reached the end of its life. Please refer to the AWS documentation for more details.',
  ])('about the model (%p): 502 upstream_misconfigured', (message) => {
    const error = fromBedrockError(sdkError('ValidationException', message));
    expect(error).toMatchObject({ status: 502, code: 'upstream_misconfigured' });
    expect(error.message).not.toContain(message);
  });

  test.each([
    'A conversation must start with a user message. Try again with a conversation that starts with a user message.',
    'The model returned the following errors: messages: text content blocks must be non-empty',
    'Malformed input request: #: extraneous key [foo] is not permitted, please reformat your input and try again.',
  ])('about the request (%p): 400 upstream_validation with a fixed message', (message) => {
    const error = fromBedrockError(sdkError('ValidationException', message));
    expect(error).toMatchObject({ status: 400, code: 'upstream_validation' });
    expect(error.message).not.toContain(message);
  });
});

describe('fromBedrockError: a ValidationException about structured output or strict tools', () => {
  test.each([
    'This model does not support structured output.',
    'outputConfig.textFormat is not supported for this model.',
    'The json_schema contains a keyword that is not supported: minLength.',
    'Tool strict mode is not supported for this model.',
  ])('%p: 400 structured_output_unsupported with a fixed message', (message) => {
    const error = fromBedrockError(sdkError('ValidationException', message), { structured: true });
    expect(error).toMatchObject({ status: 400, code: 'structured_output_unsupported' });
    expect(error.message).not.toContain(message);
    // A request that asked for neither: the same text is the request's own problem.
    expect(fromBedrockError(sdkError('ValidationException', message))).toMatchObject({ code: 'upstream_validation' });
  });

  test('a word that only contains "strict" (restricted) stays upstream_validation', () => {
    const refusal = sdkError('ValidationException', 'The content is restricted for this request.');
    expect(fromBedrockError(refusal, { structured: true })).toMatchObject({ status: 400, code: 'upstream_validation' });
  });
});

describe('fromBedrockError: what is not a known exception', () => {
  test('an in-stream exception outside the union (a plain Error named for its frame) is upstream_failed', () => {
    const frame = Object.assign(new Error('{"message":"User: arn:aws:iam::123456789012:role/x is not authorized"}'), {
      name: 'accessDeniedException',
    });
    expect(fromBedrockError(frame)).toMatchObject({ status: 502, code: 'upstream_failed', cause: frame });
  });

  test.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND'])(
    'a %s socket error is 503 upstream_unavailable',
    (code) => {
      expect(fromBedrockError(Object.assign(new Error('socket'), { code }))).toMatchObject({
        status: 503,
        code: 'upstream_unavailable',
      });
      const wrapped = Object.assign(new Error('stream cancelled'), { cause: { code } });
      expect(fromBedrockError(wrapped).code).toBe('upstream_unavailable');
    },
  );

  test('an SDK error that never got an HTTP status is 503 upstream_unavailable', () => {
    const err = Object.assign(new Error('no response'), { name: 'Unknown', $metadata: {} });
    expect(fromBedrockError(err).code).toBe('upstream_unavailable');
  });

  test('an unknown SDK error with a status is upstream_failed', () => {
    expect(fromBedrockError(sdkError('SomethingNewException', 'x', 418)).code).toBe('upstream_failed');
  });

  test.each([undefined, null, 'a string', 42])('a thrown %p is upstream_failed', (thrown) => {
    expect(fromBedrockError(thrown).code).toBe('upstream_failed');
  });

  test('an ApiError passes through unchanged', () => {
    const error = new ApiError({ status: 504, type: 'timeout_error', code: 'timeout', message: 'late' });
    expect(fromBedrockError(error)).toBe(error);
  });
});

describe('log level by outcome', () => {
  test.each([
    ['ok', 'INFO'],
    ['internal_error', 'ERROR'],
    ['upstream_misconfigured', 'ERROR'],
    ['upstream_failed', 'ERROR'],
    ['upstream_incomplete', 'ERROR'],
    ['upstream_unavailable', 'ERROR'],
    ['upstream_timeout', 'ERROR'],
    ['upstream_throttled', 'WARN'],
    ['upstream_validation', 'WARN'],
    ['invalid_value', 'WARN'],
    ['request_too_large', 'WARN'],
    ['timeout', 'WARN'],
    ['idle_timeout', 'WARN'],
    ['client_disconnected', 'WARN'],
  ])('%s is %s', (outcome, level) => {
    expect(logLevel(outcome)).toBe(level);
  });
});

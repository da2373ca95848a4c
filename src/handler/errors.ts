/**
 * The error model: every failure becomes an ApiError with a status, a type, a code and a fixed message.
 * Messages never quote the request, the AWS exception text, an ARN or the configuration.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string,
    message: string,
    readonly param: string | null = null,
    readonly headers: Readonly<Record<string, string>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApiError';
  }
}

export { errorBody, type ErrorBody } from '../contract';

export function invalidRequest(code: string, message: string, param: string | null = null): ApiError {
  return new ApiError(400, 'invalid_request_error', code, message, param);
}

/** Seconds a throttled caller should wait; Bedrock gives no hint, and the SDK already retried with backoff. */
const RETRY_AFTER_SECONDS = '2';

export const Errors = {
  tooLarge: (limit: number) =>
    new ApiError(413, 'invalid_request_error', 'request_too_large', `The request body is larger than ${limit} bytes.`),
  unsupportedMediaType: () =>
    new ApiError(
      415,
      'invalid_request_error',
      'unsupported_media_type',
      'Send the request body as JSON with the header Content-Type: application/json.',
    ),
  throttled: (cause?: unknown) =>
    new ApiError(
      429,
      'rate_limit_error',
      'upstream_throttled',
      'The model is receiving too many requests. Retry after the delay in the Retry-After header.',
      null,
      { 'Retry-After': RETRY_AFTER_SECONDS },
      { cause },
    ),
  upstreamValidation: (cause?: unknown) =>
    new ApiError(
      400,
      'invalid_request_error',
      'upstream_validation',
      'The model rejected the request. Check the message roles and content and the inference parameters.',
      null,
      {},
      { cause },
    ),
  upstreamMisconfigured: (cause?: unknown) =>
    new ApiError(
      502,
      'upstream_error',
      'upstream_misconfigured',
      'The API cannot use its configured model. The operator should check model access and permissions.',
      null,
      {},
      { cause },
    ),
  upstreamFailed: (cause?: unknown) =>
    new ApiError(
      502,
      'upstream_error',
      'upstream_failed',
      'The model failed to answer. Try again.',
      null,
      {},
      { cause },
    ),
  upstreamUnavailable: (cause?: unknown) =>
    new ApiError(
      503,
      'upstream_error',
      'upstream_unavailable',
      'The model service is unavailable. Try again later.',
      null,
      { 'Retry-After': RETRY_AFTER_SECONDS },
      { cause },
    ),
  upstreamTimeout: (cause?: unknown) =>
    new ApiError(504, 'timeout_error', 'upstream_timeout', 'The model did not answer in time.', null, {}, { cause }),
  deadline: () =>
    new ApiError(504, 'timeout_error', 'timeout', 'The answer did not finish within the time limit of the API.'),
  /** Recorded in the log only: there is nobody left to answer. */
  clientDisconnected: () =>
    new ApiError(499, 'client_error', 'client_disconnected', 'The client disconnected before the answer ended.'),
  internal: (cause?: unknown) =>
    new ApiError(500, 'api_error', 'internal_error', 'The API failed to process the request.', null, {}, { cause }),
};

const THROTTLED = new Set([
  'ThrottlingException',
  'ServiceQuotaExceededException',
  'ModelNotReadyException',
  'TooManyRequestsException',
]);
const MISCONFIGURED = new Set([
  'AccessDeniedException',
  'ResourceNotFoundException',
  'UnrecognizedClientException',
  'ExpiredTokenException',
  'InvalidSignatureException',
  'CredentialsProviderError',
]);
const FAILED = new Set(['ModelErrorException', 'ModelStreamErrorException', 'InternalServerException']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

/** Maps an error from the Bedrock client (when opening or while reading the stream) to the API's error model. */
export function fromBedrockError(err: unknown): ApiError {
  if (err instanceof ApiError) {
    return err;
  }
  const name = (err as { name?: unknown })?.name;
  // Connection failures: the HTTP/2 handler reports a cancelled stream whose cause is the socket error.
  const code = (err as { cause?: { code?: unknown } })?.cause?.code ?? (err as { code?: unknown })?.code;
  if (typeof name === 'string') {
    if (THROTTLED.has(name)) return Errors.throttled(err);
    if (MISCONFIGURED.has(name)) return Errors.upstreamMisconfigured(err);
    if (name === 'ValidationException') return Errors.upstreamValidation(err);
    if (name === 'ServiceUnavailableException') return Errors.upstreamUnavailable(err);
    if (name === 'ModelTimeoutException' || name === 'TimeoutError') return Errors.upstreamTimeout(err);
    if (FAILED.has(name)) return Errors.upstreamFailed(err);
  }
  if (typeof code === 'string' && NETWORK_CODES.has(code)) {
    return Errors.upstreamUnavailable(err);
  }
  if (typeof err === 'object' && err !== null && ('$metadata' in err || '$fault' in err)) {
    // An SDK error without an HTTP status never got an answer from Bedrock: it could not be reached.
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return status === undefined ? Errors.upstreamUnavailable(err) : Errors.upstreamFailed(err);
  }
  return Errors.internal(err);
}

/** What the log line may say about a cause: the exception's name and HTTP status, never its message. */
export function describeCause(err: ApiError): Record<string, unknown> | undefined {
  const cause = err.cause as
    { name?: unknown; $metadata?: { httpStatusCode?: number; requestId?: string } } | undefined;
  if (cause === undefined || cause === null) {
    return undefined;
  }
  const detail: Record<string, unknown> = { name: typeof cause.name === 'string' ? cause.name : typeof cause };
  if (cause.$metadata) {
    detail.httpStatusCode = cause.$metadata.httpStatusCode;
    detail.awsRequestId = cause.$metadata.requestId;
  } else if (err.code === 'internal_error' && cause instanceof Error) {
    // Our own bug: the stack goes to the logs (never to the caller) so it can be fixed.
    detail.stack = cause.stack;
  }
  return detail;
}

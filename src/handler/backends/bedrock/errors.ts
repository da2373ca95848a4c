/**
 * Bedrock's failures in the API's error model. Everything here comes from upstream: an exception we do not know is
 * `upstream_failed`, never `internal_error`, and only its name is logged (its text can carry ARNs and account ids).
 */
import { ApiError, Errors } from '../../errors';

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
const TIMED_OUT = new Set(['ModelTimeoutException', 'TimeoutError']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

/**
 * Exceptions that say this model cannot answer now, whatever the request: its capacity or quota (after the SDK's own
 * retries), a model not ready, Bedrock unavailable for it, the model timing out. Another model may answer them
 * (`fallbackModelIds`). The caller's errors (validation), the operator's (access, unknown model) and network failures
 * (the same endpoint serves every model) are not among them.
 */
const MODEL_UNAVAILABLE = new Set([
  'ThrottlingException',
  'ServiceQuotaExceededException',
  'TooManyRequestsException',
  'ModelNotReadyException',
  'ServiceUnavailableException',
  'ModelTimeoutException',
]);

/**
 * ValidationException texts that are about the configured model, not the caller's request: an id that needs an
 * inference profile, an invalid id, a profile of another geography, a model the region or the API does not serve.
 */
const MODEL_CONFIGURATION_MESSAGES = [
  /on-demand throughput/i,
  /model identifier is invalid/i,
  /inference profile/i,
  /support the model that you provided/i,
  /not (supported|available) in (this|the|your) region/i,
  /end of its life/i,
];

/**
 * ValidationException texts about structured output (`outputConfig`) or strict tool use: the caller asked for what
 * the model cannot do, told as such rather than as a generic refusal.
 */
const STRUCTURED_OUTPUT_MESSAGES = [
  /structured output/i,
  /output ?config/i,
  /output ?format/i,
  /json.?schema/i,
  /\bstrict\b/i,
];

/**
 * Maps an error from the Bedrock client (when opening or while reading the stream) to the API's error model.
 * `request.structured`: the request asked for structured output or strict tools, so a refusal that names them is told
 * as structured_output_unsupported (a request without them keeps upstream_validation, whatever the text says).
 */
export function fromBedrockError(err: unknown, request: { readonly structured?: boolean } = {}): ApiError {
  if (err instanceof ApiError) {
    return err;
  }
  const rawName = (err as { name?: unknown })?.name;
  const name = typeof rawName === 'string' ? rawName : '';
  if (THROTTLED.has(name)) return Errors.throttled(err);
  if (MISCONFIGURED.has(name)) return Errors.upstreamMisconfigured(err);
  if (name === 'ValidationException') {
    if (isAboutTheModel(err)) return Errors.upstreamMisconfigured(err);
    return request.structured && mentions(err, STRUCTURED_OUTPUT_MESSAGES)
      ? Errors.structuredOutputRefused(err)
      : Errors.upstreamValidation(err);
  }
  if (name === 'ServiceUnavailableException') return Errors.upstreamUnavailable(err);
  if (TIMED_OUT.has(name)) return Errors.upstreamTimeout(err);
  if (FAILED.has(name)) return Errors.upstreamFailed(err);
  return isUnreachable(err) ? Errors.upstreamUnavailable(err) : Errors.upstreamFailed(err);
}

/** Whether `err` (as fromBedrockError mapped it, or raw) is one another model may not have: see MODEL_UNAVAILABLE. */
export function isModelUnavailable(err: unknown): boolean {
  const raw = err instanceof ApiError ? err.cause : err;
  const name = (raw as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && MODEL_UNAVAILABLE.has(name);
}

function isAboutTheModel(err: unknown): boolean {
  return mentions(err, MODEL_CONFIGURATION_MESSAGES);
}

/** Decided here, from the exception's text, which never leaves this function. */
function mentions(err: unknown, patterns: readonly RegExp[]): boolean {
  const message = (err as { message?: unknown }).message;
  return typeof message === 'string' && patterns.some((pattern) => pattern.test(message));
}

/** A connection failure, or an SDK error without an HTTP status: Bedrock was never reached. */
function isUnreachable(err: unknown): boolean {
  // The HTTP/2 handler reports a cancelled stream whose cause is the socket error.
  const code = (err as { cause?: { code?: unknown } })?.cause?.code ?? (err as { code?: unknown })?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) {
    return true;
  }
  const sdkError = typeof err === 'object' && err !== null && ('$metadata' in err || '$fault' in err);
  return sdkError && (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === undefined;
}

/**
 * The error model: every failure becomes an ApiError with a status, a type, a code and a fixed message.
 * Messages never quote the request, the AWS exception text, an ARN or the configuration.
 */
import { usdNumber } from '../contract';

export interface ApiErrorOptions {
  readonly status: number;
  readonly type: string;
  readonly code: string;
  readonly message: string;
  readonly param?: string | null;
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string;
  readonly param: string | null;
  readonly headers: Readonly<Record<string, string>>;

  constructor(options: ApiErrorOptions) {
    super(options.message, { cause: options.cause });
    this.name = 'ApiError';
    this.status = options.status;
    this.type = options.type;
    this.code = options.code;
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
  }
}

export { errorBody, type ErrorBody } from '../contract';

/** Why the handler stopped reading the model before it finished. */
export class StreamAborted extends Error {
  constructor(readonly reason: 'deadline' | 'client_disconnected' | 'idle') {
    super(reason);
    this.name = 'StreamAborted';
  }
}

export function invalidRequest(code: string, message: string, param: string | null = null): ApiError {
  return new ApiError({ status: 400, type: 'invalid_request_error', code, message, param });
}

/** Seconds a throttled caller should wait: neither Bedrock nor AgentCore gives a hint. */
const RETRY_AFTER_SECONDS = '2';
export const RETRY_AFTER = { 'Retry-After': RETRY_AFTER_SECONDS };

/** A failure of the service behind the handler (Bedrock, AgentCore): a timeout_error at 504, else an upstream_error. */
export const upstream = (
  status: number,
  code: string,
  message: string,
  cause?: unknown,
  headers?: Record<string, string>,
): ApiError =>
  new ApiError({ status, type: status === 504 ? 'timeout_error' : 'upstream_error', code, message, cause, headers });

export const Errors = {
  tooLarge: (limit: number) =>
    new ApiError({
      status: 413,
      type: 'invalid_request_error',
      code: 'request_too_large',
      message: `The request body is larger than ${limit} bytes.`,
    }),
  unsupportedMediaType: () =>
    new ApiError({
      status: 415,
      type: 'invalid_request_error',
      code: 'unsupported_media_type',
      message: 'Send the request body as JSON with the header Content-Type: application/json.',
    }),
  throttled: (cause?: unknown) =>
    new ApiError({
      status: 429,
      type: 'rate_limit_error',
      code: 'upstream_throttled',
      message: 'The model is receiving too many requests. Retry after the delay in the Retry-After header.',
      headers: RETRY_AFTER,
      cause,
    }),
  upstreamValidation: (cause?: unknown) =>
    new ApiError({
      status: 400,
      type: 'invalid_request_error',
      code: 'upstream_validation',
      message: 'The model rejected the request. Check the message roles and content and the inference parameters.',
      cause,
    }),
  /** Bedrock refused the structured output or strict tools the caller asked for (the model or the schema). */
  structuredOutputRefused: (cause?: unknown) =>
    new ApiError({
      status: 400,
      type: 'invalid_request_error',
      code: 'structured_output_unsupported',
      message:
        'The model refused the structured output or strict tools of this request: the model does not support them ' +
        'or the schema uses a feature it does not. Use a model that supports structured output, or leave it out.',
      cause,
    }),
  upstreamMisconfigured: (cause?: unknown) =>
    upstream(
      502,
      'upstream_misconfigured',
      'The API cannot use its configured model. The operator should check the model id, model access and permissions.',
      cause,
    ),
  upstreamFailed: (cause?: unknown) =>
    upstream(502, 'upstream_failed', 'The model failed to answer. Try again.', cause),
  upstreamIncomplete: () =>
    upstream(
      502,
      'upstream_incomplete',
      'The model stream ended before the answer was complete. Try again.',
      undefined,
    ),
  toolInputInvalid: () =>
    upstream(502, 'tool_input_invalid', "The model's tool call input is not valid JSON. Try again.", undefined),
  upstreamUnavailable: (cause?: unknown) =>
    upstream(503, 'upstream_unavailable', 'The model service is unavailable. Try again later.', cause, RETRY_AFTER),
  upstreamTimeout: (cause?: unknown) => upstream(504, 'upstream_timeout', 'The model did not answer in time.', cause),
  deadline: () =>
    new ApiError({
      status: 504,
      type: 'timeout_error',
      code: 'timeout',
      message: 'The answer did not finish within the time limit of the API.',
    }),
  idle: () =>
    new ApiError({
      status: 504,
      type: 'timeout_error',
      code: 'idle_timeout',
      message:
        'The model was silent for too long for this format, which cannot keep the connection open. ' +
        'Use text/event-stream or application/x-ndjson for long answers.',
    }),
  /** Recorded in the log only: there is nobody left to answer. */
  clientDisconnected: () =>
    new ApiError({
      status: 499,
      type: 'client_error',
      code: 'client_disconnected',
      message: 'The client disconnected before the answer ended.',
    }),
  /**
   * The caller's reservation does not fit one of its limits; Bedrock was not called. A per-minute limit is
   * `rate_limited`, a day or month limit `budget_exceeded`. `shown` is the caller's share of the reservation (never
   * the system prompt's).
   */
  overLimit: (
    limit: { readonly name: string; readonly period: string; readonly counter: string },
    shown: { readonly tokens: number; readonly usd?: number },
    retryAfterSeconds: number,
  ) => {
    const minute = limit.period === 'minute';
    const headers = { 'Retry-After': String(retryAfterSeconds) };
    const code = minute ? 'rate_limited' : 'budget_exceeded';
    if (limit.counter === 'requests') {
      return new ApiError({
        status: 429,
        type: 'rate_limit_error',
        code,
        message:
          `This caller's request rate limit for the minute (${limit.name}) is reached. ` +
          'Retry after the delay in the Retry-After header.',
        headers,
      });
    }
    const what = limit.counter === 'usd' ? 'spend budget' : minute ? 'token rate limit' : 'token budget';
    const needs =
      limit.counter === 'usd'
        ? `up to $${usdNumber(shown.usd ?? 0)}: its input and maxTokens at the model's price`
        : `up to ${shown.tokens} tokens: its input and maxTokens`;
    return new ApiError({
      status: 429,
      type: 'rate_limit_error',
      code,
      message:
        `This caller's ${what} for the ${limit.period} (${limit.name}) cannot cover this request (${needs}). ` +
        `Retry after the delay in the Retry-After header${minute ? '' : ', when the budget resets'}, ` +
        'or ask for fewer maxTokens.',
      headers,
    });
  },
  budgetUnavailable: (cause?: unknown) =>
    new ApiError({
      status: 503,
      type: 'api_error',
      code: 'budget_unavailable',
      message: "The API cannot check this caller's token budget right now. Try again later.",
      headers: RETRY_AFTER,
      cause,
    }),
  /** Managed keys: the request carries no key (neither `Authorization: Bearer` nor `x-api-key`). */
  keyMissing: () =>
    new ApiError({
      status: 401,
      type: 'authentication_error',
      code: 'missing_api_key',
      message: 'This API needs a key: send it as "Authorization: Bearer <key>" or as "x-api-key: <key>".',
    }),
  /** Managed keys: not a key, unknown, revoked or expired, all told alike (no hint whether a key exists). */
  keyInvalid: () =>
    new ApiError({
      status: 401,
      type: 'authentication_error',
      code: 'invalid_api_key',
      message: 'The key is not valid for this API.',
    }),
  /** Managed keys: the key may not use the model the request resolved to (the API's default). */
  modelNotAllowedForKey: (allowed: readonly string[]) =>
    new ApiError({
      status: 403,
      type: 'permission_error',
      code: 'model_not_allowed',
      message:
        allowed.length > 0
          ? `This key may not use the API's default model: name one of ${allowed.join(', ')}.`
          : 'This key may not use any model of this API.',
    }),
  /** Managed keys: the key table could not be read; the request is refused (keys never fail open). */
  keyUnavailable: (cause?: unknown) =>
    new ApiError({
      status: 503,
      type: 'api_error',
      code: 'key_check_unavailable',
      message: 'The API cannot check keys right now. Try again later.',
      headers: RETRY_AFTER,
      cause,
    }),
  notFound: () =>
    new ApiError({
      status: 404,
      type: 'invalid_request_error',
      code: 'not_found',
      message: 'This API has no such route.',
    }),
  internal: (cause?: unknown) =>
    new ApiError({
      status: 500,
      type: 'api_error',
      code: 'internal_error',
      message: 'The API failed to process the request.',
      cause,
    }),
};

/** Any failure in the API's error model: an abort by its reason, anything unexpected as internal_error. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) {
    return err;
  }
  if (err instanceof StreamAborted) {
    const byReason = { deadline: Errors.deadline, idle: Errors.idle, client_disconnected: Errors.clientDisconnected };
    return byReason[err.reason]();
  }
  return Errors.internal(err);
}

/** Codes the operator has to act on: logged at ERROR. Every other failure is the caller's or expected: WARN. */
const OPERATOR_CODES = new Set([
  'internal_error',
  'upstream_misconfigured',
  'upstream_failed',
  'upstream_incomplete',
  'upstream_unavailable',
  'upstream_timeout',
  'budget_unavailable',
  'key_check_unavailable',
]);

/** The log level of an outcome (`ok` or an error code): it follows the code, not the HTTP status already sent. */
export function logLevel(outcome: string): 'INFO' | 'WARN' | 'ERROR' {
  if (outcome === 'ok') {
    return 'INFO';
  }
  return OPERATOR_CODES.has(outcome) ? 'ERROR' : 'WARN';
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

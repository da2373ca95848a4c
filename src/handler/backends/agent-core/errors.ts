/**
 * The AgentCore handler's errors, in the API's error model (errors.ts): the request's own (payload, session header)
 * and InvokeAgentRuntime's failures mapped to a status the caller can act on. Messages are fixed: nothing of AWS's
 * text (which may quote the ARN, the account or the agent's output) and nothing of the request reaches the caller;
 * the exception's name and HTTP status go to the log line (describeCause).
 */
import { SESSION_HEADER } from '../../../contract';
import { ApiError, invalidRequest, RETRY_AFTER, StreamAborted, upstream } from '../../errors';

export const AgentErrors = {
  missingBody: () => invalidRequest('missing_body', 'The request has no body. Send the payload for the agent.'),
  invalidSession: () =>
    invalidRequest(
      'invalid_session_id',
      `The ${SESSION_HEADER} header must be 33 to 256 characters of letters, digits, '.', '_', ':' and '-', ` +
        'starting with a letter or digit. Leave it out to start a new session.',
    ),
  throttled: (cause?: unknown) =>
    new ApiError({
      status: 429,
      type: 'rate_limit_error',
      code: 'upstream_throttled',
      message: 'The agent runtime is receiving too many requests. Retry after the delay in the Retry-After header.',
      headers: RETRY_AFTER,
      cause,
    }),
  sessionBusy: (cause?: unknown) =>
    new ApiError({
      status: 409,
      type: 'invalid_request_error',
      code: 'session_busy',
      message: 'The session is busy with another request. Retry after the delay in the Retry-After header.',
      headers: RETRY_AFTER,
      cause,
    }),
  validation: (cause?: unknown) =>
    new ApiError({
      status: 400,
      type: 'invalid_request_error',
      code: 'upstream_validation',
      message: 'The agent runtime rejected the request. Check the payload and its Content-Type.',
      cause,
    }),
  misconfigured: (cause?: unknown) =>
    upstream(
      502,
      'upstream_misconfigured',
      'The API cannot invoke its configured agent. The operator should check the runtime ARN, qualifier and permissions.',
      cause,
    ),
  failed: (cause?: unknown) => upstream(502, 'upstream_failed', 'The agent failed to answer. Try again.', cause),
  incomplete: (cause?: unknown) =>
    upstream(502, 'upstream_incomplete', "The agent's answer ended before it was complete. Try again.", cause),
  unavailable: (cause?: unknown) =>
    upstream(503, 'upstream_unavailable', 'The agent runtime is unavailable. Try again later.', cause, RETRY_AFTER),
  timeout: (cause?: unknown) => upstream(504, 'upstream_timeout', 'The agent runtime did not answer in time.', cause),
  idle: () =>
    upstream(
      504,
      'idle_timeout',
      'The agent was silent for too long: an answer that is not text/event-stream cannot be kept open without output.',
    ),
};

/** InvokeAgentRuntime's exceptions (the SDK's names) by what the caller can do about them. */
const BY_EXCEPTION: Record<string, (cause: unknown) => ApiError> = {
  ThrottlingException: AgentErrors.throttled,
  ServiceQuotaExceededException: AgentErrors.throttled,
  ConflictException: AgentErrors.sessionBusy,
  RetryableConflictException: AgentErrors.sessionBusy,
  ValidationException: AgentErrors.validation,
  AccessDeniedException: AgentErrors.misconfigured,
  ResourceNotFoundException: AgentErrors.misconfigured,
  UnauthorizedException: AgentErrors.misconfigured,
  // The agent answered an error status (AgentCore does not pass it on) or AgentCore itself failed.
  RuntimeClientError: AgentErrors.failed,
  InternalServerException: AgentErrors.failed,
  ServiceException: AgentErrors.failed,
};

/** Socket errors of an endpoint that cannot be reached (as opposed to one that is slow). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

/**
 * The socket error code of a failed request: its `code`, or, where the SDK wrapped an error from another realm (it
 * keeps only the message then: "AWS SDK error wrapper for Error: connect ECONNREFUSED ..."), the code its message
 * names. A connection closed under the request ("socket hang up": a kept-alive connection the server closed) is
 * ECONNRESET, whatever the SDK called it.
 */
function socketErrorCode(err: unknown): string | undefined {
  const error = err as { code?: unknown; message?: unknown } | undefined;
  const message = typeof error?.message === 'string' ? error.message : '';
  if (/socket hang up/.test(message)) {
    return 'ECONNRESET';
  }
  // The handler's connection timeout (NodeHttpHandler's message): no connection was ever made.
  if (/without establishing a connection/.test(message)) {
    return 'ECONNREFUSED';
  }
  if (typeof error?.code === 'string') {
    return error.code;
  }
  return /\b(E[A-Z]{4,})\b/.exec(message)?.[1];
}

/**
 * A failure of InvokeAgentRuntime (before the answer's first byte) in the API's error model. An abort is its reason
 * (the deadline, the idle limit, a client gone), whatever the SDK wrapped it in.
 */
export function invokeError(err: unknown, signal: AbortSignal): unknown {
  if (signal.aborted && signal.reason instanceof StreamAborted) {
    return signal.reason;
  }
  const error = err as { name?: unknown; message?: unknown; $metadata?: unknown } | undefined;
  const name = typeof error?.name === 'string' ? error.name : '';
  const mapped = BY_EXCEPTION[name];
  if (mapped) {
    return mapped(err);
  }
  const code = socketErrorCode(err);
  if (code !== undefined && UNREACHABLE.has(code)) {
    return AgentErrors.unavailable(err);
  }
  if (name === 'TimeoutError' || code === 'ETIMEDOUT' || /\bTimeoutError\b/.test(String(error?.message))) {
    return AgentErrors.timeout(err);
  }
  // Another AWS exception (a new one, or an HTTP status the SDK has no name for): AgentCore failed.
  return error?.$metadata !== undefined ? AgentErrors.failed(err) : err;
}

import { Duration } from 'aws-cdk-lib';
import { fail } from './validation';

/** The longest a streamed response may last in API Gateway (and the longest Lambda timeout). */
export const MAX_STREAMING_TIMEOUT = Duration.minutes(15);
/** API Gateway ends buffered (classic) integrations after 29 seconds. */
export const MAX_BUFFERED_TIMEOUT = Duration.seconds(29);
export const DEFAULT_STREAMING_TIMEOUT = Duration.minutes(5);

/** The timeouts of the two endpoints, derived from the one `timeout` prop. */
export interface Timeouts {
  readonly streaming: Duration;
  readonly buffered: Duration;
}

/**
 * One `timeout` prop: the streaming function and integration share it; the buffered ones are capped at 29 s.
 * `bufferedOnly` is ResponseMode.BUFFERED, where the prop itself must fit in 29 s; `functionTimeout` is that of a
 * bring-your-own function, which the streaming integration must outlast.
 */
export function resolveTimeouts(
  subject: string,
  timeout: Duration | undefined,
  bufferedOnly: boolean,
  functionTimeout?: Duration,
): Timeouts {
  if (bufferedOnly) {
    const buffered = timeout ?? MAX_BUFFERED_TIMEOUT;
    if (!buffered.isUnresolved() && buffered.toMilliseconds() > MAX_BUFFERED_TIMEOUT.toMilliseconds()) {
      fail(
        subject,
        'timeout',
        buffered,
        'With ResponseMode.BUFFERED, API Gateway ends buffered integrations after 29 seconds: use ' +
          'Duration.seconds(29) or less, or ResponseMode.STREAMING / BOTH for longer answers.',
      );
    }
    validateStreamingTimeouts(subject, 'timeout', buffered);
    return { streaming: buffered, buffered };
  }
  const streaming = timeout ?? DEFAULT_STREAMING_TIMEOUT;
  validateStreamingTimeouts(subject, 'timeout', streaming, functionTimeout);
  const buffered =
    streaming.isUnresolved() || streaming.toMilliseconds() > MAX_BUFFERED_TIMEOUT.toMilliseconds()
      ? MAX_BUFFERED_TIMEOUT
      : streaming;
  return { streaming, buffered };
}

/**
 * Integration timeout from 1 s to 15 min, and >= the function timeout (else the gateway cuts the stream while the
 * function still runs and bills, and the client sees curl error 18 instead of the handler's timeout error).
 */
export function validateStreamingTimeouts(
  subject: string,
  prop: string,
  integration: Duration,
  functionTimeout?: Duration,
): void {
  if (integration.isUnresolved()) {
    return;
  }
  const ms = integration.toMilliseconds();
  if (ms > MAX_STREAMING_TIMEOUT.toMilliseconds()) {
    fail(
      subject,
      prop,
      integration,
      'API Gateway streams for at most 15 minutes and Lambda runs for at most 15 minutes: use Duration.minutes(15) or less.',
    );
  }
  if (ms < 1000) {
    fail(subject, prop, integration, 'Use at least Duration.seconds(1); a model answer needs time.');
  }
  if (functionTimeout && !functionTimeout.isUnresolved() && ms < functionTimeout.toMilliseconds()) {
    fail(
      subject,
      prop,
      integration,
      `The integration timeout is shorter than the function timeout (${functionTimeout.toHumanString()}), so API ` +
        'Gateway would cut the stream while the function still runs. Use an integration timeout >= the function ' +
        'timeout, or shorten the function timeout.',
    );
  }
}

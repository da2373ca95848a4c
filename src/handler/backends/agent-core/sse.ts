/**
 * What the handler needs to know of an SSE answer it passes through unparsed: whether it is one, and whether the
 * bytes written so far end an event, so that a keep-alive comment or an error event never lands inside a partial one.
 */

/** `: ping`, an SSE comment: clients ignore it; it keeps API Gateway's idle timeout and proxies from cutting. */
export const SSE_PING = ': ping\n\n';

export function isEventStream(contentType: string | undefined): boolean {
  return contentType?.split(';')[0].trim().toLowerCase() === 'text/event-stream';
}

/**
 * Tracks the end of what was written: at an event boundary when nothing was written yet, or when the bytes end with
 * an empty line (`\n\n`, `\r\n\r\n` or `\r\r`).
 */
export class EventBoundary {
  private tail = '\n\n';

  get atBoundary(): boolean {
    return this.tail.endsWith('\n\n') || this.tail.endsWith('\r\n\r\n') || this.tail.endsWith('\r\r');
  }

  /** Records a chunk written. */
  wrote(chunk: Uint8Array | string): void {
    const text =
      typeof chunk === 'string' ? chunk : Buffer.from(chunk.subarray(Math.max(0, chunk.length - 4))).toString('latin1');
    this.tail = (this.tail + text).slice(-4);
  }
}

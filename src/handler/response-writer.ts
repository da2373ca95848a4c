import { drainedOrClosed } from './backpressure';
import type { ResponseEncoder } from './chat';
import { streamingRuntime, type ResponseStream } from './response-stream';

/**
 * The streamed response: nothing is sent until `commit` writes the status and headers (which cannot change after),
 * then body chunks with backpressure. Remembers when it last wrote, for the keep-alive.
 */
export class ResponseWriter {
  lastWriteAt = Date.now();
  private output: ResponseStream | undefined;

  constructor(private readonly stream: ResponseStream) {}

  get committed(): boolean {
    return this.output !== undefined;
  }

  commit(statusCode: number, headers: Record<string, string>): void {
    this.output = streamingRuntime.HttpResponseStream.from(this.stream, { statusCode, headers });
    // The runtime sends the metadata with the first write: send it now, so the client sees the status at once.
    this.output.write('');
    this.lastWriteAt = Date.now();
  }

  /** Writes a chunk; waits for 'drain' only when the buffer is full (backpressure without per-chunk cost). */
  write(chunk: string): void | Promise<void> {
    const output = this.output;
    if (chunk === '' || output === undefined || output.destroyed) {
      return;
    }
    this.lastWriteAt = Date.now();
    if (!output.write(chunk)) {
      return drainedOrClosed(output);
    }
  }

  end(clientGone: boolean): Promise<void> {
    const stream = this.output ?? this.stream;
    if (clientGone || stream.destroyed || stream.writableEnded) {
      return Promise.resolve();
    }
    return new Promise((resolve) => stream.end(() => resolve()));
  }
}

/**
 * While the model is silent: the encoder's keep-alive bytes after `heartbeatMs` without a write, or, for a format
 * that has none, `onIdle` after `idleLimitMs` (the caller aborts before API Gateway's idle timeout cuts the stream).
 * Returns the function that stops it.
 */
export function keepAlive(
  writer: ResponseWriter,
  encoder: ResponseEncoder,
  limits: { heartbeatMs: number; idleLimitMs: number },
  onIdle: () => void,
): () => void {
  const bytes = encoder.keepAlive;
  const limit = bytes === undefined ? limits.idleLimitMs : limits.heartbeatMs;
  let timer: NodeJS.Timeout;
  const check = () => {
    if (Date.now() - writer.lastWriteAt >= limit) {
      if (bytes === undefined) {
        onIdle();
        return;
      } else {
        // Not awaited: a ping is tiny, and the next delta's write waits for the drain anyway.
        void writer.write(bytes);
      }
    }
    timer = setTimeout(check, Math.max(10, limit - (Date.now() - writer.lastWriteAt)));
  };
  timer = setTimeout(check, limit);
  return () => clearTimeout(timer);
}

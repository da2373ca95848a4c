/**
 * Where an answer's bytes go. The streamed and the buffered answers run the same pipeline and differ only here: the
 * response stream sends the status and each chunk as it comes; the collecting sink keeps everything for one body.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { drainedOrClosed } from './backpressure';
import { streamingRuntime, type ResponseStream } from './response-stream';

export interface AnswerSink {
  /** A status was chosen (`commit`). */
  readonly committed: boolean;
  /** The status has reached the caller: from then on a failure can only be told in-band. */
  readonly sent: boolean;
  /** Headers of every successful answer on this sink, beside the request's and the protocol's. */
  readonly answerHeaders: Readonly<Record<string, string>>;
  commit(statusCode: number, headers: Record<string, string>): void;
  write(chunk: string): void | Promise<void>;
  /** Calls `onSilence` whenever nothing was written for `limitMs`, counted from now; returns the function to stop. */
  whileSilent(limitMs: number, onSilence: () => void): () => void;
  /** Calls `listener` if the client goes away before the end. */
  onClientGone(listener: () => void): void;
  end(clientGone: boolean): Promise<void>;
}

/**
 * The streamed response: nothing is sent until `commit` writes the status and headers (which cannot change after),
 * then body chunks with backpressure.
 */
export class StreamSink implements AnswerSink {
  readonly answerHeaders = { 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' };
  private lastWriteAt = Date.now();
  private output: ResponseStream | undefined;

  constructor(private readonly stream: ResponseStream) {}

  get committed(): boolean {
    return this.output !== undefined;
  }

  get sent(): boolean {
    return this.committed;
  }

  commit(statusCode: number, headers: Record<string, string>): void {
    this.output = streamingRuntime.HttpResponseStream.from(this.stream, { statusCode, headers });
    // The runtime sends the metadata with the first write: send it now, so the client sees the status at once.
    this.output.write('');
    this.lastWriteAt = Date.now();
  }

  /**
   * Writes a chunk (text, or bytes passed through as received); waits for 'drain' only when the buffer is full
   * (backpressure without per-chunk cost).
   */
  write(chunk: string | Uint8Array): void | Promise<void> {
    const output = this.output;
    if (chunk.length === 0 || output === undefined || output.destroyed) {
      return;
    }
    this.lastWriteAt = Date.now();
    if (!output.write(chunk)) {
      return drainedOrClosed(output);
    }
  }

  whileSilent(limitMs: number, onSilence: () => void): () => void {
    let timer: NodeJS.Timeout;
    const since = Date.now();
    const lastActivity = () => Math.max(since, this.lastWriteAt);
    const check = () => {
      if (Date.now() - lastActivity() >= limitMs) {
        onSilence();
      }
      // Still silent (onSilence wrote nothing): the next check a whole period later, not in a busy loop.
      const silent = Date.now() - lastActivity();
      timer = setTimeout(check, silent >= limitMs ? limitMs : Math.max(10, limitMs - silent));
    };
    timer = setTimeout(check, limitMs);
    return () => clearTimeout(timer);
  }

  /** Deployed Lambda gives no such signal today (runtime client issue #145); local runners and future runtimes do. */
  onClientGone(listener: () => void): void {
    this.stream.once('close', listener);
    this.stream.once('error', listener);
  }

  end(clientGone: boolean): Promise<void> {
    const stream = this.output ?? this.stream;
    if (clientGone || stream.destroyed || stream.writableEnded) {
      return Promise.resolve();
    }
    return new Promise((resolve) => stream.end(() => resolve()));
  }
}

/** The buffered response: one body, returned at the end; until then the status can still change. */
export class CollectingSink implements AnswerSink {
  readonly sent = false;
  readonly answerHeaders = {};
  private statusCode = 0;
  private headers: Record<string, string> = {};
  private chunks: string[] = [];

  get committed(): boolean {
    return this.statusCode !== 0;
  }

  commit(statusCode: number, headers: Record<string, string>): void {
    this.statusCode = statusCode;
    this.headers = headers;
    this.chunks = [];
  }

  write(chunk: string): void {
    this.chunks.push(chunk);
  }

  whileSilent(): () => void {
    return () => {};
  }

  onClientGone(): void {}

  end(): Promise<void> {
    return Promise.resolve();
  }

  result(): APIGatewayProxyResult {
    return { statusCode: this.statusCode, headers: this.headers, body: this.chunks.join('') };
  }
}

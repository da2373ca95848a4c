/** Anything that emits 'drain' and 'close': a Writable, an http or http2 response. */
interface DrainableStream {
  on(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/**
 * Resolves when a stream whose `write()` returned false can take more (or has closed), leaving no listener behind:
 * backpressure without per-chunk cost, since callers only wait when the buffer is full.
 */
export function drainedOrClosed(stream: DrainableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

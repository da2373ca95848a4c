import type { Writable } from 'stream';
import { encodePrelude, type ResponseMetadata } from '../contract';

/**
 * The Lambda runtime's streaming API (`awslambda`), or a local stand-in that writes the same bytes, so that the
 * same bundle runs in Lambda, in tests and in the local runner.
 *
 * Bytes of an HTTP integration response: the metadata as JSON, 8 NUL bytes, then the body. As in the real runtime,
 * the metadata is written lazily, with the first `write()` (`write('')` sends it alone).
 */
export type { ResponseMetadata } from '../contract';

export type ResponseStream = Writable;

export type StreamingHandler<E, C> = (event: E, responseStream: ResponseStream, context: C) => Promise<void>;

interface LambdaStreamingRuntime {
  HttpResponseStream: { from(stream: ResponseStream, metadata: ResponseMetadata): ResponseStream };
  streamifyResponse<E, C>(handler: StreamingHandler<E, C>): StreamingHandler<E, C>;
}

const STREAMING_MARKER = Symbol.for('aws.lambda.runtime.handler.streaming');

export const localStreamingRuntime: LambdaStreamingRuntime = {
  HttpResponseStream: {
    from(stream, metadata) {
      const prelude = encodePrelude(metadata);
      const write = stream.write;
      stream.write = function writeWithPrelude(this: Writable, ...args: Parameters<Writable['write']>) {
        stream.write = write;
        (write as (chunk: Buffer) => boolean).call(stream, prelude);
        return write.apply(stream, args);
      } as Writable['write'];
      return stream;
    },
  },
  streamifyResponse(handler) {
    Object.defineProperty(handler, STREAMING_MARKER, { value: 'response' });
    return handler;
  },
};

/**
 * Lambda's runtime defines the `awslambda` global. The AWS SDK also creates a bare `globalThis.awslambda` (for its
 * invoke store) outside Lambda, so test for the streaming API itself, not for the global.
 */
const lambdaGlobal = (globalThis as unknown as { awslambda?: Partial<LambdaStreamingRuntime> }).awslambda;

export const streamingRuntime: LambdaStreamingRuntime =
  typeof lambdaGlobal?.streamifyResponse === 'function' && lambdaGlobal.HttpResponseStream
    ? (lambdaGlobal as LambdaStreamingRuntime)
    : localStreamingRuntime;

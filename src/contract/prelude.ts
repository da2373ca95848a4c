/**
 * The bytes of a streamed Lambda response behind API Gateway (response transfer mode STREAM): the metadata as JSON,
 * 8 NUL bytes, then the body. The handler's local runtime writes them; the local runner and tests read them.
 */
export interface ResponseMetadata {
  readonly statusCode: number;
  readonly headers?: Record<string, string>;
  readonly cookies?: string[];
}

/** The separator between the metadata and the body. */
export const PRELUDE_SEPARATOR = Buffer.alloc(8);

/** API Gateway fails the integration when the separator is not within the first 16 KB. */
export const MAX_PRELUDE_BYTES = 16 * 1024;

export function encodePrelude(metadata: ResponseMetadata): Buffer {
  return Buffer.concat([Buffer.from(JSON.stringify(metadata)), PRELUDE_SEPARATOR]);
}

/**
 * Splits the prelude from the bytes read so far: `undefined` while the separator has not arrived yet (the caller
 * keeps reading, up to MAX_PRELUDE_BYTES). Throws when the metadata is not JSON.
 */
export function splitPrelude(bytes: Buffer): { metadata: ResponseMetadata; body: Buffer } | undefined {
  const end = bytes.indexOf(PRELUDE_SEPARATOR);
  if (end < 0) {
    return undefined;
  }
  const metadata = JSON.parse(bytes.subarray(0, end).toString('utf8')) as ResponseMetadata;
  return { metadata, body: bytes.subarray(end + PRELUDE_SEPARATOR.length) };
}

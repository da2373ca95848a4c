/**
 * The HTTP layer every protocol shares: header lookup, and the body read as JSON with its size cap (413), content type
 * (415) and encoding checked first. Errors never quote the body.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { Errors, invalidRequest } from '../errors';
import { checkJsonDepth } from './json-depth';

/** Case-insensitive header lookup over API Gateway's `headers` (single values). */
export function header(event: Pick<APIGatewayProxyEvent, 'headers'>, name: string): string | undefined {
  const headers = event.headers ?? {};
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === wanted) {
      return headers[key] ?? undefined;
    }
  }
  return undefined;
}

/**
 * Checks size, content type and encoding, and parses the JSON body.
 * Throws ApiError (400, 413, 415); never includes any part of the body in the error.
 */
export function readJsonBody(event: APIGatewayProxyEvent, maxBytes: number): unknown {
  const body = readBody(event, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    // JSON.parse's message quotes the input: never pass it on.
    throw invalidRequest('invalid_json', 'The request body is not valid JSON.');
  }
  checkJsonDepth(value);
  return value;
}

function readBody(event: APIGatewayProxyEvent, maxBytes: number): string {
  const contentType = header(event, 'content-type');
  if (!isJsonContentType(contentType)) {
    throw Errors.unsupportedMediaType();
  }
  const body = cappedBody(event, maxBytes);
  if (body === undefined) {
    throw invalidRequest('missing_body', 'The request has no body. Send a JSON object.');
  }
  return typeof body === 'string' ? body : decodeUtf8(body);
}

/**
 * The body as API Gateway passed it, at most `maxBytes` (else 413): the string, or the bytes of a base64-encoded body
 * (400 when it is not base64); undefined when there is none. The size is checked before anything is decoded.
 */
export function cappedBody(event: APIGatewayProxyEvent, maxBytes: number): string | Buffer | undefined {
  const raw = event.body;
  if (raw === null || raw === undefined || raw === '') {
    return undefined;
  }
  if (event.isBase64Encoded) {
    // Reject on the encoded length first, so an oversized body is never decoded.
    if (raw.length > Math.ceil(maxBytes / 3) * 4 + 4) {
      throw Errors.tooLarge(maxBytes);
    }
    if (raw.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(raw)) {
      throw invalidRequest('invalid_base64', 'The request body is marked base64-encoded but is not valid base64.');
    }
    const bytes = Buffer.from(raw, 'base64');
    if (bytes.length > maxBytes) {
      throw Errors.tooLarge(maxBytes);
    }
    return bytes;
  }
  // A string of n UTF-16 units holds at least n bytes: check that before counting the bytes.
  if (raw.length > maxBytes || Buffer.byteLength(raw, 'utf8') > maxBytes) {
    throw Errors.tooLarge(maxBytes);
  }
  return raw;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw invalidRequest('invalid_encoding', 'The request body is not valid UTF-8.');
  }
}

function isJsonContentType(value: string | undefined): boolean {
  if (!value) {
    return false;
  }
  const [type, ...params] = value.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') {
    return false;
  }
  const charset = params.find((p) => p.startsWith('charset='));
  return charset === undefined || charset === 'charset=utf-8' || charset === 'charset="utf-8"';
}

/**
 * The native protocol: `{prompt}` or `{messages}` in; out, by Accept: SSE (default), NDJSON, plain text, or the whole
 * answer as one JSON object. Every event is one JSON-encoded line, so model text (newlines, `event:`, `data:`, NUL
 * bytes) can never forge or split an event.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { ChatEvent, ChatRequest, ChatSummary, Dialect, ResponseEncoder } from '../chat';
import type { HandlerConfig } from '../config';
import { header, readJsonBody } from '../http-request';
import { validateChatRequest } from './native-request';

export const nativeDialect: Dialect = {
  decode: (event: APIGatewayProxyEvent, config: HandlerConfig) =>
    validateChatRequest(readJsonBody(event, config.maxRequestBytes), config),
  streamEncoder: (event, request) => negotiateFormat(header(event, 'accept'))(request),
  bufferedEncoder: (request) => jsonAnswerEncoder(request),
};

type EncoderFactory = (request: ChatRequest) => ResponseEncoder;

/** Only text is shown; the other events are reported in `done` or not at all. */
const showText =
  (encode: (text: string) => string) =>
  (event: ChatEvent): string =>
    event.type === 'text' ? encode(event.text) : '';

export const sseEncoder: EncoderFactory = () => ({
  name: 'sse',
  contentType: 'text/event-stream; charset=utf-8',
  keepAlive: ': ping\n\n',
  // Built from the encoded string directly: no object per delta on the hot path.
  event: showText((text) => `event: delta\ndata: {"text":${JSON.stringify(text)}}\n\n`),
  done: (summary) => `event: done\ndata: ${JSON.stringify(summary)}\n\n`,
  error: (body) => `event: error\ndata: ${JSON.stringify(body)}\n\n`,
});

/** NDJSON. Keep-alive: a `{"type":"ping"}` line (a line type of its own, which readers skip like any unknown type). */
export const ndjsonEncoder: EncoderFactory = () => ({
  name: 'ndjson',
  contentType: 'application/x-ndjson; charset=utf-8',
  keepAlive: '{"type":"ping"}\n',
  event: showText((text) => `{"type":"delta","text":${JSON.stringify(text)}}\n`),
  done: (summary) => `${JSON.stringify({ type: 'done', ...summary })}\n`,
  error: (body) => `${JSON.stringify({ type: 'error', ...body })}\n`,
});

/**
 * Raw text: after output started, an error can only be told in-band, on a line of its own. No bytes can keep it
 * alive without changing the content, so the handler caps the model's silence instead.
 */
export const textEncoder: EncoderFactory = () => ({
  name: 'text',
  contentType: 'text/plain; charset=utf-8',
  event: showText((text) => text),
  done: () => '',
  error: (body) => `\n\n[error ${body.error.code}] ${body.error.message}\n`,
});

/**
 * The whole answer as one JSON object at the end (the buffered endpoint's body). On the streaming endpoint the
 * status is committed at the first content; keep-alive is whitespace before the object, which JSON ignores; an error
 * after that point is the error object instead of the answer.
 */
export const jsonAnswerEncoder: EncoderFactory = (request) => {
  const parts: string[] = [];
  return {
    name: 'json',
    contentType: 'application/json',
    keepAlive: '\n',
    event: (event) => {
      if (event.type === 'text') {
        parts.push(event.text);
      }
      return '';
    },
    done: (summary: ChatSummary) =>
      JSON.stringify({
        text: parts.join(''),
        stopReason: summary.stopReason,
        usage: summary.usage,
        modelId: request.modelId,
        latencyMs: summary.latencyMs,
      }),
    error: (body) => JSON.stringify(body),
  };
};

const BY_MEDIA_TYPE: Record<string, EncoderFactory> = {
  'text/event-stream': sseEncoder,
  'application/x-ndjson': ndjsonEncoder,
  'application/ndjson': ndjsonEncoder,
  'text/plain': textEncoder,
  'application/json': jsonAnswerEncoder,
};

/**
 * Picks the format from the Accept header: the supported type with the highest q-value, in the header's order on
 * ties. SSE when the header is absent, a wildcard, or names nothing supported.
 */
export function negotiateFormat(accept: string | undefined): EncoderFactory {
  if (!accept) {
    return sseEncoder;
  }
  let best: EncoderFactory | undefined;
  let bestQ = 0;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!(q > bestQ)) {
      continue;
    }
    const format = type === '*/*' || type === 'text/*' ? sseEncoder : BY_MEDIA_TYPE[type];
    if (format) {
      best = format;
      bestQ = q;
    }
  }
  return best ?? sseEncoder;
}

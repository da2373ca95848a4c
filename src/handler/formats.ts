import type { ErrorBody } from './errors';

/** What the stream reports when the model has finished. */
export interface StreamSummary {
  readonly stopReason: string | null;
  readonly usage: Usage;
  readonly latencyMs: number;
}

export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
}

/**
 * A response format of the streaming endpoint. Each method returns the exact bytes to write. Every event is one
 * JSON-encoded line, so model text (newlines, `event:`, `data:`, NUL bytes) can never forge or split an event.
 */
export interface StreamFormat {
  readonly name: 'sse' | 'ndjson' | 'text' | 'json';
  readonly contentType: string;
  /** True when the whole answer is sent at the end (the status can still reflect errors). */
  readonly wholeAnswer: boolean;
  /** Bytes that keep an idle connection open without changing the content, or undefined when the format has none. */
  readonly heartbeat?: string;
  delta(text: string): string;
  done(summary: StreamSummary): string;
  error(body: ErrorBody): string;
}

const SSE: StreamFormat = {
  name: 'sse',
  contentType: 'text/event-stream; charset=utf-8',
  wholeAnswer: false,
  // Built from the encoded string directly: no object per delta on the hot path.
  delta: (text) => `event: delta\ndata: {"text":${JSON.stringify(text)}}\n\n`,
  done: (summary) => `event: done\ndata: ${JSON.stringify(summary)}\n\n`,
  error: (body) => `event: error\ndata: ${JSON.stringify(body)}\n\n`,
  heartbeat: ': ping\n\n',
};

const NDJSON: StreamFormat = {
  name: 'ndjson',
  contentType: 'application/x-ndjson; charset=utf-8',
  wholeAnswer: false,
  delta: (text) => `{"type":"delta","text":${JSON.stringify(text)}}\n`,
  done: (summary) => `${JSON.stringify({ type: 'done', ...summary })}\n`,
  error: (body) => `${JSON.stringify({ type: 'error', ...body })}\n`,
};

/** Raw text: after output started, an error can only be told in-band, on a line of its own. */
const TEXT: StreamFormat = {
  name: 'text',
  contentType: 'text/plain; charset=utf-8',
  wholeAnswer: false,
  delta: (text) => text,
  done: () => '',
  error: (body) => `\n\n[error ${body.error.code}] ${body.error.message}\n`,
};

/** The whole answer as one JSON object at the end, like the buffered endpoint but without the 29 s limit. */
const JSON_ANSWER: StreamFormat = {
  name: 'json',
  contentType: 'application/json',
  wholeAnswer: true,
  delta: () => '',
  done: () => '',
  error: (body) => JSON.stringify(body),
};

const BY_MEDIA_TYPE: Record<string, StreamFormat> = {
  'text/event-stream': SSE,
  'application/x-ndjson': NDJSON,
  'application/ndjson': NDJSON,
  'text/plain': TEXT,
  'application/json': JSON_ANSWER,
};

/**
 * Picks the format from the Accept header: the supported type with the highest q-value, in the header's order on
 * ties. SSE when the header is absent, a wildcard, or names nothing supported.
 */
export function negotiateFormat(accept: string | undefined): StreamFormat {
  if (!accept) {
    return SSE;
  }
  let best: StreamFormat | undefined;
  let bestQ = 0;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!(q > bestQ)) {
      continue;
    }
    const format = type === '*/*' || type === 'text/*' ? SSE : BY_MEDIA_TYPE[type];
    if (format) {
      best = format;
      bestQ = q;
    }
  }
  return best ?? SSE;
}

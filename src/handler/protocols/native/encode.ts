/**
 * The native protocol: `{prompt}` or `{messages}` in; out, by Accept: SSE (default), NDJSON, plain text, or the whole
 * answer as one JSON object. Every event is one JSON-encoded line, so model text (newlines, `event:`, `data:`, NUL
 * bytes) can never forge or split an event.
 */
import { publicModelId, type ChatEvent, type ChatRequest, type ChatSummary, type ResponseEncoder } from '../../chat';

export type EncoderFactory = (request: ChatRequest) => ResponseEncoder;
type ReasoningEvent = Extract<ChatEvent, { type: 'reasoning' }>;
type ToolUseEvent = Extract<ChatEvent, { type: 'toolUse' }>;

/** A reasoning event's one field: a text chunk, the block's signature, or redacted reasoning (base64). */
function reasoningFields(event: ReasoningEvent): Record<string, string> {
  if (event.text !== undefined) {
    return { text: event.text };
  }
  return event.signature !== undefined
    ? { signature: event.signature }
    : { redactedContent: event.redactedContent ?? '' };
}

const toolUseFields = (event: ToolUseEvent) => ({ toolUseId: event.toolUseId, name: event.name, input: event.input });

/**
 * The events other than text that the native formats show, as their type name and fields; undefined for the framing
 * events (block start and stop), and for stop and usage, which `done` reports.
 */
function modelEvent(event: ChatEvent): [type: 'reasoning' | 'tool_use', fields: object] | undefined {
  if (event.type === 'reasoning') {
    return ['reasoning', reasoningFields(event)];
  }
  return event.type === 'toolUse' ? ['tool_use', toolUseFields(event)] : undefined;
}

export const sseEncoder: EncoderFactory = () => ({
  name: 'sse',
  contentType: 'text/event-stream; charset=utf-8',
  keepAlive: ': ping\n\n',
  event: (event) => {
    if (event.type === 'text') {
      // Built from the encoded string directly: no object per delta on the hot path.
      return `event: delta\ndata: {"text":${JSON.stringify(event.text)}}\n\n`;
    }
    const shown = modelEvent(event);
    return shown ? `event: ${shown[0]}\ndata: ${JSON.stringify(shown[1])}\n\n` : '';
  },
  done: (summary) => `event: done\ndata: ${JSON.stringify(summary)}\n\n`,
  error: (body) => `event: error\ndata: ${JSON.stringify(body)}\n\n`,
});

/** NDJSON. Keep-alive: a `{"type":"ping"}` line (a line type of its own, which readers skip like any unknown type). */
export const ndjsonEncoder: EncoderFactory = () => ({
  name: 'ndjson',
  contentType: 'application/x-ndjson; charset=utf-8',
  keepAlive: '{"type":"ping"}\n',
  event: (event) => {
    if (event.type === 'text') {
      return `{"type":"delta","text":${JSON.stringify(event.text)}}\n`;
    }
    const shown = modelEvent(event);
    return shown ? `${JSON.stringify({ type: shown[0], ...shown[1] })}\n` : '';
  },
  done: (summary) => `${JSON.stringify({ type: 'done', ...summary })}\n`,
  error: (body) => `${JSON.stringify({ type: 'error', ...body })}\n`,
});

/**
 * Raw text: the text deltas only (reasoning and tool calls have no place in plain text). After output started, an
 * error can only be told in-band, on a line of its own. No bytes can keep it alive without changing the content, so
 * the handler caps the model's silence instead.
 */
export const textEncoder: EncoderFactory = () => ({
  name: 'text',
  contentType: 'text/plain; charset=utf-8',
  event: (event) => (event.type === 'text' ? event.text : ''),
  done: () => '',
  error: (body) => `\n\n[error ${body.error.code}] ${body.error.message}\n`,
});

/**
 * A reasoning block of the JSON answer, in Converse's own shape: a client sends it back as
 * `{"reasoningContent": <block>}` in a tool-use turn.
 */
type ReasoningBlock = { reasoningText: { text: string; signature?: string } } | { redactedContent: string };

/** The JSON answer's parts, gathered per content block. */
class AnswerParts {
  readonly text: string[] = [];
  readonly reasoning: ReasoningBlock[] = [];
  readonly toolUses: Array<ReturnType<typeof toolUseFields>> = [];
  private reasoningText: { text: string; signature?: string } | undefined;
  private reasoningIndex = -1;

  add(event: ChatEvent): void {
    if (event.type === 'text') {
      this.text.push(event.text);
    } else if (event.type === 'toolUse') {
      this.toolUses.push(toolUseFields(event));
    } else if (event.type === 'reasoning') {
      this.addReasoning(event);
    }
  }

  private addReasoning(event: ReasoningEvent): void {
    if (event.redactedContent !== undefined) {
      this.reasoning.push({ redactedContent: event.redactedContent });
      return;
    }
    if (!this.reasoningText || this.reasoningIndex !== event.index) {
      this.reasoningText = { text: '' };
      this.reasoningIndex = event.index;
      this.reasoning.push({ reasoningText: this.reasoningText });
    }
    this.reasoningText.text += event.text ?? '';
    if (event.signature !== undefined) {
      this.reasoningText.signature = event.signature;
    }
  }
}

/**
 * The whole answer as one JSON object at the end (the buffered endpoint's body): the text, and when the model
 * produced them its reasoning blocks and tool calls. On the streaming endpoint nothing is sent before the end unless the
 * model is silent long enough for a keep-alive: the status is then committed and the keep-alive is whitespace before
 * the object, which JSON ignores; an error after that point is the error object instead of the answer.
 */
export const jsonAnswerEncoder: EncoderFactory = (request) => {
  const parts = new AnswerParts();
  let modelId = publicModelId(request.modelId);
  return {
    name: 'json',
    contentType: 'application/json',
    keepAlive: '\n',
    answeredBy: (answering) => {
      modelId = answering;
    },
    event: (event) => {
      parts.add(event);
      return '';
    },
    done: (summary: ChatSummary) =>
      JSON.stringify({
        text: parts.text.join(''),
        reasoning: parts.reasoning.length ? parts.reasoning : undefined,
        toolUses: parts.toolUses.length ? parts.toolUses : undefined,
        stopReason: summary.stopReason,
        usage: summary.usage,
        modelId,
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

/**
 * OpenAI Responses' answer: the streaming events (`stream: true`), each with its `sequence_number`, or one Response
 * object. Both build the same output items from the model's events: a `message` item per text block, a `reasoning`
 * item per reasoning block (its signature as `encrypted_content` when the caller included it), a `function_call` item
 * per tool call. Errors before output are the API's error body, which has OpenAI's `{"error": {...}}` shape.
 *
 * Event order (what openai-node's ResponseStream and Codex read): response.created, response.in_progress, then per
 * item output_item.added, its parts and deltas, output_item.done; then response.completed, or response.incomplete
 * (max tokens, content filter), or after a failure response.failed and an `error` event.
 */
import type { ChatEvent, ChatSummary, ResponseEncoder, Usage } from '../../chat';
import type { ErrorBody } from '../../errors';

/** What the response repeats: its id, creation time, the model as the caller named it, and the answer's options. */
export interface ResponseInfo {
  readonly id: string;
  /** Unix seconds. */
  readonly createdAt: number;
  readonly model: string;
  readonly maxOutputTokens: number;
  /** Reasoning items carry the model's signature (or redacted reasoning) as `encrypted_content`. */
  readonly encryptedReasoning: boolean;
  /** The reasoning is streamed as a summary part too (the caller asked for `reasoning.summary`). */
  readonly reasoningSummary: boolean;
}

/** Usage in OpenAI's terms: input counts every input token, cache reads and writes included. */
export function responsesUsage(usage: Usage) {
  const inputTokens = usage.inputTokens + usage.cacheReadInputTokens + usage.cacheWriteInputTokens;
  return {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: usage.cacheReadInputTokens },
    output_tokens: usage.outputTokens,
    // Bedrock does not count reasoning tokens apart: they are in output_tokens.
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: inputTokens + usage.outputTokens,
  };
}

/** The response's status for Bedrock's stop reason, and why it is incomplete. */
function ending(stopReason: string): { status: 'completed' | 'incomplete'; reason?: string } {
  switch (stopReason) {
    case 'max_tokens':
      return { status: 'incomplete', reason: 'max_output_tokens' };
    case 'guardrail_intervened':
    case 'content_filtered':
      return { status: 'incomplete', reason: 'content_filter' };
    default:
      return { status: 'completed' };
  }
}

type Fields = Record<string, unknown>;

/** A text or reasoning block being written: its item, and what it has said so far. */
interface OpenItem {
  readonly kind: 'message' | 'reasoning';
  readonly id: string;
  readonly outputIndex: number;
  readonly texts: string[];
  /** The reasoning text part was announced (content_part.added). */
  partOpen: boolean;
  signature?: string;
  redactedContent?: string;
  /** For text deltas, the hot path: the event's JSON between the sequence number and the delta. */
  readonly deltaFields: string;
}

const TEXT_DELTA_HEAD =
  'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":';
const TEXT_DELTA_TAIL = ',"logprobs":[]}\n\n';
const CONTENT_EVENTS: ReadonlyArray<ChatEvent['type']> = ['text', 'reasoning', 'toolUse'];
const ID_PREFIX: Record<OpenItem['kind'] | 'function_call', string> = {
  message: 'msg',
  reasoning: 'rs',
  function_call: 'fc',
};

/**
 * The output items built from the model's events, and (when `render` is on) the streaming events that announce them,
 * numbered in order. The non-streaming answer uses the same items without rendering.
 */
class OutputItems {
  /** The completed items by output index. */
  private readonly done = new Map<number, Fields>();
  private readonly open = new Map<number, OpenItem>();
  /** What item ids share: the response's id without its prefix. */
  private readonly idBase: string;
  private sequence = 0;
  private started = false;

  constructor(
    private info: ResponseInfo,
    private readonly render: boolean,
  ) {
    this.idBase = info.id.replace(/^resp_/, '');
  }

  /** The completed items, in output order. */
  get output(): Fields[] {
    return [...this.done.keys()].sort((a, b) => a - b).map((index) => this.done.get(index)!);
  }

  /** The next item's output index: items are numbered as they open. */
  private nextIndex(): number {
    return this.done.size + this.open.size;
  }

  /**
   * The events of one model event ('' for none), after the response's opening events when these come first: content
   * always writes; a block start or stop writes only for an item already announced.
   */
  add(event: ChatEvent): string {
    const opening = CONTENT_EVENTS.includes(event.type) ? this.opening() : '';
    return opening + this.eventsOf(event);
  }

  /** Closes what is open (Bedrock closes every block; this is for a stream cut short), then the terminal events. */
  finish(terminal: (items: OutputItems) => string): string {
    const closing = [...this.open.keys()].map((index) => this.close(index)).join('');
    return this.opening() + closing + terminal(this);
  }

  /** One streaming event, numbered ('' when not rendering). */
  sse(type: string, fields: Fields): string {
    if (!this.render) {
      this.sequence++;
      return '';
    }
    const data = JSON.stringify({ type, sequence_number: this.sequence++, ...fields });
    return `event: ${type}\ndata: ${data}\n\n`;
  }

  /** Another model answers (a fallback): the Response names it. */
  answeredBy(model: string): void {
    this.info = { ...this.info, model };
  }

  /** The Response object in a given state. */
  response(status: string, extra: Fields = {}): Fields {
    const { info } = this;
    return {
      id: info.id,
      object: 'response',
      created_at: info.createdAt,
      status,
      background: false,
      error: null,
      incomplete_details: null,
      instructions: null,
      max_output_tokens: info.maxOutputTokens,
      model: info.model,
      output: status === 'in_progress' ? [] : this.output,
      parallel_tool_calls: true,
      previous_response_id: null,
      reasoning: { effort: null, summary: null },
      store: false,
      temperature: null,
      text: { format: { type: 'text' } },
      tool_choice: 'auto',
      tools: [],
      top_p: null,
      truncation: 'disabled',
      usage: null,
      metadata: {},
      ...extra,
    };
  }

  private opening(): string {
    if (this.started) {
      return '';
    }
    this.started = true;
    const response = this.response('in_progress');
    return this.sse('response.created', { response }) + this.sse('response.in_progress', { response });
  }

  private eventsOf(event: ChatEvent): string {
    switch (event.type) {
      case 'text':
        return this.textDelta(event.index, event.text);
      case 'reasoning':
        return this.reasoning(event);
      case 'toolUse':
        return this.functionCall(event);
      case 'blockStop':
        return this.close(event.index);
      default:
        return '';
    }
  }

  private textDelta(index: number, text: string): string {
    const { item, added } = this.item(index, 'message');
    item.texts.push(text);
    if (!this.render) {
      this.sequence++;
      return '';
    }
    // Built from strings made once per item: no object per delta on the hot path.
    return added + TEXT_DELTA_HEAD + this.sequence++ + item.deltaFields + JSON.stringify(text) + TEXT_DELTA_TAIL;
  }

  private reasoning(event: Extract<ChatEvent, { type: 'reasoning' }>): string {
    const { item, added } = this.item(event.index, 'reasoning');
    item.signature = event.signature ?? item.signature;
    item.redactedContent = event.redactedContent ?? item.redactedContent;
    if (event.text === undefined) {
      return added;
    }
    item.texts.push(event.text);
    const where = { item_id: item.id, output_index: item.outputIndex };
    return (
      added +
      this.reasoningParts(item) +
      this.sse('response.reasoning_text.delta', { ...where, content_index: 0, delta: event.text }) +
      (this.info.reasoningSummary
        ? this.sse('response.reasoning_summary_text.delta', { ...where, summary_index: 0, delta: event.text })
        : '')
    );
  }

  /** The reasoning text part (and the summary part) are announced before the first reasoning delta. */
  private reasoningParts(item: OpenItem): string {
    if (item.partOpen) {
      return '';
    }
    item.partOpen = true;
    const where = { item_id: item.id, output_index: item.outputIndex };
    return (
      this.sse('response.content_part.added', {
        ...where,
        content_index: 0,
        part: { type: 'reasoning_text', text: '' },
      }) +
      (this.info.reasoningSummary
        ? this.sse('response.reasoning_summary_part.added', {
            ...where,
            summary_index: 0,
            part: { type: 'summary_text', text: '' },
          })
        : '')
    );
  }

  /** A complete tool call: its item added, its arguments in one delta, done. */
  private functionCall(event: Extract<ChatEvent, { type: 'toolUse' }>): string {
    const outputIndex = this.nextIndex();
    const id = `${ID_PREFIX.function_call}_${this.idBase}_${outputIndex}`;
    const args = JSON.stringify(event.input);
    const item = { id, type: 'function_call', status: 'completed', call_id: event.toolUseId, name: event.name };
    const where = { item_id: id, output_index: outputIndex };
    this.done.set(outputIndex, { ...item, arguments: args });
    return (
      this.sse('response.output_item.added', {
        output_index: outputIndex,
        item: { ...item, status: 'in_progress', arguments: '' },
      }) +
      this.sse('response.function_call_arguments.delta', { ...where, delta: args }) +
      this.sse('response.function_call_arguments.done', { ...where, arguments: args }) +
      this.sse('response.output_item.done', { output_index: outputIndex, item: { ...item, arguments: args } })
    );
  }

  /** The open item of a block, opened (and announced) on its first event. */
  private item(index: number, kind: OpenItem['kind']): { item: OpenItem; added: string } {
    const existing = this.open.get(index);
    if (existing) {
      return { item: existing, added: '' };
    }
    const outputIndex = this.nextIndex();
    const id = `${ID_PREFIX[kind]}_${this.idBase}_${outputIndex}`;
    const deltaFields = `,"item_id":${JSON.stringify(id)},"output_index":${outputIndex},"content_index":0,"delta":`;
    const item: OpenItem = { kind, id, outputIndex, texts: [], partOpen: kind === 'message', deltaFields };
    this.open.set(index, item);
    const announced =
      kind === 'message'
        ? { id, type: 'message', status: 'in_progress', role: 'assistant', content: [] }
        : { id, type: 'reasoning', summary: [] };
    const added = this.sse('response.output_item.added', { output_index: outputIndex, item: announced });
    const part =
      kind === 'message'
        ? this.sse('response.content_part.added', {
            item_id: id,
            output_index: outputIndex,
            content_index: 0,
            part: outputText(''),
          })
        : '';
    return { item, added: added + part };
  }

  /** A block's item is complete: its parts done, the item done. */
  private close(index: number): string {
    const item = this.open.get(index);
    if (!item) {
      return '';
    }
    this.open.delete(index);
    const text = item.texts.join('');
    const final = item.kind === 'message' ? this.messageItem(item, text) : this.reasoningItem(item, text);
    this.done.set(item.outputIndex, final);
    const where = { item_id: item.id, output_index: item.outputIndex };
    const parts =
      item.kind === 'message'
        ? this.sse('response.output_text.done', { ...where, content_index: 0, text, logprobs: [] }) +
          this.sse('response.content_part.done', { ...where, content_index: 0, part: outputText(text) })
        : this.reasoningPartsDone(item, text);
    return parts + this.sse('response.output_item.done', { output_index: item.outputIndex, item: final });
  }

  private reasoningPartsDone(item: OpenItem, text: string): string {
    if (!item.partOpen) {
      return '';
    }
    const where = { item_id: item.id, output_index: item.outputIndex };
    const summary = { type: 'summary_text', text };
    return (
      this.sse('response.reasoning_text.done', { ...where, content_index: 0, text }) +
      this.sse('response.content_part.done', { ...where, content_index: 0, part: { type: 'reasoning_text', text } }) +
      (this.info.reasoningSummary
        ? this.sse('response.reasoning_summary_text.done', { ...where, summary_index: 0, text }) +
          this.sse('response.reasoning_summary_part.done', { ...where, summary_index: 0, part: summary })
        : '')
    );
  }

  private messageItem(item: OpenItem, text: string): Fields {
    return { id: item.id, type: 'message', status: 'completed', role: 'assistant', content: [outputText(text)] };
  }

  /** Reasoning as the caller sends it back: the text, and the signature only when asked for (`include`). */
  private reasoningItem(item: OpenItem, text: string): Fields {
    const summarized = this.info.reasoningSummary && text !== '';
    return {
      id: item.id,
      type: 'reasoning',
      summary: summarized ? [{ type: 'summary_text', text }] : [],
      ...(text !== '' && { content: [{ type: 'reasoning_text', text }] }),
      encrypted_content: this.info.encryptedReasoning ? (item.signature ?? item.redactedContent ?? null) : null,
      status: 'completed',
    };
  }
}

const outputText = (text: string) => ({ type: 'output_text', text, annotations: [], logprobs: [] });

/** The error a response carries, and the `error` event's fields: the API's code and fixed message. */
const responseError = (body: ErrorBody) => ({ code: body.error.code, message: body.error.message });

/** The finished response: completed, or incomplete with the reason, and the usage. */
function finalResponse(items: OutputItems, summary: ChatSummary): Fields {
  const { status, reason } = ending(summary.stopReason);
  return items.response(status, {
    incomplete_details: reason === undefined ? null : { reason },
    usage: responsesUsage(summary.usage),
  });
}

/**
 * Streaming: SSE events with `event:` and `data:` lines, no `[DONE]`. The opening events go out with the first output,
 * so that a failure before it keeps its real status.
 */
export function sseEncoder(info: ResponseInfo): ResponseEncoder {
  const items = new OutputItems(info, true);
  return {
    name: 'openai-responses-sse',
    contentType: 'text/event-stream; charset=utf-8',
    keepAlive: ': ping\n\n',
    answeredBy: (model) => items.answeredBy(model),
    event: (event) => items.add(event),
    done: (summary) =>
      items.finish((done) => {
        const response = finalResponse(done, summary);
        return done.sse(`response.${response.status}`, { response });
      }),
    error: (body) =>
      items.finish(
        (done) =>
          done.sse('response.failed', { response: done.response('failed', { error: responseError(body) }) }) +
          done.sse('error', { ...responseError(body), param: body.error.param }),
      ),
  };
}

/**
 * Non-streaming: one Response object at the end. Keep-alive is whitespace before it (JSON ignores it); an error after
 * the status was committed is OpenAI's error object instead of the response.
 */
export function jsonEncoder(info: ResponseInfo): ResponseEncoder {
  const items = new OutputItems(info, false);
  return {
    name: 'openai-responses-json',
    contentType: 'application/json',
    keepAlive: '\n',
    answeredBy: (model) => items.answeredBy(model),
    event: (event) => {
      items.add(event);
      return '';
    },
    done: (summary) => {
      items.finish(() => '');
      return JSON.stringify(finalResponse(items, summary));
    },
    error: (body) =>
      JSON.stringify({
        error: { message: body.error.message, type: body.error.type, code: body.error.code, param: body.error.param },
      }),
  };
}

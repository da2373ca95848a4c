/**
 * OpenAI Chat Completions' answer: `chat.completion.chunk` SSE events (`stream: true`) or one `chat.completion` JSON
 * object. Errors before output are the API's error body, which already has OpenAI's
 * `{"error": {message, type, param, code}}` shape.
 *
 * Reasoning text is streamed as `delta.reasoning_content`. Reasoning signatures and redacted reasoning have no place
 * in this protocol and are dropped: a Claude conversation that combines extended thinking with tool calls (which
 * must send them back) needs the native endpoint.
 */
import type { ChatEvent, ChatSummary, ResponseEncoder, Usage } from '../../chat';
import type { ErrorBody } from '../../errors';

/** What every chunk (or the completion) repeats: its id, creation time and the model as the caller named it. */
export interface AnswerInfo {
  readonly id: string;
  /** Unix seconds. */
  readonly created: number;
  readonly model: string;
}

/** Bedrock's stop reason as OpenAI's finish reason (`stop` for any other, e.g. a stop the model ended by itself). */
export function finishReason(stopReason: string): 'stop' | 'length' | 'tool_calls' | 'content_filter' {
  switch (stopReason) {
    case 'max_tokens':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/** Usage in OpenAI's terms: the prompt counts every input token, cache reads and writes included. */
export function openAiUsage(usage: Usage) {
  const promptTokens = usage.inputTokens + usage.cacheReadInputTokens + usage.cacheWriteInputTokens;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: promptTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cacheReadInputTokens },
  };
}

type ToolUseEvent = Extract<ChatEvent, { type: 'toolUse' }>;

/** A tool call as OpenAI shows it: arguments as a JSON string. */
const toolCall = (event: ToolUseEvent) => ({
  id: event.toolUseId,
  type: 'function' as const,
  function: { name: event.name, arguments: JSON.stringify(event.input) },
});

/** The error object OpenAI's client reads (mid-stream, and as the non-streaming body after output). */
const openAiError = (body: ErrorBody) => ({
  error: { message: body.error.message, type: body.error.type, code: body.error.code, param: body.error.param },
});

/**
 * Streaming: `data: <chunk>` events, no `event:` lines, ending with `data: [DONE]`. The first chunk carries the role;
 * each complete tool call is one delta (its arguments whole); the finish reason comes in a chunk of its own, then the
 * usage chunk (`choices: []`) when the caller asked for it.
 */
export function chunkEncoder(answer: AnswerInfo, includeUsage: boolean): ResponseEncoder {
  const headOf = (model: string) =>
    `data: {"id":${JSON.stringify(answer.id)},"object":"chat.completion.chunk","created":${answer.created},"model":${JSON.stringify(model)},"choices":`;
  let head = headOf(answer.model);
  const choice = (delta: string, finish: string | null = null) =>
    `${head}[{"index":0,"delta":${delta},"finish_reason":${JSON.stringify(finish)},"logprobs":null}]}\n\n`;
  // A text delta, the hot path: the same bytes as choice(), from two strings made once.
  let textHead = `${head}[{"index":0,"delta":{"content":`;
  const textTail = '},"finish_reason":null,"logprobs":null}]}\n\n';
  let started = false;
  let toolCalls = 0;
  // The role comes first, once, before any other delta.
  const withRole = (chunk: string) => {
    if (started) {
      return chunk;
    }
    started = true;
    return choice('{"role":"assistant","content":""}') + chunk;
  };
  const delta = (event: ChatEvent): string => {
    switch (event.type) {
      case 'text':
        // Built from the encoded string directly: no object per delta on the hot path.
        return textHead + JSON.stringify(event.text) + textTail;
      case 'reasoning':
        return event.text === undefined ? '' : choice(`{"reasoning_content":${JSON.stringify(event.text)}}`);
      case 'toolUse':
        return choice(JSON.stringify({ tool_calls: [{ index: toolCalls++, ...toolCall(event) }] }));
      default:
        return '';
    }
  };
  return {
    name: 'openai-sse',
    contentType: 'text/event-stream; charset=utf-8',
    keepAlive: ': ping\n\n',
    answeredBy: (model) => {
      head = headOf(model);
      textHead = `${head}[{"index":0,"delta":{"content":`;
    },
    event: (event) => {
      const chunk = delta(event);
      return chunk === '' ? '' : withRole(chunk);
    },
    done: (summary: ChatSummary) =>
      withRole(choice('{}', finishReason(summary.stopReason))) +
      (includeUsage ? `${head}[],"usage":${JSON.stringify(openAiUsage(summary.usage))}}\n\n` : '') +
      'data: [DONE]\n\n',
    error: (body) => `data: ${JSON.stringify(openAiError(body))}\n\ndata: [DONE]\n\n`,
  };
}

/**
 * Non-streaming: one `chat.completion` object at the end. Keep-alive is whitespace before it (JSON ignores it); an
 * error after the status was committed is OpenAI's error object instead of the completion.
 */
export function completionEncoder(answer: AnswerInfo): ResponseEncoder {
  let model = answer.model;
  const text: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: Array<ReturnType<typeof toolCall>> = [];
  return {
    name: 'openai-json',
    contentType: 'application/json',
    keepAlive: '\n',
    answeredBy: (answering) => {
      model = answering;
    },
    event: (event) => {
      if (event.type === 'text') {
        text.push(event.text);
      } else if (event.type === 'reasoning' && event.text !== undefined) {
        reasoning.push(event.text);
      } else if (event.type === 'toolUse') {
        toolCalls.push(toolCall(event));
      }
      return '';
    },
    done: (summary) =>
      JSON.stringify({
        id: answer.id,
        object: 'chat.completion',
        created: answer.created,
        model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: text.length ? text.join('') : null,
              reasoning_content: reasoning.length ? reasoning.join('') : undefined,
              tool_calls: toolCalls.length ? toolCalls : undefined,
              refusal: null,
            },
            finish_reason: finishReason(summary.stopReason),
            logprobs: null,
          },
        ],
        usage: openAiUsage(summary.usage),
      }),
    error: (body) => JSON.stringify(openAiError(body)),
  };
}

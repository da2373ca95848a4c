/**
 * The neutral chat model between the protocols (dialects) and Bedrock: a dialect decodes its request into a
 * ChatRequest and encodes ChatEvents into its bytes; converse.ts turns ConverseStream into ChatEvents.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { HandlerConfig } from './config';
import type { ErrorBody } from './errors';

/** A validated request, ready for ConverseStream. */
export interface ChatRequest {
  readonly modelId: string;
  readonly messages: ChatMessage[];
  readonly maxTokens: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly stopSequences?: string[];
}

export interface ChatMessage {
  readonly role: 'user' | 'assistant';
  readonly content: Array<{ text: string }>;
}

export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
}

/**
 * What the model produces, in order. New kinds (reasoning, tool use) are new members: encoders ignore the kinds
 * they do not show, so adding one does not touch the callers.
 */
export type ChatEvent =
  /** A content block begins (before its first delta): the answer has content, the status can be committed. */
  | { readonly type: 'blockStart'; readonly index: number }
  | { readonly type: 'text'; readonly text: string }
  /** The model's reasoning (DeepSeek R1 reasons by default); no native format shows it yet. */
  | { readonly type: 'reasoning'; readonly text: string }
  | { readonly type: 'stop'; readonly stopReason: string }
  | {
      readonly type: 'usage';
      readonly usage: Usage;
      /** Bedrock's own latency for the call, when reported. */
      readonly modelLatencyMs?: number;
      readonly guardrailTrace?: unknown;
    };

/** Events that carry or announce answer content (the status is committed at the first one). */
export function isContent(event: ChatEvent): boolean {
  return event.type === 'blockStart' || event.type === 'text' || event.type === 'reasoning';
}

/** What a response reports when the model has finished. */
export interface ChatSummary {
  readonly stopReason: string;
  readonly usage: Usage;
  readonly latencyMs: number;
}

/** The bytes of one response format. Each method returns the exact string to write ('' for nothing). */
export interface ResponseEncoder {
  /** The format's name in the log line (e.g. `sse`). */
  readonly name: string;
  readonly contentType: string;
  /**
   * Bytes a client ignores, written while the model is silent so that API Gateway's idle timeout never cuts the
   * answer; undefined when the format has none (the handler then caps the silence instead).
   */
  readonly keepAlive?: string;
  event(event: ChatEvent): string;
  done(summary: ChatSummary): string;
  /** The terminal error, written after the status was committed. */
  error(body: ErrorBody): string;
}

/** A client protocol: how a request is read and how the answer is written. One dialect never touches another. */
export interface Dialect {
  /** The neutral request; throws ApiError (400, 413, 415) that never quotes the body. */
  decode(event: APIGatewayProxyEvent, config: HandlerConfig): ChatRequest;
  /** The streaming endpoint's encoder for this request (e.g. chosen by Accept). */
  streamEncoder(event: APIGatewayProxyEvent, request: ChatRequest): ResponseEncoder;
  /** The buffered endpoint's encoder: the whole answer as one body. */
  bufferedEncoder(request: ChatRequest): ResponseEncoder;
}

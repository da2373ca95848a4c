/**
 * The neutral chat model between the protocols and the backends: a protocol decodes its request into a ChatRequest
 * and encodes ChatEvents into its bytes; a backend (backends/bedrock) turns the model's stream into ChatEvents.
 *
 * Content blocks mirror Bedrock Converse's own shapes (bytes already decoded from base64 and validated), so that the
 * request reaches Bedrock unchanged and every protocol maps to the same vocabulary.
 */
import type { ErrorBody } from './errors';

/** A validated request, ready for ConverseStream. */
export interface ChatRequest {
  readonly modelId: string;
  readonly messages: ChatMessage[];
  readonly maxTokens: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly stopSequences?: string[];
  /** Client-side tools the model may ask for (the caller runs them). */
  readonly tools?: ChatTool[];
  readonly toolChoice?: ChatToolChoice;
  /** The JSON schema the answer's text must follow (structured output), checked by request/output-schema.ts. */
  readonly outputSchema?: ChatOutputSchema;
  /**
   * The caller's own system messages (OpenAI `system`/`developer`, AI SDK `system`, Anthropic `system`), only where the
   * operator allows them. They follow the operator's system prompt; they never replace it. A cache point among them
   * is one the caller placed (Anthropic's `cache_control`).
   */
  readonly callerSystem?: readonly (string | ChatCachePoint)[];
  /**
   * Model request fields the caller's protocol asks for (Claude's `thinking`, `top_k`, `anthropic_beta`), sent in
   * Converse's `additionalModelRequestFields` under the operator's own (the operator's win on a shared key).
   */
  readonly modelFields?: Readonly<Record<string, unknown>>;
  /** What a protocol's documented rule left out of the caller's request (field names only), for the log line. */
  readonly dropped?: readonly string[];
}

/**
 * A cache point a caller placed (Anthropic's `cache_control`): Bedrock caches the prompt up to it. The Bedrock
 * backend keeps at most Bedrock's 4 per request (see backends/bedrock/converse-input.ts).
 */
export interface ChatCachePoint {
  readonly cachePoint: { readonly type: 'default' };
}

export interface ChatMessage {
  readonly role: 'user' | 'assistant';
  readonly content: ChatContentBlock[];
}

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';
export type DocumentFormat = 'pdf' | 'csv' | 'doc' | 'docx' | 'xls' | 'xlsx' | 'html' | 'txt' | 'md';

/** One block of a message, in Converse's shape. Which roles may carry which block: request/content.ts. */
export type ChatContentBlock =
  | { readonly text: string }
  | { readonly image: { readonly format: ImageFormat; readonly source: { readonly bytes: Uint8Array } } }
  | {
      readonly document: {
        readonly format: DocumentFormat;
        readonly name: string;
        readonly source: { readonly bytes: Uint8Array };
      };
    }
  | { readonly toolUse: { readonly toolUseId: string; readonly name: string; readonly input: Record<string, unknown> } }
  | {
      readonly toolResult: {
        readonly toolUseId: string;
        readonly content: Array<{ readonly text: string } | { readonly json: unknown }>;
        readonly status?: 'success' | 'error';
      };
    }
  | ChatCachePoint
  | {
      readonly reasoningContent:
        | { readonly reasoningText: { readonly text: string; readonly signature?: string } }
        | { readonly redactedContent: Uint8Array };
    };

/** Structured output: the answer's text is one JSON value valid against `schema` (Converse `outputConfig`). */
export interface ChatOutputSchema {
  readonly name: string;
  readonly description?: string;
  /** A JSON schema (an object). */
  readonly schema: Record<string, unknown>;
}

export interface ChatTool {
  readonly name: string;
  readonly description?: string;
  /** A JSON schema (an object). */
  readonly inputSchema: Record<string, unknown>;
  /** A cache point follows this tool (the caller placed it: Anthropic's `cache_control`). */
  readonly cachePoint?: boolean;
  /** Strict tool use: the model's calls follow the schema exactly (Converse `toolSpec.strict`). */
  readonly strict?: boolean;
}

export type ChatToolChoice = 'auto' | 'any' | { readonly tool: string };

export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
  /** Input tokens read from the prompt cache (not counted in inputTokens). 0 when none. */
  readonly cacheReadInputTokens: number;
  /** Input tokens written to the prompt cache. 0 when none. */
  readonly cacheWriteInputTokens: number;
}

/**
 * What the model produces, in order. Encoders ignore the kinds they do not show, so adding a kind does not touch
 * the callers. `index` is Bedrock's content block index: a protocol that frames blocks (start/end) uses it.
 */
export type ChatEvent =
  /** A content block begins (it may stay empty: no byte of the answer yet). Tool blocks name their tool. */
  | {
      readonly type: 'blockStart';
      readonly index: number;
      readonly toolUse?: { readonly toolUseId: string; readonly name: string };
    }
  | { readonly type: 'text'; readonly index: number; readonly text: string }
  /**
   * The model's reasoning: exactly one of `text` (a chunk), `signature` (sent once the reasoning block is complete;
   * a client returns it unchanged in tool-use turns) or `redactedContent` (base64; encrypted reasoning to send back).
   */
  | {
      readonly type: 'reasoning';
      readonly index: number;
      readonly text?: string;
      readonly signature?: string;
      readonly redactedContent?: string;
    }
  /** A complete tool call: its input assembled from the deltas and parsed once. */
  | {
      readonly type: 'toolUse';
      readonly index: number;
      readonly toolUseId: string;
      readonly name: string;
      readonly input: unknown;
    }
  | { readonly type: 'blockStop'; readonly index: number }
  | { readonly type: 'stop'; readonly stopReason: string }
  | {
      readonly type: 'usage';
      readonly usage: Usage;
      /** Bedrock's own latency for the call, when reported. */
      readonly modelLatencyMs?: number;
      readonly guardrailTrace?: unknown;
    };

/**
 * The model id as a response may show it. An ARN (an application inference profile) names the operator's account:
 * only its resource part is shown (`application-inference-profile/abc123`), never the account id or the ARN.
 */
export function publicModelId(modelId: string): string {
  return modelId.startsWith('arn:') ? modelId.split(':').slice(5).join(':') : modelId;
}

/** What a response reports when the model has finished. */
export interface ChatSummary {
  readonly stopReason: string;
  readonly usage: Usage;
  readonly latencyMs: number;
}

/**
 * The bytes of one response format. Each method returns the exact string to write ('' for nothing): the status is
 * committed at the first non-empty string, so an event that writes nothing never commits it.
 */
export interface ResponseEncoder {
  /** The format's name in the log line (e.g. `sse`). */
  readonly name: string;
  readonly contentType: string;
  /**
   * Bytes a client ignores, written while the model is silent so that API Gateway's idle timeout never cuts the
   * answer; undefined when the format has none (the handler then caps the silence instead).
   */
  readonly keepAlive?: string;
  /** Response headers of the protocol, beside the content type (e.g. the AI SDK's stream version). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Another model answers than the one the request named (a fallback): the format names `modelId` (public form,
   * see publicModelId) where it names the model. Called before the first event; absent when the format names none.
   */
  answeredBy?(modelId: string): void;
  event(event: ChatEvent): string;
  done(summary: ChatSummary): string;
  /** The terminal error, written after the status was committed. */
  error(body: ErrorBody): string;
}

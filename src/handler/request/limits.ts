/** The caps on a request, and the rules that are only a cap (stop sequences, message count). */
import { invalidRequest } from '../errors';

/** The caps on a request. Attachment and tool caps are Bedrock's own, so a request we accept is not refused there. */
export const RequestLimits = {
  MAX_MESSAGES: 100,
  /** Blocks in one message: room for 20 images, a question beside them, or a reply to many parallel tool calls. */
  MAX_CONTENT_BLOCKS: 32,
  MAX_STOP_SEQUENCES: 4,
  MAX_STOP_SEQUENCE_LENGTH: 100,
  /** Images per request (Bedrock: 20). */
  MAX_IMAGES: 20,
  /** Decoded bytes of one image (Bedrock: 3.75 MB). */
  MAX_IMAGE_BYTES: 3_750_000,
  /** Documents per request (Bedrock: 5). */
  MAX_DOCUMENTS: 5,
  /** Decoded bytes of one document (Bedrock: 4.5 MB). */
  MAX_DOCUMENT_BYTES: 4_500_000,
  MAX_DOCUMENT_NAME_LENGTH: 200,
  MAX_TOOLS: 64,
  /** Characters of one tool's description: coding agents describe their tools at length (Claude Code's Bash: ~11k). */
  MAX_TOOL_DESCRIPTION_LENGTH: 16_384,
  /** A tool's inputSchema, serialized as JSON. */
  MAX_TOOL_SCHEMA_BYTES: 16 * 1024,
  /** Structured output's schema, serialized as JSON. */
  MAX_OUTPUT_SCHEMA_BYTES: 32 * 1024,
  /** Objects and arrays nested in a structured output schema, the schema itself being level 1. */
  MAX_OUTPUT_SCHEMA_DEPTH: 32,
} as const;

/** A conversation holds at most MAX_MESSAGES messages (the native and OpenAI `messages`). */
export function checkMessageCount(messages: readonly unknown[]): void {
  if (messages.length > RequestLimits.MAX_MESSAGES) {
    throw invalidRequest(
      'invalid_value',
      `messages may hold at most ${RequestLimits.MAX_MESSAGES} messages.`,
      'messages',
    );
  }
}

/**
 * Stop sequences: at most 4 non-empty strings of at most 100 characters each (Bedrock's caps). `accepted` says what
 * the caller's field may be, for the message (OpenAI's `stop` also takes one string).
 */
export function checkStopSequences(stops: unknown, param: string, accepted = 'an array'): string[] {
  const { MAX_STOP_SEQUENCES: max, MAX_STOP_SEQUENCE_LENGTH: maxLength } = RequestLimits;
  if (
    !Array.isArray(stops) ||
    stops.length > max ||
    !stops.every((s) => typeof s === 'string' && s.length > 0 && s.length <= maxLength)
  ) {
    throw invalidRequest(
      'invalid_value',
      `${param} must be ${accepted} of at most ${max} non-empty strings of at most ${maxLength} characters.`,
      param,
    );
  }
  return stops;
}

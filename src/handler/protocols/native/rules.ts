/** What the native protocol's request may hold, and how its errors name a block. */
import type { BlockPath } from '../../request/conversation';

export const ALLOWED_FIELDS = [
  'prompt',
  'messages',
  'maxTokens',
  'temperature',
  'topP',
  'stopSequences',
  'modelId',
  'tools',
  'toolChoice',
  'outputSchema',
  'reasoningEffort',
];

/**
 * Converse fields that callers might try to pass through. They are named in the error (they are our words, not the
 * caller's); any other unknown field is reported without its name, so that nothing from the body is echoed.
 */
export const FORBIDDEN_FIELDS: Record<string, string> = {
  system: 'The system prompt is set by the API and cannot be sent by callers.',
  guardrailConfig: 'The guardrail is set by the API and cannot be changed by callers.',
  toolConfig: 'Send tools and toolChoice as top-level fields.',
  additionalModelRequestFields: 'Model-specific request fields are not accepted by this API.',
  additionalModelResponseFieldPaths: 'Model-specific response fields are not accepted by this API.',
  inferenceConfig: 'Send maxTokens, temperature, topP and stopSequences as top-level fields.',
  promptVariables: 'Prompt variables are not accepted by this API.',
  requestMetadata: 'Request metadata is not accepted by this API.',
  performanceConfig: 'Performance settings are not accepted by this API.',
};

/** Conversation errors name the block as the caller sent it. */
export const blockPath: BlockPath = (message, block, field) =>
  `messages[${message}].content[${block}]${field === undefined ? '' : `.${field}`}`;

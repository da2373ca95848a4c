/**
 * The ConverseStream request: the caller's validated ChatRequest plus what only the operator sets (system prompt,
 * guardrail, prompt caching, additional model fields).
 */
import type { ConverseStreamCommandInput, Message } from '@aws-sdk/client-bedrock-runtime';
import type { ChatRequest } from './chat';
import type { HandlerConfig } from './config';

export function converseStreamInput(request: ChatRequest, config: HandlerConfig): ConverseStreamCommandInput {
  return {
    modelId: request.modelId,
    // Our blocks are Converse's shapes (bytes decoded); the SDK's unions add only the `$unknown` member.
    messages: request.messages as Message[],
    system: config.systemPrompt ? [{ text: config.systemPrompt }] : undefined,
    inferenceConfig: {
      maxTokens: request.maxTokens,
      temperature: request.temperature,
      topP: request.topP,
      stopSequences: request.stopSequences,
    },
    guardrailConfig: config.guardrail,
  };
}

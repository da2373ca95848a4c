/**
 * What the operator's settings allow a caller: the models, system messages of their own, and the parameters Claude's
 * extended thinking rules out.
 */
import type { ChatToolChoice } from '../chat';
import type { HandlerConfig } from '../config';
import { invalidRequest } from '../errors';
import { nonBlankText } from './json-shape';

/** The model a native or AI SDK request names (`modelId`): one of the allowed ids, else the API's own. */
export function validateModelId(value: unknown, config: HandlerConfig): string {
  if (value === undefined) {
    return config.modelId;
  }
  if (typeof value !== 'string' || !config.allowedModelIds.includes(value)) {
    throw invalidRequest(
      'model_not_allowed',
      config.allowedModelIds.length > 1
        ? `modelId must be one of: ${config.allowedModelIds.join(', ')}.`
        : 'This API does not let callers choose the model: leave modelId out.',
      'modelId',
    );
  }
  return value;
}

/**
 * A caller's system message (OpenAI `system`/`developer`, AI SDK `system`): refused unless the operator allows them
 * with `allowCallerSystemMessages`; allowed, it follows the operator's system prompt and never replaces it.
 */
export function callerSystemText(value: unknown, allowed: boolean, param: string): string {
  if (!allowed) {
    throw invalidRequest(
      'system_message_not_allowed',
      'System messages are not accepted by this API: its system prompt is set by the operator, who can allow ' +
        "callers' system messages (after the API's own) with the allowCallerSystemMessages prop.",
      param,
    );
  }
  return nonBlankText(value, param);
}

/** The caller's names for the parameters that reasoning (Claude's extended thinking) rules out. */
export interface ThinkingParams {
  readonly maxTokens: string;
  readonly temperature: string;
  readonly topP: string;
  readonly toolChoice: string;
}

/** Whether the operator turned on Claude's extended thinking (`thinking.type` enabled or adaptive). */
function claudeThinking(modelFields: Readonly<Record<string, unknown>> | undefined): boolean {
  const thinking = modelFields?.thinking as { type?: unknown } | undefined;
  return typeof thinking === 'object' && thinking !== null && ['enabled', 'adaptive'].includes(String(thinking.type));
}

/**
 * With thinking, Bedrock rejects a changed temperature or topP, a forced tool choice, and a maxTokens that does not
 * exceed the thinking budget: say so before calling it. (The operator's own settings are checked at synth.)
 */
export function checkThinkingRules(
  sent: {
    readonly maxTokens?: number;
    readonly temperature?: number;
    readonly topP?: number;
    readonly toolChoice?: ChatToolChoice;
  },
  additionalModelRequestFields: Readonly<Record<string, unknown>> | undefined,
  params: ThinkingParams,
): void {
  if (!claudeThinking(additionalModelRequestFields)) {
    return;
  }
  const budget = (additionalModelRequestFields?.thinking as { budget_tokens?: unknown }).budget_tokens;
  if (sent.maxTokens !== undefined && typeof budget === 'number' && sent.maxTokens <= budget) {
    throw invalidRequest(
      'invalid_value',
      `${params.maxTokens} must be greater than ${budget} on this API: its model reasons before answering ` +
        '(extended thinking) with that many tokens of its own.',
      params.maxTokens,
    );
  }
  for (const key of ['temperature', 'topP'] as const) {
    if (sent[key] !== undefined) {
      throw invalidRequest(
        'invalid_value',
        `${params[key]} cannot be set on this API: its model reasons before answering (extended thinking), ` +
          `which does not allow a changed ${params[key]}.`,
        params[key],
      );
    }
  }
  if (sent.toolChoice !== undefined && sent.toolChoice !== 'auto') {
    throw invalidRequest(
      'invalid_value',
      `${params.toolChoice} can only be auto on this API: its model reasons before answering (extended thinking), ` +
        'which does not allow forcing a tool.',
      params.toolChoice,
    );
  }
}

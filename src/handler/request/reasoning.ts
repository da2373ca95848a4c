/**
 * A caller's reasoning effort (OpenAI `reasoning_effort`, Responses `reasoning.effort`, native `reasoningEffort`,
 * Anthropic adaptive thinking with `output_config.effort`) as each model family's own reasoning setting, sent in
 * Converse's `additionalModelRequestFields`. The one table of this mapping; docs/model-features.md shows it.
 */
import type { HandlerConfig } from '../config';
import { invalidRequest } from '../errors';

/** The efforts a caller may name (OpenAI's list). `none` asks for no reasoning. */
export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];
type ActiveEffort = Exclude<ReasoningEffort, 'none'>;

/** Claude's smallest thinking budget (Bedrock refuses less). */
export const MIN_THINKING_BUDGET = 1024;

/** How a model family reasons, by its Bedrock id; undefined: it has no reasoning setting. */
export type ReasoningFamily = 'claude-budget' | 'claude-adaptive' | 'nova';

/**
 * Each family's setting per effort. Claude up to 4.5: a thinking budget (at most half the request's output tokens,
 * see thinkingBudget). Claude 4.6+: adaptive thinking with Anthropic's effort. Nova 2: `maxReasoningEffort`.
 */
export const EFFORT_TABLE: Readonly<Record<ActiveEffort, { budget: number; adaptive: string; nova: string }>> = {
  minimal: { budget: 1024, adaptive: 'low', nova: 'low' },
  low: { budget: 1024, adaptive: 'low', nova: 'low' },
  medium: { budget: 4096, adaptive: 'medium', nova: 'medium' },
  high: { budget: 16000, adaptive: 'high', nova: 'high' },
  xhigh: { budget: 32000, adaptive: 'max', nova: 'high' },
};

/** The operator's model fields that already decide how the model reasons: the caller's effort never overrides them. */
const OPERATOR_REASONING_KEYS = ['thinking', 'reasoningConfig', 'output_config'];

/**
 * The family of a Bedrock model id (an inference profile's `us.`/`eu.` prefix is ignored). Claude ids put the
 * version before the name (`claude-3-7-sonnet`) or after it (`claude-sonnet-4-5`, `claude-opus-4-1`, `claude-sonnet-4`).
 */
export function reasoningFamily(modelId: string): ReasoningFamily | undefined {
  if (/amazon\.nova-2-/.test(modelId)) {
    return 'nova';
  }
  // The legacy Claude models (claude-v2, claude-v2:1, claude-instant-v1) have no reasoning setting.
  if (!modelId.includes('anthropic.claude-') || /anthropic\.claude-(v\d|instant)/.test(modelId)) {
    return undefined;
  }
  const version =
    /claude-(\d+)(?:-(\d)(?!\d))?-(?:opus|sonnet|haiku)/.exec(modelId) ??
    /claude-(?:opus|sonnet|haiku)-(\d+)(?:-(\d)(?!\d))?/.exec(modelId);
  if (!version) {
    // A Claude model named otherwise (Mythos, Fable): the newest, adaptive thinking only.
    return 'claude-adaptive';
  }
  const [major, minor] = [Number(version[1]), Number(version[2] ?? 0)];
  if (major > 4 || (major === 4 && minor >= 6)) {
    return 'claude-adaptive';
  }
  return major === 4 || (major === 3 && minor === 7) ? 'claude-budget' : undefined;
}

/** The caller's effort, checked: one of REASONING_EFFORTS (400 naming the field otherwise). */
export function effortField(value: unknown, param: string): ReasoningEffort | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string' || !(REASONING_EFFORTS as readonly string[]).includes(value)) {
    throw invalidRequest('invalid_value', `${param} must be one of: ${REASONING_EFFORTS.join(', ')}.`, param);
  }
  return value as ReasoningEffort;
}

/**
 * The model fields for the caller's effort on this model, or undefined when there is nothing to send: no effort,
 * `none`, or the operator's own reasoning fields (then the effort is recorded in `dropped`, for the log line). A model
 * without a reasoning setting is a 400 naming the field.
 */
export function effortModelFields(
  effort: ReasoningEffort | undefined,
  context: { readonly modelId: string; readonly maxTokens: number; readonly param: string; readonly dropped: string[] },
  config: HandlerConfig,
): Record<string, unknown> | undefined {
  if (effort === undefined || effort === 'none') {
    return undefined;
  }
  const family = reasoningFamily(context.modelId);
  if (family === undefined) {
    throw invalidRequest(
      'invalid_value',
      `${context.param} cannot be set on this model: it has no reasoning setting Bedrock can change.`,
      context.param,
    );
  }
  if (OPERATOR_REASONING_KEYS.some((key) => config.additionalModelRequestFields?.[key] !== undefined)) {
    context.dropped.push(context.param);
    return undefined;
  }
  const row = EFFORT_TABLE[effort];
  if (family === 'nova') {
    return { reasoningConfig: { type: 'enabled', maxReasoningEffort: row.nova } };
  }
  if (family === 'claude-adaptive') {
    return { thinking: { type: 'adaptive' }, output_config: { effort: row.adaptive } };
  }
  return { thinking: { type: 'enabled', budget_tokens: thinkingBudget(row.budget, context) } };
}

/**
 * The table's budget, at most half the request's output tokens (the answer keeps the other half: Claude counts
 * thinking in max tokens). Below Claude's minimum there is no room to reason: 400 naming the effort.
 */
function thinkingBudget(budget: number, context: { readonly maxTokens: number; readonly param: string }): number {
  const kept = Math.min(budget, Math.floor(context.maxTokens / 2));
  if (kept < MIN_THINKING_BUDGET) {
    throw invalidRequest(
      'invalid_value',
      `${context.param} needs at least ${2 * MIN_THINKING_BUDGET} output tokens on this model (half of them to ` +
        'reason with): raise the maximum output tokens or leave the effort out.',
      context.param,
    );
  }
  return kept;
}

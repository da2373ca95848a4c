import { validateTokenBudget } from './budget-table';
import { validateHandlerOptions } from './props-validation';
import { fail } from './validation';
import type { StreamingAgentCoreApiProps } from '../streaming-agent-core-api-props';
import type { TokenBudgetOptions } from '../token-budget-options';

/** The limits that count tokens or spend: the agent's model usage is not visible to the API, so none can apply. */
const USAGE_LIMITS = ['tokensPerMinute', 'tokensPerDay', 'tokensPerMonth', 'spendPerDay', 'spendPerMonth'] as const;

/** StreamingAgentCoreApi's own props (the runtime and qualifier are checked where they are resolved, the front in ApiShell). */
export function validateAgentCoreProps(subject: string, props: StreamingAgentCoreApiProps): void {
  validateHandlerOptions(subject, props.handlerOptions);
  if (props.tokenBudget) {
    validateRequestRateOnly(subject, props.tokenBudget);
    validateTokenBudget(subject, props.tokenBudget);
  }
}

function validateRequestRateOnly(subject: string, budget: TokenBudgetOptions): void {
  for (const name of USAGE_LIMITS) {
    if (budget[name] !== undefined) {
      fail(
        subject,
        `tokenBudget.${name}`,
        budget[name],
        'The agent calls its models itself, so the API never sees its token usage or cost and could not count it: ' +
          'remove it and limit requests with tokenBudget.requestsPerMinute (budget tokens in the agent, or with ' +
          'StreamingBedrockApi in front of the models it calls).',
      );
    }
  }
}

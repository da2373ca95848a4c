import { requestedBetas, decodeMessagesRequest } from './decode';
import { estimateInputTokens } from '../../budget';
import { readJsonBody } from '../../request/http';
import type { Reply } from '../unit';

/**
 * `POST /v1/messages/count_tokens`: the request validated like a Messages request, and its input tokens estimated by
 * the handler's one estimate (the one token budgets reserve: the text that reaches the model counted piece by piece,
 * token-estimate.ts, plus a fixed count per attachment). Bedrock is not called: its CountTokens operation needs a
 * permission and a model that has it, and the estimate answers at once, for any model.
 */
export const countTokens: Reply = (event, config) => {
  const body = readJsonBody(event, config.maxRequestBytes);
  const { request } = decodeMessagesRequest(body, config, requestedBetas(event), true);
  const inputTokens = estimateInputTokens(request, config);
  return {
    name: 'anthropic-count',
    contentType: 'application/json',
    event: () => '',
    done: () => JSON.stringify({ input_tokens: inputTokens }),
    error: (error) => JSON.stringify(error),
  };
};

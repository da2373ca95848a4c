/**
 * Anthropic Messages: `POST /v1/messages` (Claude Code adds `?beta=true`, which changes nothing),
 * `POST /v1/messages/count_tokens`, and Anthropic's shape of `GET /v1/models`. Errors before the first byte are in
 * Anthropic's shape, with the real status.
 */
import { countTokens } from './count-tokens';
import { decodeMessages } from './decode';
import { anthropicErrorShape } from './encode';
import { anthropicModelList } from './models';
import { Routes } from '../../../contract';
import type { ProtocolUnit } from '../unit';

export const anthropicMessagesProtocol: ProtocolUnit = {
  id: 'ANTHROPIC_MESSAGES',
  routes: {
    '/v1/messages': { chat: decodeMessages, errorShape: anthropicErrorShape },
    '/v1/messages/count_tokens': { reply: countTokens, errorShape: anthropicErrorShape },
    [Routes.MODELS.path]: { modelList: anthropicModelList },
  },
};

/** OpenAI Chat Completions: `POST /v1/chat/completions`, and OpenAI's shape of `GET /v1/models`. */
import { Routes } from '../../../contract';
import type { ProtocolUnit } from '../unit';
import { decodeChatCompletions } from './decode';
import { openAiModelList } from './models';

export const openAiChatCompletionsProtocol: ProtocolUnit = {
  id: 'OPENAI_CHAT_COMPLETIONS',
  routes: {
    [Routes.CHAT_COMPLETIONS.path]: { chat: decodeChatCompletions },
    [Routes.MODELS.path]: { modelList: openAiModelList },
  },
};

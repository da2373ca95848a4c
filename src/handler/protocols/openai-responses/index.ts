/** OpenAI Responses: `POST /v1/responses` (stateless), and OpenAI's shape of `GET /v1/models` (Chat Completions'). */
import { clientProtocol, Routes } from '../../../contract';
import { openAiModelList } from '../openai-chat-completions/models';
import type { ProtocolUnit } from '../unit';
import { decodeResponses } from './decode';

const [RESPONSES] = clientProtocol('OPENAI_RESPONSES').routes;

export const openAiResponsesProtocol: ProtocolUnit = {
  id: 'OPENAI_RESPONSES',
  routes: {
    [RESPONSES.path]: { chat: decodeResponses },
    [Routes.MODELS.path]: { modelList: openAiModelList },
  },
};

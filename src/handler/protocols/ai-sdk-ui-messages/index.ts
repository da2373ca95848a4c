/** The AI SDK UI message stream: `POST /chat`, what `useChat`'s DefaultChatTransport calls. */
import { Routes } from '../../../contract';
import type { ProtocolUnit } from '../unit';
import { decodeUiMessages } from './decode';

export const aiSdkUiMessagesProtocol: ProtocolUnit = {
  id: 'AI_SDK_UI_MESSAGES',
  routes: { [Routes.AI_SDK_CHAT.path]: { chat: decodeUiMessages } },
};

/**
 * The protocol units the default handler serves, by their descriptor's id: adding a protocol adds its folder and one
 * line here. Each unit but the native one is loaded when a request first needs it: in the handler asset it is a file
 * of its own beside index.js (build-tools/bundle-handler.js), so a function parses only the protocols it speaks.
 */
import { nativeProtocol } from './native';
import type { ProtocolUnit } from './unit';
import type { ProtocolId } from '../../contract';

/* eslint-disable @typescript-eslint/no-require-imports -- on demand, see above */
export const PROTOCOL_LOADERS: Readonly<Record<ProtocolId, () => ProtocolUnit>> = {
  NATIVE: () => nativeProtocol,
  OPENAI_CHAT_COMPLETIONS: () => require('./openai-chat-completions').openAiChatCompletionsProtocol,
  AI_SDK_UI_MESSAGES: () => require('./ai-sdk-ui-messages').aiSdkUiMessagesProtocol,
  OPENAI_RESPONSES: () => require('./openai-responses').openAiResponsesProtocol,
  ANTHROPIC_MESSAGES: () => require('./anthropic-messages').anthropicMessagesProtocol,
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** The units of these protocols (every one by default), loaded. */
export function protocolUnits(ids = Object.keys(PROTOCOL_LOADERS) as ProtocolId[]): ProtocolUnit[] {
  return ids.map((id) => PROTOCOL_LOADERS[id]());
}

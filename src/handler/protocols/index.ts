/** The protocol units the default handler serves: adding a protocol adds its folder and one line here. */
import { aiSdkUiMessagesProtocol } from './ai-sdk-ui-messages';
import { anthropicMessagesProtocol } from './anthropic-messages';
import { nativeProtocol } from './native';
import { openAiChatCompletionsProtocol } from './openai-chat-completions';
import { openAiResponsesProtocol } from './openai-responses';
import type { ProtocolUnit } from './unit';

export const PROTOCOL_UNITS: readonly ProtocolUnit[] = [
  nativeProtocol,
  openAiChatCompletionsProtocol,
  aiSdkUiMessagesProtocol,
  openAiResponsesProtocol,
  anthropicMessagesProtocol,
];

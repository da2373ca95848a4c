/** Amazon Bedrock as the backend: the request as ConverseStream input, its stream as neutral events. */
import type { ChatBackend } from '../backend';
import { answerWithFallback } from './fallback';

export const bedrockBackend: ChatBackend = {
  answer: answerWithFallback,
};

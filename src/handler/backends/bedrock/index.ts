/** Amazon Bedrock as the backend: the request as ConverseStream input, its stream as neutral events. */
import type { ChatBackend } from '../backend';
import { converseStreamInput } from './converse-input';
import { converseEvents, openConverseStream } from './converse-stream';

export const bedrockBackend: ChatBackend = {
  answer: async (request, config, signal) =>
    converseEvents(await openConverseStream(converseStreamInput(request, config), signal), signal),
};

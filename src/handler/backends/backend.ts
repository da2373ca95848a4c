/** What the pipeline asks of a model backend: the answer to a neutral request, as neutral events. */
import type { ChatEvent, ChatRequest } from '../chat';
import type { HandlerConfig } from '../config';

/** A model's answer: which model gives it (the asked one, or a fallback), and its events. */
export interface ModelAnswer {
  readonly modelId: string;
  readonly events: AsyncIterable<ChatEvent>;
}

export interface ChatBackend {
  /**
   * Resolves once a model answered (its failures to start keep their real status: nothing was written yet);
   * the events then arrive as the model makes them. Rejects and throws ApiError or StreamAborted.
   */
  answer(request: ChatRequest, config: HandlerConfig, signal: AbortSignal): Promise<ModelAnswer>;
}

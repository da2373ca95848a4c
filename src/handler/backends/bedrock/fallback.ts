/**
 * Fallback models (`fallbackModelIds`): when the asked model cannot answer now (throttled after the SDK's retries,
 * not ready, unavailable, timed out: errors.ts `isModelUnavailable`), the next model is asked, in order, until one
 * answers. The commit point is Bedrock's first event of a model's stream: once one arrived, that model answers, and
 * a later failure is that answer's failure, never a reason to ask another model (its output may have been sent).
 */
import type { ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { converseStreamInput } from './converse-input';
import { converseEvents, nextEvent, openConverseStream } from './converse-stream';
import { isModelUnavailable } from './errors';
import type { ChatRequest } from '../../chat';
import type { HandlerConfig } from '../../config';
import type { ModelAnswer } from '../backend';

/**
 * The models that may answer `modelId`'s request, in the order they are asked: the asked one, then each fallback
 * other than it. A request that names another allowed model falls back to the same list.
 */
export function candidateModels(modelId: string, config: Pick<HandlerConfig, 'fallbackModelIds'>): string[] {
  return [modelId, ...(config.fallbackModelIds ?? []).filter((id) => id !== modelId)];
}

/** The first model of the candidates whose stream starts: its id and its events. Throws the last model's failure. */
export async function answerWithFallback(
  request: ChatRequest,
  config: HandlerConfig,
  signal: AbortSignal,
): Promise<ModelAnswer> {
  const candidates = candidateModels(request.modelId, config);
  for (let i = 0; ; i++) {
    const modelId = candidates[i];
    try {
      const stream = await startedStream({ ...request, modelId }, config, signal);
      return { modelId, events: converseEvents(stream, signal) };
    } catch (err) {
      if (i === candidates.length - 1 || signal.aborted || !isModelUnavailable(err)) {
        throw err;
      }
    }
  }
}

/**
 * Opens the model's stream and waits for its first event, which an exception frame (throttling inside the stream)
 * may be instead: the stream is returned with that event put back in front.
 */
async function startedStream(
  request: ChatRequest,
  config: HandlerConfig,
  signal: AbortSignal,
): Promise<AsyncIterable<ConverseStreamOutput>> {
  const iterator = (await openConverseStream(converseStreamInput(request, config), signal))[Symbol.asyncIterator]();
  const first = await nextEvent(iterator, signal);
  let pending: IteratorResult<ConverseStreamOutput> | undefined = first;
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        const held = pending;
        pending = undefined;
        return held ? Promise.resolve(held) : iterator.next();
      },
      return: (value?: unknown) => iterator.return?.(value) ?? Promise.resolve({ done: true, value: undefined }),
    }),
  };
}

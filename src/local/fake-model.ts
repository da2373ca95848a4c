/**
 * The embedded fake model of the local runner: a deterministic answer at a realistic token rate, with optional
 * injected faults, served through the fake Bedrock endpoint's real wire protocol.
 */
import { answerFrames, httpError, type FakeScript } from './fake-bedrock';

export type FakeFault = 'none' | 'throttle' | 'midstream';

export interface FakeModelOptions {
  /** Tokens (words) per second. */
  readonly tokensPerSecond: number;
  /** Length of each answer in tokens (capped by the request's maxTokens). */
  readonly answerTokens: number;
  /** Delay before the first token. */
  readonly firstTokenMs: number;
  readonly fault: FakeFault;
}

export const DEFAULT_FAKE_MODEL: FakeModelOptions = {
  tokensPerSecond: 50,
  answerTokens: 80,
  firstTokenMs: 250,
  fault: 'none',
};

const WORDS = (
  'This answer comes from the local fake model of cdk-streaming-bedrock-api. Each word is one token, sent as a ' +
  'ConverseStream event through the same event-stream wire protocol that Amazon Bedrock uses, read by the real AWS ' +
  'SDK client inside the bundled handler, and streamed back through a front that behaves like API Gateway. ' +
  'Deploy the construct to talk to a real model; until then, this text repeats so that long answers can be tried.'
).split(' ');

/**
 * The first `count` tokens of the fake answer: words with their leading space, so that they join into text. Made one
 * at a time as they are pulled, so that an answer of any length costs one token.
 */
export function* fakeTokenStream(count: number, promptWords: number): Generator<string> {
  if (count < 1) {
    return;
  }
  yield `(${promptWords} words received) `;
  for (let i = 0; i < count - 1; i++) {
    yield (i === 0 ? '' : ' ') + WORDS[i % WORDS.length];
  }
}

function promptWordCount(body: Record<string, any>): number {
  const texts: string[] = (body.messages ?? []).flatMap((m: any) =>
    (m.content ?? []).map((c: any) => String(c.text ?? '')),
  );
  return texts.join(' ').split(/\s+/).filter(Boolean).length;
}

/** The runner's model: each request gets an answer whose frames are generated as they are sent, never held whole. */
export function fakeModelScript(options: FakeModelOptions): FakeScript {
  const gapMs = 1000 / options.tokensPerSecond;
  return (request) => {
    if (options.fault === 'throttle') {
      return httpError(429, 'ThrottlingException', 'Too many requests (injected fault)');
    }
    const maxTokens: number = request.body.inferenceConfig?.maxTokens ?? options.answerTokens;
    const count = Math.max(1, Math.min(options.answerTokens, maxTokens));
    const words = promptWordCount(request.body);
    const frames = answerFrames(fakeTokenStream(count, words), {
      firstDelayMs: options.firstTokenMs,
      delayMs: gapMs,
      stopReason: count < options.answerTokens ? 'max_tokens' : 'end_turn',
      usage: { inputTokens: words, outputTokens: count },
      failAfter:
        options.fault === 'midstream'
          ? { deltas: Math.ceil(count / 2), exception: 'ModelStreamErrorException', message: 'injected fault' }
          : undefined,
    });
    return { frames };
  };
}

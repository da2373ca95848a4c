/**
 * The fake Bedrock endpoint in its own process, so that CPU and memory figures of the handler process leave out
 * the model. Prints its URL, answers every request with `deltas` deltas as fast as the client reads: text only, or
 * (`mixed`) half reasoning, half text, and a tool call.
 */
import { answer, blockFrames, FakeBedrock, type AnswerOptions, type FakeFrame } from '../src/local/fake-bedrock';

/** `count` deltas: half reasoning (with a signature), half text, then a tool call whose input comes in 4 pieces. */
export function mixedAnswer(count: number, options: AnswerOptions = {}): Generator<FakeFrame> {
  const half = Math.floor(count / 2);
  const chunks = (word: string, n: number) => Array.from({ length: n }, (_, i) => `${word}${i % 100} `);
  return blockFrames(
    [
      { reasoning: chunks('thought', half), signature: 'c2lnbmF0dXJl' },
      { text: chunks('token', count - half) },
      {
        toolUse: {
          toolUseId: 'tooluse_1',
          name: 'get_weather',
          inputChunks: ['{"ci', 'ty":"Par', 'is","days"', ':3}'],
        },
      },
    ],
    options,
  );
}

if (require.main === module) {
  const deltas = Number(process.argv[2] ?? 10_000);
  const mixed = process.argv[3] === 'mixed';
  const tokens = Array.from({ length: deltas }, (_, i) => `token${i % 100} `);
  const script = () => (mixed ? { frames: mixedAnswer(deltas) } : answer(tokens));
  void new FakeBedrock(script).start().then((fake) => process.stdout.write(`${fake.url}\n`));
}

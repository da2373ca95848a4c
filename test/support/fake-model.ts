/** What the runner's fake model answers, for tests to expect. */
import { fakeTokenStream } from '../../src/local/fake-model';

/** The first `count` tokens of the fake model's answer to a prompt of `promptWords` words. */
export function fakeTokens(count: number, promptWords: number): string[] {
  return [...fakeTokenStream(count, promptWords)];
}

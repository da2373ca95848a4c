/**
 * Conversation caching through the runner (the shipped CLI, its fake model simulating Bedrock's cache): with
 * --prompt-caching the second turn of a conversation reads the prefix the first turn wrote, and says so in its usage.
 */
import { postJson, startRunner } from './runner';

const FAST = ['--tokens-per-second', '1000', '--first-token-ms', '0', '--answer-tokens', '6'];
const CLAUDE_45 = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
/** Long enough (about 1,200 estimated tokens) for Claude's 1,024-token minimum prefix. */
const LONG_QUESTION = `Summarise this log. ${'request served in time '.repeat(300)}`;

/** The usage of a native JSON answer to `messages`. */
async function usage(url: string, messages: object[]): Promise<Record<string, number>> {
  const response = await postJson(`${url}/buffered`, { messages });
  expect(response.status).toBe(200);
  return ((await response.json()) as { usage: Record<string, number> }).usage;
}

test('--prompt-caching: the second turn reads the conversation prefix the first turn wrote', async () => {
  const runner = await startRunner([
    ...FAST,
    '--prompt-caching',
    '--model-id',
    CLAUDE_45,
    '--system-prompt',
    'Be terse',
  ]);
  try {
    const first = [{ role: 'user', content: [{ text: LONG_QUESTION }] }];
    const turn1 = await usage(runner.url, first);
    expect(turn1.cacheReadInputTokens).toBe(0);
    expect(turn1.cacheWriteInputTokens).toBeGreaterThan(900);

    const second = [
      ...first,
      { role: 'assistant', content: [{ text: 'All requests were served in time.' }] },
      { role: 'user', content: [{ text: 'And the slowest?' }] },
    ];
    const turn2 = await usage(runner.url, second);
    // It reads everything the first turn wrote; its own new turns are below Claude's minimum, so nothing is written.
    expect(turn2.cacheReadInputTokens).toBe(turn1.cacheWriteInputTokens);
    expect(turn2.cacheWriteInputTokens).toBe(0);

    const third = [
      ...second,
      { role: 'assistant', content: [{ text: 'The slowest took 2 s.' }] },
      { role: 'user', content: [{ text: LONG_QUESTION }] },
    ];
    const turn3 = await usage(runner.url, third);
    // The prefix is read again; the long new question is written for the turn after it.
    expect(turn3.cacheReadInputTokens).toBeGreaterThanOrEqual(turn1.cacheWriteInputTokens);
    expect(turn3.cacheWriteInputTokens).toBeGreaterThan(900);
  } finally {
    expect(await runner.stop()).toBe(0);
  }
});

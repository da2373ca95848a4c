/**
 * The input estimate a budget reserves: text counted piece by piece, not the JSON that carries it, so that it is
 * tight on both sides (the attack of short words is not under-counted, a short prompt is not over-counted).
 */
import { estimateInputTokens } from '../../src/handler/budget';
import type { ChatContentBlock, ChatRequest } from '../../src/handler/chat';
import {
  TOKENS_FOR_TOOL_USE,
  TOKENS_PER_ATTACHMENT,
  TOKENS_PER_MESSAGE,
  estimateCallerTokens,
  estimateTextTokens,
} from '../../src/handler/token-estimate';

const request = (content: ChatContentBlock[], extra: Partial<ChatRequest> = {}): ChatRequest => ({
  modelId: 'm',
  maxTokens: 10,
  messages: [{ role: 'user', content }],
  ...extra,
});

describe('text', () => {
  test('"hi" is one token, not the 15 that characters / 4 of its JSON reserved', () => {
    expect(estimateTextTokens('hi')).toBe(1);
    expect(estimateCallerTokens(request([{ text: 'hi' }]))).toBe(1 + TOKENS_PER_MESSAGE);
  });

  test('the attack text of short words counts one token per word (characters / 4 counted half of them)', () => {
    expect(estimateTextTokens('a '.repeat(3000))).toBe(3000);
  });

  test('English prose: one token per word of up to 6 letters, two up to 12; longer runs of letters one per 3', () => {
    const prose = 'The quick brown fox jumps over the lazy dog, again and again.';
    // 12 words of at most 6 letters and 2 punctuation marks: 14, what a BPE tokenizer makes of it.
    expect(estimateTextTokens(prose)).toBe(14);
    expect(estimateTextTokens('different')).toBe(2);
    expect(estimateTextTokens('constitutional')).toBe(Math.ceil(14 / 3));
  });

  test('digits in groups of three, symbols one each, CJK one per character, other alphabets two per token', () => {
    expect(estimateTextTokens('1234567')).toBe(3);
    expect(estimateTextTokens('{}();')).toBe(5);
    expect(estimateTextTokens('日本語')).toBe(3);
    expect(estimateTextTokens('привет')).toBe(3);
    expect(estimateTextTokens('🙂🙂')).toBe(2);
  });

  test('indentation costs about one token per four spaces beyond the first', () => {
    expect(estimateTextTokens('a\n        b')).toBe(2 + 2);
  });
});

describe('what a request carries', () => {
  test('an image or a document is a fixed count, whatever its size', () => {
    const image = { image: { format: 'png' as const, source: { bytes: new Uint8Array(5_000_000) } } };
    const doc = { document: { format: 'pdf' as const, name: 'a', source: { bytes: new Uint8Array(10) } } };
    expect(estimateCallerTokens(request([image, doc]))).toBe(2 * TOKENS_PER_ATTACHMENT + TOKENS_PER_MESSAGE);
  });

  test('tools add the tool-use instructions and their names, descriptions and schemas', () => {
    const tools = [{ name: 'weather', description: 'Get it', inputSchema: { type: 'object' } }];
    const bare = estimateCallerTokens(request([{ text: 'hi' }]));
    const withTools = estimateCallerTokens(request([{ text: 'hi' }], { tools }));
    expect(withTools - bare).toBe(TOKENS_FOR_TOOL_USE + 2 + 2 + estimateTextTokens('{"type":"object"}'));
  });

  test('an output schema adds its name, description and schema', () => {
    const outputSchema = { name: 'person', description: 'A person', schema: { type: 'object' } };
    const bare = estimateCallerTokens(request([{ text: 'hi' }]));
    const withSchema = estimateCallerTokens(request([{ text: 'hi' }], { outputSchema }));
    expect(withSchema - bare).toBe(
      estimateTextTokens('person') + estimateTextTokens('A person') + estimateTextTokens('{"type":"object"}'),
    );
  });

  test('tool uses and results count their names, inputs and content; redacted reasoning and cache points nothing', () => {
    const blocks: ChatContentBlock[] = [
      { toolUse: { toolUseId: 't1', name: 'weather', input: { city: 'Paris' } } },
      { toolResult: { toolUseId: 't1', content: [{ text: 'sunny' }, { json: { c: 21 } }] } },
      { reasoningContent: { redactedContent: new Uint8Array(4000) } },
      { cachePoint: { type: 'default' } },
    ];
    const expected =
      estimateTextTokens('weather') +
      estimateTextTokens('{"city":"Paris"}') +
      estimateTextTokens('sunny') +
      estimateTextTokens('{"c":21}') +
      TOKENS_PER_MESSAGE;
    expect(estimateCallerTokens(request(blocks))).toBe(expected);
  });

  test("the caller's system messages count; the operator's system prompt is added on top by the budget", () => {
    const withSystem = request([{ text: 'hi' }], { callerSystem: ['be brief', { cachePoint: { type: 'default' } }] });
    expect(estimateCallerTokens(withSystem)).toBe(2 + 1 + TOKENS_PER_MESSAGE); // be, brief; hi
    expect(estimateInputTokens(withSystem, { systemPrompt: 'you are terse' })).toBe(
      estimateCallerTokens(withSystem) + 3,
    );
  });
});

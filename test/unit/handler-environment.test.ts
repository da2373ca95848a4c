import { Lazy } from 'aws-cdk-lib';
import { HandlerEnvironment } from '../../src/contract';
import { defaultHandlerEnvironment, environmentSize } from '../../src/private/handler-environment';

const SUBJECT = "StreamingBedrockApi at 'S/Chat'";
const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';

describe('defaultHandlerEnvironment', () => {
  test('encodes the props with the contract', () => {
    const env = defaultHandlerEnvironment(SUBJECT, MODEL, {
      systemPrompt: 'Be terse.',
      cors: { allowOrigins: ['https://app.example.com'] },
    });
    expect(env).toEqual({
      [HandlerEnvironment.MODEL_ID]: MODEL,
      [HandlerEnvironment.MAX_TOKENS]: '1024',
      [HandlerEnvironment.SYSTEM_PROMPT]: 'Be terse.',
      [HandlerEnvironment.CORS_ALLOW_ORIGINS]: '["https://app.example.com"]',
    });
  });

  test('fails when the variables exceed Lambda 4 KB, naming the system prompt', () => {
    expect(() => defaultHandlerEnvironment(SUBJECT, MODEL, { systemPrompt: 'x'.repeat(4096) })).toThrow(
      /^StreamingBedrockApi at 'S\/Chat': invalid systemPrompt "4096 bytes"\. .*4 KB in total: shorten the system prompt/,
    );
  });
});

describe('environmentSize', () => {
  test('counts names and values in UTF-8 bytes', () => {
    expect(environmentSize({ AB: 'é' })).toBe(4);
  });

  test('counts a token value as nothing (unknown until deployment)', () => {
    expect(environmentSize({ AB: Lazy.string({ produce: () => 'long value' }) })).toBe(2);
  });
});

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

  test('encodes the model features: caching on, the model fields as JSON, client tools off', () => {
    const env = defaultHandlerEnvironment(SUBJECT, MODEL, {
      promptCaching: true,
      additionalModelRequestFields: { reasoningConfig: { type: 'enabled', maxReasoningEffort: 'low' } },
      clientTools: false,
    });
    expect(env[HandlerEnvironment.PROMPT_CACHING]).toBe('true');
    expect(JSON.parse(env[HandlerEnvironment.ADDITIONAL_MODEL_REQUEST_FIELDS])).toEqual({
      reasoningConfig: { type: 'enabled', maxReasoningEffort: 'low' },
    });
    expect(env[HandlerEnvironment.CLIENT_TOOLS]).toBe('false');
  });

  test('names the model fields when they push the variables over 4 KB', () => {
    expect(() =>
      defaultHandlerEnvironment(SUBJECT, MODEL, {
        systemPrompt: 'x'.repeat(2000),
        additionalModelRequestFields: { note: 'y'.repeat(2500) },
      }),
    ).toThrow(/invalid additionalModelRequestFields "2511 bytes of JSON"\. .*keep only the model fields/);
  });

  test('names the system prompt when it is over 4 KB even without the model fields', () => {
    expect(() =>
      defaultHandlerEnvironment(SUBJECT, MODEL, {
        systemPrompt: 'x'.repeat(4200),
        additionalModelRequestFields: { a: 1 },
      }),
    ).toThrow(/invalid systemPrompt "4200 bytes"/);
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

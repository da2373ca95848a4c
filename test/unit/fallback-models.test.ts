import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { StreamingBedrockApi, type StreamingBedrockApiProps } from '../../src';
import { HandlerEnvironment } from '../../src/contract';
import { candidateModels } from '../../src/handler/backends/bedrock/fallback';
import { dearestPrice } from '../../src/handler/budget';
import { loadConfig } from '../../src/handler/config';
import { scopedConfig } from '../../src/handler/managed-keys';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const FALLBACK = 'amazon.nova-lite-v1:0';
const PROFILE = 'us.amazon.nova-pro-v1:0';
const APP_PROFILE = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6';
const SUBJECT = "StreamingBedrockApi at 'TestStack/Chat'";

function stackWith(props: Partial<StreamingBedrockApiProps> = {}): Stack {
  const app = new App();
  const stack = new Stack(app, 'TestStack', { env: { account: '123456789012', region: 'us-east-1' } });
  new StreamingBedrockApi(stack, 'Chat', { modelId: MODEL, ...props });
  return stack;
}

/** Every resource the handler role may invoke Bedrock on, as JSON. */
function grantedResources(stack: Stack): string {
  const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
  const statements = policies.flatMap((policy: any) =>
    policy.Properties.PolicyDocument.Statement.filter((s: any) => String(s.Action).startsWith('bedrock:')),
  );
  return JSON.stringify(statements.map((s: any) => s.Resource));
}

describe('fallbackModelIds in the template', () => {
  test('the role may invoke each fallback as it may the model, and the handler is told the list in order', () => {
    const stack = stackWith({ fallbackModelIds: [PROFILE, FALLBACK] });
    const granted = grantedResources(stack);
    expect(granted).toContain(`:bedrock:us-east-1::foundation-model/${MODEL}`);
    expect(granted).toContain(`:bedrock:us-east-1::foundation-model/${FALLBACK}`);
    // A system inference profile: the profile, and the models it routes to.
    expect(granted).toContain(`:bedrock:us-east-1:123456789012:inference-profile/${PROFILE}`);
    expect(granted).toContain(':bedrock:*::foundation-model/amazon.nova-pro-v1:0');
    expect(granted).not.toMatch(/"\*"/);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ [HandlerEnvironment.FALLBACK_MODEL_IDS]: JSON.stringify([PROFILE, FALLBACK]) }),
      },
    });
  });

  test('without fallbacks the role gets no other model, and the handler no variable', () => {
    const stack = stackWith();
    expect(grantedResources(stack)).not.toContain(FALLBACK);
    const fn = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).find(
      (r: any) => r.Properties.Environment?.Variables?.[HandlerEnvironment.MODEL_ID],
    ) as any;
    expect(fn.Properties.Environment.Variables[HandlerEnvironment.FALLBACK_MODEL_IDS]).toBeUndefined();
  });

  test('an application inference profile as a fallback is granted through the profile only', () => {
    const granted = grantedResources(stackWith({ fallbackModelIds: [APP_PROFILE] }));
    expect(granted).toContain(APP_PROFILE);
    expect(granted).toContain(':bedrock:*::foundation-model/*');
  });

  test.each([
    [
      'the model itself',
      [MODEL],
      /invalid fallbackModelIds\[0\] ".*". It is modelId itself: a fallback must be another/,
    ],
    [
      'a fallback twice',
      [FALLBACK, FALLBACK],
      /invalid fallbackModelIds\[1\] "amazon.nova-lite-v1:0". It is listed twice/,
    ],
    ['a malformed id', ['bad id'], /invalid fallbackModelIds\[0\] "bad id"/],
    [
      'a provisioned throughput ARN',
      ['arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc'],
      /invalid fallbackModelIds\[0\] .*not another ARN/,
    ],
  ])('%s fails at synth, naming the entry', (_name, fallbackModelIds, message) => {
    expect(() => stackWith({ fallbackModelIds })).toThrow(message);
    expect(() => stackWith({ fallbackModelIds })).toThrow(SUBJECT);
  });

  test('a spend limit needs a price for each fallback too', () => {
    const price = { inputPerMillionTokens: 0.8, outputPerMillionTokens: 4 };
    expect(() =>
      stackWith({ fallbackModelIds: [FALLBACK], pricing: { [MODEL]: price }, tokenBudget: { spendPerDay: 5 } }),
    ).toThrow(`'${FALLBACK}' has no price: add it to pricing`);
    expect(() =>
      stackWith({
        fallbackModelIds: [FALLBACK],
        pricing: { [MODEL]: price, [FALLBACK]: price },
        tokenBudget: { spendPerDay: 5 },
      }),
    ).not.toThrow();
  });

  test('with your own handler, fallbackModelIds fails: the default handler is the one that falls back', () => {
    const handler = (stack: Stack) =>
      lambda.Function.fromFunctionArn(stack, 'Own', 'arn:aws:lambda:us-east-1:123456789012:function:own');
    const app = new App();
    const stack = new Stack(app, 'TestStack', { env: { account: '123456789012', region: 'us-east-1' } });
    expect(
      () => new StreamingBedrockApi(stack, 'Chat', { handler: handler(stack), fallbackModelIds: [FALLBACK] }),
    ).toThrow(/fallbackModelIds configure the default handler and would be ignored/);
  });
});

describe('which models may answer, and the price reserved', () => {
  test('the asked model first, then each fallback in order, skipping the asked one', () => {
    const config = { fallbackModelIds: [FALLBACK, PROFILE] };
    expect(candidateModels(MODEL, config)).toEqual([MODEL, FALLBACK, PROFILE]);
    expect(candidateModels(FALLBACK, config)).toEqual([FALLBACK, PROFILE]);
    expect(candidateModels(MODEL, {})).toEqual([MODEL]);
  });

  test("a managed key's allowed models bound its fallbacks too: it never gets an answer from another model", () => {
    const config = loadConfig({
      [HandlerEnvironment.MODEL_ID]: MODEL,
      [HandlerEnvironment.FALLBACK_MODEL_IDS]: JSON.stringify([FALLBACK, PROFILE]),
    });
    const caller = { type: 'managedKey', id: 'k1' } as any;
    expect(scopedConfig(config, { caller, allowedModels: [MODEL, PROFILE] }).fallbackModelIds).toEqual([PROFILE]);
    expect(scopedConfig(config, { caller }).fallbackModelIds).toEqual([FALLBACK, PROFILE]);
  });

  test('the dearest price is field by field the most any candidate costs; one unpriced candidate: none', () => {
    const cheap = { inputPerMillionTokens: 0.06, outputPerMillionTokens: 0.24, cacheWritePerMillionTokens: 5 };
    const dear = { inputPerMillionTokens: 3, outputPerMillionTokens: 15, cacheReadPerMillionTokens: 0.3 };
    expect(dearestPrice([cheap, dear])).toEqual({
      inputPerMillionTokens: 3,
      outputPerMillionTokens: 15,
      cacheReadPerMillionTokens: 0.3,
      cacheWritePerMillionTokens: 5,
    });
    expect(dearestPrice([cheap, undefined])).toBeUndefined();
  });
});

import { App, Stack } from 'aws-cdk-lib';
import {
  bedrockAcknowledgments,
  bedrockInvokeStatements,
  guardrailStatement,
  parseModelId,
  profileServesRegion,
} from '../../src/private/bedrock-iam';
import { profilesOutsideRegion } from '../../src/private/warnings';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const APP_PROFILE = 'arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/a1b2c3d4e5f6';

/** A stack in a known account and region, with the partition left as a token (as in real templates). */
function stack(): Stack {
  return new Stack(new App(), 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
}

/** The statements as JSON with `arn:${Partition}` rendered as `arn:aws`, for readable expectations. */
function statementsOf(modelIds: string[]): unknown[] {
  const s = stack();
  const json = JSON.stringify(s.resolve(bedrockInvokeStatements(s, modelIds).map((st) => st.toStatementJson())));
  return JSON.parse(
    json.replace(/\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},"([^"]*)"\]\]\}/g, '"arn:aws$1"'),
  );
}

describe('parseModelId', () => {
  test.each([
    [MODEL, 'foundation-model', MODEL, undefined],
    ['amazon.nova-lite-v1:0', 'foundation-model', 'amazon.nova-lite-v1:0', undefined],
    [`us.${MODEL}`, 'geographic-profile', MODEL, 'us'],
    [`us-gov.${MODEL}`, 'geographic-profile', MODEL, 'us-gov'],
    [`eu.${MODEL}`, 'geographic-profile', MODEL, 'eu'],
    [`apac.${MODEL}`, 'geographic-profile', MODEL, 'apac'],
    [`jp.${MODEL}`, 'geographic-profile', MODEL, 'jp'],
    [`global.${MODEL}`, 'global-profile', MODEL, 'global'],
  ])('%s is a %s of %s', (id, kind, foundationModelId, profilePrefix) => {
    expect(parseModelId(id)).toEqual({ id, kind, foundationModelId, ...(profilePrefix ? { profilePrefix } : {}) });
  });

  test('an application inference profile ARN: its region and account, and no foundation model known at synth', () => {
    expect(parseModelId(APP_PROFILE)).toEqual({
      id: APP_PROFILE,
      kind: 'application-profile',
      region: 'eu-west-1',
      account: '123456789012',
    });
  });

  test('a provider named like a prefix is not a profile when no model id follows it', () => {
    expect(parseModelId('us.model-v1:0').kind).toBe('foundation-model');
  });
});

describe('bedrockInvokeStatements', () => {
  test('an on-demand model: its foundation-model ARN in the stack region, no account', () => {
    expect(statementsOf([MODEL])).toEqual([
      {
        Action: 'bedrock:InvokeModelWithResponseStream',
        Effect: 'Allow',
        Resource: `arn:aws:bedrock:eu-west-1::foundation-model/${MODEL}`,
      },
    ]);
  });

  test('a geographic profile: the profile ARN, and the model in any region only through that profile', () => {
    const profile = `arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.${MODEL}`;
    expect(statementsOf([`eu.${MODEL}`])).toEqual([
      { Action: 'bedrock:InvokeModelWithResponseStream', Effect: 'Allow', Resource: profile },
      {
        Action: 'bedrock:InvokeModelWithResponseStream',
        Effect: 'Allow',
        Resource: `arn:aws:bedrock:*::foundation-model/${MODEL}`,
        Condition: { StringEquals: { 'bedrock:InferenceProfileArn': profile } },
      },
    ]);
  });

  test('a global profile: the profile ARN, and the regional and region-less model ARNs through it', () => {
    const profile = `arn:aws:bedrock:eu-west-1:123456789012:inference-profile/global.${MODEL}`;
    expect(statementsOf([`global.${MODEL}`])).toEqual([
      { Action: 'bedrock:InvokeModelWithResponseStream', Effect: 'Allow', Resource: profile },
      {
        Action: 'bedrock:InvokeModelWithResponseStream',
        Effect: 'Allow',
        Resource: [
          `arn:aws:bedrock:eu-west-1::foundation-model/${MODEL}`,
          `arn:aws:bedrock:::foundation-model/${MODEL}`,
        ],
        Condition: { StringEquals: { 'bedrock:InferenceProfileArn': profile } },
      },
    ]);
  });

  test('an application inference profile: the profile ARN, and any model or system profile only through it', () => {
    expect(statementsOf([APP_PROFILE])).toEqual([
      { Action: 'bedrock:InvokeModelWithResponseStream', Effect: 'Allow', Resource: APP_PROFILE },
      {
        Action: 'bedrock:InvokeModelWithResponseStream',
        Effect: 'Allow',
        Resource: ['arn:aws:bedrock:*::foundation-model/*', 'arn:aws:bedrock:*:123456789012:inference-profile/*'],
        Condition: { StringEquals: { 'bedrock:InferenceProfileArn': APP_PROFILE } },
      },
    ]);
  });

  test('each application inference profile gets its own condition', () => {
    const other = APP_PROFILE.replace('a1b2c3d4e5f6', 'zzz999');
    const [direct, ...routed] = statementsOf([APP_PROFILE, other, APP_PROFILE]) as any[];
    expect(direct.Resource).toEqual([APP_PROFILE, other]);
    expect(routed.map((r) => r.Condition.StringEquals['bedrock:InferenceProfileArn'])).toEqual([APP_PROFILE, other]);
  });

  test('several ids share one direct statement, and duplicates are granted once', () => {
    const [direct, ...routed] = statementsOf([MODEL, 'amazon.nova-lite-v1:0', MODEL]) as any[];
    expect(direct.Resource).toEqual([
      `arn:aws:bedrock:eu-west-1::foundation-model/${MODEL}`,
      'arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-lite-v1:0',
    ]);
    expect(routed).toEqual([]);
  });

  test('no ids, no statements', () => {
    expect(statementsOf([])).toEqual([]);
  });
});

describe('guardrailStatement', () => {
  test('a guardrail id becomes its ARN in the stack', () => {
    const s = stack();
    const json = JSON.stringify(s.resolve(guardrailStatement(s, 'gr1').toStatementJson()));
    expect(json).toContain(':bedrock:eu-west-1:123456789012:guardrail/gr1');
  });

  test('a guardrail ARN is used as is', () => {
    const arn = 'arn:aws:bedrock:eu-west-1:123456789012:guardrail/gr1';
    expect(guardrailStatement(stack(), arn).toStatementJson().Resource).toBe(arn);
  });
});

describe('bedrockAcknowledgments', () => {
  test('acknowledge the any-region model of each geographic profile, and nothing for on-demand models', () => {
    expect(bedrockAcknowledgments([MODEL], false)).toEqual([]);
    const [ack] = bedrockAcknowledgments([`us.${MODEL}`, `us.${MODEL}`], false);
    expect(ack.findings).toEqual([`Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${MODEL}`]);
  });

  test('acknowledge the wildcards of an application inference profile, scoped by its condition', () => {
    const [ack] = bedrockAcknowledgments([APP_PROFILE, APP_PROFILE], false);
    expect(ack.id).toBe('AwsSolutions-IAM5');
    expect(ack.findings).toEqual([
      'Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/*',
      'Resource::arn:<AWS::Partition>:bedrock:*:123456789012:inference-profile/*',
    ]);
    expect(ack.reason).toMatch(/bedrock:InferenceProfileArn condition/);
  });

  test('tracing acknowledges the X-Ray wildcard', () => {
    expect(bedrockAcknowledgments([MODEL], true)).toEqual([
      expect.objectContaining({ id: 'AwsSolutions-IAM5', findings: ['Resource::*'] }),
    ]);
  });
});

describe('which regions a profile serves', () => {
  test.each([
    ['us', 'us-east-1', true],
    ['us', 'us-west-2', true],
    ['us', 'eu-west-1', false],
    ['us', 'us-gov-west-1', false],
    ['us-gov', 'us-gov-west-1', true],
    ['us-gov', 'us-east-1', false],
    ['eu', 'eu-central-1', true],
    ['eu', 'ap-southeast-2', false],
    ['apac', 'ap-northeast-1', true],
    ['jp', 'ap-northeast-1', true],
    ['jp', 'ap-southeast-2', false],
    ['au', 'ap-southeast-2', true],
    ['au', 'ap-northeast-1', false],
    ['ca', 'ca-central-1', true],
    ['global', 'sa-east-1', true],
  ])('a %s. profile in %s: %s', (prefix, region, serves) => {
    expect(profileServesRegion(parseModelId(`${prefix}.${MODEL}`), region)).toBe(serves);
  });

  test('an application inference profile serves only its own region', () => {
    expect(profileServesRegion(parseModelId(APP_PROFILE), 'eu-west-1')).toBe(true);
    expect(profileServesRegion(parseModelId(APP_PROFILE), 'eu-central-1')).toBe(false);
  });

  test('an on-demand model is not a geography question', () => {
    expect(profileServesRegion(parseModelId(MODEL), 'eu-west-1')).toBe(true);
  });

  test('profilesOutsideRegion lists each mismatched id once, and none for a token region', () => {
    const ids = [`us.${MODEL}`, `eu.${MODEL}`, `us.${MODEL}`, MODEL];
    expect(profilesOutsideRegion(ids, 'eu-west-1')).toEqual([`us.${MODEL}`]);
    expect(profilesOutsideRegion(ids, new Stack(new App(), 'Agnostic').region)).toEqual([]);
  });
});

import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { ApiAuth, ResponseMode, StreamingBedrockApi, StreamingBedrockApiProps } from '../../src';
import { HandlerEnvironment } from '../../src/contract';
import { inlineFunction } from '../support/inline-function';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';

function stackWith(props: Partial<StreamingBedrockApiProps> = {}) {
  const stack = new Stack(new App(), 'TestStack', { env: { account: '123456789012', region: 'us-east-1' } });
  const api = new StreamingBedrockApi(stack, 'Chat', { modelId: MODEL, auth: ApiAuth.managedKeys(), ...props });
  return { stack, api, t: Template.fromStack(stack) };
}

function dynamoStatements(t: Template): any[] {
  const policies = Object.values<any>(t.findResources('AWS::IAM::Policy'));
  return policies
    .flatMap((p) => p.Properties.PolicyDocument.Statement)
    .filter((s) => [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
}

describe('ApiAuth.managedKeys()', () => {
  const { api, t } = stackWith({ responseMode: ResponseMode.BOTH });

  test('creates a key table (pk only, on demand, PITR, retained) and exposes it as keyTable', () => {
    const tables = t.findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(1);
    const [table] = Object.values<any>(tables);
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    expect(api.keyTable).toBeInstanceOf(dynamodb.Table);
  });

  test('the methods have no API Gateway authorizer: the handler checks the key', () => {
    t.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'POST', AuthorizationType: 'NONE' });
    t.resourcePropertiesCountIs('AWS::ApiGateway::Method', { HttpMethod: 'POST', AuthorizationType: 'AWS_IAM' }, 0);
  });

  test('both functions get the table name and the 30 s cache TTL, and may only GetItem on the key table', () => {
    const [tableId] = Object.keys(t.findResources('AWS::DynamoDB::Table'));
    const functions = t.findResources('AWS::Lambda::Function', {
      Properties: {
        Environment: { Variables: Match.objectLike({ [HandlerEnvironment.KEY_TABLE]: { Ref: tableId } }) },
      },
    });
    expect(Object.keys(functions)).toHaveLength(2);
    expect(Object.values<any>(functions)[0].Properties.Environment.Variables[HandlerEnvironment.KEY_CACHE_TTL_MS]).toBe(
      '30000',
    );
    expect(dynamoStatements(t)).toEqual([
      { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: { 'Fn::GetAtt': [tableId, 'Arn'] } },
    ]);
  });

  test('the cdk-nag findings of a method without authorizer are acknowledged with the reason', () => {
    const restApi = api.restApi.node.defaultChild as apigateway.CfnRestApi;
    const suppressions = restApi.getMetadata('cdk_nag').rules_to_suppress;
    expect(suppressions.map((r: any) => r.id)).toEqual([
      'AwsSolutions-APIG2',
      'AwsSolutions-COG4',
      'AwsSolutions-APIG4',
    ]);
    expect(suppressions[2].reason).toBe(
      'Managed keys are checked by the handler before any model call: ApiAuth.managedKeys() was chosen.',
    );
  });

  test('your own table is read by its ARN, and no table is created', () => {
    const stack = new Stack(new App(), 'Own', { env: { account: '123456789012', region: 'us-east-1' } });
    const table = dynamodb.Table.fromTableName(stack, 'Keys', 'team-keys');
    new StreamingBedrockApi(stack, 'Chat', {
      modelId: MODEL,
      auth: ApiAuth.managedKeys({ table, cacheTtl: Duration.seconds(5) }),
    });
    const own = Template.fromStack(stack);
    own.resourceCountIs('AWS::DynamoDB::Table', 0);
    own.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [HandlerEnvironment.KEY_TABLE]: 'team-keys',
          [HandlerEnvironment.KEY_CACHE_TTL_MS]: '5000',
        }),
      },
    });
    expect(JSON.stringify(dynamoStatements(own))).toContain(':table/team-keys');
  });

  test('fails a cache TTL over 60 seconds, naming the construct, the prop, the value and the fix', () => {
    expect(() => stackWith({ auth: ApiAuth.managedKeys({ cacheTtl: Duration.minutes(2) }) })).toThrow(
      "StreamingBedrockApi at 'TestStack/Chat': invalid ApiAuth.managedKeys({ cacheTtl }) 2 minutes. Revocation must " +
        'take effect within 60 seconds: use a duration from Duration.seconds(0) to Duration.seconds(60).',
    );
  });

  test('fails with your own handler, which does not check keys', () => {
    const stack = new Stack(new App(), 'OwnHandler', { env: { account: '123456789012', region: 'us-east-1' } });
    expect(
      () =>
        new StreamingBedrockApi(stack, 'Chat', {
          auth: ApiAuth.managedKeys(),
          handler: inlineFunction(stack, 'Fn'),
        }),
    ).toThrow(
      'StreamingBedrockApi at \'OwnHandler/Chat\': invalid handler "your own function". ApiAuth.managedKeys() is ' +
        'checked by the default handler: leave handler out, or choose another auth mode.',
    );
  });
});

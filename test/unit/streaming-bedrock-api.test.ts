import { App, Duration, Lazy, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import {
  ApiAuth,
  ClientProtocol,
  GuardrailStreamMode,
  ResponseMode,
  StreamingBedrockApi,
  StreamingBedrockApiProps,
  StreamingLambdaIntegration,
} from '../../src';
import { STREAMING_CODE, inlineFunction } from '../support/inline-function';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const APP_PROFILE = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6';
const THINKING = { thinking: { type: 'enabled', budget_tokens: 2048 } };

function stackWith(props: Partial<StreamingBedrockApiProps> = {}): { stack: Stack; api: StreamingBedrockApi } {
  const app = new App();
  const stack = new Stack(app, 'TestStack', { env: { account: '123456789012', region: 'us-east-1' } });
  const api = new StreamingBedrockApi(stack, 'Chat', { modelId: MODEL, ...props });
  return { stack, api };
}

function template(props: Partial<StreamingBedrockApiProps> = {}): Template {
  return Template.fromStack(stackWith(props).stack);
}

/** All Bedrock statements of all policies in the template. */
function bedrockStatements(t: Template): any[] {
  return Object.values(t.findResources('AWS::IAM::Policy')).flatMap((policy: any) =>
    policy.Properties.PolicyDocument.Statement.filter((s: any) =>
      [s.Action].flat().some((a: string) => a.startsWith('bedrock:')),
    ),
  );
}

/** `{ inner: { self: <the outer object> } }` */
function cyclic(): { [key: string]: any } {
  const outer: { [key: string]: any } = {};
  outer.inner = { self: outer };
  return outer;
}

function stageL1(api: StreamingBedrockApi): apigateway.CfnStage {
  return api.restApi.deploymentStage.node.defaultChild as apigateway.CfnStage;
}

function postMethod(t: Template, path: string): any {
  const resources = t.findResources('AWS::ApiGateway::Resource', { Properties: { PathPart: path } });
  const [resourceId] = Object.keys(resources);
  const methods = t.findResources('AWS::ApiGateway::Method', {
    Properties: { HttpMethod: 'POST', ResourceId: { Ref: resourceId } },
  });
  const all = Object.values(methods);
  expect(all).toHaveLength(1);
  return all[0];
}

describe('StreamingBedrockApi defaults', () => {
  const t = template();

  test('POST /stream is a Lambda proxy integration with response transfer mode STREAM', () => {
    const method = postMethod(t, 'stream');
    expect(method.Properties.Integration.Type).toBe('AWS_PROXY');
    expect(method.Properties.Integration.ResponseTransferMode).toBe('STREAM');
  });

  test('the integration calls the response-streaming-invocations API of the handler', () => {
    const uri = JSON.stringify(postMethod(t, 'stream').Properties.Integration.Uri);
    expect(uri).toMatch(/2021-11-15\/functions\//);
    expect(uri).toMatch(/\/response-streaming-invocations/);
  });

  test('the integration timeout and the Lambda timeout are both 5 minutes', () => {
    expect(postMethod(t, 'stream').Properties.Integration.TimeoutInMillis).toBe(300_000);
    t.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', Timeout: 300 });
  });

  test('the default handler runs on the latest Node.js runtime on ARM64 with 512 MB', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Runtime: lambda.Runtime.NODEJS_LATEST.name,
      Architectures: ['arm64'],
      MemorySize: 512,
    });
  });

  test('the handler is configured through its environment', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { SBA_MODEL_ID: MODEL, SBA_MAX_TOKENS: '1024' } },
    });
  });

  test('the endpoint is REGIONAL (edge-optimized cuts idle streams after 30 s)', () => {
    t.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
  });

  test('every POST method requires IAM auth', () => {
    expect(postMethod(t, 'stream').Properties.AuthorizationType).toBe('AWS_IAM');
    const unauthenticated = t.findResources('AWS::ApiGateway::Method', {
      Properties: { HttpMethod: Match.not('OPTIONS'), AuthorizationType: 'NONE' },
    });
    expect(Object.keys(unauthenticated)).toHaveLength(0);
  });

  test('the stage throttles with both rate and burst, and logs errors without payloads', () => {
    t.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 10,
          ThrottlingBurstLimit: 20,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
        }),
      ]),
    });
  });

  test('access logs are JSON, go to an owned log group with retention, and include the streaming variables', () => {
    const stage = Object.values(t.findResources('AWS::ApiGateway::Stage'))[0] as any;
    const format = JSON.parse(stage.Properties.AccessLogSetting.Format);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
      responseTransferMode: '$context.integration.responseTransferMode',
      timeToAllHeaders: '$context.integration.timeToAllHeaders',
      timeToFirstContent: '$context.integration.timeToFirstContent',
      integrationLatency: '$context.integration.latency',
    });
    const logGroupId = Object.keys(t.findResources('AWS::Logs::LogGroup')).find((id) => id.includes('AccessLogs'));
    expect(stage.Properties.AccessLogSetting.DestinationArn).toEqual({ 'Fn::GetAtt': [logGroupId, 'Arn'] });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  test('the handler logs to its own log group with retention', () => {
    const logGroupId = Object.keys(t.findResources('AWS::Logs::LogGroup')).find((id) => id.includes('HandlerLogs'));
    t.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: logGroupId } } });
  });

  test('the handler role has no managed policy and writes only to its own log group', () => {
    const roles = Object.values(t.findResources('AWS::IAM::Role')) as any[];
    expect(roles).toHaveLength(1);
    expect(roles[0].Properties.ManagedPolicyArns).toBeUndefined();
    const logGroupId = Object.keys(t.findResources('AWS::Logs::LogGroup')).find((id) => id.includes('HandlerLogs'));
    const statements = Object.values(t.findResources('AWS::IAM::Policy')).flatMap(
      (p: any) => p.Properties.PolicyDocument.Statement,
    );
    expect(statements.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('logs:')))).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
      },
    ]);
  });

  test('unavoidable cdk-nag findings are acknowledged with reasons, for cdk-nag 2 and 3', () => {
    const { api } = stackWith();
    const restApi = api.restApi.node.defaultChild as apigateway.CfnRestApi;
    expect(restApi.getMetadata('cdk_nag').rules_to_suppress.map((r: any) => r.id)).toEqual([
      'AwsSolutions-APIG2',
      'AwsSolutions-COG4',
    ]);
    const v3 = api.restApi.node.metadata.find((m) => m.type === 'aws:cdk:acknowledged-rules')!.data;
    expect(Object.keys(v3)).toEqual(['AwsSolutions-APIG2', 'AwsSolutions-COG4']);
    expect(v3['AwsSolutions-COG4']).toMatch(/IAM \(SigV4\)/);
  });

  test('no account-wide CloudWatch role is created', () => {
    t.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  test('Bedrock access is exactly ConverseStream on the configured model, never Resource *', () => {
    expect(bedrockStatements(t)).toEqual([
      {
        Effect: 'Allow',
        Action: 'bedrock:InvokeModelWithResponseStream',
        Resource: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:bedrock:us-east-1::foundation-model/${MODEL}`]],
        },
      },
    ]);
  });

  test('API Gateway errors use the JSON error shape of the handler', () => {
    t.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'DEFAULT_4XX',
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"error":\\{"type":"gateway_error"') },
    });
    t.hasResourceProperties('AWS::ApiGateway::GatewayResponse', { ResponseType: 'DEFAULT_5XX' });
  });

  test('only POST /stream is served', () => {
    t.resourceCountIs('AWS::ApiGateway::Resource', 1);
    t.resourceCountIs('AWS::Lambda::Function', 1);
  });

  test('the stage publishes detailed (billed) CloudWatch metrics', () => {
    t.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([Match.objectLike({ MetricsEnabled: true })]),
    });
  });

  test('the REST API is named after the construct path, with a hash', () => {
    t.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Name: Match.stringLikeRegexp('^TestStack-Chat-[0-9A-F]{8}$'),
    });
  });

  test('exposes the stream URL and no buffered URL', () => {
    const { api } = stackWith();
    expect(api.streamUrl).toBeDefined();
    expect(api.bufferedUrl).toBeUndefined();
    expect(api.handler).toBeInstanceOf(lambda.Function);
  });
});

describe('names and metrics', () => {
  test('two APIs in one app get different REST API names, each with its path', () => {
    const app = new App();
    const stacks = ['One', 'Two'].map((stackId) => new Stack(app, stackId));
    stacks.forEach((stack) => new StreamingBedrockApi(stack, 'Chat', { modelId: MODEL }));
    const [one, two] = stacks.map((stack) => {
      const apis = Template.fromStack(stack).findResources('AWS::ApiGateway::RestApi');
      return (Object.values(apis)[0] as any).Properties.Name;
    });
    expect(one).toMatch(/^One-Chat-/);
    expect(two).toMatch(/^Two-Chat-/);
  });

  test('two APIs in one stack get different REST API names', () => {
    const { stack } = stackWith();
    new StreamingBedrockApi(stack, 'Chat2', { modelId: MODEL });
    const names = Object.values(Template.fromStack(stack).findResources('AWS::ApiGateway::RestApi')).map(
      (api: any) => api.Properties.Name,
    );
    expect(new Set(names).size).toBe(2);
  });

  test('restApiName names the REST API', () => {
    template({ restApiName: 'chat-api' }).hasResourceProperties('AWS::ApiGateway::RestApi', { Name: 'chat-api' });
  });

  test('detailedMetrics false turns the billed stage metrics off', () => {
    template({ detailedMetrics: false }).hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([Match.objectLike({ MetricsEnabled: false })]),
    });
  });

  test('the log groups are retained when the stack is deleted (documented default)', () => {
    const logGroups = Object.values(template().findResources('AWS::Logs::LogGroup')) as any[];
    expect(logGroups.map((g) => g.DeletionPolicy)).toEqual(['Retain', 'Retain']);
  });
});

describe('model access', () => {
  test('a geographic inference profile grants the profile and its model in any region, only through the profile', () => {
    const t = template({ modelId: `us.${MODEL}` });
    const profileArn = {
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, `:bedrock:us-east-1:123456789012:inference-profile/us.${MODEL}`],
      ],
    };
    expect(bedrockStatements(t)).toEqual([
      { Effect: 'Allow', Action: 'bedrock:InvokeModelWithResponseStream', Resource: profileArn },
      {
        Effect: 'Allow',
        Action: 'bedrock:InvokeModelWithResponseStream',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:bedrock:*::foundation-model/${MODEL}`]] },
        Condition: { StringEquals: { 'bedrock:InferenceProfileArn': profileArn } },
      },
    ]);
  });

  test('a global inference profile grants the profile, the regional and the region-less model ARNs', () => {
    const statements = bedrockStatements(template({ modelId: `global.${MODEL}` }));
    const resources = JSON.stringify(statements.map((s) => s.Resource));
    expect(resources).toContain(`:bedrock:us-east-1:123456789012:inference-profile/global.${MODEL}`);
    expect(resources).toContain(`:bedrock:us-east-1::foundation-model/${MODEL}`);
    expect(resources).toContain(`:bedrock:::foundation-model/${MODEL}`);
    expect(statements[1].Condition.StringEquals['bedrock:InferenceProfileArn']).toBeDefined();
  });

  test('allowedModelIds widens the grant to exactly those ids and tells the handler', () => {
    const other = 'amazon.nova-lite-v1:0';
    const t = template({ allowedModelIds: [MODEL, other] });
    const resources = JSON.stringify(bedrockStatements(t).map((s) => s.Resource));
    expect(resources).toContain(`foundation-model/${MODEL}`);
    expect(resources).toContain(`foundation-model/${other}`);
    expect(resources).not.toMatch(/"\*"/);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { SBA_ALLOWED_MODEL_IDS: JSON.stringify([MODEL, other]) } },
    });
  });

  test('an application inference profile grants the profile, and what it routes to only through the profile', () => {
    const t = template({ modelId: APP_PROFILE });
    const partition = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });
    expect(bedrockStatements(t)).toEqual([
      { Effect: 'Allow', Action: 'bedrock:InvokeModelWithResponseStream', Resource: APP_PROFILE },
      {
        Effect: 'Allow',
        Action: 'bedrock:InvokeModelWithResponseStream',
        Resource: [
          partition(':bedrock:*::foundation-model/*'),
          partition(':bedrock:*:123456789012:inference-profile/*'),
        ],
        Condition: { StringEquals: { 'bedrock:InferenceProfileArn': APP_PROFILE } },
      },
    ]);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { SBA_MODEL_ID: APP_PROFILE } },
    });
  });

  test('an application inference profile in allowedModelIds is granted beside a foundation model', () => {
    const t = template({ allowedModelIds: [MODEL, APP_PROFILE] });
    const [direct, routed, ...rest] = bedrockStatements(t);
    expect(JSON.stringify(direct.Resource)).toContain(`:bedrock:us-east-1::foundation-model/${MODEL}`);
    expect(direct.Resource).toContain(APP_PROFILE);
    expect(routed.Condition).toEqual({ StringEquals: { 'bedrock:InferenceProfileArn': APP_PROFILE } });
    expect(rest).toEqual([]);
  });

  test('the wildcards of an application inference profile are acknowledged for cdk-nag, with the reason', () => {
    const { api } = stackWith({ modelId: APP_PROFILE });
    const role = api.handler.role!.node.tryFindChild('DefaultPolicy')!.node.defaultChild as any;
    const suppressions = JSON.stringify(role.getMetadata('cdk_nag'));
    expect(suppressions).toContain('Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/*');
    expect(suppressions).toContain('Resource::arn:<AWS::Partition>:bedrock:*:123456789012:inference-profile/*');
    expect(suppressions).toContain('application inference profile routes to a foundation model');
  });

  test('a guardrail adds ApplyGuardrail on exactly that guardrail and configures the handler', () => {
    const t = template({ guardrail: { guardrailIdentifier: 'gr123', guardrailVersion: '2' } });
    expect(bedrockStatements(t)).toContainEqual({
      Effect: 'Allow',
      Action: 'bedrock:ApplyGuardrail',
      Resource: {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':bedrock:us-east-1:123456789012:guardrail/gr123']],
      },
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: { SBA_GUARDRAIL_ID: 'gr123', SBA_GUARDRAIL_VERSION: '2', SBA_GUARDRAIL_STREAM_MODE: 'sync' },
      },
    });
  });

  test('no guardrail permission without a guardrail', () => {
    expect(JSON.stringify(bedrockStatements(template()))).not.toContain('ApplyGuardrail');
  });

  test('systemPrompt, maxTokens, temperature and handler options reach the handler', () => {
    const t = template({
      systemPrompt: 'You are terse.',
      maxTokens: 256,
      temperature: 0.2,
      handlerOptions: {
        memorySize: 1024,
        logContent: true,
        maxRequestBodySize: Size.kibibytes(64),
        reservedConcurrentExecutions: 5,
      },
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 1024,
      ReservedConcurrentExecutions: 5,
      Environment: {
        Variables: {
          SBA_SYSTEM_PROMPT: 'You are terse.',
          SBA_MAX_TOKENS: '256',
          SBA_TEMPERATURE: '0.2',
          SBA_LOG_CONTENT: 'true',
          SBA_MAX_REQUEST_BYTES: '65536',
        },
      },
    });
  });
});

describe('model features', () => {
  test('promptCaching, additionalModelRequestFields and clientTools false reach the handler', () => {
    const t = template({
      systemPrompt: 'Be terse.',
      maxTokens: 4096,
      promptCaching: true,
      additionalModelRequestFields: THINKING,
      clientTools: false,
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          SBA_PROMPT_CACHING: 'true',
          SBA_ADDITIONAL_MODEL_REQUEST_FIELDS: '{"thinking":{"type":"enabled","budget_tokens":2048}}',
          SBA_CLIENT_TOOLS: 'false',
        },
      },
    });
  });

  test('by default none of them is set: no caching, no extra fields, client tools on', () => {
    const variables = Object.keys(
      Object.values(template().findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables,
    );
    expect(variables).not.toContain('SBA_PROMPT_CACHING');
    expect(variables).not.toContain('SBA_ADDITIONAL_MODEL_REQUEST_FIELDS');
    expect(variables).not.toContain('SBA_CLIENT_TOOLS');
  });

  test('promptCaching false and clientTools true are the defaults, so they set nothing', () => {
    const variables = Object.keys(
      Object.values(template({ promptCaching: false, clientTools: true }).findResources('AWS::Lambda::Function'))[0]
        .Properties.Environment.Variables,
    );
    expect(variables).not.toContain('SBA_PROMPT_CACHING');
    expect(variables).not.toContain('SBA_CLIENT_TOOLS');
  });

  test('the buffered handler gets the same settings', () => {
    const t = template({ responseMode: ResponseMode.BUFFERED, promptCaching: true, systemPrompt: 'Be terse.' });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { SBA_PROMPT_CACHING: 'true' } },
    });
  });
});

describe('response modes', () => {
  test('BOTH serves POST /buffered through a classic proxy capped at 29 s, from the same bundle', () => {
    const t = template({ responseMode: ResponseMode.BOTH });
    const buffered = postMethod(t, 'buffered');
    expect(buffered.Properties.Integration.Type).toBe('AWS_PROXY');
    expect(buffered.Properties.Integration.ResponseTransferMode ?? 'BUFFERED').toBe('BUFFERED');
    expect(buffered.Properties.Integration.TimeoutInMillis).toBe(29_000);
    expect(JSON.stringify(buffered.Properties.Integration.Uri)).not.toContain('response-streaming-invocations');
    t.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.bufferedHandler', Timeout: 29 });
    expect(postMethod(t, 'stream').Properties.Integration.ResponseTransferMode).toBe('STREAM');
    const functions = Object.values(t.findResources('AWS::Lambda::Function')) as any[];
    expect(new Set(functions.map((f) => JSON.stringify(f.Properties.Code))).size).toBe(1);
  });

  test('BUFFERED serves only POST /buffered with a 29 s default timeout', () => {
    const { stack, api } = stackWith({ responseMode: ResponseMode.BUFFERED });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ApiGateway::Resource', 1);
    expect(postMethod(t, 'buffered').Properties.Integration.TimeoutInMillis).toBe(29_000);
    expect(api.streamUrl).toBeUndefined();
    expect(api.bufferedUrl).toBeDefined();
  });

  test('with BUFFERED, handler is the buffered function', () => {
    const { api } = stackWith({ responseMode: ResponseMode.BUFFERED });
    expect(api.handler).toBe(api.bufferedHandler);
  });

  test('one timeout prop sets both the Lambda and the integration timeout', () => {
    const t = template({ timeout: Duration.minutes(12) });
    expect(postMethod(t, 'stream').Properties.Integration.TimeoutInMillis).toBe(720_000);
    t.hasResourceProperties('AWS::Lambda::Function', { Timeout: 720 });
  });

  test('a short timeout applies to the buffered endpoint too', () => {
    const t = template({ timeout: Duration.seconds(20), responseMode: ResponseMode.BOTH });
    expect(postMethod(t, 'buffered').Properties.Integration.TimeoutInMillis).toBe(20_000);
  });
});

describe('auth modes', () => {
  test('apiKey requires a key, and a usage plan on the stage throttles it', () => {
    const { stack, api } = stackWith({
      auth: ApiAuth.apiKey({ quota: { limit: 1000, period: apigateway.Period.DAY } }),
    });
    const t = Template.fromStack(stack);
    expect(postMethod(t, 'stream').Properties.ApiKeyRequired).toBe(true);
    t.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 10, BurstLimit: 20 },
      Quota: { Limit: 1000, Period: 'DAY' },
      ApiStages: [Match.objectLike({ Stage: Match.anyValue() })],
    });
    t.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    t.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
    expect(api.usagePlan).toBeDefined();
    expect(api.apiKey).toBeDefined();
  });

  test('cognito uses a user pool authorizer', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const pool = new cognito.UserPool(stack, 'Pool');
    new StreamingBedrockApi(stack, 'Chat', { modelId: MODEL, auth: ApiAuth.cognito([pool]) });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'COGNITO_USER_POOLS' });
    expect(postMethod(t, 'stream').Properties.AuthorizationType).toBe('COGNITO_USER_POOLS');
  });

  test('lambdaAuthorizer uses the given authorizer', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const fn = inlineFunction(stack, 'AuthFn');
    const authorizer = new apigateway.TokenAuthorizer(stack, 'Authorizer', { handler: fn });
    new StreamingBedrockApi(stack, 'Chat', { modelId: MODEL, auth: ApiAuth.lambdaAuthorizer(authorizer) });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'TOKEN' });
    expect(postMethod(t, 'stream').Properties.AuthorizationType).toBe('CUSTOM');
  });

  test('none is public, and says so with a synth warning carrying the reason', () => {
    const { stack } = stackWith({ auth: ApiAuth.none('public demo behind WAF') });
    expect(postMethod(Template.fromStack(stack), 'stream').Properties.AuthorizationType).toBe('NONE');
    Annotations.fromStack(stack).hasWarning(
      '/TestStack/Chat',
      Match.stringLikeRegexp('public.*public demo behind WAF'),
    );
  });

  test('grantInvoke allows execute-api:Invoke on the POST endpoints only', () => {
    const { stack, api } = stackWith({ responseMode: ResponseMode.BOTH });
    const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    api.grantInvoke(role);
    const policy = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    expect(policy).toContain('execute-api:Invoke');
    expect(policy).toContain('"/POST/stream"');
    expect(policy).toContain('"/POST/buffered"');
    expect(policy).toContain('"Ref":"ChatApiDeploymentStageprod54D7081D"');
  });
});

describe('CORS', () => {
  const cors = { allowOrigins: ['https://app.example.com'] };

  test('preflight is answered without auth, and the handler learns the allowed origins', () => {
    const t = template({ cors });
    t.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'OPTIONS', AuthorizationType: 'NONE' });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { SBA_CORS_ALLOW_ORIGINS: JSON.stringify(cors.allowOrigins) } },
    });
  });

  test('API Gateway 4XX and 5XX responses carry the allow-origin header', () => {
    const t = template({ cors });
    for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
      t.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': "'https://app.example.com'" },
      });
    }
  });

  test('without CORS no allow-origin header is configured anywhere', () => {
    const t = template();
    expect(JSON.stringify(t.toJSON())).not.toContain('Access-Control-Allow-Origin');
    t.resourcePropertiesCountIs('AWS::ApiGateway::Method', { HttpMethod: 'OPTIONS' }, 0);
  });
});

describe('bring your own handler', () => {
  function byo(extra: Partial<StreamingBedrockApiProps> = {}) {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'us-east-1' } });
    const fn = inlineFunction(stack, 'Mine', STREAMING_CODE, Duration.minutes(2));
    const api = new StreamingBedrockApi(stack, 'Chat', { modelId: MODEL, handler: fn, ...extra });
    return { stack, fn, api };
  }

  test('the construct streams from your function and grants it the model', () => {
    const { stack, fn, api } = byo({ timeout: Duration.minutes(2) });
    const t = Template.fromStack(stack);
    expect(api.handler).toBe(fn);
    t.resourceCountIs('AWS::Lambda::Function', 1);
    const method = postMethod(t, 'stream');
    expect(method.Properties.Integration.ResponseTransferMode).toBe('STREAM');
    expect(method.Properties.Integration.TimeoutInMillis).toBe(120_000);
    expect(bedrockStatements(t)).toHaveLength(1);
  });

  test('fails when the timeout is shorter than your function timeout', () => {
    expect(() => byo({ timeout: Duration.minutes(1) })).toThrow(
      /^StreamingBedrockApi at 'S\/Chat': invalid timeout 1 minute\. The integration timeout is shorter than the function timeout \(2 minutes\)/,
    );
  });

  test('your function needs no modelId, and then gets no Bedrock permission', () => {
    const { stack, api } = byo({ modelId: undefined, timeout: Duration.minutes(2) });
    const t = Template.fromStack(stack);
    expect(postMethod(t, 'stream').Properties.Integration.ResponseTransferMode).toBe('STREAM');
    expect(api.handler.node.id).toBe('Mine');
    expect(bedrockStatements(t)).toEqual([]);
  });

  test('fails when default-handler options are given with your own handler', () => {
    expect(() => byo({ systemPrompt: 'x', maxTokens: 5 })).toThrow(
      /invalid handler "your own function". maxTokens, systemPrompt configure the default handler and would be ignored/,
    );
  });

  test('fails when model features of the default handler are given with your own handler', () => {
    expect(() =>
      byo({
        promptCaching: true,
        additionalModelRequestFields: THINKING,
        clientTools: false,
        timeout: Duration.minutes(2),
      }),
    ).toThrow(
      /invalid handler "your own function". promptCaching, additionalModelRequestFields, clientTools configure the default handler/,
    );
  });

  test('your function may use an application inference profile, and is granted it', () => {
    const { stack } = byo({ modelId: APP_PROFILE, timeout: Duration.minutes(2) });
    const statements = bedrockStatements(Template.fromStack(stack));
    expect(statements[0].Resource).toBe(APP_PROFILE);
    expect(statements[1].Condition).toEqual({ StringEquals: { 'bedrock:InferenceProfileArn': APP_PROFILE } });
  });

  test('fails with a buffered endpoint', () => {
    expect(() => byo({ responseMode: ResponseMode.BOTH })).toThrow(
      /invalid responseMode "BOTH".*ResponseMode.STREAMING/,
    );
  });
});

describe('StreamingLambdaIntegration', () => {
  function setup() {
    const stack = new Stack(new App(), 'S');
    const fn = inlineFunction(stack, 'Fn', 'x', Duration.minutes(3));
    const api = new apigateway.RestApi(stack, 'Api');
    return { stack, fn, api };
  }

  test('aligns the integration timeout to the function timeout and streams', () => {
    const { stack, fn, api } = setup();
    api.root.addMethod('POST', new StreamingLambdaIntegration(fn));
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::Method', {
      Integration: {
        ResponseTransferMode: 'STREAM',
        TimeoutInMillis: 180_000,
        Uri: Match.objectLike({
          'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('response-streaming-invocations')])],
        }),
      },
    });
  });

  test('uses 15 minutes for a function whose timeout is unknown', () => {
    const { stack, api } = setup();
    const imported = lambda.Function.fromFunctionArn(
      stack,
      'Imported',
      'arn:aws:lambda:us-east-1:123456789012:function:f',
    );
    api.root.addMethod('POST', new StreamingLambdaIntegration(imported));
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::Method', {
      Integration: { TimeoutInMillis: 900_000 },
    });
  });

  test('passes the other Lambda integration options through', () => {
    const { stack, fn, api } = setup();
    api.root.addMethod('POST', new StreamingLambdaIntegration(fn, { allowTestInvoke: false }));
    const permissions = Template.fromStack(stack).findResources('AWS::Lambda::Permission');
    expect(JSON.stringify(permissions)).not.toContain('test-invoke-stage');
  });

  const failures: Array<[string, apigateway.LambdaIntegrationOptions, RegExp]> = [
    [
      'a timeout shorter than the function timeout',
      { timeout: Duration.minutes(1) },
      /invalid timeout 1 minute\. The integration timeout is shorter than the function timeout \(3 minutes\)/,
    ],
    ['a timeout over 15 minutes', { timeout: Duration.minutes(16) }, /invalid timeout 16 minutes\. .*15 minutes/],
    ['proxy false', { proxy: false }, /invalid proxy false\. A streamed response passes through as is/],
    [
      'a buffered transfer mode',
      { responseTransferMode: apigateway.ResponseTransferMode.BUFFERED },
      /invalid responseTransferMode "BUFFERED"\. Remove it \(always STREAM\)/,
    ],
  ];

  test.each(failures)('fails with %s, naming itself and the function', (_name, options, message) => {
    const { fn } = setup();
    expect(() => new StreamingLambdaIntegration(fn, options)).toThrow(message);
    expect(() => new StreamingLambdaIntegration(fn, options)).toThrow(/^StreamingLambdaIntegration at 'S\/Fn': /);
  });
});

describe('synth-time validation', () => {
  const cases: Array<[string, Partial<StreamingBedrockApiProps>, RegExp]> = [
    [
      'a timeout over 15 minutes',
      { timeout: Duration.minutes(20) },
      /invalid timeout 20 minutes\. .*Duration\.minutes\(15\) or less/,
    ],
    [
      'a buffered endpoint over 29 seconds',
      { responseMode: ResponseMode.BUFFERED, timeout: Duration.minutes(1) },
      /invalid timeout 1 minute\. With ResponseMode.BUFFERED, .*29 seconds/,
    ],
    ['an empty model id', { modelId: '' }, /invalid modelId "". Pass a Bedrock model id/],
    ['a whitespace model id', { modelId: '   ' }, /invalid modelId " {3}"/],
    ['a model id with spaces', { modelId: 'anthropic claude' }, /invalid modelId "anthropic claude".*no spaces/],
    [
      'a foundation model ARN',
      { modelId: `arn:aws:bedrock:us-east-1::foundation-model/${MODEL}` },
      /invalid modelId "arn:aws:bedrock.*or an application inference profile ARN .*not another ARN; for provisioned throughput, bring your own handler/,
    ],
    [
      'a provisioned throughput ARN in allowedModelIds',
      { allowedModelIds: [MODEL, 'arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc'] },
      /invalid allowedModelIds\[1\] "arn:aws:bedrock:us-east-1:123456789012:provisioned-model\/abc".*not another ARN/,
    ],
    ['a model id token', { modelId: Lazy.string({ produce: () => MODEL }) }, /invalid modelId .*literal string/],
    [
      'a default model not in allowedModelIds',
      { allowedModelIds: ['amazon.nova-lite-v1:0'] },
      /invalid modelId ".*". It is not in allowedModelIds \["amazon.nova-lite-v1:0"\]: add it there/,
    ],
    ['a malformed allowed model id', { allowedModelIds: [MODEL, 'bad id'] }, /invalid allowedModelIds\[1\] "bad id"/],
    ['maxTokens 0', { maxTokens: 0 }, /invalid maxTokens 0\. Use a whole number of tokens >= 1/],
    ['maxTokens 1.5', { maxTokens: 1.5 }, /invalid maxTokens 1.5\./],
    ['temperature above 1', { temperature: 1.5 }, /invalid temperature 1.5\. Use a number from 0 to 1/],
    ['temperature below 0', { temperature: -0.1 }, /invalid temperature -0.1\./],
    [
      'CORS credentials with origin *',
      { cors: { allowOrigins: ['*'], allowCredentials: true } },
      /invalid cors.allowOrigins \["\*"\]\. allowCredentials cannot be used with origin '\*'/,
    ],
    [
      'an origin without scheme',
      { cors: { allowOrigins: ['app.example.com'] } },
      /invalid cors.allowOrigins\[0\] "app.example.com"\. Use a full origin/,
    ],
    [
      'an origin with a path',
      { cors: { allowOrigins: ['https://app.example.com/'] } },
      /invalid cors.allowOrigins\[0\] "https:\/\/app.example.com\/"/,
    ],
    ['no origins', { cors: { allowOrigins: [] } }, /invalid cors.allowOrigins \[\]\. List at least one origin/],
    [
      'a negative throttle rate',
      { throttle: { rateLimit: -1 } },
      /invalid throttle.rateLimit -1\. Use a finite number >= 0/,
    ],
    ['an infinite throttle burst', { throttle: { burstLimit: Infinity } }, /invalid throttle.burstLimit Infinity\./],
    ['a NaN throttle rate', { throttle: { rateLimit: NaN } }, /invalid throttle.rateLimit NaN\./],
    [
      'reserved concurrency 0',
      { handlerOptions: { reservedConcurrentExecutions: 0 } },
      /invalid handlerOptions.reservedConcurrentExecutions 0\. Zero reserved concurrency disables the function/,
    ],
    [
      'memory out of range',
      { handlerOptions: { memorySize: 64 } },
      /invalid handlerOptions.memorySize 64\. Use a number from 128 to 10240/,
    ],
    [
      'a guardrail without version',
      { guardrail: { guardrailIdentifier: 'gr1', guardrailVersion: '' } },
      /invalid guardrail.guardrailVersion ""\. A guardrail needs a version/,
    ],
    [
      'a guardrail without id',
      { guardrail: { guardrailIdentifier: ' ', guardrailVersion: '1' } },
      /invalid guardrail.guardrailIdentifier " "/,
    ],
    [
      'a request size cap over the Lambda payload limit',
      { handlerOptions: { maxRequestBodySize: Size.mebibytes(10) } },
      /invalid handlerOptions.maxRequestBodySize "10485760 bytes"/,
    ],
    [
      'a system prompt over the environment limit',
      { systemPrompt: 'x'.repeat(5000) },
      /invalid systemPrompt "5000 bytes".*4 KB/,
    ],
    [
      'a function in additionalModelRequestFields',
      { additionalModelRequestFields: { thinking: { type: 'enabled', budget: () => 1 } } },
      /invalid additionalModelRequestFields\.thinking\.budget "a function"\. Use only JSON values/,
    ],
    [
      'undefined in additionalModelRequestFields',
      { additionalModelRequestFields: { reasoningConfig: undefined } },
      /invalid additionalModelRequestFields\.reasoningConfig "undefined"\. Use only JSON values/,
    ],
    [
      'a class instance in additionalModelRequestFields',
      { additionalModelRequestFields: { when: new Date(0) } },
      /invalid additionalModelRequestFields\.when "an instance of Date"\. Use only JSON values/,
    ],
    [
      'a non-finite number in additionalModelRequestFields',
      { additionalModelRequestFields: { top_k: Infinity } },
      /invalid additionalModelRequestFields\.top_k "Infinity"\. JSON has no NaN or Infinity/,
    ],
    [
      'a token in additionalModelRequestFields',
      { additionalModelRequestFields: { thinking: { type: Lazy.string({ produce: () => 'enabled' }) } } },
      /invalid additionalModelRequestFields\.thinking\.type \(a token, whose value is known only at deployment\)\. The construct writes these fields .*pass literal values/,
    ],
    [
      'a cycle in additionalModelRequestFields',
      { additionalModelRequestFields: cyclic() },
      /invalid additionalModelRequestFields\.inner\.self "a reference to an enclosing object"\. JSON cannot hold a cycle/,
    ],
    [
      'an array as additionalModelRequestFields',
      { additionalModelRequestFields: ['thinking'] as any },
      /invalid additionalModelRequestFields "thinking"\. Pass a plain object of JSON values/,
    ],
    [
      'a thinking budget not below maxTokens',
      { maxTokens: 2048, additionalModelRequestFields: THINKING },
      /invalid additionalModelRequestFields\.thinking\.budget_tokens 2048\. Bedrock requires maxTokens \(2048\) to be greater than the thinking budget: raise maxTokens above 2048/,
    ],
    [
      'a thinking budget above the default maxTokens',
      { additionalModelRequestFields: THINKING },
      /invalid additionalModelRequestFields\.thinking\.budget_tokens 2048\. Bedrock requires maxTokens \(1024\)/,
    ],
    [
      'a temperature with Claude thinking',
      { maxTokens: 4096, temperature: 0.5, additionalModelRequestFields: THINKING },
      /invalid temperature 0.5\. Claude rejects a temperature other than 1 while additionalModelRequestFields\.thinking is on: remove temperature/,
    ],
    [
      'a temperature with Claude adaptive thinking',
      { temperature: 0, additionalModelRequestFields: { thinking: { type: 'adaptive' } } },
      /invalid temperature 0\. Claude rejects a temperature other than 1/,
    ],
    [
      'additionalModelRequestFields over the environment limit',
      { additionalModelRequestFields: { note: 'x'.repeat(4000) } },
      /invalid additionalModelRequestFields "4011 bytes of JSON"\. .*4 KB in total: keep only the model fields/,
    ],
  ];

  test.each(cases)('fails with %s, naming the construct path', (_name, props, message) => {
    expect(() => stackWith(props)).toThrow(message);
    expect(() => stackWith(props)).toThrow(/^StreamingBedrockApi at 'TestStack\/Chat': invalid /);
  });

  test.each([
    [
      'Claude thinking with a budget below maxTokens and temperature 1',
      { maxTokens: 4096, temperature: 1, additionalModelRequestFields: THINKING },
    ],
    [
      'thinking disabled with a temperature',
      { temperature: 0.2, additionalModelRequestFields: { thinking: { type: 'disabled' } } },
    ],
    [
      'Nova reasoning',
      { additionalModelRequestFields: { reasoningConfig: { type: 'enabled', maxReasoningEffort: 'low' } } },
    ],
    [
      'nested JSON values',
      { additionalModelRequestFields: { a: [1, 'b', null, true, { c: [] }], d: Object.create(null) } },
    ],
    ['an application inference profile', { modelId: APP_PROFILE }],
  ] as Array<[string, Partial<StreamingBedrockApiProps>]>)('accepts %s', (_name, props) => {
    expect(() => stackWith(props)).not.toThrow();
  });

  test('fails without modelId for the default handler', () => {
    expect(() => stackWith({ modelId: undefined })).toThrow(
      /^StreamingBedrockApi at 'TestStack\/Chat': invalid modelId undefined\. The default handler needs a model: pass modelId/,
    );
  });

  test('fails on ApiAuth.none() without a reason', () => {
    expect(() => ApiAuth.none('  ')).toThrow(
      /ApiAuth.none\(reason\): reason is " {2}"\. A public endpoint is an explicit choice/,
    );
  });

  test('fails on ApiAuth.cognito() without user pools', () => {
    expect(() => ApiAuth.cognito([])).toThrow(/userPools is empty/);
  });

  const streamingBreakers: Array<[string, (api: StreamingBedrockApi) => void, RegExp]> = [
    [
      'the stage cache cluster set on the L1',
      (api) => ((api.restApi.deploymentStage.node.defaultChild as apigateway.CfnStage).cacheClusterEnabled = true),
      /invalid CacheClusterEnabled true on the stage: API Gateway cannot cache streamed responses\. Remove/,
    ],
    [
      'the stage cache cluster set by a property override',
      (api) => stageL1(api).addPropertyOverride('CacheClusterEnabled', true),
      /invalid CacheClusterEnabled true on the stage: .*Remove the cacheClusterEnabled setting or override/,
    ],
    [
      'method caching set by a property override',
      (api) => stageL1(api).addPropertyOverride('MethodSettings.0.CachingEnabled', true),
      /invalid MethodSettings CachingEnabled true on the stage: .*Remove the cachingEnabled method setting or override/,
    ],
    [
      'compression set on the L1',
      (api) => ((api.restApi.node.defaultChild as apigateway.CfnRestApi).minimumCompressionSize = 1024),
      /invalid MinimumCompressionSize 1024 on the REST API: API Gateway cannot compress streamed responses\. Remove/,
    ],
    [
      'compression set by a property override',
      (api) =>
        (api.restApi.node.defaultChild as apigateway.CfnRestApi).addPropertyOverride('MinimumCompressionSize', 0),
      /invalid MinimumCompressionSize 0 on the REST API: .*Remove the minimumCompressionSize setting or override/,
    ],
  ];

  test.each(streamingBreakers)('fails at synth with %s', (_name, escapeHatch, message) => {
    const { stack, api } = stackWith();
    escapeHatch(api);
    expect(() => Template.fromStack(stack)).toThrow(message);
    expect(() => Template.fromStack(stack)).toThrow(/StreamingBedrockApi at 'TestStack\/Chat': invalid /);
  });

  test('caching stays allowed when only the buffered endpoint is served', () => {
    const { stack, api } = stackWith({ responseMode: ResponseMode.BUFFERED });
    stageL1(api).addPropertyOverride('CacheClusterEnabled', true);
    expect(() => Template.fromStack(stack)).not.toThrow();
  });
});

describe('warnings for legal but risky settings', () => {
  const cases: Array<[string, Partial<StreamingBedrockApiProps>, RegExp]> = [
    ['an edge-optimized endpoint', { endpointType: apigateway.EndpointType.EDGE }, /EDGE.*30 s of silence/],
    [
      'an async guardrail',
      {
        guardrail: { guardrailIdentifier: 'g', guardrailVersion: '1', streamProcessingMode: GuardrailStreamMode.ASYNC },
      },
      /ASYNC.*PII cannot be masked/,
    ],
    ['infinite log retention', { logRetention: logs.RetentionDays.INFINITE }, /INFINITE.*forever/],
    [
      "API Gateway's own errors without CORS headers with several origins",
      { cors: { allowOrigins: ['https://a.example.com', 'https://b.example.com'] } },
      /lists 2 origins: API Gateway's own 4XX\/5XX .*carry no CORS headers/,
    ],
    [
      "a geographic profile of another geography than the stack's region",
      { modelId: `eu.${MODEL}` },
      /model id 'eu\..*' is an inference profile of another geography than the stack's region us-east-1/,
    ],
    [
      'an allowed geographic profile of another geography',
      { allowedModelIds: [MODEL, `apac.${MODEL}`] },
      /model id 'apac\..*' is an inference profile of another geography/,
    ],
    [
      "an application inference profile of another region than the stack's",
      { modelId: APP_PROFILE.replace('us-east-1', 'eu-west-1') },
      /model id 'arn:aws:bedrock:eu-west-1:.*' is an application inference profile of another region than the stack's region us-east-1: .*does not exist/,
    ],
  ];

  test.each(cases)('warns about %s', (_name, props, message) => {
    const { stack } = stackWith(props);
    Annotations.fromStack(stack).hasWarning('/TestStack/Chat', Match.stringLikeRegexp(message.source));
  });

  test.each([
    [{ modelId: APP_PROFILE.replace('us-east-1', 'eu-west-1') }, 'applicationInferenceProfileRegion'],
  ] as Array<[Partial<StreamingBedrockApiProps>, string]>)('the warning about %j has the id %s', (props, id) => {
    const { stack } = stackWith(props);
    const [warning] = Annotations.fromStack(stack).findWarning('/TestStack/Chat', Match.anyValue());
    expect(warning.entry.data).toMatch(new RegExp(`\\[ack: cdk-streaming-bedrock-api:${id}\\]`));
  });

  test('warnings carry ids users can acknowledge', () => {
    const { stack } = stackWith({ cors: { allowOrigins: ['https://a.example.com', 'https://b.example.com'] } });
    const [warning] = Annotations.fromStack(stack).findWarning('/TestStack/Chat', Match.anyValue());
    expect(warning.entry.data).toMatch(/\[ack: cdk-streaming-bedrock-api:corsGatewayErrors\]/);
  });

  const quiet: Array<[string, Partial<StreamingBedrockApiProps>]> = [
    // Conversation caching: tools and multi-turn conversations get cache points without a system prompt.
    ['prompt caching without a system prompt', { promptCaching: true }],
    ['one CORS origin', { cors: { allowOrigins: ['https://app.example.com'] } }],
    ["a profile of the stack's geography", { modelId: `us.${MODEL}` }],
    ['a global profile', { modelId: `global.${MODEL}` }],
    ["an application inference profile of the stack's region", { modelId: APP_PROFILE }],
    ['prompt caching with a system prompt', { promptCaching: true, systemPrompt: 'Be terse.' }],
  ];

  test.each(quiet)('does not warn about %s', (_name, props) => {
    const { stack } = stackWith(props);
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('does not check profiles when the region is unknown until deployment', () => {
    const stack = new Stack(new App(), 'Agnostic');
    new StreamingBedrockApi(stack, 'Chat', { modelId: `eu.${MODEL}` });
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('the default construct has no warnings', () => {
    const { stack } = stackWith();
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });
});

describe('client protocols', () => {
  const PROTOCOLS = { protocols: [ClientProtocol.OPENAI_CHAT_COMPLETIONS, ClientProtocol.AI_SDK_UI_MESSAGES] };
  const OPENAI = { protocols: [ClientProtocol.OPENAI_CHAT_COMPLETIONS] };
  const AI_SDK = { protocols: [ClientProtocol.AI_SDK_UI_MESSAGES] };
  const PROTOCOL_ROUTES: Array<[string, string]> = [
    ['POST', '/v1/chat/completions'],
    ['GET', '/v1/models'],
    ['POST', '/chat'],
  ];

  /** The logical id of the resource at a full path (`/v1/chat` and `/chat` share a path part). */
  function resourceAt(t: Template, path: string): string {
    const resources = t.findResources('AWS::ApiGateway::Resource');
    let parent: unknown = undefined;
    let id = '';
    for (const part of path.split('/').filter(Boolean)) {
      const found = Object.entries(resources).find(
        ([, r]: [string, any]) =>
          r.Properties.PathPart === part &&
          (parent === undefined
            ? r.Properties.ParentId['Fn::GetAtt'] !== undefined
            : r.Properties.ParentId.Ref === parent),
      );
      expect(found).toBeDefined();
      id = found![0];
      parent = id;
    }
    return id;
  }

  function methodAt(t: Template, httpMethod: string, path: string): any {
    const methods = Object.values(
      t.findResources('AWS::ApiGateway::Method', {
        Properties: { HttpMethod: httpMethod, ResourceId: { Ref: resourceAt(t, path) } },
      }),
    );
    expect(methods).toHaveLength(1);
    return methods[0];
  }

  /** The method-and-path tails of the execute-api ARNs a policy allows, e.g. `/POST/stream`. */
  function invokeTails(t: Template): string[] {
    return Object.values(t.findResources('AWS::IAM::Policy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => s.Action === 'execute-api:Invoke')
      .flatMap((s: any) => [s.Resource].flat())
      .map((arn: any) => arn['Fn::Join'][1].at(-1));
  }

  test('OPENAI_CHAT_COMPLETIONS creates POST /v1/chat/completions and GET /v1/models on the streaming function', () => {
    const t = template(OPENAI);
    const stream = postMethod(t, 'stream').Properties.Integration;
    for (const [httpMethod, path] of [PROTOCOL_ROUTES[0], PROTOCOL_ROUTES[1]]) {
      const integration = methodAt(t, httpMethod, path).Properties.Integration;
      expect(integration).toEqual(stream);
      expect(integration.ResponseTransferMode).toBe('STREAM');
    }
    t.resourceCountIs('AWS::Lambda::Function', 1);
    t.resourcePropertiesCountIs('AWS::ApiGateway::Resource', { PathPart: 'chat' }, 1);
  });

  test('AI_SDK_UI_MESSAGES creates POST /chat on the streaming function', () => {
    const t = template(AI_SDK);
    expect(methodAt(t, 'POST', '/chat').Properties.Integration).toEqual(postMethod(t, 'stream').Properties.Integration);
    t.resourceCountIs('AWS::Lambda::Function', 1);
    t.resourcePropertiesCountIs('AWS::ApiGateway::Resource', { PathPart: 'v1' }, 0);
  });

  test('API Gateway may invoke the function through each new method', () => {
    const permissions = JSON.stringify(template(PROTOCOLS).findResources('AWS::Lambda::Permission'));
    for (const [httpMethod, path] of PROTOCOL_ROUTES) {
      expect(permissions).toContain(`"/${httpMethod}${path}"`);
    }
  });

  test('by default neither protocol is served and their URLs are undefined', () => {
    const { stack, api } = stackWith();
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ApiGateway::Resource', 1);
    expect(api.openAiBaseUrl).toBeUndefined();
    expect(api.chatUrl).toBeUndefined();
  });

  test('openAiBaseUrl is the /v1 base an OpenAI client appends /chat/completions to, chatUrl the /chat URL', () => {
    const { stack, api } = stackWith(PROTOCOLS);
    const tail = (url: string | undefined) => JSON.stringify(stack.resolve(url)).match(/"([^"]*)"\]\]\}$/)?.[1];
    expect(tail(api.streamUrl)).toBe('/stream');
    expect(tail(api.openAiBaseUrl)).toBe('/v1');
    expect(tail(api.chatUrl)).toBe('/chat');
    expect(JSON.stringify(stack.resolve(api.openAiBaseUrl))).toContain('"ChatApiDeploymentStageprod54D7081D"');
  });

  test('ANTHROPIC_MESSAGES creates POST /v1/messages, POST /v1/messages/count_tokens and GET /v1/models', () => {
    const t = template({ protocols: [ClientProtocol.ANTHROPIC_MESSAGES] });
    const stream = postMethod(t, 'stream').Properties.Integration;
    for (const [httpMethod, path] of [
      ['POST', '/v1/messages'],
      ['POST', '/v1/messages/count_tokens'],
      ['GET', '/v1/models'],
    ]) {
      expect(methodAt(t, httpMethod, path).Properties.Integration).toEqual(stream);
    }
    t.resourceCountIs('AWS::Lambda::Function', 1);
  });

  test('anthropicBaseUrl is the stage root an Anthropic client appends /v1/messages to; undefined without it', () => {
    const { stack, api } = stackWith({ protocols: [ClientProtocol.ANTHROPIC_MESSAGES] });
    const tail = (url: string | undefined) => JSON.stringify(stack.resolve(url)).match(/"([^"]*)"\]\]\}$/)?.[1];
    expect(tail(api.anthropicBaseUrl)).toBe('/');
    expect(api.openAiBaseUrl).toBeUndefined();
    expect(stackWith(OPENAI).api.anthropicBaseUrl).toBeUndefined();
  });

  test("the Anthropic preflight allows the Anthropic client's version, beta, key and X-Stainless headers", () => {
    const t = template({
      protocols: [ClientProtocol.ANTHROPIC_MESSAGES],
      cors: { allowOrigins: ['https://a.example'] },
    });
    expect(allowedHeaders(t, '/v1/messages')).toEqual(
      expect.arrayContaining(['anthropic-version', 'anthropic-beta', 'x-api-key', 'X-Stainless-Retry-Count']),
    );
  });

  test('the protocols are served with ResponseMode.BOTH too, beside /buffered', () => {
    const t = template({ ...PROTOCOLS, responseMode: ResponseMode.BOTH });
    for (const [httpMethod, path] of PROTOCOL_ROUTES) {
      expect(methodAt(t, httpMethod, path).Properties.Integration.ResponseTransferMode).toBe('STREAM');
    }
    expect(postMethod(t, 'buffered').Properties.Integration.ResponseTransferMode).toBeUndefined();
  });

  const authModes: Array<[string, (stack: Stack) => ApiAuth]> = [
    ['iam', () => ApiAuth.iam()],
    ['apiKey', () => ApiAuth.apiKey()],
    [
      'cognito',
      (stack) => ApiAuth.cognito([new cognito.UserPool(stack, 'Pool')], { authorizationScopes: ['chat/use'] }),
    ],
    [
      'lambdaAuthorizer',
      (stack) =>
        ApiAuth.lambdaAuthorizer(
          new apigateway.TokenAuthorizer(stack, 'Authorizer', {
            handler: inlineFunction(stack, 'AuthFn'),
          }),
        ),
    ],
    ['none', () => ApiAuth.none('public demo')],
  ];

  test.each(authModes)('with %s auth, each protocol method has the method options of /stream', (_name, auth) => {
    const app = new App();
    const stack = new Stack(app, 'S');
    new StreamingBedrockApi(stack, 'Chat', { modelId: MODEL, ...PROTOCOLS, auth: auth(stack) });
    const t = Template.fromStack(stack);
    const options = (method: any) => {
      const { AuthorizationType, AuthorizerId, AuthorizationScopes, ApiKeyRequired, RequestValidatorId } =
        method.Properties;
      return { AuthorizationType, AuthorizerId, AuthorizationScopes, ApiKeyRequired, RequestValidatorId };
    };
    const stream = options(postMethod(t, 'stream'));
    expect(stream.AuthorizationType).toBeDefined();
    for (const [httpMethod, path] of PROTOCOL_ROUTES) {
      expect(options(methodAt(t, httpMethod, path))).toEqual(stream);
    }
  });

  test('with CORS each protocol resource answers the preflight, without auth; the path segments do not', () => {
    const t = template({ ...PROTOCOLS, cors: { allowOrigins: ['https://app.example.com'] } });
    for (const [, path] of PROTOCOL_ROUTES) {
      const preflight = methodAt(t, 'OPTIONS', path);
      expect(preflight.Properties.AuthorizationType).toBe('NONE');
      expect(JSON.stringify(preflight.Properties.Integration)).toContain("'https://app.example.com'");
    }
    t.resourcePropertiesCountIs('AWS::ApiGateway::Method', { HttpMethod: 'OPTIONS' }, 4);
  });

  /** The Access-Control-Allow-Headers a preflight answers with. */
  function allowedHeaders(t: Template, path: string): string[] {
    const responses = methodAt(t, 'OPTIONS', path).Properties.Integration.IntegrationResponses;
    const value: string = responses[0].ResponseParameters['method.response.header.Access-Control-Allow-Headers'];
    return value.replace(/'/g, '').split(',');
  }

  test("the OpenAI preflights also allow the openai client's X-Stainless headers, so browsers may send them", () => {
    const t = template({ ...PROTOCOLS, cors: { allowOrigins: ['https://app.example.com'] } });
    const openAiHeaders = [
      ...apigateway.Cors.DEFAULT_HEADERS,
      'X-Stainless-Arch',
      'X-Stainless-Lang',
      'X-Stainless-OS',
      'X-Stainless-Package-Version',
      'X-Stainless-Retry-Count',
      'X-Stainless-Runtime',
      'X-Stainless-Runtime-Version',
      'X-Stainless-Timeout',
    ];
    expect(allowedHeaders(t, '/v1/chat/completions')).toEqual(openAiHeaders);
    // GET /v1/models is shared with Anthropic's clients: their headers are allowed there too.
    expect(allowedHeaders(t, '/v1/models')).toEqual(expect.arrayContaining(openAiHeaders));
    expect(allowedHeaders(t, '/chat')).toEqual(apigateway.Cors.DEFAULT_HEADERS);
    expect(allowedHeaders(t, '/stream')).toEqual(apigateway.Cors.DEFAULT_HEADERS);
  });

  test("the user's own allowHeaders are used as given on every preflight", () => {
    const cors = { allowOrigins: ['https://app.example.com'], allowHeaders: ['Content-Type', 'Authorization'] };
    const t = template({ ...PROTOCOLS, cors });
    for (const [, path] of PROTOCOL_ROUTES) {
      expect(allowedHeaders(t, path)).toEqual(['Content-Type', 'Authorization']);
    }
  });

  test('without CORS there is no preflight on the protocol resources', () => {
    template(PROTOCOLS).resourcePropertiesCountIs('AWS::ApiGateway::Method', { HttpMethod: 'OPTIONS' }, 0);
  });

  test('grantInvoke covers exactly the served methods and paths on the stage', () => {
    const { stack, api } = stackWith({ ...PROTOCOLS, responseMode: ResponseMode.BOTH });
    api.grantInvoke(new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() }));
    expect(invokeTails(Template.fromStack(stack)).sort()).toEqual(
      ['/POST/stream', '/POST/buffered', '/POST/v1/chat/completions', '/GET/v1/models', '/POST/chat'].sort(),
    );
  });

  test('grantInvoke covers only /stream when no protocol is on', () => {
    const { stack, api } = stackWith();
    api.grantInvoke(new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() }));
    expect(invokeTails(Template.fromStack(stack))).toEqual(['/POST/stream']);
  });

  test('API Gateway errors keep the JSON error shape for the whole API', () => {
    const t = template(PROTOCOLS);
    t.resourceCountIs('AWS::ApiGateway::GatewayResponse', 2);
  });

  test('allowCallerSystemMessages tells the handler; by default the variable is absent', () => {
    template({ ...OPENAI, allowCallerSystemMessages: true }).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SBA_CALLER_SYSTEM_MESSAGES: 'true' }) },
    });
    const variables = template(PROTOCOLS).findResources('AWS::Lambda::Function');
    expect(JSON.stringify(variables)).not.toContain('SBA_CALLER_SYSTEM_MESSAGES');
  });

  test.each([
    [
      'a protocol with ResponseMode.BUFFERED',
      { ...OPENAI, responseMode: ResponseMode.BUFFERED },
      /invalid protocols \["OPENAI_CHAT_COMPLETIONS"\]\. Their endpoints are served by the streaming function, .*use ResponseMode\.STREAMING or BOTH, or remove protocols/,
    ],
    [
      'a protocol listed twice',
      { protocols: [ClientProtocol.AI_SDK_UI_MESSAGES, ClientProtocol.AI_SDK_UI_MESSAGES] },
      /invalid protocols \["AI_SDK_UI_MESSAGES","AI_SDK_UI_MESSAGES"\]\. It lists ClientProtocol\.AI_SDK_UI_MESSAGES twice: list each protocol once/,
    ],
    [
      'an unknown protocol',
      { protocols: ['OPENAI_REALTIME' as ClientProtocol] },
      /invalid protocols\[0\] "OPENAI_REALTIME"\. Use one of ClientProtocol\.OPENAI_CHAT_COMPLETIONS or ClientProtocol\.AI_SDK_UI_MESSAGES or ClientProtocol\.OPENAI_RESPONSES/,
    ],
    [
      'allowCallerSystemMessages without a protocol',
      { allowCallerSystemMessages: true },
      /invalid allowCallerSystemMessages true\. Only the protocols ClientProtocol\.OPENAI_CHAT_COMPLETIONS or ClientProtocol\.AI_SDK_UI_MESSAGES or ClientProtocol\.OPENAI_RESPONSES or ClientProtocol\.ANTHROPIC_MESSAGES carry caller system messages.*add one to protocols, or remove allowCallerSystemMessages/,
    ],
    [
      'allowCallerSystemMessages with an empty protocol list',
      { protocols: [], allowCallerSystemMessages: true },
      /invalid allowCallerSystemMessages true\. .*protocols lists none of them/,
    ],
  ] as Array<[string, Partial<StreamingBedrockApiProps>, RegExp]>)(
    'fails at synth with %s',
    (_name, props, message) => {
      expect(() => stackWith(props)).toThrow(message);
      expect(() => stackWith(props)).toThrow(/^StreamingBedrockApi at 'TestStack\/Chat': invalid /);
    },
  );

  test('allowCallerSystemMessages is allowed with either protocol that carries system messages', () => {
    for (const protocols of [OPENAI, AI_SDK]) {
      expect(() => stackWith({ ...protocols, allowCallerSystemMessages: true })).not.toThrow();
    }
  });

  test('the order of the list changes nothing in the template', () => {
    const reversed = { protocols: [...PROTOCOLS.protocols].reverse() };
    expect(template(reversed).toJSON()).toEqual(template(PROTOCOLS).toJSON());
  });

  test('allowCallerSystemMessages false needs no protocol (it is the default)', () => {
    expect(() => stackWith({ allowCallerSystemMessages: false })).not.toThrow();
  });

  test('fails with your own handler: the protocols are spoken by the default handler', () => {
    const stack = new Stack(new App(), 'S');
    const fn = inlineFunction(stack, 'Mine', STREAMING_CODE);
    expect(
      () => new StreamingBedrockApi(stack, 'Chat', { handler: fn, ...PROTOCOLS, allowCallerSystemMessages: true }),
    ).toThrow(
      /^StreamingBedrockApi at 'S\/Chat': invalid protocols \["OPENAI_CHAT_COMPLETIONS","AI_SDK_UI_MESSAGES"\]\. The client protocols are spoken by the default handler, .*remove protocols, or remove handler/,
    );
  });
});

test('snapshot of the default construct (asset hashes blanked)', () => {
  const json = JSON.stringify(template().toJSON(), null, 1).replace(/[0-9a-f]{64}(\.zip)?/g, '<asset-hash>');
  expect(JSON.parse(json)).toMatchSnapshot();
});

import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as bedrockagentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ApiAuth, StreamingAgentCoreApi, StreamingAgentCoreApiProps } from '../../src';
import {
  AgentCoreEnvironment,
  HandlerEnvironment,
  agentCoreEnvironment,
  readAgentCoreSettings,
} from '../../src/contract';
import { inlineFunction } from '../support/inline-function';

const RUNTIME_ARN = 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234';
const WEB_ACL_ARN = 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/demo/a1b2c3d4-5678-90ab-cdef-1234567890ab';

function stackWith(props: Partial<StreamingAgentCoreApiProps> = {}): { stack: Stack; api: StreamingAgentCoreApi } {
  const app = new App();
  const stack = new Stack(app, 'TestStack', { env: { account: '123456789012', region: 'us-east-1' } });
  const runtimeProps = props.runtime ? {} : { agentRuntimeArn: RUNTIME_ARN };
  const api = new StreamingAgentCoreApi(stack, 'Agent', { ...runtimeProps, ...props });
  return { stack, api };
}

function template(props: Partial<StreamingAgentCoreApiProps> = {}): Template {
  return Template.fromStack(stackWith(props).stack);
}

function cfnRuntime(stack: Stack): bedrockagentcore.CfnRuntime {
  return new bedrockagentcore.CfnRuntime(stack, 'Runtime', {
    agentRuntimeName: 'my_agent',
    agentRuntimeArtifact: {
      containerConfiguration: { containerUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/agent:1' },
    },
    networkConfiguration: { networkMode: 'PUBLIC' },
    roleArn: 'arn:aws:iam::123456789012:role/agent',
  });
}

function invocationsMethod(t: Template): any {
  const resources = t.findResources('AWS::ApiGateway::Resource', { Properties: { PathPart: 'invocations' } });
  const [resourceId] = Object.keys(resources);
  const methods = Object.values(
    t.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'POST', ResourceId: { Ref: resourceId } } }),
  );
  expect(methods).toHaveLength(1);
  return methods[0];
}

function handlerFunction(t: Template): any {
  const functions = Object.values(
    t.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }),
  ) as any[];
  const handlers = functions.filter(
    (f) => f.Properties.Environment?.Variables?.[AgentCoreEnvironment.AGENT_RUNTIME_ARN],
  );
  expect(handlers).toHaveLength(1);
  return handlers[0];
}

function env(t: Template): Record<string, unknown> {
  return handlerFunction(t).Properties.Environment.Variables;
}

/** The statements of all policies in the template that name one of `prefix`'s actions. */
function statementsOf(t: Template, prefix: string): any[] {
  return Object.values(t.findResources('AWS::IAM::Policy')).flatMap((policy: any) =>
    policy.Properties.PolicyDocument.Statement.filter((s: any) =>
      [s.Action].flat().some((a: string) => a.startsWith(prefix)),
    ),
  );
}

describe('the route', () => {
  test('POST /invocations streams from the handler, and nothing else is served', () => {
    const t = template();
    const method = invocationsMethod(t);
    expect(method.Properties.AuthorizationType).toBe('AWS_IAM');
    expect(method.Properties.Integration).toMatchObject({
      Type: 'AWS_PROXY',
      IntegrationHttpMethod: 'POST',
      ResponseTransferMode: 'STREAM',
      TimeoutInMillis: 900_000,
    });
    expect(JSON.stringify(method.Properties.Integration.Uri)).toContain('response-streaming-invocations');
    t.resourceCountIs('AWS::ApiGateway::Method', 1);
    t.resourceCountIs('AWS::ApiGateway::Resource', 1);
  });

  test('the function runs the AgentCore bundle for 15 minutes by default, aligned with the integration', () => {
    const fn = handlerFunction(template());
    expect(fn.Properties).toMatchObject({ Handler: 'index.handler', Timeout: 900, MemorySize: 512 });
    expect(fn.Properties.Architectures).toEqual(['arm64']);
  });

  test('timeout sets the function and the integration timeout alike', () => {
    const t = template({ timeout: Duration.minutes(2) });
    expect(handlerFunction(t).Properties.Timeout).toBe(120);
    expect(invocationsMethod(t).Properties.Integration.TimeoutInMillis).toBe(120_000);
  });

  test('the URLs are the stage root and its /invocations', () => {
    const { stack, api } = stackWith();
    expect(JSON.stringify(stack.resolve(api.url))).toMatch(
      /\.execute-api\.us-east-1\..*"\/",\{"Ref":"\w+"\},"\/"\]\]\}$/,
    );
    expect(JSON.stringify(stack.resolve(api.invocationsUrl))).toMatch(/\/invocations"\]\]\}$/);
  });

  test('grantInvoke allows execute-api:Invoke on POST /invocations of the stage only', () => {
    const { stack, api } = stackWith();
    const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    api.grantInvoke(role);
    const [statement] = statementsOf(Template.fromStack(stack), 'execute-api:');
    expect(statement.Action).toBe('execute-api:Invoke');
    expect(JSON.stringify(statement.Resource)).toMatch(/\/POST\/invocations"\]\]\}$/);
  });
});

describe('the handler configuration', () => {
  test('the environment is the contract encoding of the runtime, the endpoint and the settings', () => {
    const t = template({
      qualifier: 'prod',
      cors: { allowOrigins: ['https://app.example.com'] },
      handlerOptions: { maxRequestBodySize: Size.mebibytes(2), metricsNamespace: 'Agents' },
    });
    expect(env(t)).toEqual(
      agentCoreEnvironment({
        agentRuntimeArn: RUNTIME_ARN,
        qualifier: 'prod',
        maxRequestBytes: 2 * 1024 * 1024,
        metricsNamespace: 'Agents',
        corsAllowOrigins: ['https://app.example.com'],
      }),
    );
  });

  test('the handler reads back what the props say', () => {
    const t = template({
      qualifier: 'prod',
      cors: { allowOrigins: ['https://app.example.com'], allowCredentials: true },
      handlerOptions: { maxRequestBodySize: Size.kibibytes(512), metricsNamespace: 'Agents' },
      tokenBudget: { requestsPerMinute: 12 },
    });
    const variables = env(t) as Record<string, unknown>;
    const literal = Object.fromEntries(Object.entries(variables).filter(([, value]) => typeof value === 'string'));
    expect(
      readAgentCoreSettings({ ...literal, [HandlerEnvironment.BUDGET_TABLE]: 'ledger' } as Record<string, string>),
    ).toMatchObject({
      agentRuntimeArn: RUNTIME_ARN,
      qualifier: 'prod',
      maxRequestBytes: 512 * 1024,
      metricsNamespace: 'Agents',
      corsAllowOrigins: ['https://app.example.com'],
      corsAllowCredentials: true,
      tokenBudget: { tableName: 'ledger', requestsPerMinute: 12 },
    });
  });

  test('the default endpoint is DEFAULT, visible in the function configuration', () => {
    expect(env(template())).toEqual({
      [AgentCoreEnvironment.AGENT_RUNTIME_ARN]: RUNTIME_ARN,
      [AgentCoreEnvironment.AGENT_QUALIFIER]: 'DEFAULT',
    });
  });

  test('handlerOptions set memory, architecture and reserved concurrency', () => {
    const fn = handlerFunction(template({ handlerOptions: { memorySize: 256, reservedConcurrentExecutions: 5 } }));
    expect(fn.Properties).toMatchObject({ MemorySize: 256, ReservedConcurrentExecutions: 5 });
  });

  test('tracing turns on X-Ray for the stage and the function', () => {
    const t = template({ tracing: true });
    expect(handlerFunction(t).Properties.TracingConfig).toEqual({ Mode: 'Active' });
    t.hasResourceProperties('AWS::ApiGateway::Stage', { TracingEnabled: true });
  });
});

describe('IAM', () => {
  test('exactly InvokeAgentRuntime and ...ForUser on the runtime and its endpoint', () => {
    const t = template({ qualifier: 'prod' });
    expect(statementsOf(t, 'bedrock')).toEqual([
      {
        Effect: 'Allow',
        Action: ['bedrock-agentcore:InvokeAgentRuntime', 'bedrock-agentcore:InvokeAgentRuntimeForUser'],
        Resource: [RUNTIME_ARN, `${RUNTIME_ARN}/runtime-endpoint/prod`],
      },
    ]);
  });

  test('the role may otherwise only write its own log group', () => {
    const t = template();
    const actions = Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p: any) =>
      p.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat()),
    );
    expect(actions.sort()).toEqual([
      'bedrock-agentcore:InvokeAgentRuntime',
      'bedrock-agentcore:InvokeAgentRuntimeForUser',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    t.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  test('a CfnRuntime gives its ARN as a token, and both resources follow it', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'us-east-1' } });
    const runtime = cfnRuntime(stack);
    const api = new StreamingAgentCoreApi(stack, 'Agent', { runtime });
    const t = Template.fromStack(stack);
    const runtimeArn = {
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':bedrock-agentcore:us-east-1:123456789012:runtime/', { Ref: 'Runtime' }],
      ],
    };
    expect(stack.resolve(api.agentRuntimeArn)).toEqual(runtimeArn);
    expect(env(t)[AgentCoreEnvironment.AGENT_RUNTIME_ARN]).toEqual(runtimeArn);
    const [statement] = statementsOf(t, 'bedrock');
    expect(statement.Resource).toEqual([
      runtimeArn,
      {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':bedrock-agentcore:us-east-1:123456789012:runtime/',
            { Ref: 'Runtime' },
            '/runtime-endpoint/DEFAULT',
          ],
        ],
      },
    ]);
  });

  test('a runtime ARN attribute (a token) is used as given', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const runtime = cfnRuntime(stack);
    new StreamingAgentCoreApi(stack, 'Agent', { agentRuntimeArn: runtime.attrAgentRuntimeArn });
    const [statement] = statementsOf(Template.fromStack(stack), 'bedrock');
    expect(statement.Resource[0]).toEqual({ 'Fn::GetAtt': ['Runtime', 'AgentRuntimeArn'] });
    expect(JSON.stringify(statement.Resource[1])).toContain('/runtime-endpoint/DEFAULT');
  });
});

describe('synth errors', () => {
  const other = 'arn:aws:bedrock-agentcore:eu-west-1:123456789012:runtime/my_agent-AbCdEf1234';
  test.each<[string, Partial<StreamingAgentCoreApiProps>, RegExp]>([
    [
      'no runtime',
      { agentRuntimeArn: undefined },
      /StreamingAgentCoreApi at 'TestStack\/Agent': invalid agentRuntimeArn undefined\. Name the AgentCore runtime to invoke: pass agentRuntimeArn/,
    ],
    [
      'an endpoint ARN',
      { agentRuntimeArn: `${RUNTIME_ARN}/runtime-endpoint/prod` },
      /invalid agentRuntimeArn ".*\/runtime-endpoint\/prod"\. It is a runtime endpoint's ARN: pass the runtime's ARN .* and the endpoint name as qualifier/,
    ],
    [
      "another service's ARN",
      { agentRuntimeArn: 'arn:aws:lambda:us-east-1:123456789012:function:agent' },
      /invalid agentRuntimeArn "arn:aws:lambda:.*"\. Pass the ARN of an AgentCore runtime/,
    ],
    ['a runtime id', { agentRuntimeArn: 'my_agent-AbCdEf1234' }, /Pass the ARN of an AgentCore runtime/],
    [
      'a malformed runtime ARN',
      { agentRuntimeArn: 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/' },
      /It is not an AgentCore runtime ARN: use the form/,
    ],
    [
      "another region than the stack's",
      { agentRuntimeArn: other },
      /The runtime is in eu-west-1 and the stack in us-east-1: .* put the API in a stack of eu-west-1/,
    ],
    [
      'an endpoint name with a dash',
      { qualifier: 'my-endpoint' },
      /invalid qualifier "my-endpoint"\. Use the name of one of the runtime's endpoints/,
    ],
    ['an empty qualifier', { qualifier: '' }, /invalid qualifier ""/],
    ['a version number as qualifier', { qualifier: '1' }, /create an endpoint on it and name that endpoint/],
    [
      'a token limit',
      { tokenBudget: { requestsPerMinute: 10, tokensPerDay: 100_000 } },
      /invalid tokenBudget\.tokensPerDay 100000\. The agent calls its models itself, so the API never sees its token usage/,
    ],
    ['a spend limit', { tokenBudget: { spendPerMonth: 5 } }, /invalid tokenBudget\.spendPerMonth 5\./],
    ['a budget without a limit', { tokenBudget: {} }, /invalid tokenBudget \{\}\. A budget needs a limit/],
    [
      'a fractional request rate',
      { tokenBudget: { requestsPerMinute: 1.5 } },
      /invalid tokenBudget\.requestsPerMinute 1\.5/,
    ],
    [
      'a body cap over the Lambda limit',
      { handlerOptions: { maxRequestBodySize: Size.mebibytes(10) } },
      /invalid handlerOptions\.maxRequestBodySize "10485760 bytes"\. Use a size from Size\.kibibytes\(1\) to Size\.mebibytes\(6\)/,
    ],
    ['zero reserved concurrency', { handlerOptions: { reservedConcurrentExecutions: 0 } }, /Zero reserved concurrency/],
    ['too little memory', { handlerOptions: { memorySize: 64 } }, /invalid handlerOptions\.memorySize 64/],
    [
      'a timeout over 15 minutes',
      { timeout: Duration.minutes(16) },
      /invalid timeout 16 minutes\. API Gateway streams for at most 15 minutes/,
    ],
    ['a timeout under a second', { timeout: Duration.millis(500) }, /invalid timeout/],
    [
      'a custom domain on an edge endpoint',
      {
        endpointType: apigateway.EndpointType.EDGE,
        domainName: {
          domainName: 'agent.example.com',
          certificate: acm.Certificate.fromCertificateArn(
            new Stack(),
            'C',
            'arn:aws:acm:us-east-1:123456789012:certificate/abc',
          ),
        },
      },
      /invalid endpointType "EDGE"/,
    ],
    ['a web ACL of another service', { webAclArn: 'arn:aws:s3:::bucket' }, /invalid webAclArn/],
  ])('fails on %s', (_name, props, message) => {
    expect(() => stackWith(props)).toThrow(message);
  });

  test('fails on both agentRuntimeArn and runtime', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    expect(
      () => new StreamingAgentCoreApi(stack, 'Agent', { agentRuntimeArn: RUNTIME_ARN, runtime: cfnRuntime(stack) }),
    ).toThrow(
      /invalid agentRuntimeArn ".*"\. It is given together with runtime: pass only one of agentRuntimeArn and runtime/,
    );
  });

  test("fails on a runtime of another region than the stack's", () => {
    const app = new App();
    const runtimeStack = new Stack(app, 'Agents', { env: { account: '123456789012', region: 'eu-west-1' } });
    const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'us-east-1' } });
    expect(() => new StreamingAgentCoreApi(stack, 'Agent', { runtime: cfnRuntime(runtimeStack) })).toThrow(
      /invalid runtime "a runtime in eu-west-1"\. The API's handler invokes runtimes of the stack's region \(us-east-1\)/,
    );
  });

  test('an environment-agnostic stack skips the region check', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    expect(() => new StreamingAgentCoreApi(stack, 'Agent', { agentRuntimeArn: RUNTIME_ARN })).not.toThrow();
  });
});

describe('auth modes', () => {
  test('apiKey requires a key and a usage plan', () => {
    const { stack, api } = stackWith({ auth: ApiAuth.apiKey() });
    const t = Template.fromStack(stack);
    expect(invocationsMethod(t).Properties.ApiKeyRequired).toBe(true);
    t.resourceCountIs('AWS::ApiGateway::UsagePlan', 1);
    expect(api.apiKey).toBeDefined();
    expect(api.usagePlan).toBeDefined();
  });

  test('cognito uses a user pool authorizer', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const pool = new cognito.UserPool(stack, 'Pool');
    new StreamingAgentCoreApi(stack, 'Agent', { agentRuntimeArn: RUNTIME_ARN, auth: ApiAuth.cognito([pool]) });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'COGNITO_USER_POOLS' });
    expect(invocationsMethod(t).Properties.AuthorizationType).toBe('COGNITO_USER_POOLS');
  });

  test('lambdaAuthorizer uses the given authorizer', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const authorizer = new apigateway.TokenAuthorizer(stack, 'Authorizer', {
      handler: inlineFunction(stack, 'AuthFn'),
    });
    new StreamingAgentCoreApi(stack, 'Agent', {
      agentRuntimeArn: RUNTIME_ARN,
      auth: ApiAuth.lambdaAuthorizer(authorizer),
    });
    expect(invocationsMethod(Template.fromStack(stack)).Properties.AuthorizationType).toBe('CUSTOM');
  });

  test('none is public', () => {
    expect(invocationsMethod(template({ auth: ApiAuth.none('demo') })).Properties.AuthorizationType).toBe('NONE');
  });

  test('managedKeys: a key table the handler reads by GetItem, named in its environment', () => {
    const { stack, api } = stackWith({ auth: ApiAuth.managedKeys({ cacheTtl: Duration.seconds(10) }) });
    const t = Template.fromStack(stack);
    expect(api.keyTable).toBeDefined();
    expect(env(t)).toMatchObject({
      [HandlerEnvironment.KEY_TABLE]: { Ref: expect.stringMatching(/KeyTable/) },
      [HandlerEnvironment.KEY_CACHE_TTL_MS]: '10000',
    });
    expect(statementsOf(t, 'dynamodb:')).toEqual([
      {
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/KeyTable/), 'Arn'] },
      },
    ]);
  });
});

describe('the front', () => {
  test('CORS: the preflight allows the session header; the handler gets the origins', () => {
    const t = template({ cors: { allowOrigins: ['https://app.example.com'] } });
    const options = Object.values(
      t.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'OPTIONS' } }),
    );
    expect(options).toHaveLength(1);
    const headers = (options[0] as any).Properties.Integration.IntegrationResponses[0].ResponseParameters[
      'method.response.header.Access-Control-Allow-Headers'
    ];
    expect(headers).toContain('X-Session-Id');
    expect(env(t)[HandlerEnvironment.CORS_ALLOW_ORIGINS]).toBe('["https://app.example.com"]');
  });

  test('webAclArn associates the web ACL with the stage', () => {
    template({ webAclArn: WEB_ACL_ARN }).hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: WEB_ACL_ARN,
    });
  });

  test('domainName maps the domain, and the URLs use it', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'us-east-1' } });
    const certificate = acm.Certificate.fromCertificateArn(
      stack,
      'Cert',
      'arn:aws:acm:us-east-1:123456789012:certificate/abc',
    );
    const api = new StreamingAgentCoreApi(stack, 'Agent', {
      agentRuntimeArn: RUNTIME_ARN,
      domainName: { domainName: 'agent.example.com', certificate, basePath: 'v1' },
    });
    expect(api.url).toBe('https://agent.example.com/v1/');
    expect(api.invocationsUrl).toBe('https://agent.example.com/v1/invocations');
    expect(api.domain).toBeDefined();
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::DomainName', { DomainName: 'agent.example.com' });
  });

  test('throttle, stage name and access logs as StreamingBedrockApi has them', () => {
    const t = template({ throttle: { rateLimit: 5, burstLimit: 7 }, stageName: 'live' });
    t.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'live',
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 7 })],
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });
});

describe('tokenBudget', () => {
  test('requestsPerMinute: a ledger table, its grant, and only the request limit in the environment', () => {
    const { stack, api } = stackWith({ tokenBudget: { requestsPerMinute: 30, failOpen: true } });
    const t = Template.fromStack(stack);
    expect(api.budgetTable).toBeDefined();
    expect(env(t)).toMatchObject({
      [HandlerEnvironment.BUDGET_TABLE]: { Ref: expect.stringMatching(/BudgetTable/) },
      [HandlerEnvironment.BUDGET_REQUESTS_PER_MINUTE]: '30',
      [HandlerEnvironment.BUDGET_FAIL_OPEN]: 'true',
    });
    expect(
      Object.keys(env(t))
        .filter((name) => name.startsWith('SBA_BUDGET_'))
        .sort(),
    ).toEqual([
      HandlerEnvironment.BUDGET_FAIL_OPEN,
      HandlerEnvironment.BUDGET_REQUESTS_PER_MINUTE,
      HandlerEnvironment.BUDGET_TABLE,
    ]);
    expect(statementsOf(t, 'dynamodb:')).toEqual([
      expect.objectContaining({ Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] }),
    ]);
  });

  test('your own table is used, not a new one', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const table = dynamodb.Table.fromTableName(stack, 'Ledger', 'shared-ledger');
    const api = new StreamingAgentCoreApi(stack, 'Agent', { agentRuntimeArn: RUNTIME_ARN, tokenBudget: { table } });
    Template.fromStack(stack).resourceCountIs('AWS::DynamoDB::Table', 0);
    expect(api.budgetTable).toBe(table);
  });
});

describe('metrics', () => {
  test("the handler's metrics in its namespace, with the default statistics", () => {
    const { api } = stackWith({ tokenBudget: { requestsPerMinute: 10 } });
    expect(api.metricRequests()).toMatchObject({
      namespace: 'StreamingAgentCoreApi',
      metricName: 'Requests',
      statistic: 'Sum',
    });
    expect(api.metricErrors()).toMatchObject({ metricName: 'Errors', statistic: 'Sum' });
    expect(api.metricTimeToFirstByte()).toMatchObject({ metricName: 'TimeToFirstByte', statistic: 'p90' });
    expect(api.metricDuration()).toMatchObject({ metricName: 'Duration', statistic: 'p90' });
    expect(api.metricBudgetRejections()).toMatchObject({ metricName: 'BudgetRejections' });
    expect(api.metricUnmeteredRequests()).toMatchObject({ metricName: 'UnmeteredRequests' });
    expect(api.metricErrors({ dimensionsMap: { Outcome: 'upstream_throttled' } }).dimensions).toEqual({
      Outcome: 'upstream_throttled',
    });
  });

  test('handlerOptions.metricsNamespace moves them', () => {
    const { api } = stackWith({ handlerOptions: { metricsNamespace: 'Agents' } });
    expect(api.metricRequests().namespace).toBe('Agents');
  });

  test('metricBudgetRejections() throws without tokenBudget', () => {
    const { api } = stackWith();
    expect(() => api.metricBudgetRejections()).toThrow(/metricBudgetRejections\(\) needs tokenBudget/);
  });

  test("the stage's metrics", () => {
    const { api } = stackWith();
    expect(api.metricCount()).toMatchObject({ namespace: 'AWS/ApiGateway', metricName: 'Count' });
    expect(api.metricLatency()).toMatchObject({ metricName: 'Latency', statistic: 'p90' });
    expect(api.metricIntegrationLatency()).toMatchObject({ metricName: 'IntegrationLatency' });
    expect(api.metricClientError()).toMatchObject({ metricName: '4XXError' });
    expect(api.metricServerError()).toMatchObject({ metricName: '5XXError' });
  });
});

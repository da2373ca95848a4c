// The matrix of stacks a consumer might write: every auth mode x every response mode, every auth mode with both client
// protocols (OpenAI and AI SDK, with CORS), inference profiles (system and application), bring-your-own handler, CORS,
// guardrail and tracing, prompt caching and reasoning, every auth mode behind a WAF web ACL on a custom domain with
// per-minute, token and spend limits, pricing, a fallback model and the dashboard, and budgets in a table of your own encrypted with your KMS key;
// StreamingAgentCoreApi in every auth mode behind a WAF web ACL on a custom domain with a request rate limit and CORS,
// and in front of a CfnRuntime with tracing. Construct id "Chat" marks what the library creates.
const { Duration, Stack } = require('aws-cdk-lib');
const apigateway = require('aws-cdk-lib/aws-apigateway');
const bedrockagentcore = require('aws-cdk-lib/aws-bedrockagentcore');
const acm = require('aws-cdk-lib/aws-certificatemanager');
const cognito = require('aws-cdk-lib/aws-cognito');
const dynamodb = require('aws-cdk-lib/aws-dynamodb');
const kms = require('aws-cdk-lib/aws-kms');
const lambda = require('aws-cdk-lib/aws-lambda');
const wafv2 = require('aws-cdk-lib/aws-wafv2');
const {
  ApiAuth,
  ClientProtocol,
  GuardrailStreamMode,
  ResponseMode,
  StreamingAgentCoreApi,
  StreamingBedrockApi,
} = require('cdk-streaming-bedrock-api');

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const FALLBACK = 'amazon.nova-lite-v1:0';
const env = { account: '123456789012', region: 'us-east-1' };
const APP_PROFILE = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6';
const AGENT_RUNTIME_ARN = 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/consumer_agent-AbCdEf1234';
const CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/a1b2c3d4-5678-90ab-cdef-111122223333';

function inlineFunction(scope, id, code) {
  return new lambda.Function(scope, id, {
    runtime: lambda.Runtime.NODEJS_LATEST,
    handler: 'index.handler',
    code: lambda.Code.fromInline(code),
    timeout: Duration.minutes(1),
  });
}

/** A regional web ACL that blocks an IP sending more than 300 requests in 5 minutes, as the README shows. */
function rateLimitedWebAcl(scope) {
  const visibility = (metricName) => ({ cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });
  return new wafv2.CfnWebACL(scope, 'WebAcl', {
    scope: 'REGIONAL',
    defaultAction: { allow: {} },
    visibilityConfig: visibility('chat-acl'),
    rules: [
      {
        name: 'rate-per-ip',
        priority: 0,
        action: { block: {} },
        statement: { rateBasedStatement: { limit: 300, aggregateKeyType: 'IP' } },
        visibilityConfig: visibility('chat-rate-per-ip'),
      },
    ],
  });
}

const authModes = {
  Iam: () => ApiAuth.iam(),
  ApiKey: () => ApiAuth.apiKey({ quota: { limit: 10000, period: apigateway.Period.DAY } }),
  Cognito: (stack) => ApiAuth.cognito([new cognito.UserPool(stack, 'Users')]),
  LambdaAuthorizer: (stack) =>
    ApiAuth.lambdaAuthorizer(
      new apigateway.TokenAuthorizer(stack, 'Authorizer', {
        handler: inlineFunction(stack, 'AuthorizerFn', 'exports.handler = async () => ({ principalId: "x" });'),
      }),
    ),
  None: () => ApiAuth.none('consumer test: public demo behind WAF'),
  ManagedKeys: () => ApiAuth.managedKeys(),
};

function addStacks(app) {
  const stacks = [];
  for (const [authName, auth] of Object.entries(authModes)) {
    for (const mode of ['STREAMING', 'BUFFERED', 'BOTH']) {
      const stack = new Stack(app, `${authName}${mode}`, { env });
      new StreamingBedrockApi(stack, 'Chat', { modelId: MODEL, auth: auth(stack), responseMode: ResponseMode[mode] });
      stacks.push(stack);
    }
    const protocols = new Stack(app, `${authName}Protocols`, { env });
    new StreamingBedrockApi(protocols, 'Chat', {
      modelId: MODEL,
      auth: auth(protocols),
      // Every client protocol, so that each auth mode is checked with each protocol's routes.
      protocols: Object.values(ClientProtocol),
      allowCallerSystemMessages: true,
      cors: { allowOrigins: ['https://app.example.com'] },
    });
    stacks.push(protocols);
    const operated = new Stack(app, `${authName}WafDomain`, { env });
    new StreamingBedrockApi(operated, 'Chat', {
      modelId: MODEL,
      auth: auth(operated),
      responseMode: ResponseMode.BOTH,
      protocols: [ClientProtocol.OPENAI_CHAT_COMPLETIONS],
      fallbackModelIds: [FALLBACK],
      pricing: {
        [MODEL]: { inputPerMillionTokens: 1, outputPerMillionTokens: 5, cacheReadPerMillionTokens: 0.1 },
        [FALLBACK]: { inputPerMillionTokens: 0.06, outputPerMillionTokens: 0.24 },
      },
      tokenBudget: { requestsPerMinute: 60, tokensPerDay: 200000, tokensPerMonth: 3000000, spendPerMonth: 50 },
      dashboard: true,
      webAclArn: rateLimitedWebAcl(operated).attrArn,
      domainName: {
        domainName: 'chat.example.com',
        basePath: 'ai',
        certificate: acm.Certificate.fromCertificateArn(operated, 'Certificate', CERTIFICATE_ARN),
      },
    });
    stacks.push(operated);
    stacks.push(agentCoreStack(app, authName, auth));
  }
  const usProfile = new Stack(app, 'UsProfile', { env });
  new StreamingBedrockApi(usProfile, 'Chat', {
    modelId: `us.${MODEL}`,
    allowedModelIds: [`us.${MODEL}`, 'us.amazon.nova-lite-v1:0'],
    fallbackModelIds: [`global.${MODEL}`, 'us.amazon.nova-lite-v1:0'],
    responseMode: ResponseMode.BOTH,
  });
  const globalProfile = new Stack(app, 'GlobalProfile', { env });
  new StreamingBedrockApi(globalProfile, 'Chat', { modelId: `global.${MODEL}` });
  const byo = new Stack(app, 'BringYourOwnHandler', { env });
  new StreamingBedrockApi(byo, 'Chat', {
    modelId: `eu.${MODEL}`,
    handler: inlineFunction(byo, 'Proxy', 'exports.handler = awslambda.streamifyResponse(async (e, s) => { s.end(); });'),
    timeout: Duration.minutes(1),
  });
  const cors = new Stack(app, 'Cors', { env });
  new StreamingBedrockApi(cors, 'Chat', {
    modelId: MODEL,
    cors: { allowOrigins: ['https://app.example.com'], allowCredentials: true },
    auth: ApiAuth.cognito([new cognito.UserPool(cors, 'Users')]),
  });
  const guarded = new Stack(app, 'GuardrailAndTracing', { env });
  new StreamingBedrockApi(guarded, 'Chat', {
    modelId: MODEL,
    guardrail: { guardrailIdentifier: 'abc123', guardrailVersion: '1', streamProcessingMode: GuardrailStreamMode.SYNC },
    tracing: true,
  });
  const applicationProfile = new Stack(app, 'ApplicationProfile', { env });
  new StreamingBedrockApi(applicationProfile, 'Chat', {
    modelId: APP_PROFILE,
    allowedModelIds: [APP_PROFILE, MODEL],
    responseMode: ResponseMode.BOTH,
  });
  const modelFeatures = new Stack(app, 'ModelFeatures', { env });
  new StreamingBedrockApi(modelFeatures, 'Chat', {
    modelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    systemPrompt: 'You are a careful assistant.',
    maxTokens: 4096,
    promptCaching: true,
    additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 2048 } },
    clientTools: false,
  });
  const ownLedger = new Stack(app, 'OwnBudgetTable', { env });
  new StreamingBedrockApi(ownLedger, 'Chat', {
    modelId: MODEL,
    responseMode: ResponseMode.BOTH,
    tokenBudget: {
      tokensPerMonth: 1000000,
      failOpen: true,
      table: new dynamodb.Table(ownLedger, 'Ledger', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        timeToLiveAttribute: 'expiresAt',
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: new kms.Key(ownLedger, 'LedgerKey', { enableKeyRotation: true }),
      }),
    },
  });
  const runtimeStack = new Stack(app, 'AgentCoreRuntime', { env });
  new StreamingAgentCoreApi(runtimeStack, 'Chat', {
    runtime: new bedrockagentcore.CfnRuntime(runtimeStack, 'Runtime', {
      agentRuntimeName: 'consumer_agent',
      agentRuntimeArtifact: {
        containerConfiguration: { containerUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/agent:latest' },
      },
      networkConfiguration: { networkMode: 'PUBLIC' },
      roleArn: 'arn:aws:iam::123456789012:role/consumer-agent',
    }),
    qualifier: 'DEFAULT',
    tracing: true,
    timeout: Duration.minutes(10),
  });
  return [
    ...stacks,
    usProfile,
    globalProfile,
    byo,
    cors,
    guarded,
    applicationProfile,
    modelFeatures,
    ownLedger,
    runtimeStack,
  ];
}

/** StreamingAgentCoreApi with one auth mode, behind a WAF web ACL on a custom domain, rate limited, with CORS. */
function agentCoreStack(app, authName, auth) {
  const stack = new Stack(app, `AgentCore${authName}`, { env });
  new StreamingAgentCoreApi(stack, 'Chat', {
    agentRuntimeArn: AGENT_RUNTIME_ARN,
    auth: auth(stack),
    cors: { allowOrigins: ['https://app.example.com'] },
    tokenBudget: { requestsPerMinute: 30 },
    webAclArn: rateLimitedWebAcl(stack).attrArn,
    domainName: {
      domainName: 'agent.example.com',
      certificate: acm.Certificate.fromCertificateArn(stack, 'Certificate', CERTIFICATE_ARN),
    },
  });
  return stack;
}

module.exports = { addStacks };

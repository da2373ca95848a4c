/**
 * Proves what we publish works in a real consumer app: the packed tarball is installed into a fresh CDK app with the
 * latest aws-cdk-lib (the library's floor stays 2.230.0) and a matrix of stacks is synthesized with aws-cdk-lib's
 * CloudFormation schema validation, cdk-nag 3 (validation plugins) and cdk-nag 2 (Aspects).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { consumerApp, type ConsumerApp } from './consumer-app';

let consumer: ConsumerApp;

interface Violation {
  readonly plugin: string;
  readonly rule: string;
  readonly severity: string;
  readonly path: string;
}

/** Construct paths of what the library creates (the construct id is "Chat" in every stack). */
const ours = (p: string) => /^\/?[A-Za-z]+\/Chat\//.test(p);

function run(script: string, outdir: string): any {
  const output = execFileSync(process.execPath, [script, outdir], {
    cwd: consumer.appDir,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(output);
}

beforeAll(() => {
  consumer = consumerApp();
}, 300_000);

afterAll(() => consumer?.cleanup());

test('the package installs with the latest aws-cdk-lib and needs nothing else at runtime', () => {
  const installed = JSON.parse(
    fs.readFileSync(path.join(consumer.appDir, 'node_modules', 'cdk-streaming-bedrock-api', 'package.json'), 'utf8'),
  );
  expect(installed.dependencies ?? {}).toEqual({});
  expect(Object.keys(installed.peerDependencies).sort()).toEqual(['aws-cdk-lib', 'constructs']);
  const cdkLib = JSON.parse(
    fs.readFileSync(path.join(consumer.appDir, 'node_modules', 'aws-cdk-lib', 'package.json'), 'utf8'),
  );
  expect(cdkLib.version.localeCompare('2.276.0', undefined, { numeric: true })).toBeGreaterThanOrEqual(0);
  expect(
    fs.existsSync(
      path.join(
        consumer.appDir,
        'node_modules',
        'cdk-streaming-bedrock-api',
        'assets',
        'handler',
        'index.lambda',
        'index.js',
      ),
    ),
  ).toBe(true);
  expect(fs.existsSync(path.join(consumer.appDir, 'node_modules', 'cdk-streaming-bedrock-api', 'src'))).toBe(false);
});

describe('with cdk-nag 3 and CloudFormation schema validation', () => {
  let result: { stacks: string[]; violations: Violation[] };
  beforeAll(() => {
    result = run('nag3.js', path.join(consumer.work, 'out-nag3'));
  }, 120_000);

  test('every auth mode x response mode, protocols and WAF + custom domain + budgets per auth mode, profiles, BYO handler, CORS, guardrail, model feature, own-ledger and AgentCore stacks synthesize', () => {
    expect(result.stacks).toHaveLength(45);
  });

  test('no CloudFormation schema finding anywhere', () => {
    const nagPlugins = ['AwsSolutions', 'Serverless'];
    expect(result.violations.filter((v) => !nagPlugins.includes(v.plugin))).toEqual([]);
  });

  test('no unacknowledged cdk-nag error on anything the library creates', () => {
    expect(result.violations.filter((v) => ours(v.path) && v.severity === 'error')).toEqual([]);
    // The checks did run: the consumer's own resources (user pools, authorizer functions) have findings.
    expect(result.violations.some((v) => !ours(v.path) && v.rule === 'AwsSolutions-COG2')).toBe(true);
  });

  test('the remaining findings on the library are the documented, opt-in warnings', () => {
    const warnings = new Set(result.violations.filter((v) => ours(v.path)).map((v) => v.rule));
    expect([...warnings].sort()).toEqual([
      'AwsSolutions-APIG3',
      'Serverless-APIGWXrayEnabled',
      'Serverless-LambdaTracing',
    ]);
  });

  test('with webAclArn, AwsSolutions-APIG3 is cleared (not acknowledged) in every auth mode', () => {
    const wafStacks = result.stacks.filter((s) => s.endsWith('WafDomain'));
    expect(wafStacks).toHaveLength(6);
    const onWafStacks = result.violations.filter(
      (v) => ours(v.path) && wafStacks.some((s) => v.path.includes(`${s}/`)),
    );
    expect(onWafStacks.map((v) => v.rule)).not.toContain('AwsSolutions-APIG3');
    expect(result.violations.some((v) => v.rule === 'AwsSolutions-APIG3' && v.path.includes('IamSTREAMING/'))).toBe(
      true,
    );
  });
});

describe('with cdk-nag 2', () => {
  let findings: Array<{ severity: string; path: string; message: string }>;
  let templatesDir: string;
  beforeAll(() => {
    templatesDir = path.join(consumer.work, 'out-nag2');
    findings = run('nag2.js', templatesDir).findings;
  }, 120_000);

  test('no unacknowledged cdk-nag error on anything the library creates', () => {
    expect(findings.filter((f) => ours(f.path) && f.severity === 'error')).toEqual([]);
    // The checks did run: the consumer's own resources have findings, and so would ours without acknowledgments.
    expect(findings.some((f) => !ours(f.path) && f.message.startsWith('AwsSolutions-COG2'))).toBe(true);
    expect(findings.filter((f) => ours(f.path)).map((f) => f.message)).toContain('AwsSolutions-APIG3');
  });

  test("an application inference profile's wildcards are acknowledged only as scoped by its condition", () => {
    const template = JSON.parse(fs.readFileSync(path.join(templatesDir, 'ApplicationProfile.template.json'), 'utf8'));
    const appliesTo = Object.values<any>(template.Resources)
      .flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? [])
      .filter((s: any) => s.id === 'AwsSolutions-IAM5')
      .flatMap((s: any) => s.applies_to ?? []);
    expect(appliesTo).toEqual(
      expect.arrayContaining([
        'Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/*',
        'Resource::arn:<AWS::Partition>:bedrock:*:123456789012:inference-profile/*',
      ]),
    );
    const statements = Object.values<any>(template.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => r.Properties.PolicyDocument.Statement);
    const wildcard = statements.find((st) => JSON.stringify(st.Resource).includes('foundation-model/*'));
    expect(wildcard.Condition.StringEquals['bedrock:InferenceProfileArn']).toMatch(/:application-inference-profile\//);
  });

  test.each(['Iam', 'ApiKey', 'Cognito', 'LambdaAuthorizer', 'None', 'ManagedKeys'])(
    'with %s auth, every protocol is served like /stream, with a CORS preflight',
    (auth) => {
      const template = JSON.parse(fs.readFileSync(path.join(templatesDir, `${auth}Protocols.template.json`), 'utf8'));
      const resources = Object.entries<any>(template.Resources);
      const pathOf = (id: string): string => {
        const parent = template.Resources[id].Properties.ParentId;
        const part = template.Resources[id].Properties.PathPart;
        return parent.Ref ? `${pathOf(parent.Ref)}/${part}` : `/${part}`;
      };
      const methods = resources
        .filter(([, r]) => r.Type === 'AWS::ApiGateway::Method')
        .map(([, r]) => ({
          route: `${r.Properties.HttpMethod} ${pathOf(r.Properties.ResourceId.Ref)}`,
          ...r.Properties,
        }));
      expect(methods.map((m) => m.route).sort()).toEqual(
        [
          'POST /stream',
          'POST /v1/chat/completions',
          'GET /v1/models',
          'POST /chat',
          'POST /v1/responses',
          'POST /v1/messages',
          'POST /v1/messages/count_tokens',
          'OPTIONS /stream',
          'OPTIONS /v1/chat/completions',
          'OPTIONS /v1/models',
          'OPTIONS /chat',
          'OPTIONS /v1/responses',
          'OPTIONS /v1/messages',
          'OPTIONS /v1/messages/count_tokens',
        ].sort(),
      );
      const optionsOf = ({ AuthorizationType, AuthorizerId, ApiKeyRequired, Integration }: any) => ({
        AuthorizationType,
        AuthorizerId,
        ApiKeyRequired,
        Integration,
      });
      const stream = optionsOf(methods.find((m) => m.route === 'POST /stream'));
      for (const method of methods.filter((m) => !m.route.startsWith('OPTIONS') && m.route !== 'POST /stream')) {
        expect(optionsOf(method)).toEqual(stream);
      }
      const functions = resources.filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment);
      expect(functions.map(([, r]) => r.Properties.Environment.Variables.SBA_CALLER_SYSTEM_MESSAGES)).toEqual(['true']);
    },
  );

  test.each(['Iam', 'ApiKey', 'Cognito', 'LambdaAuthorizer', 'None'])(
    'with %s auth, the web ACL guards the stage, the custom domain maps to it, APIG3 is cleared, the budget ledger is granted item access only, and the fallback model may be invoked',
    (auth) => {
      const stackName = `${auth}WafDomain`;
      const template = JSON.parse(fs.readFileSync(path.join(templatesDir, `${stackName}.template.json`), 'utf8'));
      const ofType = (type: string) => Object.entries<any>(template.Resources).filter(([, r]) => r.Type === type);
      const [[stageId]] = ofType('AWS::ApiGateway::Stage');
      const [[aclId]] = ofType('AWS::WAFv2::WebACL');
      const [[, association]] = ofType('AWS::WAFv2::WebACLAssociation');
      expect(association.Properties.WebACLArn).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
      expect(association.DependsOn).toContain(stageId);
      const [[domainId, domain]] = ofType('AWS::ApiGateway::DomainName');
      expect(domain.Properties).toMatchObject({ DomainName: 'chat.example.com', SecurityPolicy: 'TLS_1_2' });
      const [[, mapping]] = ofType('AWS::ApiGateway::BasePathMapping');
      expect(mapping.Properties).toMatchObject({
        DomainName: { Ref: domainId },
        BasePath: 'ai',
        Stage: { Ref: stageId },
      });
      const [[tableId, table]] = ofType('AWS::DynamoDB::Table');
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      const ledgerStatements = ofType('AWS::IAM::Policy')
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
        .filter((st: any) => JSON.stringify(st.Action).includes('dynamodb:'));
      expect(ledgerStatements).toEqual([
        expect.objectContaining({
          Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
          Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
        }),
      ]);
      expect(
        findings.filter((f) => ours(f.path) && f.path.includes(`${stackName}/`)).map((f) => f.message),
      ).not.toContain('AwsSolutions-APIG3');
      const invoke = JSON.stringify(
        ofType('AWS::IAM::Policy')
          .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
          .filter((st: any) => JSON.stringify(st.Action).includes('bedrock:InvokeModelWithResponseStream')),
      );
      expect(invoke).toContain('foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0');
      expect(invoke).toContain('foundation-model/amazon.nova-lite-v1:0');
      const [[, fn]] = ofType('AWS::Lambda::Function').filter(([, r]) => r.Properties.Environment);
      expect(JSON.parse(fn.Properties.Environment.Variables.SBA_FALLBACK_MODEL_IDS)).toEqual(['amazon.nova-lite-v1:0']);
    },
  );

  test.each(['Iam', 'ApiKey', 'Cognito', 'LambdaAuthorizer', 'None', 'ManagedKeys'])(
    'StreamingAgentCoreApi with %s auth: POST /invocations streamed, its preflight, the web ACL, the domain, and exactly the invoke grant',
    (auth) => {
      const stackName = `AgentCore${auth}`;
      const template = JSON.parse(fs.readFileSync(path.join(templatesDir, `${stackName}.template.json`), 'utf8'));
      const ofType = (type: string) => Object.entries<any>(template.Resources).filter(([, r]) => r.Type === type);
      const methods = ofType('AWS::ApiGateway::Method').map(([, r]) => r.Properties);
      expect(methods.map((m) => m.HttpMethod).sort()).toEqual(['OPTIONS', 'POST']);
      const post = methods.find((m) => m.HttpMethod === 'POST');
      expect(post.Integration).toMatchObject({ ResponseTransferMode: 'STREAM', TimeoutInMillis: 900000 });
      expect(ofType('AWS::WAFv2::WebACLAssociation')).toHaveLength(1);
      expect(ofType('AWS::ApiGateway::DomainName')[0][1].Properties.DomainName).toBe('agent.example.com');
      const agentStatements = ofType('AWS::IAM::Policy')
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
        .filter((st: any) => JSON.stringify(st.Action).includes('bedrock'));
      expect(agentStatements).toEqual([
        {
          Effect: 'Allow',
          Action: ['bedrock-agentcore:InvokeAgentRuntime', 'bedrock-agentcore:InvokeAgentRuntimeForUser'],
          Resource: [
            'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/consumer_agent-AbCdEf1234',
            'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/consumer_agent-AbCdEf1234/runtime-endpoint/DEFAULT',
          ],
        },
      ]);
      expect(
        findings.filter((f) => ours(f.path) && f.path.includes(`${stackName}/`)).map((f) => f.message),
      ).not.toContain('AwsSolutions-APIG3');
    },
  );

  test('StreamingAgentCoreApi in front of a CfnRuntime: the grant follows the runtime, cdk-nag clean with tracing', () => {
    const template = JSON.parse(fs.readFileSync(path.join(templatesDir, 'AgentCoreRuntime.template.json'), 'utf8'));
    const [runtimeId] = Object.entries<any>(template.Resources).find(
      ([, r]) => r.Type === 'AWS::BedrockAgentCore::Runtime',
    )!;
    const statements = Object.values<any>(template.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => r.Properties.PolicyDocument.Statement)
      .filter((st: any) => JSON.stringify(st.Action).includes('bedrock-agentcore'));
    expect(statements).toHaveLength(1);
    expect(JSON.stringify(statements[0].Resource)).toContain(`{"Ref":"${runtimeId}"}`);
    expect(
      findings.filter((f) => ours(f.path) && f.path.includes('AgentCoreRuntime/') && f.severity === 'error'),
    ).toEqual([]);
  });

  test('with managed keys and every protocol, the methods have no authorizer and the functions may only GetItem on the key table', () => {
    const template = JSON.parse(fs.readFileSync(path.join(templatesDir, 'ManagedKeysProtocols.template.json'), 'utf8'));
    const ofType = (type: string) => Object.entries<any>(template.Resources).filter(([, r]) => r.Type === type);
    const posts = ofType('AWS::ApiGateway::Method').filter(([, r]) => r.Properties.HttpMethod !== 'OPTIONS');
    expect(posts.map(([, r]) => r.Properties.AuthorizationType)).toEqual(posts.map(() => 'NONE'));
    const [[tableId, table]] = ofType('AWS::DynamoDB::Table');
    expect(table.Properties.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    const statements = ofType('AWS::IAM::Policy')
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
      .filter((st: any) => JSON.stringify(st.Action).includes('dynamodb:'));
    expect(statements).toEqual([
      expect.objectContaining({ Action: 'dynamodb:GetItem', Resource: { 'Fn::GetAtt': [tableId, 'Arn'] } }),
    ]);
    expect(
      findings.filter((f) => ours(f.path) && f.path.includes('ManagedKeysProtocols/') && f.severity === 'error'),
    ).toEqual([]);
  });

  test('acknowledgments are written into the template with their reasons', () => {
    const template = JSON.parse(fs.readFileSync(path.join(templatesDir, 'UsProfile.template.json'), 'utf8'));
    const suppressions = Object.values<any>(template.Resources).flatMap(
      (r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? [],
    );
    const ids = new Set(suppressions.map((s: any) => s.id));
    expect([...ids].sort()).toEqual([
      'AwsSolutions-APIG2',
      'AwsSolutions-COG4',
      'AwsSolutions-IAM5',
      'AwsSolutions-L1',
      'Serverless-LambdaDLQ',
      'Serverless-LambdaLatestVersion',
    ]);
    for (const suppression of suppressions) {
      expect(suppression.reason.length).toBeGreaterThan(40);
    }
  });
});

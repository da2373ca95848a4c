/**
 * The API's front stands alone, so that another backend (AgentCore, next) reuses it: it knows routes and
 * integrations, not Bedrock.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { Routes } from '../../src/contract';
import { ApiShell, ApiShellProps } from '../../src/private/api-shell';

function shellWith(props: Partial<ApiShellProps> = {}): { stack: Stack; shell: ApiShell } {
  const stack = new Stack(new App(), 'S', { env: { account: '123456789012', region: 'us-east-1' } });
  const shell = new ApiShell(new Construct(stack, 'Front'), "Front at 'S/Front'", {
    description: 'another backend',
    endpointType: apigateway.EndpointType.REGIONAL,
    logRetention: logs.RetentionDays.ONE_WEEK,
    ...props,
  });
  return { stack, shell };
}

const mock = () => new apigateway.MockIntegration({ integrationResponses: [{ statusCode: '200' }] });

test('serves the routes it is given with any integration, and creates no function', () => {
  const { stack, shell } = shellWith();
  shell.addRoute(Routes.STREAM, mock());
  const t = Template.fromStack(stack);
  t.resourceCountIs('AWS::Lambda::Function', 0);
  t.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'POST', Integration: { Type: 'MOCK' } });
  t.hasResourceProperties('AWS::ApiGateway::RestApi', { Description: 'another backend' });
});

test('grantInvoke covers exactly the routes added', () => {
  const { stack, shell } = shellWith();
  shell.addRoute(Routes.AI_SDK_CHAT, mock());
  shell.grantInvoke(new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() }));
  const policy = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
  expect(policy).toContain('"/POST/chat"');
  expect(policy).not.toContain('/POST/stream');
});

test('urlFor uses the custom domain and its base path when there is one', () => {
  const stack = new Stack(new App(), 'S');
  const certificate = acm.Certificate.fromCertificateArn(
    stack,
    'Cert',
    'arn:aws:acm:us-east-1:123456789012:certificate/abc',
  );
  const shell = new ApiShell(new Construct(stack, 'Front'), "Front at 'S/Front'", {
    description: 'another backend',
    endpointType: apigateway.EndpointType.REGIONAL,
    logRetention: logs.RetentionDays.ONE_WEEK,
    domainName: { domainName: 'chat.example.com', certificate, basePath: 'ai' },
  });
  expect(shell.urlFor('/chat')).toBe('https://chat.example.com/ai/chat');
});

test('fails on a bad throttle, naming the subject and the prop', () => {
  expect(() => shellWith({ throttle: { rateLimit: -1 } })).toThrow(
    /^Front at 'S\/Front': invalid throttle\.rateLimit -1\./,
  );
});

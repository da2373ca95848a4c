import { App, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { ClientProtocol, ResponseMode, StreamingBedrockApi, StreamingBedrockApiProps } from '../../src';
import { inlineFunction } from '../support/inline-function';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const WEB_ACL = 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/chat-acl/a1b2c3d4-5678-90ab-cdef-111122223333';
const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/a1b2c3d4-5678-90ab-cdef-111122223333';

function stackWith(props: Partial<StreamingBedrockApiProps> = {}): { stack: Stack; api: StreamingBedrockApi } {
  const stack = new Stack(new App(), 'TestStack', { env: { account: '123456789012', region: 'us-east-1' } });
  const pricing = { [MODEL]: { inputPerMillionTokens: 0.8, outputPerMillionTokens: 4 } };
  const api = new StreamingBedrockApi(stack, 'Chat', { modelId: MODEL, pricing, ...props });
  return { stack, api };
}

/** A metric as it lands in a template: an alarm on it shows namespace, name, dimensions, statistic and period. */
function alarmed(
  metric: (api: StreamingBedrockApi) => cloudwatch.IMetric,
  props: Partial<StreamingBedrockApiProps> = {},
) {
  const { stack, api } = stackWith(props);
  new cloudwatch.Alarm(stack, 'Alarm', { metric: metric(api), threshold: 1, evaluationPeriods: 1 });
  const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm');
  return Object.values<any>(alarms)[0].Properties;
}

function certificate(stack: Stack): acm.ICertificate {
  return acm.Certificate.fromCertificateArn(stack, 'Cert', CERT);
}

describe('handler metrics', () => {
  test.each([
    ['metricRequests', 'Requests', 'Sum'],
    ['metricErrors', 'Errors', 'Sum'],
    ['metricInputTokens', 'InputTokens', 'Sum'],
    ['metricOutputTokens', 'OutputTokens', 'Sum'],
    ['metricSpend', 'Spend', 'Sum'],
  ] as const)('%s() is the API-wide %s, summed over 5 minutes', (method, name, statistic) => {
    const alarm = alarmed((api) => api[method]());
    expect(alarm).toMatchObject({
      Namespace: 'StreamingBedrockApi',
      MetricName: name,
      Statistic: statistic,
      Period: 300,
    });
    expect(alarm.Dimensions).toBeUndefined();
  });

  test('metricTimeToFirstToken() is the API-wide p90 over 5 minutes', () => {
    const alarm = alarmed((api) => api.metricTimeToFirstToken());
    expect(alarm).toMatchObject({ Namespace: 'StreamingBedrockApi', MetricName: 'TimeToFirstToken', Period: 300 });
    expect(alarm.ExtendedStatistic).toBe('p90');
    expect(alarm.Dimensions).toBeUndefined();
  });

  test('per model through dimensionsMap, in the namespace of handlerOptions, with the caller statistic', () => {
    const alarm = alarmed((api) => api.metricErrors({ dimensionsMap: { ModelId: MODEL }, statistic: 'Average' }), {
      handlerOptions: { metricsNamespace: 'ChatProd' },
    });
    expect(alarm).toMatchObject({
      Namespace: 'ChatProd',
      MetricName: 'Errors',
      Statistic: 'Average',
      Dimensions: [{ Name: 'ModelId', Value: MODEL }],
    });
  });

  test("metricSpend() per model: one model's USD, summed", () => {
    const alarm = alarmed((api) => api.metricSpend({ dimensionsMap: { ModelId: MODEL }, period: Duration.days(1) }));
    expect(alarm).toMatchObject({
      Namespace: 'StreamingBedrockApi',
      MetricName: 'Spend',
      Statistic: 'Sum',
      Period: 86400,
      Dimensions: [{ Name: 'ModelId', Value: MODEL }],
    });
  });

  test('without pricing, metricSpend() throws: nothing publishes Spend', () => {
    const { api } = stackWith({ pricing: undefined });
    expect(() => api.metricSpend()).toThrow(
      "StreamingBedrockApi at 'TestStack/Chat': metricSpend() needs pricing: without prices the handler knows no cost",
    );
  });

  test('metricFallbacks() with fallbackModelIds: the API-wide count of answers by a fallback; its average the share', () => {
    const fallback = 'amazon.nova-lite-v1:0';
    const alarm = alarmed((api) => api.metricFallbacks({ statistic: 'Average' }), {
      fallbackModelIds: [fallback],
      pricing: undefined,
    });
    expect(alarm).toMatchObject({ Namespace: 'StreamingBedrockApi', MetricName: 'Fallbacks', Statistic: 'Average' });
    expect(alarm.Dimensions).toBeUndefined();
  });

  test('without fallbackModelIds, metricFallbacks() throws: nothing publishes Fallbacks', () => {
    const { api } = stackWith();
    expect(() => api.metricFallbacks()).toThrow(
      "StreamingBedrockApi at 'TestStack/Chat': metricFallbacks() needs fallbackModelIds: without fallback models",
    );
  });

  test('with your own handler, metricSpend() throws like the other handler metrics', () => {
    const stack = new Stack(new App(), 'Byo');
    const api = new StreamingBedrockApi(stack, 'Chat', { handler: inlineFunction(stack, 'Fn') });
    expect(() => api.metricSpend()).toThrow(
      /StreamingBedrockApi at 'Byo\/Chat': metricSpend\(\) needs the default handler, and this API uses your own handler/,
    );
  });

  test('with your own handler, a handler metric throws naming the construct and what to use instead', () => {
    const stack = new Stack(new App(), 'Byo');
    const handler = inlineFunction(stack, 'Fn');
    const api = new StreamingBedrockApi(stack, 'Chat', { handler });
    expect(() => api.metricTimeToFirstToken()).toThrow(
      /StreamingBedrockApi at 'Byo\/Chat': metricTimeToFirstToken\(\) needs the default handler.*api\.handler\.metricErrors\(\)/,
    );
    // The stage's and the function's metrics remain.
    expect(api.metricCount().namespace).toBe('AWS/ApiGateway');
    expect(api.handler.metricErrors().namespace).toBe('AWS/Lambda');
  });
});

describe('API Gateway metrics of the stage', () => {
  test.each([
    ['metricLatency', 'Latency', { ExtendedStatistic: 'p90' }],
    ['metricIntegrationLatency', 'IntegrationLatency', { ExtendedStatistic: 'p90' }],
    ['metricClientError', '4XXError', { Statistic: 'Sum' }],
    ['metricServerError', '5XXError', { Statistic: 'Sum' }],
    ['metricCount', 'Count', { Statistic: 'Sum' }],
  ] as const)('%s() is %s of the API name and stage', (method, name, statistic) => {
    const alarm = alarmed((api) => api[method](), { restApiName: 'chat-api', stageName: 'live' });
    expect(alarm).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: name, Period: 300, ...statistic });
    expect(alarm.Dimensions).toEqual(
      expect.arrayContaining([
        { Name: 'ApiName', Value: 'chat-api' },
        { Name: 'Stage', Value: { Ref: expect.stringMatching(/^ChatApiDeploymentStagelive/) } },
      ]),
    );
  });

  test("the handler's Lambda metrics are reachable through api.handler", () => {
    const alarm = alarmed((api) => api.handler.metricThrottles());
    expect(alarm).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Throttles' });
  });
});

describe('webAclArn', () => {
  test('associates the web ACL with the stage, after the stage exists', () => {
    const t = Template.fromStack(stackWith({ webAclArn: WEB_ACL }).stack);
    const [stageId] = Object.keys(t.findResources('AWS::ApiGateway::Stage'));
    const [apiId] = Object.keys(t.findResources('AWS::ApiGateway::RestApi'));
    const associations = Object.values<any>(t.findResources('AWS::WAFv2::WebACLAssociation'));
    expect(associations).toHaveLength(1);
    expect(associations[0].Properties.WebACLArn).toBe(WEB_ACL);
    const resourceArn = JSON.stringify(associations[0].Properties.ResourceArn);
    expect(resourceArn).toContain(`/restapis/`);
    expect(resourceArn).toContain(`"Ref":"${apiId}"`);
    expect(resourceArn).toContain(`/stages/`);
    expect(associations[0].DependsOn).toEqual(expect.arrayContaining([stageId]));
  });

  test('takes the ARN of a web ACL made in the same stack', () => {
    const stack = new Stack(new App(), 'S', { env: { account: '123456789012', region: 'us-east-1' } });
    const acl = new wafv2.CfnWebACL(stack, 'Acl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'acl', sampledRequestsEnabled: true },
    });
    new StreamingBedrockApi(stack, 'Chat', { modelId: MODEL, webAclArn: acl.attrArn });
    Template.fromStack(stack).hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Acl'), 'Arn'] },
    });
  });

  test('no association without webAclArn', () => {
    Template.fromStack(stackWith().stack).resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
  });

  test.each([
    [
      'not a web ACL ARN',
      'arn:aws:wafv2:us-east-1:123456789012:regional/ipset/x/a1b2c3d4-5678-90ab-cdef-111122223333',
      /scope REGIONAL, e\.g\./,
    ],
    ['a plain name', 'chat-acl', /scope REGIONAL, e\.g\./],
    [
      'a CloudFront web ACL',
      WEB_ACL.replace('regional/', 'global/'),
      /scope CLOUDFRONT, which API Gateway stages cannot use/,
    ],
    ['another region', WEB_ACL.replace('us-east-1', 'eu-west-1'), /in eu-west-1 but the API is in us-east-1/],
  ])('refuses %s, naming the construct, the prop, the value and the fix', (_, webAclArn, fix) => {
    expect(() => stackWith({ webAclArn })).toThrow(
      new RegExp(
        `StreamingBedrockApi at 'TestStack/Chat': invalid webAclArn "${webAclArn.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"\\.`,
      ),
    );
    expect(() => stackWith({ webAclArn })).toThrow(fix);
  });
});

describe('domainName', () => {
  function withDomain(
    domain: Partial<StreamingBedrockApiProps['domainName']> = {},
    props: Partial<StreamingBedrockApiProps> = {},
  ) {
    const stack = new Stack(new App(), 'TestStack', { env: { account: '123456789012', region: 'us-east-1' } });
    const api = new StreamingBedrockApi(stack, 'Chat', {
      modelId: MODEL,
      domainName: { domainName: 'chat.example.com', certificate: certificate(stack), ...domain },
      ...props,
    });
    return { stack, api, template: () => Template.fromStack(stack) };
  }

  test('a REGIONAL domain with the certificate, TLS 1.2, mapped to the stage at the root', () => {
    const { template, api } = withDomain();
    const t = template();
    t.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'chat.example.com',
      RegionalCertificateArn: CERT,
      EndpointConfiguration: { Types: ['REGIONAL'] },
      SecurityPolicy: 'TLS_1_2',
    });
    const [stageId] = Object.keys(t.findResources('AWS::ApiGateway::Stage'));
    t.hasResourceProperties('AWS::ApiGateway::BasePathMapping', {
      DomainName: { Ref: Match.anyValue() },
      RestApiId: { Ref: Match.anyValue() },
      Stage: { Ref: stageId },
      BasePath: Match.absent(),
    });
    expect(api.domain).toBeDefined();
  });

  test('every URL uses the domain and base path, and the outputs resolve to it', () => {
    const { stack, api } = withDomain(
      { basePath: 'ai' },
      {
        responseMode: ResponseMode.BOTH,
        protocols: [ClientProtocol.OPENAI_CHAT_COMPLETIONS, ClientProtocol.AI_SDK_UI_MESSAGES],
      },
    );
    const urls = { s: api.streamUrl!, b: api.bufferedUrl!, o: api.openAiBaseUrl!, c: api.chatUrl! };
    for (const [id, value] of Object.entries(urls)) {
      new CfnOutput(stack, id, { value });
    }
    const outputs = Template.fromStack(stack).toJSON().Outputs;
    expect(Object.fromEntries(Object.entries<any>(outputs).map(([k, v]) => [k, v.Value]))).toMatchObject({
      s: 'https://chat.example.com/ai/stream',
      b: 'https://chat.example.com/ai/buffered',
      o: 'https://chat.example.com/ai/v1',
      c: 'https://chat.example.com/ai/chat',
    });
    // The execute-api URL still answers.
    expect(JSON.stringify(stack.resolve(api.restApi.url))).toContain('execute-api');
  });

  test('a multi-level base path is mapped with an API mapping', () => {
    const t = withDomain({ basePath: 'ai/v2', securityPolicy: apigateway.SecurityPolicy.TLS_1_2 }).template();
    t.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { ApiMappingKey: 'ai/v2' });
    t.resourceCountIs('AWS::ApiGateway::BasePathMapping', 0);
  });

  test('refuses an EDGE endpoint, naming the prop and the fix', () => {
    expect(() => withDomain({}, { endpointType: apigateway.EndpointType.EDGE })).toThrow(
      /StreamingBedrockApi at 'TestStack\/Chat': invalid endpointType "EDGE"\. A custom domain \(domainName\) is served with a REGIONAL endpoint/,
    );
  });

  test.each(['/ai', 'ai/', 'a b'])('refuses the base path %j', (basePath) => {
    expect(() => withDomain({ basePath })).toThrow(
      /invalid domainName\.basePath .*without a leading or trailing slash/,
    );
  });

  test('without domainName, the URLs are the execute-api URLs and there is no domain', () => {
    const { stack, api } = stackWith();
    expect(JSON.stringify(stack.resolve(api.streamUrl))).toContain('execute-api');
    expect(api.domain).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::ApiGateway::DomainName', 0);
  });
});

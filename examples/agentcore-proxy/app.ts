/**
 * agentcore-proxy: bring your own streaming handler. The function proxies a Bedrock AgentCore runtime's streamed
 * answer (Server-Sent Events) to the client; the construct still wires STREAM, the aligned timeout, IAM auth and CORS.
 * The handler is plain JavaScript using the AWS SDK that the Lambda runtime provides, so nothing is bundled at synth.
 *
 *   npx cdk deploy -c agentRuntimeArn=arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my-agent-abc123
 */
import * as path from 'path';
import { App, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { StreamingBedrockApi } from 'cdk-streaming-bedrock-api';

const app = new App();
const stack = new Stack(app, 'StreamingAgentCoreProxy');
const agentRuntimeArn: string =
  app.node.tryGetContext('agentRuntimeArn') ?? `arn:aws:bedrock-agentcore:${stack.region}:${stack.account}:runtime/my-agent`;

const proxy = new lambda.Function(stack, 'AgentProxy', {
  runtime: lambda.Runtime.NODEJS_LATEST,
  architecture: lambda.Architecture.ARM_64,
  handler: 'index.handler',
  code: lambda.Code.fromAsset(path.join(__dirname, 'handler')),
  timeout: Duration.minutes(10),
  memorySize: 256,
  environment: { AGENT_RUNTIME_ARN: agentRuntimeArn },
  logGroup: new logs.LogGroup(stack, 'AgentProxyLogs', { retention: logs.RetentionDays.ONE_MONTH }),
});
proxy.addToRolePolicy(
  new iam.PolicyStatement({
    actions: ['bedrock-agentcore:InvokeAgentRuntime'],
    resources: [agentRuntimeArn, `${agentRuntimeArn}/runtime-endpoint/*`],
  }),
);

const agent = new StreamingBedrockApi(stack, 'Agent', {
  // No modelId: a pure proxy never calls Bedrock Runtime itself, so it gets no Bedrock grant.
  handler: proxy,
  timeout: Duration.minutes(10),
});

new CfnOutput(stack, 'StreamUrl', { value: agent.streamUrl! });

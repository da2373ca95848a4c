/**
 * agent-core: the example agent (./agent, a small agent under AgentCore's container contract) deployed as an Amazon
 * Bedrock AgentCore runtime, with StreamingAgentCoreApi in front: callers stream the agent's answer from
 * `POST /invocations` with a managed key (or Cognito), never with AgentCore's own URL and SigV4.
 *
 *   npx cdk deploy                                   # managed keys; then: npx cdk-streaming-bedrock-api keys create ...
 *   npx cdk deploy -c auth=cognito                   # a Cognito user pool instead
 *   npx cdk deploy -c domainName=agent.example.com -c certificateArn=arn:aws:acm:...   # a custom domain too
 *
 * The image is linux/arm64 (AgentCore Runtime runs arm64 only): deploy from an arm64 machine, or with Docker's arm64
 * emulation. Synth needs no Docker.
 */
import * as path from 'path';
import { App, Aws, CfnOutput, Stack } from 'aws-cdk-lib';
import * as bedrockagentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ApiAuth, StreamingAgentCoreApi } from 'cdk-streaming-bedrock-api';

const FOUNDATION_MODEL = 'anthropic.claude-haiku-4-5-20251001-v1:0';
const MODEL = `us.${FOUNDATION_MODEL}`; // the agent's default model, through the US inference profile

const app = new App();
const stack = new Stack(app, 'StreamingAgentCore');

// The agent: its image, the role AgentCore runs it with (pull the image, write its logs, ask its model), the runtime.
const image = new ecrAssets.DockerImageAsset(stack, 'AgentImage', {
  directory: path.join(__dirname, 'agent'),
  platform: ecrAssets.Platform.LINUX_ARM64,
});
const agentRole = new iam.Role(stack, 'AgentRole', {
  assumedBy: new iam.ServicePrincipal('bedrock-agentcore.amazonaws.com', {
    conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
  }),
});
image.repository.grantPull(agentRole);
agentRole.addToPolicy(
  new iam.PolicyStatement({
    actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
    resources: [
      `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:/aws/bedrock-agentcore/runtimes/*`,
    ],
  }),
);
agentRole.addToPolicy(
  new iam.PolicyStatement({
    actions: ['bedrock:InvokeModelWithResponseStream'],
    resources: [
      `arn:${Aws.PARTITION}:bedrock:${Aws.REGION}:${Aws.ACCOUNT_ID}:inference-profile/${MODEL}`,
      `arn:${Aws.PARTITION}:bedrock:*::foundation-model/${FOUNDATION_MODEL}`, // the US regions the profile routes to
    ],
  }),
);
const runtime = new bedrockagentcore.CfnRuntime(stack, 'Agent', {
  agentRuntimeName: 'streaming_agent_example',
  agentRuntimeArtifact: { containerConfiguration: { containerUri: image.imageUri } },
  networkConfiguration: { networkMode: 'PUBLIC' },
  protocolConfiguration: 'HTTP',
  roleArn: agentRole.roleArn,
  environmentVariables: { MODEL_ID: MODEL },
});
runtime.node.addDependency(agentRole); // AgentCore checks at creation that the role can pull the image

// The API in front of it.
const users =
  app.node.tryGetContext('auth') === 'cognito'
    ? new cognito.UserPool(stack, 'Users', { selfSignUpEnabled: false, signInAliases: { email: true } })
    : undefined;
const domainName: string | undefined = app.node.tryGetContext('domainName');
const certificateArn: string | undefined = app.node.tryGetContext('certificateArn');
if (domainName && !certificateArn) {
  throw new Error("-c domainName needs -c certificateArn: the ACM certificate of that domain, in the stack's region.");
}
const api = new StreamingAgentCoreApi(stack, 'Api', {
  runtime,
  auth: users ? ApiAuth.cognito([users]) : ApiAuth.managedKeys(),
  cors: { allowOrigins: ['https://app.example.com'] },
  tokenBudget: { requestsPerMinute: 20 }, // per caller: the key, or the Cognito user
  domainName: domainName
    ? { domainName, certificate: acm.Certificate.fromCertificateArn(stack, 'Certificate', certificateArn!) }
    : undefined,
});

new CfnOutput(stack, 'InvocationsUrl', { value: api.invocationsUrl });
if (api.keyTable) {
  new CfnOutput(stack, 'KeyTable', { value: api.keyTable.tableName });
}
if (users) {
  new CfnOutput(stack, 'UserPoolId', { value: users.userPoolId });
}

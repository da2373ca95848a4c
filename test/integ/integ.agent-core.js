// Integration test: StreamingAgentCoreApi in front of a deployed AgentCore runtime of the example agent
// (examples/agent-core/agent, its image built from its Dockerfile: linux/arm64, so deploy from an arm64 machine or
// with Docker's arm64 emulation). POST /invocations streams the agent's SSE events (text ... done), keeps a JSON
// answer's content type, and refuses a malformed session id with 400 before AgentCore is called.
// Run with an account that has AgentCore and Bedrock access to the model: npx integ-runner --update-on-failed
const fs = require('fs');
const path = require('path');
const { App, Aws, Stack } = require('aws-cdk-lib');
const bedrockagentcore = require('aws-cdk-lib/aws-bedrockagentcore');
const ecrAssets = require('aws-cdk-lib/aws-ecr-assets');
const iam = require('aws-cdk-lib/aws-iam');
const { ExpectedResult, IntegTest, Match } = require('@aws-cdk/integ-tests-alpha');
const { ApiAuth, StreamingAgentCoreApi } = require('cdk-streaming-bedrock-api');

// The repository's example agent; test/package/integ-snapshots.test.ts copies it beside this file ('agent').
const AGENT_DIR = fs.existsSync(path.join(__dirname, 'agent'))
  ? path.join(__dirname, 'agent')
  : path.join(__dirname, '..', '..', 'examples', 'agent-core', 'agent');
const FOUNDATION_MODEL = 'amazon.nova-lite-v1:0';
const MODEL = `us.${FOUNDATION_MODEL}`;

const app = new App();
const stack = new Stack(app, 'IntegStreamingAgentCoreApi');
const image = new ecrAssets.DockerImageAsset(stack, 'AgentImage', {
  directory: AGENT_DIR,
  platform: ecrAssets.Platform.LINUX_ARM64,
});

// The runtime's role: pull the image, write the runtime's logs, ask the model (through the US profile).
const runtimeRole = new iam.Role(stack, 'AgentRole', {
  assumedBy: new iam.ServicePrincipal('bedrock-agentcore.amazonaws.com', {
    conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
  }),
});
image.repository.grantPull(runtimeRole);
runtimeRole.addToPolicy(
  new iam.PolicyStatement({
    actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
    resources: [`arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:/aws/bedrock-agentcore/runtimes/*`],
  }),
);
runtimeRole.addToPolicy(
  new iam.PolicyStatement({
    actions: ['bedrock:InvokeModelWithResponseStream'],
    resources: [
      `arn:${Aws.PARTITION}:bedrock:${Aws.REGION}:${Aws.ACCOUNT_ID}:inference-profile/${MODEL}`,
      `arn:${Aws.PARTITION}:bedrock:*::foundation-model/${FOUNDATION_MODEL}`,
    ],
  }),
);

const runtime = new bedrockagentcore.CfnRuntime(stack, 'Agent', {
  agentRuntimeName: 'integ_streaming_agent',
  agentRuntimeArtifact: { containerConfiguration: { containerUri: image.imageUri } },
  networkConfiguration: { networkMode: 'PUBLIC' },
  protocolConfiguration: 'HTTP',
  roleArn: runtimeRole.roleArn,
  environmentVariables: { MODEL_ID: MODEL },
});
// AgentCore checks at creation that the role can pull the image.
runtime.node.addDependency(runtimeRole);

const api = new StreamingAgentCoreApi(stack, 'Api', {
  runtime,
  auth: ApiAuth.none('integration test stack, destroyed at the end of the run'),
});

const integ = new IntegTest(app, 'StreamingAgentCoreApiInteg', { testCases: [stack], regions: ['us-east-1'] });
const invoke = (accept, headers = {}) =>
  integ.assertions.httpApiCall(api.invocationsUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: accept, ...headers },
    body: JSON.stringify({ prompt: 'What is 6 times 7? Use the calculator.' }),
  });

// The agent's events, streamed: text (and the tool's steps), then done.
invoke('text/event-stream').expect(
  ExpectedResult.objectLike({ status: 200, body: Match.stringLikeRegexp('event: text[\\s\\S]*event: done') }),
);
// A JSON answer keeps its content type: one object with the text.
invoke('application/json').expect(ExpectedResult.objectLike({ status: 200, body: { text: Match.stringLikeRegexp('42') } }));
// A session id AgentCore would refuse is refused by the API, with its real status.
invoke('text/event-stream', { 'X-Session-Id': 'too-short' }).expect(ExpectedResult.objectLike({ status: 400 }));

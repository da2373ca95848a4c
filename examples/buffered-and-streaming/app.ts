/**
 * buffered-and-streaming: POST /stream for interactive clients and POST /buffered (one JSON answer, within API
 * Gateway's 29 s) for services that cannot read streams. Callers may pick one of two models per request.
 */
import { App, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ResponseMode, StreamingBedrockApi } from 'cdk-streaming-bedrock-api';

const app = new App();
const stack = new Stack(app, 'StreamingBedrockBoth');

const chat = new StreamingBedrockApi(stack, 'Chat', {
  modelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
  allowedModelIds: ['us.anthropic.claude-haiku-4-5-20251001-v1:0', 'amazon.nova-lite-v1:0'],
  responseMode: ResponseMode.BOTH,
  timeout: Duration.minutes(3),
  throttle: { rateLimit: 20, burstLimit: 40 },
});

// A backend service role that may call both endpoints (IAM auth is the default).
const backend = new iam.Role(stack, 'BackendService', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
chat.grantInvoke(backend);

new CfnOutput(stack, 'StreamUrl', { value: chat.streamUrl! });
new CfnOutput(stack, 'BufferedUrl', { value: chat.bufferedUrl! });

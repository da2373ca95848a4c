/**
 * basic: the one-line streaming API with secure defaults (IAM auth, regional endpoint, throttling, access logs).
 *
 *   npx cdk deploy            # then call the URL in the StreamUrl output with SigV4 (see the README)
 */
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import { StreamingBedrockApi } from 'cdk-streaming-bedrock-api';

const app = new App();
const stack = new Stack(app, 'StreamingBedrockBasic');

const chat = new StreamingBedrockApi(stack, 'Chat', {
  modelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
  systemPrompt: 'You are a concise assistant.',
  maxTokens: 1024,
});

new CfnOutput(stack, 'StreamUrl', { value: chat.streamUrl! });

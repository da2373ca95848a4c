/**
 * api-key: callers send `x-api-key`; a usage plan throttles each key and caps it with a daily quota.
 *
 *   npx cdk deploy
 *   KEY=$(aws apigateway get-api-key --api-key <ApiKeyId output> --include-value --query value --output text)
 *   curl --no-buffer -H "x-api-key: $KEY" -H 'Content-Type: application/json' -d '{"prompt":"Hi"}' <StreamUrl output>
 */
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { ApiAuth, StreamingBedrockApi } from 'cdk-streaming-bedrock-api';

const app = new App();
const stack = new Stack(app, 'StreamingBedrockApiKey');

const chat = new StreamingBedrockApi(stack, 'Chat', {
  modelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
  auth: ApiAuth.apiKey({
    throttle: { rateLimit: 2, burstLimit: 5 },
    quota: { limit: 500, period: apigateway.Period.DAY },
  }),
  maxTokens: 512,
});

new CfnOutput(stack, 'StreamUrl', { value: chat.streamUrl! });
new CfnOutput(stack, 'ApiKeyId', { value: chat.apiKey!.keyId });

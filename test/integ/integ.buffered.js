// Integration test: ResponseMode.BOTH with an on-demand model; POST /buffered answers with one JSON object and
// POST /stream with Accept: application/json answers the same shape without the 29 s limit.
// Run with an account that has Bedrock access to the model: npx integ-runner --update-on-failed
const { App, Stack } = require('aws-cdk-lib');
const { ExpectedResult, IntegTest, Match } = require('@aws-cdk/integ-tests-alpha');
const { ApiAuth, ResponseMode, StreamingBedrockApi } = require('cdk-streaming-bedrock-api');

const app = new App();
const stack = new Stack(app, 'IntegStreamingBedrockApiBoth');
const chat = new StreamingBedrockApi(stack, 'Chat', {
  modelId: 'amazon.nova-lite-v1:0',
  auth: ApiAuth.none('integration test stack, destroyed at the end of the run'),
  responseMode: ResponseMode.BOTH,
  maxTokens: 64,
});

const integ = new IntegTest(app, 'StreamingBedrockApiBothInteg', { testCases: [stack], regions: ['us-east-1'] });
const answer = ExpectedResult.objectLike({
  status: 200,
  body: { text: Match.stringLikeRegexp('\\w'), stopReason: Match.stringLikeRegexp('.'), modelId: 'amazon.nova-lite-v1:0' },
});
const request = { prompt: 'Reply with the single word pong.' };
integ.assertions
  .httpApiCall(chat.bufferedUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(request) })
  .expect(answer);
integ.assertions
  .httpApiCall(chat.streamUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(request),
  })
  .expect(answer);

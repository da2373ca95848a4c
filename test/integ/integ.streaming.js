// Integration test: POST /stream through a deployed API (IAM off for the test caller: ApiAuth.none with a reason),
// a geographic inference profile, SSE and text formats, and a rejected request.
// Run with an account that has Bedrock access to the model: npx integ-runner --update-on-failed
const { App, Stack } = require('aws-cdk-lib');
const { ExpectedResult, IntegTest, Match } = require('@aws-cdk/integ-tests-alpha');
const { ApiAuth, StreamingBedrockApi } = require('cdk-streaming-bedrock-api');

const app = new App();
const stack = new Stack(app, 'IntegStreamingBedrockApiStream');
const chat = new StreamingBedrockApi(stack, 'Chat', {
  modelId: 'us.amazon.nova-lite-v1:0',
  auth: ApiAuth.none('integration test stack, destroyed at the end of the run'),
  maxTokens: 64,
});

const integ = new IntegTest(app, 'StreamingBedrockApiStreamInteg', { testCases: [stack], regions: ['us-east-1'] });
const post = (accept, body) =>
  integ.assertions.httpApiCall(chat.streamUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: accept },
    body: JSON.stringify(body),
  });

// The streamed SSE body: deltas, then a done event with usage.
post('text/event-stream', { prompt: 'Reply with the single word pong.' }).expect(
  ExpectedResult.objectLike({ status: 200, body: Match.stringLikeRegexp('event: delta[\\s\\S]*event: done[\\s\\S]*"outputTokens"') }),
);
// Raw text.
post('text/plain', { prompt: 'Reply with the single word pong.' }).expect(
  ExpectedResult.objectLike({ status: 200, body: Match.stringLikeRegexp('\\w') }),
);
// Bad input keeps its real status and the JSON error shape.
post('text/event-stream', { prompt: 'hi', system: 'override' }).expect(
  ExpectedResult.objectLike({ status: 400, body: { error: { code: 'unknown_field', param: 'system' } } }),
);

// Integration test: the default handler's model features against real Bedrock: Claude extended thinking through
// additionalModelRequestFields (reasoning events in SSE) and prompt caching (a cache point after the tools: the
// second identical request reads the prefix the first one wrote); on a second API without operator fields, the
// caller's structured output (outputConfig.textFormat: the answer is JSON of the schema) and reasoning effort (a
// thinking budget for Claude Haiku 4.5). IAM off for the test caller (ApiAuth.none with a reason). Run with an
// account that has Bedrock access to both models: npx integ-runner --update-on-failed
const { App, Stack } = require('aws-cdk-lib');
const { ExpectedResult, IntegTest, Match } = require('@aws-cdk/integ-tests-alpha');
const { ApiAuth, StreamingBedrockApi } = require('cdk-streaming-bedrock-api');

const app = new App();
const stack = new Stack(app, 'IntegStreamingBedrockApiModelFeatures');
const chat = new StreamingBedrockApi(stack, 'Chat', {
  modelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
  auth: ApiAuth.none('integration test stack, destroyed at the end of the run'),
  systemPrompt: 'You answer arithmetic questions with the number only. Never call a tool.',
  maxTokens: 2048,
  promptCaching: true,
  additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 1024 } },
});

const integ = new IntegTest(app, 'StreamingBedrockApiModelFeaturesInteg', { testCases: [stack], regions: ['us-east-1'] });

// A tool long enough that the cached prefix (tools + system prompt) passes Claude's 1,024-token minimum.
const clause = 'Clause: a policy document is looked up by its exact identifier and returned unchanged. ';
const request = {
  prompt: 'What is 17 * 23?',
  tools: [
    {
      name: 'lookup_policy',
      description: clause.repeat(80),
      inputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
    },
  ],
};
const post = () =>
  integ.assertions.httpApiCall(chat.streamUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
    body: JSON.stringify(request),
  });

// The first answer carries the model's reasoning before the text, and writes the cache.
const first = post();
first.expect(
  ExpectedResult.objectLike({
    status: 200,
    body: Match.stringLikeRegexp('event: reasoning[\\s\\S]*event: delta[\\s\\S]*"cacheWriteInputTokens":[1-9]'),
  }),
);
// The same request again reads the cached prefix.
const second = post();
second.expect(
  ExpectedResult.objectLike({ status: 200, body: Match.stringLikeRegexp('"cacheReadInputTokens":[1-9]') }),
);
first.next(second);

// The caller asks: no operator reasoning fields, so the request's own structured output and effort reach Bedrock.
const requested = new StreamingBedrockApi(stack, 'Requested', {
  modelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
  auth: ApiAuth.none('integration test stack, destroyed at the end of the run'),
  maxTokens: 4096,
});
const ask = (body, accept) =>
  integ.assertions.httpApiCall(requested.streamUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: accept },
    body: JSON.stringify(body),
  });
// Structured output: the whole answer is JSON of the schema.
ask(
  {
    prompt: 'What is 17 * 23?',
    outputSchema: {
      name: 'product',
      schema: {
        type: 'object',
        properties: { product: { type: 'integer' } },
        required: ['product'],
        additionalProperties: false,
      },
    },
  },
  'application/json',
).expect(
  ExpectedResult.objectLike({
    status: 200,
    body: { text: Match.stringLikeRegexp('^\\s*\\{\\s*"product"\\s*:\\s*391\\s*\\}\\s*$') },
  }),
);
// Reasoning effort: low is a 1,024-token thinking budget for Claude up to 4.5, so the model reasons before answering.
ask({ prompt: 'What is 17 * 23? Answer with the number only.', reasoningEffort: 'low' }, 'text/event-stream').expect(
  ExpectedResult.objectLike({ status: 200, body: Match.stringLikeRegexp('event: reasoning[\\s\\S]*event: delta') }),
);

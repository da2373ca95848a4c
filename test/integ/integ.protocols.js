// Integration test: the client protocols through a deployed API with an API key (ApiAuth.apiKey()): OpenAI Chat
// Completions streamed (with include_usage) and not, GET /v1/models, the AI SDK UI message stream on POST /chat, and
// the refusals a caller meets (no key: API Gateway's 403 in the JSON error shape; a caller system message: 400 naming
// the prop that allows it). Each call sends `Authorization: Bearer unused` as the openai client does: with an API key,
// API Gateway must ignore it. The key's value is read at run time (getApiKey), never written in the template.
// Run with an account that has Bedrock access to the model: npx integ-runner --update-on-failed
const { App, Stack } = require('aws-cdk-lib');
const { ExpectedResult, IntegTest, Match } = require('@aws-cdk/integ-tests-alpha');
const { ApiAuth, ClientProtocol, StreamingBedrockApi } = require('cdk-streaming-bedrock-api');
const { readApiKeyValue } = require('./api-key-value');

const MODEL = 'us.amazon.nova-lite-v1:0';
const app = new App();
const stack = new Stack(app, 'IntegStreamingBedrockApiProtocols');
const chat = new StreamingBedrockApi(stack, 'Chat', {
  modelId: MODEL,
  auth: ApiAuth.apiKey(),
  maxTokens: 64,
  protocols: [ClientProtocol.OPENAI_CHAT_COMPLETIONS, ClientProtocol.AI_SDK_UI_MESSAGES],
});

const integ = new IntegTest(app, 'StreamingBedrockApiProtocolsInteg', { testCases: [stack], regions: ['us-east-1'] });
const apiKeyValue = readApiKeyValue(integ, stack, chat.apiKey);

const call = (method, url, body, headers = { 'x-api-key': apiKeyValue }) =>
  integ.assertions.httpApiCall(url, {
    method,
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer unused', ...headers },
    body: body && JSON.stringify(body),
  });
const pong = 'Reply with the single word pong.';
const completions = `${chat.openAiBaseUrl}/chat/completions`;

// OpenAI streaming: chat.completion.chunk events, the usage chunk, then [DONE].
call('POST', completions, {
  model: MODEL,
  messages: [{ role: 'user', content: pong }],
  stream: true,
  stream_options: { include_usage: true },
}).expect(
  ExpectedResult.objectLike({
    status: 200,
    body: Match.stringLikeRegexp('"object":"chat.completion.chunk"[\\s\\S]*"prompt_tokens":[1-9][\\s\\S]*data: \\[DONE\\]'),
  }),
);
// OpenAI without streaming: one chat.completion.
call('POST', completions, { model: MODEL, messages: [{ role: 'user', content: pong }] }).expect(
  ExpectedResult.objectLike({
    status: 200,
    body: { object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant' } }] },
  }),
);
// The model list is the allowed ids.
call('GET', `${chat.openAiBaseUrl}/models`).expect(
  ExpectedResult.objectLike({ status: 200, body: { object: 'list', data: [{ id: MODEL, object: 'model' }] } }),
);
// A caller system message is refused unless allowCallerSystemMessages is set.
call('POST', completions, {
  model: MODEL,
  messages: [
    { role: 'system', content: 'Answer in French.' },
    { role: 'user', content: pong },
  ],
}).expect(
  ExpectedResult.objectLike({
    status: 400,
    body: { error: { code: 'system_message_not_allowed', message: Match.stringLikeRegexp('allowCallerSystemMessages') } },
  }),
);
// No API key: API Gateway's own 403, in the JSON error shape.
call('POST', completions, { model: MODEL, messages: [{ role: 'user', content: pong }] }, {}).expect(
  ExpectedResult.objectLike({ status: 403, body: { error: { type: 'gateway_error' } } }),
);
// The AI SDK UI message stream, as DefaultChatTransport sends it.
call('POST', chat.chatUrl, {
  id: 'chat-1',
  trigger: 'submit-message',
  messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: pong }] }],
}).expect(
  ExpectedResult.objectLike({
    status: 200,
    headers: { 'x-vercel-ai-ui-message-stream': ['v1'] },
    body: Match.stringLikeRegexp('"type":"start"[\\s\\S]*"type":"text-delta"[\\s\\S]*"type":"finish"[\\s\\S]*data: \\[DONE\\]'),
  }),
);

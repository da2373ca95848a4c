// Integration test: the client protocols through a deployed API with an API key (ApiAuth.apiKey()): OpenAI Chat
// Completions streamed (with include_usage) and not, GET /v1/models, the AI SDK UI message stream on POST /chat,
// OpenAI Responses streamed and not, Anthropic Messages streamed and not (with x-api-key, as Claude Code's
// ANTHROPIC_API_KEY sends it), count_tokens and Anthropic's model list, and
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
  protocols: Object.values(ClientProtocol),
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
    body: Match.stringLikeRegexp(
      '"object":"chat.completion.chunk"[\\s\\S]*"prompt_tokens":[1-9][\\s\\S]*data: \\[DONE\\]',
    ),
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
    body: {
      error: { code: 'system_message_not_allowed', message: Match.stringLikeRegexp('allowCallerSystemMessages') },
    },
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
    body: Match.stringLikeRegexp(
      '"type":"start"[\\s\\S]*"type":"text-delta"[\\s\\S]*"type":"finish"[\\s\\S]*data: \\[DONE\\]',
    ),
  }),
);

const responses = `${chat.openAiBaseUrl}/responses`;
// OpenAI Responses streaming: events with sequence numbers, ending in response.completed with usage.
call('POST', responses, { model: MODEL, input: pong, stream: true, store: false }).expect(
  ExpectedResult.objectLike({
    status: 200,
    body: Match.stringLikeRegexp(
      'event: response.created[\\s\\S]*"sequence_number":[\\s\\S]*event: response.output_text.delta[\\s\\S]*event: response.completed[\\s\\S]*"input_tokens":[1-9]',
    ),
  }),
);
// OpenAI Responses without streaming: one Response object.
call('POST', responses, { model: MODEL, input: pong, store: false }).expect(
  ExpectedResult.objectLike({ status: 200, body: { object: 'response', status: 'completed' } }),
);
// Stored responses are refused: nothing is kept server side.
call('POST', responses, { model: MODEL, input: pong, previous_response_id: 'resp_1' }).expect(
  ExpectedResult.objectLike({
    status: 400,
    body: { error: { code: 'unsupported_parameter', param: 'previous_response_id' } },
  }),
);

const anthropicHeaders = { 'x-api-key': apiKeyValue, 'anthropic-version': '2023-06-01' };
const messages = `${chat.anthropicBaseUrl}v1/messages`;
// Anthropic Messages streaming: message_start ... content_block_delta ... message_stop.
call(
  'POST',
  messages,
  { model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: pong }], stream: true },
  anthropicHeaders,
).expect(
  ExpectedResult.objectLike({
    status: 200,
    body: Match.stringLikeRegexp(
      'event: message_start[\\s\\S]*event: content_block_delta[\\s\\S]*"text_delta"[\\s\\S]*event: message_stop',
    ),
  }),
);
// Anthropic Messages without streaming: one Message.
call(
  'POST',
  messages,
  { model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: pong }] },
  anthropicHeaders,
).expect(
  ExpectedResult.objectLike({ status: 200, body: { type: 'message', role: 'assistant', stop_reason: 'end_turn' } }),
);
// count_tokens: the API's estimate, no model call.
call(
  'POST',
  `${messages}/count_tokens`,
  { model: MODEL, messages: [{ role: 'user', content: pong }] },
  anthropicHeaders,
).expect(
  ExpectedResult.objectLike({ status: 200, headers: { 'content-type': [Match.stringLikeRegexp('application/json')] } }),
);
// The model list in Anthropic's shape for Anthropic callers.
call('GET', `${chat.anthropicBaseUrl}v1/models`, undefined, anthropicHeaders).expect(
  ExpectedResult.objectLike({ status: 200, body: { data: [{ type: 'model', id: MODEL }], has_more: false } }),
);
// An unknown model: Anthropic's not_found_error.
call(
  'POST',
  messages,
  { model: 'nope', max_tokens: 8, messages: [{ role: 'user', content: pong }] },
  anthropicHeaders,
).expect(ExpectedResult.objectLike({ status: 404, body: { type: 'error', error: { type: 'not_found_error' } } }));

// Integration test: token budgets through a deployed API with an API key (the caller is the key's id). The construct
// creates the ledger table; a request that fits gets its answer and X-Budget-Remaining-Tokens, and a request whose
// reservation (input estimate + maxTokens) exceeds the whole daily budget gets 429 budget_exceeded with Retry-After,
// before Bedrock is called. A second API prices the model and limits spend per day: a request that fits gets
// X-Budget-Remaining-Usd, one whose worst case costs more than the day's limit gets 429 naming spendPerDay.
// The keys' values are read at run time (getApiKey), never written in the template.
// Run with an account that has Bedrock access to the model: npx integ-runner --update-on-failed
const { App, Stack } = require('aws-cdk-lib');
const { ExpectedResult, IntegTest, Match } = require('@aws-cdk/integ-tests-alpha');
const { ApiAuth, StreamingBedrockApi } = require('cdk-streaming-bedrock-api');
const { readApiKeyValue } = require('./api-key-value');

const MODEL = 'us.amazon.nova-lite-v1:0';
const BUDGET = 300;
const app = new App();
const stack = new Stack(app, 'IntegStreamingBedrockApiBudgets');
const chat = new StreamingBedrockApi(stack, 'Chat', {
  modelId: MODEL,
  auth: ApiAuth.apiKey(),
  maxTokens: 64,
  tokenBudget: { tokensPerDay: BUDGET },
});

// Amazon Nova Lite's on-demand prices in us-east-1 (USD per million input and output tokens).
const spending = new StreamingBedrockApi(stack, 'Spend', {
  modelId: MODEL,
  auth: ApiAuth.apiKey(),
  maxTokens: 64,
  pricing: { [MODEL]: { inputPerMillionTokens: 0.06, outputPerMillionTokens: 0.24 } },
  tokenBudget: { spendPerDay: 0.001, requestsPerMinute: 30 },
});

const integ = new IntegTest(app, 'StreamingBedrockApiBudgetsInteg', { testCases: [stack], regions: ['us-east-1'] });
const apiKeyValue = readApiKeyValue(integ, stack, chat.apiKey);
const call = (body) =>
  integ.assertions.httpApiCall(chat.streamUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'x-api-key': apiKeyValue },
    body: JSON.stringify(body),
  });

// Fits (about 16 + a few input tokens): answered, with the allowance left after the reservation.
call({ prompt: 'Reply with the single word pong.', maxTokens: 16 }).expect(
  ExpectedResult.objectLike({
    status: 200,
    headers: { 'x-budget-remaining-tokens': [Match.stringLikeRegexp('^[0-9]+$')] },
    body: Match.stringLikeRegexp('event: done'),
  }),
);
// Can never fit: the input estimate alone (characters / 4) is over the daily budget.
call({ prompt: 'pong '.repeat(BUDGET), maxTokens: 16 }).expect(
  ExpectedResult.objectLike({
    status: 429,
    headers: { 'retry-after': [Match.stringLikeRegexp('^[0-9]+$')] },
    body: { error: { type: 'rate_limit_error', code: 'budget_exceeded' } },
  }),
);

const spendKeyValue = readApiKeyValue(integ, stack, spending.apiKey);
const spend = (body) =>
  integ.assertions.httpApiCall(spending.streamUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'x-api-key': spendKeyValue },
    body: JSON.stringify(body),
  });
// Fits: a few cents' millionths.
spend({ prompt: 'Reply with the single word pong.', maxTokens: 16 }).expect(
  ExpectedResult.objectLike({
    status: 200,
    headers: { 'x-budget-remaining-usd': [Match.stringLikeRegexp('^0\\.[0-9]+$')] },
    body: Match.stringLikeRegexp('event: done'),
  }),
);
// 20,000 words at $0.06 per million is $0.0012 before any output: more than the day's $0.001.
spend({ prompt: 'pong '.repeat(20000), maxTokens: 16 }).expect(
  ExpectedResult.objectLike({
    status: 429,
    body: { error: { code: 'budget_exceeded', message: Match.stringLikeRegexp('spendPerDay') } },
  }),
);

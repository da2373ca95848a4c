/** The reasoning effort table's family detection and the conversation cache points' minimums, by model id. */
import { minimumCachedTokens } from '../../src/handler/backends/bedrock/cache-points';
import { reasoningFamily } from '../../src/handler/request/reasoning';

test.each([
  ['anthropic.claude-3-7-sonnet-20250219-v1:0', 'claude-budget'],
  ['us.anthropic.claude-sonnet-4-20250514-v1:0', 'claude-budget'],
  ['anthropic.claude-opus-4-1-20250805-v1:0', 'claude-budget'],
  ['eu.anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude-budget'],
  ['anthropic.claude-haiku-4-5-20251001-v1:0', 'claude-budget'],
  ['anthropic.claude-opus-4-6-v1', 'claude-adaptive'],
  ['us.anthropic.claude-sonnet-4-6', 'claude-adaptive'],
  ['anthropic.claude-opus-4-7', 'claude-adaptive'],
  ['anthropic.claude-opus-5', 'claude-adaptive'],
  ['anthropic.claude-mythos-preview', 'claude-adaptive'],
  ['us.amazon.nova-2-lite-v1:0', 'nova'],
  ['anthropic.claude-3-5-haiku-20241022-v1:0', undefined],
  ['anthropic.claude-3-haiku-20240307-v1:0', undefined],
  ['amazon.nova-lite-v1:0', undefined],
  ['anthropic.claude-v2:1', undefined],
  ['anthropic.claude-instant-v1', undefined],
  ['meta.llama3-70b-instruct-v1:0', undefined],
  ['arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc', undefined],
])('%s reasons as %s', (modelId, family) => {
  expect(reasoningFamily(modelId)).toBe(family);
});

test.each([
  ['anthropic.claude-opus-4-5-20251101-v1:0', 4096],
  ['anthropic.claude-opus-4-6-v1', 4096],
  ['us.anthropic.claude-haiku-4-5-20251001-v1:0', 4096],
  ['anthropic.claude-3-5-haiku-20241022-v1:0', 2048],
  ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 1024],
  ['amazon.nova-pro-v1:0', 1000],
])('%s caches prefixes from %d tokens', (modelId, minimum) => {
  expect(minimumCachedTokens(modelId)).toBe(minimum);
});

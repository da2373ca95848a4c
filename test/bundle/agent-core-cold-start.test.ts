/**
 * The AgentCore handler's bundle: one file with the AgentCore client and no Bedrock Runtime client. The request
 * limits' ledger and the managed keys' reader (with the DynamoDB client) are inside it but their module code runs
 * only when a request first needs them: loading the bundle runs the AgentCore client's module code, not DynamoDB's.
 * (The probe is harness.ts's namesDefinedAtLoad, as in cold-start.test.ts: class names defined through esbuild's
 * keep-names helper while the file loads.)
 */
import * as fs from 'fs';
import { AGENT_CORE_BUNDLE } from './agent-core-harness';
import { namesDefinedAtLoad } from './harness';

test('loading the bundle runs the AgentCore client module, not the DynamoDB client module', () => {
  const names = namesDefinedAtLoad(AGENT_CORE_BUNDLE);
  expect(names).toEqual(expect.arrayContaining(['BedrockAgentCoreClient', 'InvokeAgentRuntimeCommand']));
  expect(names).not.toContain('DynamoDBClient');
  expect(names).not.toContain('GetItemCommand');
});

test('the bundle holds no Bedrock Runtime client, and the DynamoDB client only for the limits and keys', () => {
  const source = fs.readFileSync(AGENT_CORE_BUNDLE, 'utf8');
  expect(source).not.toContain('BedrockRuntimeClient');
  expect(source).not.toContain('ConverseStream');
  expect(source).toContain('DynamoDBClient');
});

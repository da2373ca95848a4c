/**
 * Cold start: what only some requests need is a file of its own beside index.js, loaded when one first does: the
 * budget ledger with its DynamoDB client, and each client protocol but the native one. Its module code
 * (class definitions, named through esbuild's keep-names helper, which calls Object.defineProperty) must not run when
 * the bundle is loaded; the Bedrock client's does, which shows the probe sees what runs.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BUNDLE_PATH, namesDefinedAtLoad } from './harness';

test('loading the bundle runs the Bedrock client module, not the DynamoDB client module', () => {
  const names = namesDefinedAtLoad(BUNDLE_PATH);
  expect(names).toEqual(expect.arrayContaining(['BedrockRuntimeClient', 'ConverseStreamCommand']));
  expect(names).not.toContain('DynamoDBClient');
  expect(names).not.toContain('GetItemCommand');
  expect(names).not.toContain('UpdateItemCommand');
});

test('the DynamoDB client is not in index.js: it is in the ledger file beside it, which a budgeted request loads', () => {
  expect(fs.readFileSync(BUNDLE_PATH, 'utf8')).not.toContain('DynamoDBClient');
  const ledger = path.join(path.dirname(BUNDLE_PATH), 'budget-ledger.js');
  expect(fs.readFileSync(ledger, 'utf8')).toContain('DynamoDBClient');
});

test('the managed keys reader and its DynamoDB client are a file of their own, which a function with managed keys loads', () => {
  const keyStore = fs.readFileSync(path.join(path.dirname(BUNDLE_PATH), 'key-store.js'), 'utf8');
  expect(keyStore).toContain('DynamoDBClient');
  expect(keyStore).toContain('GetItemCommand');
});

test('loading the bundle requires none of the parts beside it; they are all there', () => {
  const probe = `
    const Module = require('module');
    const required = [];
    const original = Module.prototype.require;
    Module.prototype.require = function (id) { required.push(id); return original.apply(this, arguments); };
    require(${JSON.stringify(BUNDLE_PATH)});
    process.stdout.write(JSON.stringify(required.filter((id) => id.startsWith('./'))));
  `;
  const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  expect(JSON.parse(execFileSync(process.execPath, ['-e', probe], { env, encoding: 'utf8' }))).toEqual([]);
  expect(fs.readdirSync(path.dirname(BUNDLE_PATH)).sort()).toEqual([
    'ai-sdk-ui-messages.js',
    'anthropic-messages.js',
    'budget-ledger.js',
    'index.js',
    'key-store.js',
    'openai-chat-completions.js',
    'openai-responses.js',
  ]);
});

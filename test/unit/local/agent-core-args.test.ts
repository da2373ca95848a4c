/** `serve --agent-url` / `--agent-demo`: the agent mode's flags, and the flags that do not apply to an agent. */
import { UsageError, parseServeArgs, type ServeOptions } from '../../../src/local/cli';

const parse = (...args: string[]) => parseServeArgs(['serve', ...args]) as ServeOptions;

test('--agent-url: the agent base URL, without a trailing slash', () => {
  expect(parse('--agent-url', 'http://127.0.0.1:8080/').agent).toEqual({ url: 'http://127.0.0.1:8080' });
  expect(parse('--agent-url', 'https://agent.example/base').agent).toEqual({ url: 'https://agent.example/base' });
  expect(parse().agent).toBeUndefined();
});

test.each(['127.0.0.1:8080', 'ftp://host', 'http://host/?q=1', 'http://user:pw@host', ''])(
  '--agent-url %j is a usage error naming the flag and the value',
  (url) => {
    expect(() => parse('--agent-url', url)).toThrow(UsageError);
    expect(() => parse('--agent-url', url)).toThrow(`--agent-url must be the agent's http(s) base URL`);
  },
);

test('--agent-demo: the example agent, whose model the fake model flags and --model-id set', () => {
  const options = parse('--agent-demo', '--model-id', 'amazon.nova-lite-v1:0', '--tokens-per-second', '10');
  expect(options.agent).toEqual({ exampleAgent: true });
  expect(options.modelId).toBe('amazon.nova-lite-v1:0');
  expect(options.tokensPerSecond).toBe(10);
});

test('--agent-url and --agent-demo together are a usage error', () => {
  expect(() => parse('--agent-url', 'http://127.0.0.1:8080', '--agent-demo')).toThrow(
    '--agent-url and --agent-demo each name the agent: give one of them',
  );
});

test.each([
  ['--max-tokens', '100'],
  ['--token-budget', '1000'],
  ['--tokens-per-minute', '1000'],
  ['--system-prompt', 'hi'],
  ['--prompt-caching'],
])('%s does not apply to an agent: a usage error, with either agent flag', (...flag) => {
  expect(() => parse('--agent-url', 'http://127.0.0.1:8080', ...flag)).toThrow(
    `${flag[0]} does not apply with --agent-url: it configures the default handler's`,
  );
  expect(() => parse('--agent-demo', ...flag)).toThrow(`${flag[0]} does not apply with --agent-demo`);
});

test('the model flags apply to the example agent only, not to an agent at a URL', () => {
  expect(() => parse('--agent-url', 'http://127.0.0.1:8080', '--model-id', 'x')).toThrow(
    '--model-id does not apply with --agent-url: the agent calls its own model',
  );
  expect(() => parse('--agent-url', 'http://127.0.0.1:8080', '--bedrock')).toThrow('--bedrock does not apply');
});

test('the API flags apply: managed keys, requests per minute, CORS, timeouts', () => {
  const options = parse(
    '--agent-url',
    'http://127.0.0.1:8080',
    '--create-key',
    'alice',
    '--requests-per-minute',
    '5',
    '--cors-origin',
    'https://app.example',
    '--timeout',
    '900',
  );
  expect(options).toMatchObject({
    managedKeys: true,
    createKeys: ['alice'],
    limits: { requestsPerMinute: 5 },
    corsOrigins: ['https://app.example'],
    timeoutSeconds: 900,
  });
});

test("the handler's timeout is StreamingAgentCoreApi's default, 15 minutes, unless --timeout says otherwise", () => {
  expect(parse('--agent-url', 'http://127.0.0.1:8080').timeoutSeconds).toBe(900);
  expect(parse('--agent-demo', '--timeout', '60').timeoutSeconds).toBe(60);
  expect(parse().timeoutSeconds).toBe(300);
});

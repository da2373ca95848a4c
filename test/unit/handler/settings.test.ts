import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  HandlerDefaults,
  HandlerEnvironment as Env,
  SettingsError,
  handlerEnvironment,
  readHandlerSettings,
  type HandlerSettings,
} from '../../../src/contract';
import { loadConfig } from '../../../src/handler/config';
import { parseServeArgs, serveSettings, type ServeOptions } from '../../../src/local/cli';

/** Every setting set, none to its default: what goes into the environment must come back unchanged. */
const EVERY_SETTING: HandlerSettings = {
  modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0',
  allowedModelIds: ['anthropic.claude-3-5-haiku-20241022-v1:0', 'amazon.nova-lite-v1:0'],
  fallbackModelIds: ['us.amazon.nova-pro-v1:0', 'amazon.nova-lite-v1:0'],
  maxTokens: 2048,
  temperature: 0.3,
  systemPrompt: 'Be terse.',
  maxRequestBytes: 65536,
  corsAllowOrigins: ['https://app.example.com'],
  corsAllowCredentials: true,
  guardrail: { guardrailIdentifier: 'gr-1', guardrailVersion: '3', streamProcessingMode: 'async', trace: true },
  logContent: true,
  metricsNamespace: 'MyApp',
  heartbeatMs: 5000,
  idleLimitMs: 60_000,
  promptCaching: true,
  additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 1024 } },
  clientTools: false,
  allowCallerSystemMessages: true,
  tokenBudget: { tableName: 'ledger', tokensPerDay: 100_000, tokensPerMonth: 0, failOpen: true },
  managedKeys: { tableName: 'keys', cacheTtlMs: 5000 },
};

describe('the settings travel through the environment unchanged', () => {
  test('settings -> environment -> settings gives back every setting', () => {
    expect(readHandlerSettings(handlerEnvironment(EVERY_SETTING))).toEqual(EVERY_SETTING);
  });

  test("settings -> environment -> the handler's configuration holds every setting", () => {
    expect(loadConfig(handlerEnvironment(EVERY_SETTING))).toEqual(EVERY_SETTING);
  });

  test('unset settings stay unset in the environment, and the configuration applies the defaults', () => {
    const env = handlerEnvironment({ modelId: 'm' });
    expect(env).toEqual({ [Env.MODEL_ID]: 'm', [Env.MAX_TOKENS]: String(HandlerDefaults.MAX_TOKENS) });
    expect(loadConfig(env)).toEqual({
      modelId: 'm',
      allowedModelIds: ['m'],
      maxTokens: HandlerDefaults.MAX_TOKENS,
      maxRequestBytes: HandlerDefaults.MAX_REQUEST_BYTES,
      corsAllowOrigins: [],
      corsAllowCredentials: false,
      logContent: false,
      metricsNamespace: HandlerDefaults.METRICS_NAMESPACE,
      heartbeatMs: HandlerDefaults.HEARTBEAT_MS,
      idleLimitMs: HandlerDefaults.IDLE_LIMIT_MS,
      promptCaching: false,
      clientTools: true,
      allowCallerSystemMessages: false,
    });
  });

  test('a guardrail and a budget get their defaults: sync, no trace, not failing open', () => {
    const config = loadConfig(
      handlerEnvironment({
        modelId: 'm',
        guardrail: { guardrailIdentifier: 'g', guardrailVersion: '1' },
        tokenBudget: { tableName: 't' },
      }),
    );
    expect(config.guardrail).toEqual({
      guardrailIdentifier: 'g',
      guardrailVersion: '1',
      streamProcessingMode: 'sync',
      trace: false,
    });
    expect(config.tokenBudget).toEqual({ tableName: 't', failOpen: false });
  });
});

describe("the runner's flags map to the same settings", () => {
  const options = (...flags: string[]) => parseServeArgs(['serve', ...flags]) as ServeOptions;

  test('flags -> settings -> configuration', () => {
    const settings = serveSettings(
      options(
        '--max-tokens',
        '4000',
        '--system-prompt',
        'Be terse.',
        '--no-client-tools',
        '--cors-origin',
        'https://a',
      ),
      'local-ledger',
    );
    expect(loadConfig(handlerEnvironment(settings))).toMatchObject({
      maxTokens: 4000,
      systemPrompt: 'Be terse.',
      clientTools: false,
      corsAllowOrigins: ['https://a'],
      tokenBudget: { tableName: 'local-ledger', failOpen: false },
    });
  });

  test('limits and prices: flags -> settings -> configuration, the prices in their compact encoding', () => {
    const settings = serveSettings(
      options(
        '--model-id',
        'm',
        '--requests-per-minute',
        '60',
        '--tokens-per-minute',
        '10000',
        '--token-budget',
        '200000',
        '--spend-per-day',
        '2.5',
        '--price',
        'm=1,5,0.1,1.25',
        '--price',
        'other=0.06,0.24',
      ),
      'local-ledger',
    );
    const env = handlerEnvironment(settings);
    expect(env[Env.PRICING]).toBe('{"m":[1,5,0.1,1.25],"other":[0.06,0.24]}');
    expect(loadConfig(env)).toMatchObject({
      tokenBudget: {
        tableName: 'local-ledger',
        requestsPerMinute: 60,
        tokensPerMinute: 10000,
        tokensPerDay: 200000,
        spendPerDay: 2.5,
      },
      pricing: {
        m: {
          inputPerMillionTokens: 1,
          outputPerMillionTokens: 5,
          cacheReadPerMillionTokens: 0.1,
          cacheWritePerMillionTokens: 1.25,
        },
        other: { inputPerMillionTokens: 0.06, outputPerMillionTokens: 0.24 },
      },
    });
  });

  test.each([
    [['--price', 'm=1'], /--price must be MODEL=IN,OUT\[,CACHE_READ,CACHE_WRITE\] .* not "m=1"/],
    [['--price', 'm=1,-5'], /not "m=1,-5"/],
    [['--price', '=1,5'], /not "=1,5"/],
    [['--price', 'm=1,,2'], /not "m=1,,2"/],
    [['--spend-per-day', '5'], /--spend-per-day counts USD at the model's price: add --price .*=IN,OUT/],
    [
      ['--spend-per-day', 'lots', '--price', 'x=1,2'],
      /--spend-per-day must be an amount of USD >= 0, e.g. 5, not "lots"/,
    ],
    [['--requests-per-minute', '-1'], /--requests-per-minute/],
  ])('%j is a usage error', (flags, message) => {
    expect(() => options(...flags)).toThrow(message);
  });

  test('without a ledger there is no budget', () => {
    expect(serveSettings(options()).tokenBudget).toBeUndefined();
  });

  test("--script reads the fake model's turns; fails on a file it cannot play, naming the file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'script-'));
    const file = path.join(dir, 'session.json');
    fs.writeFileSync(file, '[{"text": "Hello."}]');
    expect(options('--script', file).script).toEqual([{ text: 'Hello.' }]);
    fs.writeFileSync(file, '[{"text": 1}]');
    expect(() => options('--script', file)).toThrow(`--script ${file}: turn 0: text must be a string`);
    expect(() => options('--script', path.join(dir, 'none.json'))).toThrow(/^--script .*none\.json: ENOENT/);
  });

  test("--key-cache-ttl is the handler's key cache TTL (0: none); fails out of 0..60 or without managed keys", () => {
    const keysConfig = (...flags: string[]) =>
      loadConfig(handlerEnvironment(serveSettings(options('--managed-keys', ...flags), undefined, 'keys'))).managedKeys;
    expect(keysConfig('--key-cache-ttl', '2')?.cacheTtlMs).toBe(2000);
    expect(keysConfig('--key-cache-ttl', '0')?.cacheTtlMs).toBe(0);
    expect(keysConfig()?.cacheTtlMs).toBe(30_000);
    expect(() => options('--managed-keys', '--key-cache-ttl', '61')).toThrow(
      '--key-cache-ttl must be a whole number from 0 to 60, not "61"',
    );
    expect(() => options('--key-cache-ttl', '5')).toThrow('--key-cache-ttl needs --managed-keys or --create-key');
  });

  test('fallback models: flags -> settings in order; the model itself, a repeat or a missing price is a usage error', () => {
    const settings = serveSettings(
      options('--model-id', 'm', '--fallback-model-id', 'f1', '--fallback-model-id', 'f2', '--throttle-model', 'm'),
    );
    expect(loadConfig(handlerEnvironment(settings)).fallbackModelIds).toEqual(['f1', 'f2']);
    expect(options('--throttle-model', 'm', '--throttle-model', 'f1').throttleModelIds).toEqual(['m', 'f1']);
    expect(() => options('--model-id', 'm', '--fallback-model-id', 'm')).toThrow(
      '--fallback-model-id must name another model than --model-id, each once, not "m"',
    );
    expect(() => options('--fallback-model-id', 'f1', '--fallback-model-id', 'f1')).toThrow(/each once, not "f1"/);
    expect(() =>
      options('--model-id', 'm', '--fallback-model-id', 'f1', '--spend-per-day', '1', '--price', 'm=1,5'),
    ).toThrow("--spend-per-day counts USD at the model's price: add --price f1=IN,OUT");
  });
});

describe('fails on an environment the construct never writes', () => {
  test.each([
    [{}, /SBA_MODEL_ID is not set/],
    [{ [Env.MAX_TOKENS]: '0' }, /SBA_MAX_TOKENS is not a positive integer/],
    [{ [Env.CLIENT_TOOLS]: 'no' }, /SBA_CLIENT_TOOLS is not true or false/],
    [{ [Env.ALLOWED_MODEL_IDS]: '["a", 1]' }, /SBA_ALLOWED_MODEL_IDS is not a JSON array of strings/],
    [{ [Env.ADDITIONAL_MODEL_REQUEST_FIELDS]: '[1]' }, /SBA_ADDITIONAL_MODEL_REQUEST_FIELDS is not a JSON object/],
    [
      { [Env.BUDGET_TABLE]: 't', [Env.BUDGET_TOKENS_PER_DAY]: '1.5' },
      /SBA_BUDGET_TOKENS_PER_DAY is not a whole number >= 0/,
    ],
    [
      { [Env.BUDGET_TABLE]: 't', [Env.BUDGET_SPEND_PER_DAY]: '-1' },
      /SBA_BUDGET_SPEND_PER_DAY is not a USD amount >= 0/,
    ],
    [{ [Env.BUDGET_TABLE]: 't', [Env.BUDGET_SPEND_PER_MONTH]: 'Infinity' }, /SBA_BUDGET_SPEND_PER_MONTH is not a USD/],
    [{ [Env.PRICING]: '{"m":[1]}' }, /SBA_PRICING has an invalid price for m/],
    [{ [Env.PRICING]: '{"m":[1,-5]}' }, /SBA_PRICING has an invalid price for m/],
    [{ [Env.PRICING]: '[1,2]' }, /SBA_PRICING is not a JSON object/],
  ])('fails on %j', (vars, message) => {
    const env = { [Env.MODEL_ID]: 'm', ...vars };
    if (Object.keys(vars).length === 0) {
      delete (env as Record<string, string>)[Env.MODEL_ID];
    }
    expect(() => readHandlerSettings(env)).toThrow(SettingsError);
    expect(() => readHandlerSettings(env)).toThrow(message);
  });
});

describe('managed keys settings', () => {
  test('the cache TTL defaults to 30 s and may be 0', () => {
    expect(loadConfig({ [Env.MODEL_ID]: 'm', [Env.KEY_TABLE]: 'keys' }).managedKeys).toEqual({
      tableName: 'keys',
      cacheTtlMs: 30_000,
    });
    expect(
      loadConfig({ [Env.MODEL_ID]: 'm', [Env.KEY_TABLE]: 'keys', [Env.KEY_CACHE_TTL_MS]: '0' }).managedKeys?.cacheTtlMs,
    ).toBe(0);
  });

  test('fails a cache TTL over the 60 s revocation bound', () => {
    expect(() =>
      readHandlerSettings({ [Env.MODEL_ID]: 'm', [Env.KEY_TABLE]: 'k', [Env.KEY_CACHE_TTL_MS]: '60001' }),
    ).toThrow(new SettingsError('SBA_KEY_CACHE_TTL_MS is over 60000'));
  });
});

/**
 * cdk-streaming-bedrock-api serve: the bundled handler behind a local API Gateway-like front, talking to an
 * embedded fake Bedrock endpoint (the real event-stream protocol) or, with --bedrock, to real Bedrock.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import {
  KeyCacheDefaults,
  decodePrice,
  handlerEnvironment,
  isUsdAmount,
  type BudgetLimits,
  type HandlerSettings,
  type ModelPrice,
} from '../contract';
import { agentDemo, serveAgentCore, type AgentOptions } from './agent-core-serve';
import { BudgetStore } from './budget-store';
import { checkCredentials, credentialsLine } from './credentials';
import { DEFAULT_FAKE_MODEL, parseFakeScript, type FakeFault, type FakeTurn } from './fake-model';
import { runKeys } from './keys-cli';
import { DEFAULT_BODY_TIMEOUT_MS, LocalApi, SERVED_ROUTES, type HandlerModule, type RequestInfo } from './local-api';
import {
  FAKE_MODEL_CREDENTIALS,
  LOCAL_KEY_TABLE,
  clock,
  demoRequest,
  interceptHandlerLog,
  limitsText,
  listenError,
  startFakeModel,
  startKeys,
  type FakeModelFlags,
} from './runner-shared';

export { LOCAL_KEY_TABLE };

/**
 * The model the runner names by default (with --bedrock, the one it calls): Claude Haiku 4.5, invocable only through
 * an inference profile, hence the `us.` profile id rather than the model id.
 */
export const DEFAULT_MODEL_ID = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';

/** What --reasoning sets: Claude's extended thinking with the smallest budget Bedrock accepts. */
const REASONING_FIELDS = { thinking: { type: 'enabled', budget_tokens: 1024 } };
const REASONING_FIELDS_TEXT = JSON.stringify(REASONING_FIELDS);
/** maxTokens must exceed the thinking budget: the cap --reasoning uses unless --max-tokens says otherwise. */
const REASONING_MAX_TOKENS = 2048;

const USAGE = `Usage: cdk-streaming-bedrock-api serve [options]
       cdk-streaming-bedrock-api keys <command> ... (managed keys: keys --help)

Runs the API locally: the bundled handler behind an API Gateway-like streaming front.

Options:
  --port <n>               port to listen on (default 3000; 0 picks a free one)
  --host <addr>            address to listen on (default 127.0.0.1)
  --model-id <id>          model id or inference profile id the handler uses
                           (default ${DEFAULT_MODEL_ID})
  --bedrock                call real Bedrock with the usual AWS credential chain instead of the fake model
  --tokens-per-second <n>  fake model speed (default ${DEFAULT_FAKE_MODEL.tokensPerSecond})
  --answer-tokens <n>      fake answer length in tokens (default ${DEFAULT_FAKE_MODEL.answerTokens})
  --first-token-ms <n>     fake model delay before the first token (default ${DEFAULT_FAKE_MODEL.firstTokenMs})
  --fault <kind>           inject a fake model fault: none | throttle | midstream (default none)
  --throttle-model <id>    the fake model throttles requests for this model id only (repeatable)
  --fallback-model-id <id> (repeatable) a model asked, in order, when the asked one is throttled or unavailable
                           before its answer starts
  --script <file>          play a scripted session: a JSON list of turns {"text", "reasoning", "toolUses":
                           [{"name", "input"}]}; a request with i assistant turns in its conversation gets
                           turn i, past the end the usual answer
  --max-tokens <n>         server-side maxTokens cap (default 1024; 2048 with --reasoning)
  --system-prompt <text>   system prompt
  --prompt-caching         a cache point after the system prompt and the tools (promptCaching); the fake model
                           writes a prefix to its cache once, then reads it
  --reasoning              turn on Claude's extended thinking (additionalModelRequestFields
                           ${REASONING_FIELDS_TEXT}): the fake model reasons before it answers
  --additional-model-request-fields <json>
                           operator-only model fields, a JSON object (additionalModelRequestFields)
  --no-client-tools        refuse tools and tool blocks (clientTools: false)
  --allow-caller-system-messages
                           OpenAI and AI SDK callers may add system messages after the system prompt
  --token-budget <n>       cap each caller (here: its IP address) at n tokens per UTC day (tokenBudget), with
                           the ledger in an embedded DynamoDB-compatible server, in memory; over it: 429
  --requests-per-minute <n>
                           cap each caller at n requests per UTC minute (429 rate_limited), same ledger
  --tokens-per-minute <n>  cap each caller at n tokens per UTC minute (429 rate_limited), same ledger
  --spend-per-day <usd>    cap each caller at this many USD per UTC day (429 budget_exceeded); needs --price
                           for the model
  --price <model=in,out[,cache-read,cache-write]>
                           USD per million tokens of a model (pricing; repeatable): the cost in each log line
                           and what --spend-per-day counts
  --managed-keys           every request needs a managed key (ApiAuth.managedKeys()), kept in the embedded store;
                           the banner names the store for \`keys ... --endpoint-url\`
  --create-key <name>      create a key for name at start and print it in the banner (repeatable; implies
                           --managed-keys)
  --key-cache-ttl <seconds>
                           how long the handler keeps a key lookup, 0 to 60 (ApiAuth.managedKeys({ cacheTtl }),
                           default 30): a revoked key is refused within it
  --cors-origin <origin>   allow this browser origin (repeatable)
  --timeout <seconds>      Lambda timeout of the streaming handler (default 300; with an agent 900, as
                           StreamingAgentCoreApi's default)
  --body-timeout <seconds> time a client has to send its request body: else 408, connection closed
                           (default ${DEFAULT_BODY_TIMEOUT_MS / 1000})
  --disconnect-signal      destroy the handler's response stream when its client disconnects; by default the
                           runner is like Lambda, where the function gets no such signal and runs on
  --demo                   send one sample request at start and print the stream as it arrives
  --agent-url <url>        serve StreamingAgentCoreApi's POST /invocations instead, in front of an agent running
                           under AgentCore's container contract at this URL (POST /invocations, GET /ping),
                           through the AgentCore handler and a local stand-in for AgentCore's data plane
  --agent-demo             like --agent-url, with the example agent started by the runner, its model the fake
                           model (or real Bedrock with --bedrock)
                           With an agent, the flags that apply are --port, --host, --managed-keys, --create-key,
                           --key-cache-ttl, --requests-per-minute, --cors-origin, --timeout, --body-timeout,
                           --disconnect-signal, --demo, --verbose; with --agent-demo also the model's flags
                           (--model-id, --bedrock, --tokens-per-second, --answer-tokens, --first-token-ms,
                           --fault, --throttle-model, --script)
  --verbose                print the handler's JSON log lines, and when the fake model ends each answer
  --version                print the package version
  -h, --help               show this help
`;

export class UsageError extends Error {}

/** The handler bundles, beside the runner's own (assets/local/cli/index.js). */
const BUNDLES = path.join(__dirname, '..', '..');

export interface ServeOptions extends FakeModelFlags {
  readonly port: number;
  readonly host: string;
  readonly modelId: string;
  readonly bedrock: boolean;
  /** Models asked in order when the asked one cannot answer (--fallback-model-id, repeatable). */
  readonly fallbackModelIds: readonly string[];
  readonly maxTokens: number;
  readonly systemPrompt?: string;
  readonly promptCaching: boolean;
  readonly additionalModelRequestFields?: Record<string, unknown>;
  readonly clientTools: boolean;
  readonly allowCallerSystemMessages: boolean;
  /** Per-caller limits (--token-budget is tokensPerDay), with the embedded ledger; none: no budget. */
  readonly limits: BudgetLimits;
  /** USD per million tokens per model id (--price, repeatable). */
  readonly pricing?: Record<string, ModelPrice>;
  /** Managed keys in the embedded store (--managed-keys, or implied by --create-key). */
  readonly managedKeys: boolean;
  /** Names to create a key for at start (--create-key, repeatable); the banner prints each secret once. */
  readonly createKeys: readonly string[];
  /** How long the handler keeps a key lookup (--key-cache-ttl); undefined: the construct's default. */
  readonly keyCacheTtlSeconds?: number;
  readonly corsOrigins: string[];
  readonly timeoutSeconds: number;
  readonly bodyTimeoutSeconds: number;
  readonly disconnectSignal: boolean;
  readonly verbose: boolean;
  readonly demo: boolean;
  /** StreamingAgentCoreApi's handler in front of an agent (--agent-url, or the example agent with --agent-demo). */
  readonly agent?: AgentOptions;
}

/** Flags about the default handler's model requests and token or spend limits: none applies to an agent. */
const BEDROCK_HANDLER_FLAGS = [
  'fallback-model-id',
  'max-tokens',
  'system-prompt',
  'prompt-caching',
  'reasoning',
  'additional-model-request-fields',
  'no-client-tools',
  'allow-caller-system-messages',
  'token-budget',
  'tokens-per-minute',
  'spend-per-day',
  'price',
];
/** The fake model's flags (and --bedrock): they apply to the example agent's model only. */
const MODEL_FLAGS = [
  'model-id',
  'bedrock',
  'tokens-per-second',
  'answer-tokens',
  'first-token-ms',
  'fault',
  'throttle-model',
  'script',
];

export function parseServeArgs(argv: string[]): ServeOptions | 'help' | 'version' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      tokens: true,
      strict: true,
      options: {
        port: { type: 'string', default: '3000' },
        host: { type: 'string', default: '127.0.0.1' },
        'model-id': { type: 'string', default: DEFAULT_MODEL_ID },
        bedrock: { type: 'boolean', default: false },
        'tokens-per-second': { type: 'string', default: String(DEFAULT_FAKE_MODEL.tokensPerSecond) },
        'answer-tokens': { type: 'string', default: String(DEFAULT_FAKE_MODEL.answerTokens) },
        'first-token-ms': { type: 'string', default: String(DEFAULT_FAKE_MODEL.firstTokenMs) },
        fault: { type: 'string', default: 'none' },
        'throttle-model': { type: 'string', multiple: true, default: [] },
        'fallback-model-id': { type: 'string', multiple: true, default: [] },
        script: { type: 'string' },
        'max-tokens': { type: 'string' },
        'system-prompt': { type: 'string' },
        'prompt-caching': { type: 'boolean', default: false },
        reasoning: { type: 'boolean', default: false },
        'additional-model-request-fields': { type: 'string' },
        'no-client-tools': { type: 'boolean', default: false },
        'allow-caller-system-messages': { type: 'boolean', default: false },
        'token-budget': { type: 'string' },
        'requests-per-minute': { type: 'string' },
        'tokens-per-minute': { type: 'string' },
        'spend-per-day': { type: 'string' },
        price: { type: 'string', multiple: true, default: [] },
        'managed-keys': { type: 'boolean', default: false },
        'create-key': { type: 'string', multiple: true, default: [] },
        'key-cache-ttl': { type: 'string' },
        'cors-origin': { type: 'string', multiple: true, default: [] },
        timeout: { type: 'string' },
        'body-timeout': { type: 'string', default: String(DEFAULT_BODY_TIMEOUT_MS / 1000) },
        'disconnect-signal': { type: 'boolean', default: false },
        version: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        demo: { type: 'boolean', default: false },
        'agent-url': { type: 'string' },
        'agent-demo': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError(parseArgsMessage(err as Error & { code?: string }));
  }
  const { values, positionals, tokens } = parsed;
  if (values.help) {
    return 'help';
  }
  if (values.version) {
    return 'version';
  }
  if (positionals.length !== 1 || positionals[0] !== 'serve') {
    throw new UsageError(
      positionals.length === 0 ? 'missing command: serve' : `unknown command ${JSON.stringify(positionals.join(' '))}`,
    );
  }
  const given = new Set(tokens.flatMap((token) => (token.kind === 'option' ? [token.name] : [])));
  const agent = agentOptions(values, given);
  const fault = values.fault as string;
  if (!['none', 'throttle', 'midstream'].includes(fault)) {
    throw new UsageError(`--fault must be none, throttle or midstream, not ${JSON.stringify(fault)}`);
  }
  const modelId = (values['model-id'] as string).trim();
  if (!modelId) {
    throw new UsageError('--model-id must not be empty');
  }
  const pricing = prices(values.price as string[]);
  const fallbackModelIds = fallbacks(values['fallback-model-id'] as string[], modelId);
  const limits = budgetLimits(values, [modelId, ...fallbackModelIds], pricing);
  const modelFields = modelRequestFields(
    values.reasoning as boolean,
    values['additional-model-request-fields'] as string | undefined,
  );
  return {
    port: integer(values.port as string, '--port', 0, 65535),
    host: values.host as string,
    modelId,
    bedrock: values.bedrock as boolean,
    tokensPerSecond: integer(values['tokens-per-second'] as string, '--tokens-per-second', 1, 100_000),
    answerTokens: integer(values['answer-tokens'] as string, '--answer-tokens', 1, 1_000_000),
    firstTokenMs: integer(values['first-token-ms'] as string, '--first-token-ms', 0, 600_000),
    fault: fault as FakeFault,
    throttleModelIds: values['throttle-model'] as string[],
    fallbackModelIds,
    script: readScript(values.script as string | undefined),
    maxTokens: maxTokens(values['max-tokens'] as string | undefined, values.reasoning as boolean),
    systemPrompt: values['system-prompt'] as string | undefined,
    promptCaching: values['prompt-caching'] as boolean,
    additionalModelRequestFields: modelFields,
    clientTools: !(values['no-client-tools'] as boolean),
    allowCallerSystemMessages: values['allow-caller-system-messages'] as boolean,
    limits,
    pricing,
    managedKeys: (values['managed-keys'] as boolean) || (values['create-key'] as string[]).length > 0,
    createKeys: keyNames(values['create-key'] as string[]),
    keyCacheTtlSeconds: keyCacheTtl(values),
    corsOrigins: values['cors-origin'] as string[],
    timeoutSeconds: integer((values.timeout as string | undefined) ?? (agent ? '900' : '300'), '--timeout', 1, 900),
    bodyTimeoutSeconds: integer(values['body-timeout'] as string, '--body-timeout', 1, 300),
    disconnectSignal: values['disconnect-signal'] as boolean,
    verbose: values.verbose as boolean,
    demo: values.demo as boolean,
    agent,
  };
}

/**
 * --agent-url or --agent-demo (not both), and no flag that would not apply to an agent: a usage error names the flag
 * rather than let it be ignored.
 */
function agentOptions(values: Record<string, unknown>, given: Set<string>): AgentOptions | undefined {
  const url = values['agent-url'] as string | undefined;
  const exampleAgent = values['agent-demo'] as boolean;
  if (url === undefined && !exampleAgent) {
    return undefined;
  }
  if (url !== undefined && exampleAgent) {
    throw new UsageError('--agent-url and --agent-demo each name the agent: give one of them');
  }
  const mode = exampleAgent ? '--agent-demo' : '--agent-url';
  const inapplicable = [...BEDROCK_HANDLER_FLAGS, ...(exampleAgent ? [] : MODEL_FLAGS)].find((flag) => given.has(flag));
  if (inapplicable !== undefined) {
    const why = MODEL_FLAGS.includes(inapplicable)
      ? "the agent calls its own model (with --agent-demo, these flags set the example agent's)"
      : "it configures the default handler's model requests or token limits, which an agent's API does not make";
    throw new UsageError(`--${inapplicable} does not apply with ${mode}: ${why}`);
  }
  return exampleAgent ? { exampleAgent } : { url: agentUrl(url!) };
}

/** An http(s) URL of the agent, without a path (the runner adds /invocations and /ping). */
function agentUrl(raw: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.search || url.hash || url.username) {
    throw new UsageError(
      `--agent-url must be the agent's http(s) base URL, e.g. http://127.0.0.1:8080, not ${JSON.stringify(raw)}`,
    );
  }
  return url.href.replace(/\/+$/, '');
}

/** The limit flags as the budget's limits (none given: no budget). */
function budgetLimits(
  values: Record<string, unknown>,
  modelIds: readonly string[],
  pricing: Record<string, ModelPrice> | undefined,
): BudgetLimits {
  const count = (flag: string) => optionalInteger(values[flag] as string | undefined, `--${flag}`, 0, 1_000_000_000);
  const spend = values['spend-per-day'] as string | undefined;
  const spendPerDay = spend === undefined ? undefined : Number(spend);
  if (spendPerDay !== undefined && (spend!.trim() === '' || !isUsdAmount(spendPerDay))) {
    throw new UsageError(`--spend-per-day must be an amount of USD >= 0, e.g. 5, not ${JSON.stringify(spend)}`);
  }
  const unpriced = modelIds.find((id) => !pricing?.[id]);
  if (spendPerDay !== undefined && unpriced !== undefined) {
    throw new UsageError(`--spend-per-day counts USD at the model's price: add --price ${unpriced}=IN,OUT`);
  }
  const limits: BudgetLimits = {
    requestsPerMinute: count('requests-per-minute'),
    tokensPerMinute: count('tokens-per-minute'),
    tokensPerDay: count('token-budget'),
    spendPerDay,
  };
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
}

/** --fallback-model-id flags: not blank, each once, none the model they back up. */
function fallbacks(ids: string[], modelId: string): string[] {
  for (const [i, id] of ids.entries()) {
    if (id.trim() === '' || id === modelId || ids.indexOf(id) !== i) {
      throw new UsageError(
        `--fallback-model-id must name another model than --model-id, each once, not ${JSON.stringify(id)}`,
      );
    }
  }
  return ids;
}

/** --price MODEL=IN,OUT[,CACHE_READ,CACHE_WRITE] flags as the pricing prop's shape. */
function prices(flags: string[]): Record<string, ModelPrice> | undefined {
  if (!flags.length) {
    return undefined;
  }
  return Object.fromEntries(
    flags.map((flag) => {
      const at = flag.lastIndexOf('=');
      const price =
        at > 0
          ? decodePrice(
              flag
                .slice(at + 1)
                .split(',')
                .map(usdOrNaN),
            )
          : undefined;
      if (!price) {
        throw new UsageError(
          `--price must be MODEL=IN,OUT[,CACHE_READ,CACHE_WRITE] in USD per million tokens, e.g. ` +
            `${DEFAULT_MODEL_ID}=1,5,0.1,1.25, not ${JSON.stringify(flag)}`,
        );
      }
      return [flag.slice(0, at), price];
    }),
  );
}

/** A number the flag spells, NaN for anything else (an empty part is not 0). */
function usdOrNaN(part: string): number {
  return part.trim() === '' ? NaN : Number(part);
}

/** --create-key names: not blank, each once (a second key for the same name would be a surprise in the banner). */
function keyNames(names: string[]): string[] {
  for (const [i, name] of names.entries()) {
    if (name.trim() === '') {
      throw new UsageError('--create-key needs a name, e.g. --create-key alice');
    }
    if (names.indexOf(name) !== i) {
      throw new UsageError(`--create-key ${JSON.stringify(name)} is given twice`);
    }
  }
  return names;
}

/** --key-cache-ttl, the bound ApiAuth.managedKeys({ cacheTtl }) allows; only with managed keys, which it is about. */
function keyCacheTtl(values: Record<string, unknown>): number | undefined {
  const ttl = optionalInteger(values['key-cache-ttl'] as string | undefined, '--key-cache-ttl', 0, 60);
  if (ttl !== undefined && !values['managed-keys'] && (values['create-key'] as string[]).length === 0) {
    throw new UsageError('--key-cache-ttl needs --managed-keys or --create-key');
  }
  return ttl;
}

/** Node's words for a bad flag, except an unknown one: its message suggests `-- "--flag` with a quote left open. */
function parseArgsMessage(err: Error & { code?: string }): string {
  const unknown = /^Unknown option '([^']+)'/.exec(err.message);
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
    return `unknown option ${unknown[1]} (the options are listed below)`;
  }
  return err.message;
}

/** The turns of --script's file; a file that cannot be read or played is a usage error naming the file. */
function readScript(file: string | undefined): FakeTurn[] | undefined {
  if (file === undefined) {
    return undefined;
  }
  try {
    return parseFakeScript(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--script ${file}: ${(err as Error).message}`);
  }
}

/** --reasoning, or the operator's own fields as a JSON object; not both. */
function modelRequestFields(reasoning: boolean, json: string | undefined): Record<string, unknown> | undefined {
  if (reasoning && json !== undefined) {
    throw new UsageError('--reasoning sets --additional-model-request-fields itself: use one or the other');
  }
  if (reasoning) {
    return REASONING_FIELDS;
  }
  if (json === undefined) {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new UsageError(
      '--additional-model-request-fields must be JSON, e.g. \'{"reasoningConfig":{"type":"enabled"}}\'',
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError('--additional-model-request-fields must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** The cap: --max-tokens, else 1024; with --reasoning it must exceed the thinking budget (2048 unless given). */
function maxTokens(raw: string | undefined, reasoning: boolean): number {
  if (raw === undefined) {
    return reasoning ? REASONING_MAX_TOKENS : 1024;
  }
  const value = integer(raw, '--max-tokens', 1, 1_000_000);
  const budget = REASONING_FIELDS.thinking.budget_tokens;
  if (reasoning && value <= budget) {
    throw new UsageError(`--max-tokens must be greater than the thinking budget of --reasoning (${budget})`);
  }
  return value;
}

function optionalInteger(raw: string | undefined, flag: string, min: number, max: number): number | undefined {
  return raw === undefined ? undefined : integer(raw, flag, min, max);
}

function integer(raw: string, flag: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not ${JSON.stringify(raw)}`);
  }
  return value;
}

/** The flags in the settings' one shape (the construct maps its props to the same shape). */
export function serveSettings(options: ServeOptions, budgetTableName?: string, keyTableName?: string): HandlerSettings {
  return {
    modelId: options.modelId,
    fallbackModelIds: options.fallbackModelIds.length ? options.fallbackModelIds : undefined,
    maxTokens: options.maxTokens,
    systemPrompt: options.systemPrompt,
    corsAllowOrigins: options.corsOrigins,
    promptCaching: options.promptCaching,
    additionalModelRequestFields: options.additionalModelRequestFields,
    clientTools: options.clientTools,
    allowCallerSystemMessages: options.allowCallerSystemMessages,
    tokenBudget: budgetTableName === undefined ? undefined : { tableName: budgetTableName, ...options.limits },
    pricing: options.pricing,
    managedKeys:
      keyTableName === undefined
        ? undefined
        : { tableName: keyTableName, cacheTtlMs: options.keyCacheTtlSeconds && options.keyCacheTtlSeconds * 1000 },
  };
}

/** Starts the fake model (unless --bedrock), configures the handler like the construct would, and listens. */
export async function serve(options: ServeOptions, handlerPath: string, out: (line: string) => void) {
  // The SDK warns about this machine's Node.js version; the deployed function runs the latest Lambda runtime.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const fake = options.bedrock ? undefined : await startFakeModel(options, out, options.verbose);
  const budgeted = Object.keys(options.limits).length > 0;
  const ledger = !budgeted && !options.managedKeys ? undefined : await BudgetStore.start();
  const keys = ledger && options.managedKeys ? await startKeys(ledger, options.createKeys) : undefined;

  // The handler's configuration, exactly as the construct sets it.
  Object.assign(process.env, {
    ...handlerEnvironment(serveSettings(options, budgeted ? ledger?.tableName : undefined, keys?.tableName)),
    ...ledger?.handlerEnvironment(),
  });
  if (fake) {
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: fake.url,
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      ...FAKE_MODEL_CREDENTIALS,
    });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
  } else {
    process.env.AWS_REGION ??= process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  }

  const afterDisconnect = options.disconnectSignal
    ? "the handler's response stream is destroyed (--disconnect-signal; Lambda gives no such signal)"
    : 'in Lambda the function keeps running until the answer ends (no disconnect signal)';
  const records = interceptHandlerLog(options.verbose);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the shipped handler artifact, loaded by path
  const handlers: HandlerModule = require(handlerPath);
  const api = new LocalApi({
    handlers,
    streamTimeoutMs: options.timeoutSeconds * 1000,
    bodyTimeoutMs: options.bodyTimeoutSeconds * 1000,
    disconnectSignal: options.disconnectSignal,
    cors: { allowOrigins: options.corsOrigins },
    onRequest: (info) => {
      out(requestLine(info, records.take(info.requestId)));
      if (info.unknownRoute) {
        out(unknownRouteHint(info));
      }
    },
    onClientDisconnect: (info) =>
      out(`${clock()} ${info.method} ${info.path} client disconnected after ${info.afterMs} ms; ${afterDisconnect}`),
  });
  let url: string;
  try {
    url = await api.listen(options.port, options.host);
  } catch (err) {
    await Promise.all([fake?.stop(), ledger?.stop()]);
    records.restore();
    throw listenError(err as NodeJS.ErrnoException, options);
  }
  out(`Listening on ${url}`);
  out(
    options.bedrock
      ? `Model: ${options.modelId} on Amazon Bedrock (${process.env.AWS_REGION})`
      : `Model: local fake model (${fake!.url})`,
  );
  if (options.bedrock) {
    out(credentialsLine(await checkCredentials(process.env.AWS_REGION!)));
  }
  out(
    options.disconnectSignal
      ? "Client disconnects: destroy the handler's response stream (--disconnect-signal; Lambda gives no such signal)"
      : 'Client disconnects: like Lambda, the handler gets no signal and runs until its answer ends or it times out',
  );
  out(`Features: ${features(options).join(', ')}`);
  if (ledger && keys) {
    out(
      `Managed keys: every request needs a key (Authorization: Bearer or x-api-key), a revoked key is refused ` +
        `within ${options.keyCacheTtlSeconds ?? KeyCacheDefaults.TTL_MS / 1000} s, table ${keys.tableName} in the ` +
        `store at ${ledger.url}; more with: npx cdk-streaming-bedrock-api keys create --name NAME ` +
        `--table ${keys.tableName} --budget-table ${ledger.tableName} --endpoint-url ${ledger.url}`,
    );
    for (const key of keys.created) {
      out(`key ${key.name}: ${key.secret}`);
    }
  }
  if (ledger && budgeted) {
    out(
      `Budget per caller (IP address, or managed key): ${limitsText(options.limits)}; ledger in memory at ` +
        `${ledger.url} (table ${ledger.tableName}); a request reserves its input estimate + maxTokens`,
    );
  }
  out('Try it:');
  out(`  curl --no-buffer -H 'Content-Type: application/json' -d '{"prompt":"Tell me about streaming"}' ${url}/stream`);
  out(`OpenAI clients: baseURL ${url}/v1 (model ${options.modelId}); AI SDK useChat: api ${url}/chat`);
  out(`Anthropic clients, Claude Code: ANTHROPIC_BASE_URL=${url} (model ${options.modelId})`);
  return {
    url,
    close: async () => {
      await api.close();
      await fake?.stop();
      await ledger?.stop();
      records.restore();
    },
  };
}

/** Said under the 403 of an unknown route, which API Gateway answers without a hint. */
function unknownRouteHint(info: RequestInfo): string {
  const served = SERVED_ROUTES.map((route) => `${route.method} ${route.path}`).join(', ');
  return `  no route ${info.method} ${info.path} (answered 403 like API Gateway); the runner serves ${served}`;
}

/** The model features this run turns on, for the start banner. */
function features(options: ServeOptions): string[] {
  const on = [`maxTokens ${options.maxTokens}`];
  if (options.additionalModelRequestFields) {
    on.push(`additionalModelRequestFields ${JSON.stringify(options.additionalModelRequestFields)}`);
  }
  on.push(options.promptCaching ? 'prompt caching' : 'no prompt caching');
  on.push(options.clientTools ? 'client tools' : 'no client tools (--no-client-tools)');
  if (options.allowCallerSystemMessages) {
    on.push('caller system messages');
  }
  if (options.fallbackModelIds.length) {
    on.push(`fallback models ${options.fallbackModelIds.join(', ')}`);
  }
  if (options.throttleModelIds.length) {
    on.push(`the fake model throttles ${options.throttleModelIds.join(', ')}`);
  }
  if (options.pricing) {
    on.push(`prices for ${Object.keys(options.pricing).join(', ')}`);
  }
  if (options.script) {
    on.push(`a scripted session of ${options.script.length} ${options.script.length === 1 ? 'turn' : 'turns'}`);
  }
  return on;
}

function requestLine(info: RequestInfo, record: Record<string, any> | undefined): string {
  const parts = [clock(), info.method, info.path, String(info.status)];
  if (record) {
    parts.push(record.outcome);
    if (record.requestedModelId) parts.push(`answered by ${record.modelId} for ${record.requestedModelId}`);
    if (record.format) parts.push(record.format);
    if (record.usage) parts.push(`${record.usage.outputTokens} tokens`);
    if (record.costUsd !== undefined) parts.push(`$${record.costUsd}`);
    if (record.timeToFirstTokenMs !== undefined) parts.push(`first token ${record.timeToFirstTokenMs} ms`);
  }
  if (info.clientAborted) parts.push('client disconnected');
  parts.push(`${info.durationMs} ms`);
  return parts.join(' ');
}

/** The version in the package.json of the installed package (or the repository), three levels above this bundle. */
function packageVersion(): string {
  const manifest = path.join(__dirname, '..', '..', '..', 'package.json');
  return JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
}

/** Sends one sample request through the local API and prints the raw stream as it arrives. */
async function demo(url: string, out: (line: string) => void): Promise<void> {
  out('');
  out(`Demo: POST ${url}/stream {"prompt":"Tell me about streaming"} (raw Server-Sent Events as they arrive)`);
  await demoRequest(
    `${url}/stream`,
    { prompt: 'Tell me about streaming' },
    (response) => `HTTP ${response.status} ${response.headers.get('content-type')}`,
    out,
  );
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'keys') {
    return runKeys(argv.slice(1), {
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    });
  }
  let options;
  try {
    options = parseServeArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (options === 'version') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const out = (line: string) => process.stdout.write(`${line}\n`);
  // Listening before the start: a Ctrl-C while the banner is written (or credentials are looked up) still stops cleanly.
  const stopRequested = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const { agent } = options;
  const server = agent
    ? await serveAgentCore({ ...options, agent }, path.join(BUNDLES, 'agent-core-handler', 'index.js'), out)
    : await serve(options, path.join(BUNDLES, 'handler', 'index.lambda', 'index.js'), out);
  if (options.demo) {
    await Promise.race([(agent ? agentDemo : demo)(server.url, out), stopRequested]);
  }
  await stopRequested;
  out('Stopping.');
  await server.close();
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}

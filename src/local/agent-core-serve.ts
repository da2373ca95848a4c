/**
 * `serve --agent-url` / `--agent-demo`: StreamingAgentCoreApi locally. The AgentCore handler bundle behind the local API
 * front (POST /invocations), its real AWS SDK client pointed at an embedded stand-in for AgentCore's data plane
 * (FakeAgentCore), which forwards each invocation to the agent under AgentCore's container contract. With
 * --agent-demo the runner starts the example agent too, its model the embedded fake Bedrock.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  AGENT_CORE_INVOCATIONS,
  AgentCoreDefaults,
  KeyCacheDefaults,
  SESSION_HEADER,
  agentCoreEnvironment,
  type AgentCoreSettings,
} from '../contract';
import { BudgetStore } from './budget-store';
import { FakeAgentCore } from './fake-agent-core';
import type { FakeBedrock } from './fake-bedrock';
import { LocalApi, type HandlerModule, type RequestInfo } from './local-api';
import {
  FAKE_MODEL_CREDENTIALS,
  clock,
  demoRequest,
  interceptHandlerLog,
  limitsText,
  listenError,
  startFakeModel,
  startKeys,
  type FakeModelFlags,
} from './runner-shared';

/** The runtime the handler is configured with: a fixed local one (the stand-in serves whatever ARN it is sent). */
export const LOCAL_AGENT_RUNTIME_ARN =
  'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/local_agent-0000000000';

/** How long the example agent may take to say where it listens. */
const AGENT_START_MS = 15_000;

/** The prompt of the banner's curl line and of --demo: one the example agent answers with its calculator. */
const SAMPLE_PROMPT = 'What is 6 times 7?';

/** The agent behind the API: one at a URL, or the example agent the runner starts. */
export type AgentOptions = { readonly url: string } | { readonly exampleAgent: true };

/** The runner's options that apply with an agent (cli.ts ServeOptions has them all). */
export interface AgentCoreServeOptions extends FakeModelFlags {
  readonly agent: AgentOptions;
  readonly port: number;
  readonly host: string;
  /** The example agent's model, and whether it is real Bedrock rather than the fake one (with the fake's flags). */
  readonly modelId: string;
  readonly bedrock: boolean;
  /** Only requestsPerMinute applies to an agent's API. */
  readonly limits: { readonly requestsPerMinute?: number };
  readonly managedKeys: boolean;
  readonly createKeys: readonly string[];
  readonly keyCacheTtlSeconds?: number;
  readonly corsOrigins: string[];
  readonly timeoutSeconds: number;
  readonly bodyTimeoutSeconds: number;
  readonly disconnectSignal: boolean;
  readonly verbose: boolean;
}

export interface AgentCoreServer {
  readonly url: string;
  close(): Promise<void>;
}

/** The parts started before the API: each is stopped by `stopAll` whatever happens after. */
interface Parts {
  model?: FakeBedrock;
  agent?: ExampleAgent;
  dataPlane?: FakeAgentCore;
  ledger?: BudgetStore;
}

/** Starts the agent's side (with --agent-demo), the data-plane stand-in and the store, configures the handler, listens. */
export async function serveAgentCore(
  options: AgentCoreServeOptions,
  bundlePath: string,
  out: (line: string) => void,
): Promise<AgentCoreServer> {
  if (!fs.existsSync(bundlePath)) {
    throw new Error(
      `the AgentCore handler bundle ${bundlePath} is missing: in a repository checkout, npx projen bundle`,
    );
  }
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const parts: Parts = {};
  try {
    return await start(options, bundlePath, out, parts);
  } catch (err) {
    await stopAll(parts);
    throw err;
  }
}

async function start(
  options: AgentCoreServeOptions,
  bundlePath: string,
  out: (line: string) => void,
  parts: Parts,
): Promise<AgentCoreServer> {
  const agentUrl = await startAgent(options, parts, out);
  parts.dataPlane = await new FakeAgentCore({ agentUrl }).start();
  const limited = options.limits.requestsPerMinute !== undefined;
  parts.ledger = limited || options.managedKeys ? await BudgetStore.start() : undefined;
  const keys = parts.ledger && options.managedKeys ? await startKeys(parts.ledger, options.createKeys) : undefined;

  // The handler's configuration, exactly as the construct sets it; its SDK finds the stand-in as it would an endpoint.
  Object.assign(process.env, {
    ...agentCoreEnvironment(handlerSettings(options, parts.ledger, keys?.tableName)),
    ...parts.ledger?.handlerEnvironment(),
    AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: parts.dataPlane.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIALOCALAGENTCORE00',
    AWS_SECRET_ACCESS_KEY: 'local-agent-core',
  });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;

  const records = interceptHandlerLog(options.verbose);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the shipped handler artifact, loaded by path
  const handlers: HandlerModule = require(bundlePath);
  const api = new LocalApi({
    handlers,
    routes: [AGENT_CORE_INVOCATIONS],
    streamTimeoutMs: options.timeoutSeconds * 1000,
    bodyTimeoutMs: options.bodyTimeoutSeconds * 1000,
    disconnectSignal: options.disconnectSignal,
    cors: { allowOrigins: options.corsOrigins },
    onRequest: (info) => out(requestLine(info, records.take(info.requestId))),
    onClientDisconnect: (info) =>
      out(`${clock()} ${info.method} ${info.path} client disconnected after ${info.afterMs} ms`),
  });
  let url: string;
  try {
    url = await api.listen(options.port, options.host);
  } catch (err) {
    records.restore();
    throw listenError(err as NodeJS.ErrnoException, options);
  }
  await banner(url, agentUrl, options, parts, keys, out);
  return {
    url,
    close: async () => {
      await api.close();
      await stopAll(parts);
      records.restore();
    },
  };
}

/** The agent's URL: the one given, or the example agent's, started here with its model. */
async function startAgent(options: AgentCoreServeOptions, parts: Parts, out: (line: string) => void): Promise<string> {
  if ('url' in options.agent) {
    return options.agent.url;
  }
  parts.model = options.bedrock ? undefined : await startFakeModel(options, out);
  parts.agent = await ExampleAgent.start(exampleAgentEnv(options, parts.model), out);
  return parts.agent.url;
}

/** The flags in the AgentCore handler's settings: the local runtime, CORS, the request limit and keys in the store. */
function handlerSettings(
  options: AgentCoreServeOptions,
  ledger: BudgetStore | undefined,
  keyTableName: string | undefined,
): AgentCoreSettings {
  const { requestsPerMinute } = options.limits;
  return {
    agentRuntimeArn: LOCAL_AGENT_RUNTIME_ARN,
    qualifier: AgentCoreDefaults.QUALIFIER,
    corsAllowOrigins: options.corsOrigins,
    tokenBudget:
      ledger && requestsPerMinute !== undefined ? { tableName: ledger.tableName, requestsPerMinute } : undefined,
    managedKeys:
      keyTableName === undefined
        ? undefined
        : {
            tableName: keyTableName,
            cacheTtlMs: options.keyCacheTtlSeconds && options.keyCacheTtlSeconds * 1000,
          },
  };
}

async function stopAll(parts: Parts): Promise<void> {
  await parts.dataPlane?.stop();
  await parts.agent?.stop();
  await parts.model?.stop();
  await parts.ledger?.stop();
}

/** The example agent's environment: its model, and with the fake model, the SDK pointed at it with fake credentials. */
function exampleAgentEnv(options: AgentCoreServeOptions, model: FakeBedrock | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    MODEL_ID: options.modelId,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  if (!model) {
    env.AWS_REGION ??= env.AWS_DEFAULT_REGION ?? 'us-east-1';
    return env;
  }
  delete env.AWS_SESSION_TOKEN;
  delete env.AWS_PROFILE;
  return {
    ...env,
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: model.url,
    AWS_REGION: 'us-east-1',
    ...FAKE_MODEL_CREDENTIALS,
  };
}

/**
 * The example agent (examples/agent-core/agent/agent.mjs, bundled beside the runner as example-agent.js) as a child
 * process on a free port; its output lines are the runner's, prefixed `agent:`.
 */
export class ExampleAgent {
  static readonly SCRIPT = path.join(__dirname, 'example-agent.js');

  static start(env: NodeJS.ProcessEnv, out: (line: string) => void): Promise<ExampleAgent> {
    const child = spawn(process.execPath, [ExampleAgent.SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => fail(`did not say where it listens within ${AGENT_START_MS / 1000} s`),
        AGENT_START_MS,
      );
      const fail = (why: string) => {
        clearTimeout(timer);
        child.kill();
        reject(new Error(`the example agent (${ExampleAgent.SCRIPT}) ${why}`));
      };
      child.once('error', (err) => fail(`could not start: ${err.message}`));
      child.once('exit', (code) => fail(`exited with code ${code} before it listened`));
      forwardLines(child, (line) => {
        const listening = /^Agent listening on (http:\/\/\S+)/.exec(line);
        if (listening) {
          clearTimeout(timer);
          child.removeAllListeners('exit');
          resolve(new ExampleAgent(child, listening[1], out));
        }
        out(`agent: ${line}`);
      });
    });
  }

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    out: (line: string) => void,
  ) {
    // A runner that exits any other way than through stop() (an uncaught error, process.exit) takes the agent along.
    const orphaned = () => child.kill();
    process.once('exit', orphaned);
    child.once('exit', (code, signal) => {
      process.off('exit', orphaned);
      out(`agent: exited (${signal ?? `code ${code}`})`);
    });
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}

function forwardLines(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout!, child.stderr!]) {
    let buffered = '';
    stream.on('data', (data: Buffer) => {
      const lines = (buffered + data.toString('utf8')).split('\n');
      buffered = lines.pop() ?? '';
      lines.forEach(onLine);
    });
  }
}

/** Whether the agent answers its health check, in words for the banner. */
async function agentHealth(agentUrl: string): Promise<string> {
  try {
    const response = await fetch(`${agentUrl}/ping`, { signal: AbortSignal.timeout(2000) });
    const body = (await response.json()) as { status?: unknown };
    return response.ok ? `GET /ping answers ${JSON.stringify(body.status)}` : `GET /ping answers ${response.status}`;
  } catch {
    return 'not answering GET /ping yet: invocations get an error until it does';
  }
}

async function banner(
  url: string,
  agentUrl: string,
  options: AgentCoreServeOptions,
  parts: Parts,
  keys: Awaited<ReturnType<typeof startKeys>> | undefined,
  out: (line: string) => void,
): Promise<void> {
  out(`Listening on ${url}`);
  out(`API: StreamingAgentCoreApi's POST ${AGENT_CORE_INVOCATIONS.path}, through the AgentCore handler bundle`);
  out(`Agent: ${agentUrl} (${await agentHealth(agentUrl)})`);
  if ('exampleAgent' in options.agent) {
    out(
      parts.model
        ? `Agent's model: local fake model (${parts.model.url}), asked as ${options.modelId}`
        : `Agent's model: ${options.modelId} on Amazon Bedrock, with this shell's AWS credentials`,
    );
  }
  out(
    `AgentCore data plane: local stand-in at ${parts.dataPlane!.url} (runtime ${LOCAL_AGENT_RUNTIME_ARN}, ` +
      `qualifier ${AgentCoreDefaults.QUALIFIER}), forwarding to the agent under AgentCore's container contract`,
  );
  if (parts.ledger && keys) {
    out(
      `Managed keys: every request needs a key (Authorization: Bearer or x-api-key), a revoked key is refused ` +
        `within ${options.keyCacheTtlSeconds ?? KeyCacheDefaults.TTL_MS / 1000} s, table ${keys.tableName} in the ` +
        `store at ${parts.ledger.url}; more with: npx cdk-streaming-bedrock-api keys create --name NAME ` +
        `--table ${keys.tableName} --budget-table ${parts.ledger.tableName} --endpoint-url ${parts.ledger.url}`,
    );
    keys.created.forEach((key) => out(`key ${key.name}: ${key.secret}`));
  }
  if (options.limits.requestsPerMinute !== undefined) {
    out(
      `Rate limit per caller (IP address, or managed key): ${limitsText(options.limits)}; in memory at ${parts.ledger!.url}`,
    );
  }
  out('Try it (the response carries the session id; send it back to continue the conversation):');
  out(
    `  curl -i --no-buffer -H 'Content-Type: application/json' -d '${JSON.stringify({ prompt: SAMPLE_PROMPT })}' ${url}${AGENT_CORE_INVOCATIONS.path}`,
  );
  out(
    `  curl --no-buffer -H '${SESSION_HEADER}: <that id>' -H 'Content-Type: application/json' -d '{"prompt":"And plus 8?"}' ${url}${AGENT_CORE_INVOCATIONS.path}`,
  );
}

function requestLine(info: RequestInfo, record: Record<string, any> | undefined): string {
  const parts = [clock(), info.method, info.path, String(info.status)];
  if (record) {
    parts.push(record.outcome);
    if (record.sessionIdHash) parts.push(`session ${record.sessionIdHash}${record.sessionGenerated ? ' (new)' : ''}`);
    if (record.timeToFirstByteMs !== undefined) parts.push(`first byte ${record.timeToFirstByteMs} ms`);
    if (record.bytes !== undefined) parts.push(`${record.bytes} bytes`);
  }
  if (info.unknownRoute) {
    parts.push(`(no such route: the runner serves ${AGENT_CORE_INVOCATIONS.method} ${AGENT_CORE_INVOCATIONS.path})`);
  }
  if (info.clientAborted) parts.push('client disconnected');
  parts.push(`${info.durationMs} ms`);
  return parts.join(' ');
}

/** Sends the sample prompt through the API and prints the raw stream as it arrives. */
export async function agentDemo(url: string, out: (line: string) => void): Promise<void> {
  const endpoint = `${url}${AGENT_CORE_INVOCATIONS.path}`;
  out('');
  out(`Demo: POST ${endpoint} ${JSON.stringify({ prompt: SAMPLE_PROMPT })} (the agent's events as they arrive)`);
  await demoRequest(
    endpoint,
    { prompt: SAMPLE_PROMPT },
    (response) =>
      `HTTP ${response.status} ${response.headers.get('content-type')}; ${SESSION_HEADER}: ${response.headers.get(SESSION_HEADER)}`,
    out,
  );
}

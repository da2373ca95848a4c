/**
 * The AgentCore handler's test harness: the shipped bundle, its events and response stream, and small agents: HTTP servers under AgentCore's container contract (`GET /ping`,
 * `POST /invocations`) whose answer is a function of the request, and the stand-in data plane in front of them.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import type { Writable } from 'stream';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { captureLogs, invokeStream, RecordingStream, setEnv, type LogRecord, type StreamedResponse } from './harness';
import { PRELUDE_SEPARATOR, agentCoreEnvironment, type AgentCoreSettings } from '../../src/contract';
import { FakeAgentCore } from '../../src/local/fake-agent-core';
import { LocalServer } from '../../src/local/local-server';

export const RUNTIME_ARN = 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/test_agent-AbCdE12345';

/** What an agent received. */
export interface AgentRequest {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export type AgentAnswer = (request: AgentRequest, res: http.ServerResponse) => void | Promise<void>;

export class TestAgent {
  readonly received: AgentRequest[] = [];
  private readonly server: http.Server;
  private readonly local: LocalServer;

  constructor(public answer: AgentAnswer) {
    this.server = http.createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/ping') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"Healthy"}');
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = { headers: req.headers, body: Buffer.concat(chunks) };
        this.received.push(request);
        void Promise.resolve(this.answer(request, res)).catch(() => res.destroy());
      });
    });
    this.local = new LocalServer(this.server);
    this.server.on('connection', (socket) => this.local.track(socket));
  }

  get url(): string {
    return this.local.url;
  }

  async start(): Promise<this> {
    await this.local.start();
    return this;
  }

  stop(): Promise<void> {
    return this.local.stop();
  }
}

/** An agent and the stand-in data plane in front of it, started. */
export async function startAgentCore(answer: AgentAnswer): Promise<{ agent: TestAgent; agentCore: FakeAgentCore }> {
  const agent = await new TestAgent(answer).start();
  const agentCore = await new FakeAgentCore({ agentUrl: agent.url }).start();
  return { agent, agentCore };
}

/** A promise with its resolver outside: lets an agent wait for what the client has seen (ordering, not time). */
export function signal<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** SSE `data:` events, each written as one chunk, then the end. */
export function sseAgent(events: readonly string[]): AgentAnswer {
  return (_request, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const event of events) {
      res.write(`data: ${event}\n\n`);
    }
    res.end();
  };
}

/** One JSON answer. */
export function jsonAgent(value: unknown, status = 200): AgentAnswer {
  return (_request, res) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  };
}

/** The shipped AgentCore handler bundle. */
export const AGENT_CORE_BUNDLE = path.join(__dirname, '..', '..', 'assets', 'agent-core-handler', 'index.js');

export interface AgentCoreHandlerModule {
  handler: (event: APIGatewayProxyEvent, stream: Writable, context: unknown) => Promise<void>;
}

export function loadAgentCoreBundle(): AgentCoreHandlerModule {
  if (!fs.existsSync(AGENT_CORE_BUNDLE)) {
    throw new Error(`${AGENT_CORE_BUNDLE} is missing: run 'npx projen bundle' first`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the artifact is plain CommonJS, loaded by path
  return require(AGENT_CORE_BUNDLE);
}

/** What the construct sets (agentCoreEnvironment), plus fake credentials and the stand-in's endpoint. */
export function agentCoreEnv(
  agentCore: FakeAgentCore,
  settings: Partial<AgentCoreSettings> = {},
): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret',
    AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: agentCore.url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...agentCoreEnvironment({ agentRuntimeArn: RUNTIME_ARN, ...settings }),
  };
}

let events = 0;

/** An API Gateway REST proxy event for POST /invocations; `identity` and `authorizer` as API Gateway fills them. */
export function invocationEvent(
  body: string | null,
  init: {
    headers?: Record<string, string>;
    isBase64Encoded?: boolean;
    identity?: Record<string, unknown>;
    authorizer?: Record<string, unknown>;
  } = {},
): APIGatewayProxyEvent {
  events++;
  return {
    body,
    headers: { 'Content-Type': 'application/json', ...init.headers },
    multiValueHeaders: {},
    httpMethod: 'POST',
    isBase64Encoded: init.isBase64Encoded ?? false,
    path: '/invocations',
    resource: '/invocations',
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {
      requestId: `agent-req-${events}`,
      identity: { sourceIp: '203.0.113.7', ...init.identity },
      authorizer: init.authorizer,
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

/** A recording response stream that also calls `onBody` with the body so far (after the prelude) at each write. */
export class WatchedStream extends RecordingStream {
  constructor(private readonly onBody: (body: string) => void) {
    super();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    super._write(chunk, encoding, callback);
    const all = Buffer.concat(this.writes.map((w) => w.bytes));
    const separator = all.indexOf(PRELUDE_SEPARATOR);
    if (separator >= 0) {
      this.onBody(all.subarray(separator + 8).toString('utf8'));
    }
  }
}

/** Invokes the bundle's handler as Lambda would and reads the response as API Gateway does (the default handler's). */
export const invokeAgentCore: (
  mod: AgentCoreHandlerModule,
  event: APIGatewayProxyEvent,
  options?: { remainingMs?: number; stream?: RecordingStream },
) => Promise<StreamedResponse> = invokeStream;

/** What a test file of the bundle works with, set between its beforeAll and afterAll. */
export interface AgentCoreSuite {
  agent: TestAgent;
  agentCore: FakeAgentCore;
  mod: AgentCoreHandlerModule;
  /** The handler's log records of the running test. */
  logs: () => LogRecord[];
}

/**
 * The hooks of a test file of the bundle. Before all: an agent answering `{"ok":true}`, the stand-in in front of it,
 * `env(agentCore)` set and the bundle loaded. Before each: the agent's answer back to `{"ok":true}`, the recorded
 * requests cleared, no fault, the handler's log captured (until after each). After all: the environment restored,
 * `stop` (what `env` started), the stand-in and the agent stopped.
 */
export function agentCoreSuite(
  options: {
    env?: (agentCore: FakeAgentCore) => Promise<Record<string, string | undefined>>;
    stop?: () => Promise<void>;
  } = {},
): AgentCoreSuite {
  const suite = {} as AgentCoreSuite;
  let restoreEnv: (() => void) | undefined;
  let restoreLogs: () => void;
  beforeAll(async () => {
    Object.assign(suite, await startAgentCore(jsonAgent({ ok: true })));
    restoreEnv = setEnv(options.env ? await options.env(suite.agentCore) : agentCoreEnv(suite.agentCore));
    suite.mod = loadAgentCoreBundle();
  });
  afterAll(async () => {
    restoreEnv?.();
    await options.stop?.();
    await suite.agentCore?.stop();
    await suite.agent?.stop();
  });
  beforeEach(() => {
    suite.agent.answer = jsonAgent({ ok: true });
    suite.agent.received.length = 0;
    suite.agentCore.requests.length = 0;
    suite.agentCore.setFault(() => undefined);
    ({ records: suite.logs, restore: restoreLogs } = captureLogs());
  });
  afterEach(() => restoreLogs());
  return suite;
}

/**
 * A local stand-in for the Amazon Bedrock AgentCore data plane: it speaks InvokeAgentRuntime's real wire protocol
 * (REST-JSON: `POST /runtimes/{url-encoded runtime ARN}/invocations?qualifier=...`, the session and user ids in
 * `X-Amzn-Bedrock-AgentCore-Runtime-*` headers, the payload as the raw body; the answer's bytes as the response body
 * with its `content-type` and the session id header; errors as `x-amzn-errortype` plus `{"message"}`), so the real
 * `@aws-sdk/client-bedrock-agentcore` talks to it through `AWS_ENDPOINT_URL_BEDROCK_AGENTCORE`.
 *
 * It forwards each invocation to an agent running under AgentCore's container contract (`GET {agentUrl}/ping`, then
 * `POST {agentUrl}/invocations` with the session id header) and pipes the agent's bytes back as they arrive. An
 * agent's error status (4xx/5xx), an agent it cannot reach and one whose ping fails are answered as
 * RuntimeClientError (424: the SDK's exception for a failure of the runtime itself; AgentCore's exact answer to an
 * agent's error status is not documented). The stand-in also passes the runtime user id to the agent (header
 * `X-Amzn-Bedrock-AgentCore-Runtime-User-Id`), so that a local agent can see who calls.
 */
import { randomUUID } from 'crypto';
import * as http from 'http';
import * as https from 'https';
import { LocalServer } from './local-server';
import { drainedOrClosed } from '../handler/backpressure';

export const RUNTIME_SESSION_HEADER = 'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id';
export const RUNTIME_USER_HEADER = 'X-Amzn-Bedrock-AgentCore-Runtime-User-Id';

/** A runtime ARN as InvokeAgentRuntime takes it (an endpoint ARN is refused, as by AgentCore). */
const RUNTIME_ARN = /^arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:\d{12}:runtime\/[A-Za-z0-9_-]+$/;

/** One invocation as the stand-in received it. */
export interface FakeAgentCoreRequest {
  readonly arn: string;
  readonly qualifier: string | undefined;
  readonly sessionId: string;
  readonly userId: string | undefined;
  readonly contentType: string | undefined;
  readonly accept: string | undefined;
  readonly body: Buffer;
}

/**
 * What a test makes the stand-in do instead of a normal answer: an AgentCore error (answered in its REST-JSON shape,
 * so that the SDK throws the exception `name`), or the agent's answer cut (socket destroyed) after `afterBytes`.
 */
export type FakeFault = FakeError | { readonly afterBytes: number; readonly destroy: true };

/** An AgentCore error: its HTTP status, exception name and message. */
export interface FakeError {
  readonly status: number;
  readonly name: string;
  readonly message: string;
}

export interface FakeAgentCoreOptions {
  /** The agent's base URL (AgentCore's container contract), e.g. `http://127.0.0.1:8080`. */
  readonly agentUrl: string;
}

export class FakeAgentCore {
  /** Every invocation received, in order (also those answered with a fault). */
  readonly requests: FakeAgentCoreRequest[] = [];
  private fault: (request: FakeAgentCoreRequest) => FakeFault | undefined;
  private healthy = false;
  private readonly agentUrl: string;
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  private readonly local = new LocalServer(this.server);

  constructor(options: FakeAgentCoreOptions) {
    this.agentUrl = options.agentUrl.replace(/\/+$/, '');
    this.fault = () => undefined;
    this.server.on('connection', (socket) => this.local.track(socket));
  }

  /** What `AWS_ENDPOINT_URL_BEDROCK_AGENTCORE` should be. */
  get url(): string {
    return this.local.url;
  }

  async start(port = 0): Promise<this> {
    await this.local.start(port);
    return this;
  }

  async stop(): Promise<void> {
    await this.local.stop();
  }

  /** Decides, per request, whether to answer with a fault (undefined: forward to the agent). */
  setFault(fault: (request: FakeAgentCoreRequest) => FakeFault | undefined): void {
    this.fault = fault;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.invoke(req, res, Buffer.concat(chunks)).catch(() => res.destroy());
    });
  }

  private async invoke(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const match = /^\/runtimes\/([^/]+)\/invocations$/.exec(url.pathname);
    if (req.method !== 'POST' || !match) {
      return sendError(res, 404, 'UnknownOperationException', 'unknown operation');
    }
    const request: FakeAgentCoreRequest = {
      arn: decodeURIComponent(match[1]),
      qualifier: url.searchParams.get('qualifier') ?? undefined,
      sessionId: header(req, RUNTIME_SESSION_HEADER) ?? randomUUID(),
      userId: header(req, RUNTIME_USER_HEADER),
      contentType: header(req, 'content-type'),
      accept: header(req, 'accept'),
      body,
    };
    this.requests.push(request);
    const refusal = validate(request);
    if (refusal) {
      return sendError(res, refusal.status, refusal.name, refusal.message);
    }
    const fault = this.fault(request);
    if (fault && 'status' in fault) {
      return sendError(res, fault.status, fault.name, fault.message);
    }
    await this.forward(request, res, fault?.afterBytes);
  }

  /** The agent's answer piped back as it arrives, or RuntimeClientError when the agent fails or is unreachable. */
  private async forward(request: FakeAgentCoreRequest, res: http.ServerResponse, cutAfter?: number): Promise<void> {
    let answer: http.IncomingMessage;
    try {
      await this.ensureHealthy();
      answer = await this.post(request);
    } catch (error) {
      this.healthy = false;
      return sendError(res, 424, 'RuntimeClientError', `The agent could not be reached: ${(error as Error).message}`);
    }
    const status = answer.statusCode ?? 500;
    if (status >= 300) {
      answer.resume();
      return sendError(res, 424, 'RuntimeClientError', `Received error (${status}) from runtime. Check your logs.`);
    }
    res.writeHead(status, {
      'content-type': answer.headers['content-type'] ?? 'application/json',
      [RUNTIME_SESSION_HEADER]: request.sessionId,
    });
    res.flushHeaders();
    await pipe(answer, res, cutAfter);
  }

  /** AgentCore's health check: `GET /ping` answered 200 (`Healthy` or `HealthyBusy`), checked until it first passes. */
  private async ensureHealthy(): Promise<void> {
    if (this.healthy) {
      return;
    }
    const response = await fetch(`${this.agentUrl}/ping`);
    await response.body?.cancel();
    if (response.status !== 200) {
      throw new Error(`GET /ping answered ${response.status}`);
    }
    this.healthy = true;
  }

  private post(request: FakeAgentCoreRequest): Promise<http.IncomingMessage> {
    const headers: Record<string, string> = {
      [RUNTIME_SESSION_HEADER]: request.sessionId,
      'content-type': request.contentType ?? 'application/json',
      'content-length': String(request.body.length),
    };
    if (request.accept) {
      headers.accept = request.accept;
    }
    if (request.userId) {
      headers[RUNTIME_USER_HEADER] = request.userId;
    }
    return new Promise((resolve, reject) => {
      // An agent behind TLS (`--agent-url https://...`) as well as a local one.
      const send = this.agentUrl.startsWith('https:') ? https.request : http.request;
      const outgoing = send(`${this.agentUrl}/invocations`, { method: 'POST', headers }, resolve);
      outgoing.once('error', reject);
      outgoing.end(request.body);
    });
  }
}

/** The checks AgentCore makes before invoking (its error names and statuses). */
function validate(request: FakeAgentCoreRequest): FakeError | undefined {
  if (!RUNTIME_ARN.test(request.arn)) {
    return request.arn.includes('/runtime-endpoint/')
      ? { status: 404, name: 'ResourceNotFoundException', message: 'No endpoint or agent found with qualifier' }
      : { status: 400, name: 'ValidationException', message: 'Invalid agent runtime ARN' };
  }
  if (request.sessionId.length < 33 || request.sessionId.length > 256) {
    return { status: 400, name: 'ValidationException', message: 'Invalid length for parameter runtimeSessionId' };
  }
  return undefined;
}

/**
 * The agent's bytes to the caller as they arrive (with backpressure); cut (socket destroyed) after `cutAfter`; the
 * agent's connection closed when the caller's is.
 */
async function pipe(answer: http.IncomingMessage, res: http.ServerResponse, cutAfter?: number): Promise<void> {
  // The caller went away: so does the agent's connection (AgentCore stops the invocation's stream).
  res.once('close', () => answer.destroy());
  let sent = 0;
  try {
    for await (const chunk of answer as AsyncIterable<Buffer>) {
      const part = cutAfter === undefined ? chunk : chunk.subarray(0, Math.max(0, cutAfter - sent));
      sent += part.length;
      if (part.length > 0 && !res.write(part)) {
        await drainedOrClosed(res);
      }
      if (cutAfter !== undefined && sent >= cutAfter) {
        answer.destroy();
        // Once the bytes before the cut are on the socket: the client gets them, then a broken stream.
        res.write('', () => res.destroy());
        return;
      }
    }
    res.end();
  } catch {
    // The agent's stream broke: so does the answer (the SDK's body stream errors, as with AgentCore).
    res.destroy();
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function sendError(res: http.ServerResponse, status: number, name: string, message: string): void {
  const body = JSON.stringify({ message });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-amzn-errortype': name,
  });
  res.end(body);
}

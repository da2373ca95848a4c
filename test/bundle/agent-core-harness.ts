/**
 * Small agents for the AgentCore tests: HTTP servers under AgentCore's container contract (`GET /ping`,
 * `POST /invocations`) whose answer is a function of the request, and the stand-in data plane in front of them.
 */
import * as http from 'http';
import type * as net from 'net';
import { FakeAgentCore } from '../../src/local/fake-agent-core';

export const RUNTIME_ARN = 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/test_agent-AbCdE12345';

/** What an agent received. */
export interface AgentRequest {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export type AgentAnswer = (request: AgentRequest, res: http.ServerResponse) => void | Promise<void>;

export class TestAgent {
  readonly received: AgentRequest[] = [];
  private readonly sockets = new Set<net.Socket>();
  private readonly server: http.Server;

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
    this.server.on('connection', (socket) => {
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
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

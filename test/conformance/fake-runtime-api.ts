import * as http from 'node:http';
import * as net from 'node:net';
import { splitPrelude } from '../../src/contract/prelude';

/** One write of the response body as the Runtime API received it, with its arrival time. */
export interface ReceivedChunk {
  readonly bytes: Buffer;
  readonly at: number;
}

/** What the runtime client posted back for one invocation. */
export interface InvocationResult {
  readonly kind: 'response' | 'error';
  readonly headers: http.IncomingHttpHeaders;
  readonly chunks: ReceivedChunk[];
  readonly body: Buffer;
  readonly trailers: NodeJS.Dict<string>;
}

/** A streamed response as API Gateway reads it: the prelude's metadata, then the body (and its text). */
export function streamed(result: InvocationResult) {
  const split = splitPrelude(result.body);
  if (!split) {
    throw new Error(`no prelude in ${JSON.stringify(result.body.toString('utf8').slice(0, 200))}`);
  }
  return { ...split, text: split.body.toString('utf8') };
}

interface Pending {
  readonly id: string;
  readonly event: unknown;
  readonly timeoutMs: number;
  readonly resolve: (result: InvocationResult) => void;
}

const PREFIX = '/2018-06-01/runtime';

/**
 * A fake Lambda Runtime API (the protocol of aws-lambda-ric 4.0.2): hands out queued invocations on
 * `invocation/next` and collects what the runtime posts back, streamed writes and HTTP trailers included.
 */
export class FakeRuntimeApi {
  /** Errors posted to init/error (the handler failed to load). */
  readonly initErrors: string[] = [];
  private readonly queue: Pending[] = [];
  private readonly waiting: http.ServerResponse[] = [];
  private readonly inFlight = new Map<string, Pending>();
  private readonly server = http.createServer((req, res) => this.route(req, res));
  private nextId = 1;

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** host:port, the value of AWS_LAMBDA_RUNTIME_API. */
  get address(): string {
    const address = this.server.address() as net.AddressInfo;
    return `127.0.0.1:${address.port}`;
  }

  /** Queues an invocation; resolves with what the runtime posted back. */
  invoke(event: unknown, timeoutMs = 30_000): Promise<InvocationResult> {
    return new Promise((resolve) => {
      this.queue.push({ id: `req-${this.nextId++}`, event, timeoutMs, resolve });
      this.dispatch();
    });
  }

  async stop(): Promise<void> {
    for (const res of this.waiting.splice(0)) {
      res.destroy();
    }
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '';
    const result = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (req.method === 'GET' && url === `${PREFIX}/invocation/next`) {
      this.waiting.push(res);
      this.dispatch();
    } else if (req.method === 'POST' && result) {
      this.collect(req, res, result[1], result[2] as 'response' | 'error');
    } else if (req.method === 'POST' && url === `${PREFIX}/init/error`) {
      readAll(req).then(
        (body) => {
          this.initErrors.push(body.toString('utf8'));
          res.writeHead(202).end();
        },
        () => res.destroy(),
      );
    } else {
      res.writeHead(404).end();
    }
  }

  private dispatch(): void {
    while (this.queue.length > 0 && this.waiting.length > 0) {
      const pending = this.queue.shift()!;
      const res = this.waiting.shift()!;
      this.inFlight.set(pending.id, pending);
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Lambda-Runtime-Aws-Request-Id': pending.id,
        'Lambda-Runtime-Deadline-Ms': String(Date.now() + pending.timeoutMs),
        'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:us-east-1:123456789012:function:conformance',
        'Lambda-Runtime-Trace-Id': 'Root=1-00000000-000000000000000000000000;Sampled=0',
      });
      res.end(JSON.stringify(pending.event));
    }
  }

  private collect(req: http.IncomingMessage, res: http.ServerResponse, id: string, kind: 'response' | 'error'): void {
    const pending = this.inFlight.get(id);
    if (!pending) {
      res.writeHead(404).end();
      return;
    }
    const chunks: ReceivedChunk[] = [];
    req.on('data', (bytes: Buffer) => chunks.push({ bytes, at: Date.now() }));
    req.on('end', () => {
      this.inFlight.delete(id);
      res.writeHead(202).end('{"status":"OK"}');
      pending.resolve({
        kind,
        headers: req.headers,
        chunks,
        body: Buffer.concat(chunks.map((chunk) => chunk.bytes)),
        trailers: req.trailers,
      });
    });
  }
}

function readAll(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

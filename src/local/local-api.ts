/**
 * A local HTTP front that behaves like API Gateway's REST proxy in front of the bundled handler:
 * - POST /stream: builds a proxy event, invokes the streaming entry point, reads the Lambda integration prelude
 *   (metadata JSON + 8 NUL bytes), sends status and headers, then forwards each body chunk the moment it is written
 *   (chunked transfer, backpressure respected). A client disconnect is not signalled to the handler, as in Lambda
 *   (the runtime's response stream closes only after `end()`): its writes go nowhere and it runs to its end or its
 *   deadline. With `disconnectSignal` the response stream is destroyed instead, for trying the handler's abort path.
 * - POST /buffered: invokes the buffered entry point and sends its proxy result.
 * - Every route of every client protocol (src/contract/protocols.ts), like POST /stream: the runner serves them all.
 * - Or other routes, each streaming through `handler` (`routes`): the AgentCore handler's POST /invocations.
 * - An unknown route or method: 403 like API Gateway; `onRequest` is told it was unknown, for the runner's hint.
 * - OPTIONS: CORS preflight for the configured origins, like the construct's preflight (none without origins).
 * - A body that does not arrive in time, or over 10 MB, gets API Gateway's error shape and the connection closes.
 */
import { randomUUID } from 'crypto';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { Writable } from 'stream';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  ALL_PROTOCOLS,
  MAX_PRELUDE_BYTES,
  Routes,
  corsPreflightHeaders,
  defaultPreflightHeaders,
  gatewayErrorBody,
  gatewayResponseCorsHeaders,
  splitPrelude,
  streamingRoutes,
  type CorsPolicy,
  type Route,
  type ResponseMetadata,
} from '../contract';
import { drainedOrClosed } from '../handler/backpressure';

/** The routes the runner serves: every protocol's (the construct's `protocols` prop chooses, the runner has all). */
export const SERVED_ROUTES: readonly Route[] = [...streamingRoutes(ALL_PROTOCOLS), Routes.BUFFERED];

/** A handler bundle's entry points: the streaming one, and the buffered one when it serves POST /buffered. */
export interface HandlerModule {
  handler(event: APIGatewayProxyEvent, responseStream: Writable, context: LambdaContext): Promise<void>;
  bufferedHandler?(event: APIGatewayProxyEvent, context: LambdaContext): Promise<APIGatewayProxyResult>;
}

export interface LambdaContext {
  readonly awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

export interface LocalApiOptions {
  readonly handlers: HandlerModule;
  /**
   * The routes served: POST /buffered through `bufferedHandler`, any other through `handler` (streaming).
   * @default SERVED_ROUTES (the default handler's)
   */
  readonly routes?: readonly Route[];
  /** Lambda timeout of the streaming function. */
  readonly streamTimeoutMs: number;
  /** CORS answered in preflight, as the construct configures it (the handler adds its own response headers). */
  readonly cors?: CorsPolicy;
  /**
   * Destroy the handler's response stream when the client disconnects. Lambda gives no such signal (the runtime's
   * stream emits `close` only after `end()`), so by default the handler runs on, writing nowhere. @default false
   */
  readonly disconnectSignal?: boolean;
  /**
   * Time a client has to send its whole request body, from its headers on (Node's own `requestTimeout`, 300 s,
   * still bounds the whole request). @default 30_000
   */
  readonly bodyTimeoutMs?: number;
  /** Called once per request with what happened (after the handler returned). */
  readonly onRequest?: (info: RequestInfo) => void;
  /** Called when a client disconnects before its response ended (the handler may still be running). */
  readonly onClientDisconnect?: (info: DisconnectInfo) => void;
}

export interface DisconnectInfo {
  readonly method: string;
  readonly path: string;
  readonly requestId: string;
  /** Time from the request to the disconnect. */
  readonly afterMs: number;
}

export interface RequestInfo {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  readonly requestId: string;
  readonly clientAborted: boolean;
  /** No route has this method and path (answered 403 like API Gateway). */
  readonly unknownRoute: boolean;
}

/** API Gateway's payload limit. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
/** API Gateway's buffered integration timeout. */
const BUFFERED_TIMEOUT_MS = 29_000;
/** Time a client has to send its body: enough for the 10 MB maximum at 3 Mbit/s. */
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;

export class LocalApi {
  private readonly server: http.Server;
  private readonly connections = new Set<import('net').Socket>();

  private readonly routes: readonly Route[];

  constructor(private readonly options: LocalApiOptions) {
    this.routes = options.routes ?? SERVED_ROUTES;
    if (this.routes.includes(Routes.BUFFERED) && !options.handlers.bufferedHandler) {
      throw new Error(`${Routes.BUFFERED.path} is served, but the handler module has no bufferedHandler`);
    }
    this.server = http.createServer((req, res) => this.route(req, res));
    this.server.on('connection', (socket) => {
      this.connections.add(socket);
      socket.once('close', () => this.connections.delete(socket));
    });
  }

  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    return `http://${host}:${address.port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.connections) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const started = Date.now();
    const requestId = randomUUID();
    const path = (req.url ?? '/').split('?')[0];
    res.setHeader('x-amzn-RequestId', requestId);
    const route = this.routes.find((r) => r.path === path);
    const unknownRoute = !route || (req.method !== route.method && !(req.method === 'OPTIONS' && this.preflights()));
    const work = this.dispatch(req, res, route, path, requestId);
    res.on('close', () => {
      const clientAborted = !res.writableFinished;
      if (clientAborted) {
        this.options.onClientDisconnect?.({ method: req.method ?? '', path, requestId, afterMs: Date.now() - started });
      }
      // Report once the handler has returned too, so its log record is complete.
      void work.then(() =>
        this.options.onRequest?.({
          method: req.method ?? '',
          path,
          status: res.statusCode,
          durationMs: Date.now() - started,
          requestId,
          clientAborted,
          unknownRoute,
        }),
      );
    });
  }

  private preflights(): boolean {
    return Boolean(this.options.cors?.allowOrigins.length);
  }

  private async dispatch(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    route: Route | undefined,
    path: string,
    requestId: string,
  ) {
    if (route && req.method === 'OPTIONS' && this.preflights()) {
      this.preflight(req, res, route);
      return;
    }
    if (!route || req.method !== route.method) {
      // API Gateway answers unknown routes and methods (OPTIONS too, without CORS) with 403 "Missing Authentication
      // Token"; the construct's gateway responses put it in the API's error shape.
      this.gatewayError(res, 403, 'MISSING_AUTHENTICATION_TOKEN', 'Missing Authentication Token', requestId);
      return;
    }
    try {
      const body = await readBody(req, this.options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS);
      if (body === 'too large') {
        this.refuseBody(req, res, 413, 'REQUEST_TOO_LARGE', 'Request Too Long', requestId);
        return;
      }
      if (body === 'timed out') {
        // No gateway response type covers a stalled body, so its code is DEFAULT_4XX, as a gateway response renders.
        this.refuseBody(req, res, 408, 'DEFAULT_4XX', 'Request Timeout', requestId);
        return;
      }
      const event = proxyEvent(req, path, body, requestId);
      await (route === Routes.BUFFERED ? this.invokeBuffered(event, res) : this.invokeStreaming(event, res, requestId));
    } catch {
      // The function failed (threw): API Gateway answers 502, or cuts a stream that already started.
      if (!res.headersSent) {
        this.gatewayError(res, 502, 'INTEGRATION_FAILURE', 'Internal server error', requestId);
      } else {
        res.destroy();
      }
    }
  }

  /** Answers a body the gateway will not take, then closes the connection rather than read the rest. */
  private refuseBody(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    status: number,
    code: string,
    message: string,
    requestId: string,
  ): void {
    res.setHeader('Connection', 'close');
    res.once('finish', () => req.socket.destroy());
    this.gatewayError(res, status, code, message, requestId);
  }

  private gatewayError(res: http.ServerResponse, status: number, code: string, message: string, requestId: string) {
    sendGatewayError(res, status, code, message, requestId, this.options.cors);
  }

  private async invokeStreaming(event: APIGatewayProxyEvent, res: http.ServerResponse, requestId: string) {
    const responseStream = new IntegrationResponseStream(res, requestId, this.options.cors);
    if (this.options.disconnectSignal) {
      res.on('close', () => {
        if (!res.writableFinished) {
          responseStream.destroy();
        }
      });
    }
    await this.options.handlers.handler(event, responseStream, lambdaContext(this.options.streamTimeoutMs));
    if (!responseStream.writableFinished && !responseStream.destroyed) {
      // A streaming function that returns without ending its stream: API Gateway ends the response.
      responseStream.end();
    }
  }

  private async invokeBuffered(event: APIGatewayProxyEvent, res: http.ServerResponse) {
    const result = await this.options.handlers.bufferedHandler!(event, lambdaContext(BUFFERED_TIMEOUT_MS));
    res.writeHead(result.statusCode, { ...(result.headers as Record<string, string>) });
    res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
  }

  private preflight(req: http.IncomingMessage, res: http.ServerResponse, route: Route): void {
    const allowHeaders = defaultPreflightHeaders(route.path);
    res.writeHead(204, corsPreflightHeaders(this.options.cors, req.headers.origin, { allowHeaders }));
    res.end();
  }
}

/**
 * The response stream handed to the streaming handler: parses the integration prelude, then forwards the body.
 */
class IntegrationResponseStream extends Writable {
  private pending: Buffer | undefined = Buffer.alloc(0);

  constructor(
    private readonly res: http.ServerResponse,
    private readonly requestId: string,
    private readonly cors: CorsPolicy | undefined,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.pending === undefined) {
      this.forward(chunk, callback);
      return;
    }
    const pending = Buffer.concat([this.pending, chunk]);
    let split: { metadata: ResponseMetadata; body: Buffer } | undefined;
    try {
      split = splitPrelude(pending);
    } catch {
      this.failIntegration();
      callback(new Error('invalid integration response prelude'));
      return;
    }
    if (split === undefined) {
      if (pending.length > MAX_PRELUDE_BYTES) {
        this.failIntegration();
        callback(new Error('no integration response prelude within 16 KB'));
        return;
      }
      this.pending = pending;
      callback();
      return;
    }
    this.pending = undefined;
    const { metadata, body } = split;
    const headers: Record<string, string | string[]> = { ...metadata.headers };
    if (metadata.cookies?.length) {
      headers['Set-Cookie'] = metadata.cookies;
    }
    this.res.writeHead(metadata.statusCode ?? 200, headers);
    this.res.flushHeaders();
    if (body.length > 0) {
      this.forward(body, callback);
    } else {
      callback();
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.pending !== undefined) {
      // The function ended without writing the prelude: API Gateway answers 500.
      this.failIntegration();
    } else {
      this.res.end();
    }
    callback();
  }

  private forward(chunk: Buffer, callback: (error?: Error | null) => void): void {
    if (this.res.destroyed) {
      callback();
      return;
    }
    if (this.res.write(chunk)) {
      callback();
    } else {
      void drainedOrClosed(this.res).then(() => callback());
    }
  }

  private failIntegration(): void {
    if (!this.res.headersSent) {
      sendGatewayError(this.res, 500, 'INTEGRATION_FAILURE', 'Internal server error', this.requestId, this.cors);
    }
  }
}

function lambdaContext(timeoutMs: number): LambdaContext {
  const deadline = Date.now() + timeoutMs;
  return { awsRequestId: randomUUID(), getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
}

/** The whole request body, unless it grows over API Gateway's limit or does not arrive within `timeoutMs`. */
function readBody(req: http.IncomingMessage, timeoutMs: number): Promise<Buffer | 'too large' | 'timed out'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError);
    };
    const finish = (result: Buffer | 'too large' | 'timed out') => {
      stop();
      resolve(result);
    };
    const onError = (err: Error) => {
      stop();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_PAYLOAD_BYTES) {
        finish('too large');
      } else {
        chunks.push(chunk);
      }
    };
    const onEnd = () => finish(Buffer.concat(chunks));
    const timer = setTimeout(() => finish('timed out'), timeoutMs);
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/** The REST API proxy event API Gateway would send (text bodies as strings, others base64-encoded). */
function proxyEvent(req: http.IncomingMessage, path: string, body: Buffer, requestId: string): APIGatewayProxyEvent {
  // Without a prototype, a header named __proto__, constructor or toString is a header like any other.
  const headers: Record<string, string> = Object.create(null);
  const multiValueHeaders: Record<string, string[]> = Object.create(null);
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    const value = req.rawHeaders[i + 1];
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  const text = isText(req.headers['content-type']);
  return {
    resource: path,
    path,
    httpMethod: req.method ?? 'POST',
    headers,
    multiValueHeaders,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: body.length === 0 ? null : text ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: body.length > 0 && !text,
    requestContext: {
      requestId,
      stage: 'local',
      httpMethod: req.method ?? 'POST',
      path: `/local${path}`,
      resourcePath: path,
      identity: { sourceIp: sourceIp(req.socket.remoteAddress) },
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

/**
 * The client's address as API Gateway writes `identity.sourceIp` (the handler's caller with `ApiAuth.none()`): an IPv4
 * client of a dual-stack listener (`--host ::`) is its IPv4 address, not the IPv4-mapped IPv6 one.
 */
export function sourceIp(remoteAddress: string | undefined): string {
  return (remoteAddress ?? '127.0.0.1').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
}

function isText(contentType: string | undefined): boolean {
  return contentType === undefined || /^(text\/|application\/(json|x-ndjson|x-www-form-urlencoded))/i.test(contentType);
}

/** API Gateway's own error, in the shape and with the CORS headers of the construct's gateway responses. */
function sendGatewayError(
  res: http.ServerResponse,
  status: number,
  code: string,
  message: string,
  requestId: string,
  cors: CorsPolicy | undefined,
): void {
  const body = JSON.stringify(gatewayErrorBody(code, message, requestId));
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    ...gatewayResponseCorsHeaders(cors),
  });
  res.end(body);
}

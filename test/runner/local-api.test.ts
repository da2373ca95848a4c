/**
 * The runner's own answers, as API Gateway with the construct's configuration gives them: the CORS preflight that
 * CDK's `addCorsPreflight` sets up, the gateway errors with their static CORS headers, and a timeout for request
 * bodies that do not arrive.
 */
import * as net from 'net';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import {
  ALL_PROTOCOLS,
  CORS_DEFAULT_ALLOW_HEADERS,
  CORS_DEFAULT_ALLOW_METHODS,
  Routes,
  gatewayErrorBody,
} from '../../src/contract';
import type { LocalApiOptions, RequestInfo } from '../../src/local/local-api';
import { until } from '../bundle/harness';
import { FakeBedrock } from '../support/fake-bedrock';
import { withInProcessApi } from '../support/in-process-api';

const APP = 'https://app.example.com';
const OTHER_APP = 'https://other.example.com';

let fake: FakeBedrock;

beforeAll(async () => {
  fake = await new FakeBedrock().start();
});
afterAll(() => fake.stop());

/** Runs `fn` against a local API with these options (the bundled handler behind it). */
function withApi(options: Partial<LocalApiOptions>, fn: (url: string) => Promise<void>): Promise<void> {
  return withInProcessApi(fake, options, (url) => fn(url));
}

/** What CDK's `addCorsPreflight` makes API Gateway answer to a preflight from `origin`. */
function cdkPreflight(
  cors: apigateway.CorsOptions,
  origin: string,
): { status: number; headers: Record<string, string> } {
  const stack = new Stack(new App(), 'Preflight');
  new apigateway.RestApi(stack, 'Api').root.addResource('stream').addCorsPreflight(cors);
  const [method] = Object.values(
    Template.fromStack(stack).findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'OPTIONS' } }),
  );
  const response = method.Properties.Integration.IntegrationResponses[0];
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries<string>(response.ResponseParameters)) {
    headers[key.replace('method.response.header.', '').toLowerCase()] = value.replace(/^'|'$/g, '');
  }
  // The mapping template answers a listed origin other than the first with that origin.
  if (response.ResponseTemplates?.['application/json']?.includes(`$origin == "${origin}"`)) {
    headers['access-control-allow-origin'] = origin;
  }
  return { status: Number(response.StatusCode), headers };
}

async function preflight(url: string, origin: string) {
  const response = await fetch(`${url}/stream`, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
  });
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name.startsWith('access-control-') || name === 'vary') {
      headers[name] = value;
    }
  });
  return { status: response.status, headers };
}

describe('CORS preflight, as the construct configures it with CDK defaults', () => {
  test.each([
    ['one origin, from that origin', { allowOrigins: [APP] }, APP],
    ['one origin with credentials', { allowOrigins: [APP], allowCredentials: true }, APP],
    ['every origin (*)', { allowOrigins: ['*'] }, APP],
    ['two origins, from the first', { allowOrigins: [APP, OTHER_APP] }, APP],
    ['two origins, from the second', { allowOrigins: [APP, OTHER_APP] }, OTHER_APP],
    ['one origin, from an unlisted origin', { allowOrigins: [APP] }, 'https://unlisted.example'],
    ['two origins, from an unlisted origin', { allowOrigins: [APP, OTHER_APP] }, 'https://unlisted.example'],
  ])('%s: the same status and headers as API Gateway', async (_name, cors, origin) => {
    await withApi({ cors }, async (url) => {
      expect(await preflight(url, origin)).toEqual(cdkPreflight(cors, origin));
    });
  });

  test("allows CDK's default headers and methods (Cors.DEFAULT_HEADERS, Cors.ALL_METHODS)", async () => {
    await withApi({ cors: { allowOrigins: [APP] } }, async (url) => {
      const { headers } = await preflight(url, APP);
      expect(headers['access-control-allow-headers']).toBe(apigateway.Cors.DEFAULT_HEADERS.join(','));
      expect(headers['access-control-allow-methods']).toBe(apigateway.Cors.ALL_METHODS.join(','));
      expect(CORS_DEFAULT_ALLOW_HEADERS).toEqual(apigateway.Cors.DEFAULT_HEADERS);
      expect(CORS_DEFAULT_ALLOW_METHODS).toEqual(apigateway.Cors.ALL_METHODS);
    });
  });

  test('without CORS there is no preflight method: 403 Missing Authentication Token', async () => {
    await withApi({}, async (url) => {
      const response = await fetch(`${url}/stream`, { method: 'OPTIONS', headers: { Origin: APP } });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: { code: 'MISSING_AUTHENTICATION_TOKEN' } });
    });
  });
});

describe("API Gateway's own errors carry the static CORS headers of the gateway responses", () => {
  const unknownRoute = (url: string) => fetch(`${url}/nope`, { method: 'POST', headers: { Origin: APP } });
  const tooLarge = (url: string) =>
    fetch(`${url}/stream`, {
      method: 'POST',
      headers: { Origin: APP, 'Content-Type': 'application/json' },
      body: 'x'.repeat(10 * 1024 * 1024 + 1),
    });

  test.each([
    ['403 for an unknown route', unknownRoute, 403, 'MISSING_AUTHENTICATION_TOKEN'],
    ['413 for a body over 10 MB', tooLarge, 413, 'REQUEST_TOO_LARGE'],
  ])('%s from the one allowed origin: its allow-origin header', async (_name, send, status, code) => {
    await withApi({ cors: { allowOrigins: [APP] } }, async (url) => {
      const response = await send(url);
      expect(response.status).toBe(status);
      expect(response.headers.get('access-control-allow-origin')).toBe(APP);
      expect(response.headers.get('vary')).toBe('Origin');
      expect(await response.json()).toEqual(
        gatewayErrorBody(code, expect.any(String), response.headers.get('x-amzn-requestid')!),
      );
    });
  });

  test.each([
    ['403 for an unknown route', unknownRoute, 403],
    ['413 for a body over 10 MB', tooLarge, 413],
  ])('%s with two allowed origins: no CORS headers (a gateway response cannot pick one)', async (_n, send, status) => {
    await withApi({ cors: { allowOrigins: [APP, OTHER_APP] } }, async (url) => {
      const response = await send(url);
      expect(response.status).toBe(status);
      const corsHeaders: string[] = [];
      response.headers.forEach((_value, name) => name.startsWith('access-control-') && corsHeaders.push(name));
      expect(corsHeaders).toEqual([]);
    });
  });
});

interface RawResponse {
  readonly status: number;
  readonly head: string;
  readonly body: string;
}

/**
 * Sends a request head announcing a 1000-byte JSON body, lets `sendBody` write (part of) it, and resolves with the
 * response once the server has closed the connection.
 */
function slowRequest(url: string, sendBody: (socket: net.Socket) => void): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(
        'POST /stream HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
          `Origin: ${APP}\r\nContent-Length: 1000\r\n\r\n`,
      );
      sendBody(socket);
    });
    let received = '';
    socket.on('data', (data) => (received += data.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head, body] = received.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), head, body });
    });
  });
}

describe('a request body that does not arrive in time', () => {
  test('a body that stops half way gets 408 in the gateway error shape, and the connection closes', async () => {
    await withApi({ bodyTimeoutMs: 200, cors: { allowOrigins: [APP] } }, async (url) => {
      const response = await slowRequest(url, (socket) => socket.write('{"prompt":"hi'));
      expect(response.status).toBe(408);
      expect(response.head).toMatch(/^connection: close$/im);
      expect(response.head).toMatch(new RegExp(`^access-control-allow-origin: ${APP}$`, 'im'));
      expect(JSON.parse(response.body)).toMatchObject({
        error: { type: 'gateway_error', code: 'DEFAULT_4XX', message: 'Request Timeout', param: null },
      });
    });
  });

  test('a body that trickles in a byte at a time gets 408 too: the timeout counts from the headers', async () => {
    await withApi({ bodyTimeoutMs: 300 }, async (url) => {
      let timer: NodeJS.Timeout | undefined;
      const response = await slowRequest(url, (socket) => {
        timer = setInterval(() => socket.write(' '), 20);
        socket.once('close', () => clearInterval(timer));
      });
      expect(response.status).toBe(408);
    });
  });

  test('a body that arrives within the timeout is answered by the handler', async () => {
    await withApi({ bodyTimeoutMs: 1000 }, async (url) => {
      const response = await fetch(`${url}/stream`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'text/plain' },
        body: '{"prompt":"hi"}',
      });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('Hello world');
    });
  });
});

describe('every route of every protocol', () => {
  const described = [...ALL_PROTOCOLS.flatMap((protocol) => protocol.routes), Routes.BUFFERED];

  test('the protocol descriptors and the buffered route cover every route there is', () => {
    // Shared routes are in Routes; a protocol may also declare routes of its own inline in its descriptor.
    const key = (route: { method: string; path: string }) => `${route.method} ${route.path}`;
    expect(described.map(key)).toEqual(expect.arrayContaining(Object.values(Routes).map(key)));
  });

  test.each(described)('$method $path reaches its function; another method is 403', async (route) => {
    await withApi({ cors: { allowOrigins: [APP] } }, async (url) => {
      const preflightResponse = await fetch(`${url}${route.path}`, {
        method: 'OPTIONS',
        headers: { Origin: APP, 'Access-Control-Request-Method': route.method },
      });
      expect(preflightResponse.status).toBe(204);
      const wrong = await fetch(`${url}${route.path}`, { method: route.method === 'GET' ? 'POST' : 'GET' });
      expect(wrong.status).toBe(403);
      // An empty request reaches the handler, which answers in the API's error shape (not the gateway's 403).
      const response = await fetch(`${url}${route.path}`, {
        method: route.method,
        headers: { 'Content-Type': 'application/json' },
        body: route.method === 'POST' ? '{}' : undefined,
      });
      expect(response.status).not.toBe(403);
      expect(response.headers.get('x-request-id')).toEqual(expect.any(String));
    });
  });
});

test("the OpenAI routes' preflight also allows the openai client's X-Stainless headers, like the construct's", async () => {
  await withApi({ cors: { allowOrigins: [APP] } }, async (url) => {
    const allowed = async (path: string) =>
      (
        await fetch(`${url}${path}`, {
          method: 'OPTIONS',
          headers: { Origin: APP, 'Access-Control-Request-Method': 'POST' },
        })
      ).headers.get('access-control-allow-headers');
    expect(await allowed(Routes.CHAT_COMPLETIONS.path)).toContain('X-Stainless-Retry-Count');
    expect(await allowed(Routes.STREAM.path)).not.toContain('X-Stainless');
  });
});

test.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
  'a request with a header named %s reaches the handler like any other',
  async (name) => {
    await withApi({}, async (url) => {
      const response = await fetch(`${url}/stream`, {
        method: 'POST',
        headers: [
          ['Content-Type', 'application/json'],
          [name, 'x'],
        ],
        body: '{"prompt":"hi"}',
      });
      expect(response.status).toBe(200);
      await response.text();
    });
  },
);

test('an unknown route or method gets 403 like API Gateway, and the request report says it was unknown', async () => {
  const reports: RequestInfo[] = [];
  await withApi({ onRequest: (info) => reports.push(info) }, async (url) => {
    expect((await fetch(`${url}/nope`, { method: 'POST' })).status).toBe(403);
    expect((await fetch(`${url}/stream`, { method: 'GET' })).status).toBe(403);
    const known = await fetch(`${url}/stream`, { method: 'POST', body: '{}' });
    await known.text();
    await until(() => reports.length === 3);
  });
  expect(reports).toHaveLength(3);
  expect(reports.map((r) => [r.method, r.path, r.unknownRoute])).toEqual(
    expect.arrayContaining([
      ['POST', '/nope', true],
      ['GET', '/stream', true],
      ['POST', '/stream', false],
    ]),
  );
});

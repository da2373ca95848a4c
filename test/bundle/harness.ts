/**
 * Test harness for the default handler: runs the bundled artifact (what ships in the npm package) against the fake
 * Bedrock endpoint through the real AWS SDK client, and reads the bytes it writes the way API Gateway does.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Writable } from 'stream';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { PRELUDE_SEPARATOR, handlerEnvironment } from '../../src/contract';
import { FakeBedrock } from '../support/fake-bedrock';

export const BUNDLE_PATH = path.join(__dirname, '..', '..', 'assets', 'handler', 'index.lambda', 'index.js');

export interface HandlerModule {
  handler: (event: APIGatewayProxyEvent, stream: Writable, context: unknown) => Promise<void>;
  bufferedHandler: (event: APIGatewayProxyEvent, context: unknown) => Promise<APIGatewayProxyResult>;
}

export function loadBundle(): HandlerModule {
  if (!fs.existsSync(BUNDLE_PATH)) {
    throw new Error(`${BUNDLE_PATH} is missing: run 'npx projen bundle' first`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the artifact is plain CommonJS, loaded by path
  return require(BUNDLE_PATH);
}

/**
 * The class names defined while `bundle` loads, in a fresh process: esbuild's keep-names helper names each class with
 * Object.defineProperty as its module code runs, so a module whose code waits for its first use defines none.
 */
export function namesDefinedAtLoad(bundle: string): string[] {
  const probe = `
    const names = [];
    const define = Object.defineProperty;
    Object.defineProperty = function (target, key, desc) {
      if (key === 'name' && desc && typeof desc.value === 'string') names.push(desc.value);
      return define.call(this, target, key, desc);
    };
    require(${JSON.stringify(bundle)});
    process.stdout.write(JSON.stringify(names));
  `;
  const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  return JSON.parse(execFileSync(process.execPath, ['-e', probe], { env, encoding: 'utf8' }));
}

export const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
export const SYSTEM_PROMPT = 'SYSTEM-PROMPT-SECRET you are terse';

/** The environment the construct would set, plus fake credentials and the local endpoint. */
export function baseEnv(fake: FakeBedrock): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret',
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: fake.url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...handlerEnvironment({ modelId: MODEL, maxTokens: 1024, systemPrompt: SYSTEM_PROMPT }),
  };
}

/** Sets variables for the duration of the test file (restored by `restore`). */
export function setEnv(vars: Record<string, string | undefined>): () => void {
  const saved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(vars)) {
    saved[key] = process.env[key];
    if (value === undefined) {
      delete process.env[key];
    } else {
      process.env[key] = value;
    }
  }
  return () => setEnv(saved);
}

export interface EventInit {
  readonly headers?: Record<string, string>;
  readonly isBase64Encoded?: boolean;
  /** A raw body string (not JSON-encoded). */
  readonly rawBody?: string | null;
  readonly path?: string;
}

let requestCounter = 0;

/** An API Gateway REST proxy event. */
export function apiEvent(body: unknown, init: EventInit = {}): APIGatewayProxyEvent {
  requestCounter++;
  const rawBody = init.rawBody !== undefined ? init.rawBody : JSON.stringify(body);
  return {
    body: rawBody,
    headers: { 'Content-Type': 'application/json', ...init.headers },
    multiValueHeaders: {},
    httpMethod: 'POST',
    isBase64Encoded: init.isBase64Encoded ?? false,
    path: init.path ?? '/stream',
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    resource: init.path ?? '/stream',
    requestContext: { requestId: `req-${requestCounter}` } as APIGatewayProxyEvent['requestContext'],
  };
}

export function lambdaContext(remainingMs = 60_000) {
  const deadline = Date.now() + remainingMs;
  return { awsRequestId: `lambda-${requestCounter}`, getRemainingTimeInMillis: () => deadline - Date.now() };
}

export interface Chunk {
  /** Milliseconds since the invocation started. */
  readonly at: number;
  readonly text: string;
}

export interface StreamedResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Body chunks as written, after the prelude. */
  readonly chunks: Chunk[];
  /** When the prelude (status and headers) was written. */
  readonly preludeAt: number;
}

/** A response stream that records what the handler writes and when, like API Gateway reading the function. */
export class RecordingStream extends Writable {
  readonly writes: Array<{ at: number; bytes: Buffer }> = [];
  readonly started = Date.now();

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writes.push({ at: Date.now() - this.started, bytes: Buffer.from(chunk) });
    callback();
  }

  /** Splits the metadata prelude (JSON + 8 NUL bytes) from the body. */
  parse(): StreamedResponse {
    const all = Buffer.concat(this.writes.map((w) => w.bytes));
    const separator = all.indexOf(PRELUDE_SEPARATOR);
    if (separator < 0) {
      throw new Error(`no prelude in ${JSON.stringify(all.toString('utf8').slice(0, 200))}`);
    }
    const metadata = JSON.parse(all.subarray(0, separator).toString('utf8'));
    // Chunks after the prelude bytes, with their write times.
    const chunks: Chunk[] = [];
    let offset = 0;
    let preludeAt = 0;
    const preludeEnd = separator + 8;
    for (const w of this.writes) {
      const start = offset;
      offset += w.bytes.length;
      if (offset <= preludeEnd) {
        preludeAt = w.at;
        continue;
      }
      const bytes = start < preludeEnd ? w.bytes.subarray(preludeEnd - start) : w.bytes;
      if (bytes.length > 0) {
        chunks.push({ at: w.at, text: bytes.toString('utf8') });
      }
    }
    return {
      status: metadata.statusCode,
      headers: metadata.headers ?? {},
      body: all.subarray(preludeEnd).toString('utf8'),
      chunks,
      preludeAt,
    };
  }
}

/** Invokes a bundle's streaming handler as Lambda would and reads the response as API Gateway does. */
export async function invokeStream(
  mod: Pick<HandlerModule, 'handler'>,
  event: APIGatewayProxyEvent,
  options: { remainingMs?: number; stream?: RecordingStream } = {},
): Promise<StreamedResponse> {
  const stream = options.stream ?? new RecordingStream();
  await mod.handler(event, stream, lambdaContext(options.remainingMs));
  expect(stream.writableEnded).toBe(true);
  return stream.parse();
}

export interface SseEvent {
  readonly event: string;
  readonly data: any;
}

/** A strict SSE parser for the handler's output: `event:` + one `data:` line per event; comments skipped. */
export function parseSse(body: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of body.split('\n\n')) {
    if (block === '') {
      continue;
    }
    const lines = block.split('\n').filter((line) => !line.startsWith(':'));
    if (lines.length === 0) {
      continue;
    }
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^event: (delta|reasoning|tool_use|done|error)$/);
    expect(lines[1]).toMatch(/^data: /);
    events.push({ event: lines[0].slice('event: '.length), data: JSON.parse(lines[1].slice('data: '.length)) });
  }
  return events;
}

/** The handler's JSON log record (one per request). */
export type LogRecord = Record<string, any>;

/**
 * Captures the handler's log records (JSON lines on stdout) instead of printing them; any other output passes
 * through. `useHandlerTestContext` captures for every test, so expected ERROR/WARN lines never flood the test output
 * and each test can assert on its own records.
 */
export function captureLogs(): { records: () => LogRecord[]; restore: () => void } {
  const records: LogRecord[] = [];
  const write = process.stdout.write;
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: any, ...rest: any[]) => {
    const text = String(chunk);
    if (!text.includes('"message":"request completed"')) {
      return write.call(process.stdout, chunk, ...rest);
    }
    records.push(
      ...text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line)),
    );
    rest.find((r) => typeof r === 'function')?.();
    return true;
  }) as typeof process.stdout.write);
  return { records: () => records, restore: () => spy.mockRestore() };
}

/** Strings that must never appear in a response. */
export function expectNoLeak(text: string, ...secrets: string[]): void {
  for (const secret of [...secrets, SYSTEM_PROMPT, 'arn:aws', '123456789012', 'AKIAFAKE', '    at ']) {
    expect(text).not.toContain(secret);
  }
}

export interface HandlerTestContext {
  fake: FakeBedrock;
  mod: HandlerModule;
  /** The handler's log records written during the current test. */
  logs: () => LogRecord[];
}

/** Starts one fake Bedrock endpoint for the test file, loads the bundle, and resets the script before each test. */
export function useHandlerTestContext(extraEnv: Record<string, string> = {}): HandlerTestContext {
  const ctx = {} as HandlerTestContext;
  let restoreEnv: () => void;
  beforeAll(async () => {
    ctx.fake = await new FakeBedrock().start();
    restoreEnv = setEnv({ ...baseEnv(ctx.fake), ...extraEnv });
    ctx.mod = loadBundle();
  });
  afterAll(async () => {
    restoreEnv?.();
    await ctx.fake?.stop();
  });
  let capture: ReturnType<typeof captureLogs> | undefined;
  beforeEach(() => {
    ctx.fake.requests.length = 0;
    ctx.fake.cancelledStreams = 0;
    capture = captureLogs();
    ctx.logs = capture.records;
  });
  afterEach(() => capture?.restore());
  return ctx;
}

/** Parses an NDJSON body: one JSON value per line. */
export function parseNdjson(body: string): any[] {
  return body
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));
}

/** Polls until the condition holds (for effects that happen after a response ended). */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) {
      throw new Error('condition not met in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Runs `fn` with these environment variables set, and restores them after. */
export async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const restore = setEnv(vars);
  try {
    return await fn();
  } finally {
    restore();
  }
}

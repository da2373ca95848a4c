/**
 * A local Bedrock Runtime endpoint that speaks ConverseStream's real wire protocol: `POST /model/{id}/converse-stream`
 * answered with `application/vnd.amazon.eventstream` frames (event and exception messages), or with an HTTP error
 * carrying `x-amzn-errortype`, as Bedrock does. The real AWS SDK client talks to it through
 * `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, over HTTP/1.1 or cleartext HTTP/2 (the SDK's default), so the handler needs no
 * test hooks.
 *
 * What it answers is a script: a function of the request that returns events with delays.
 */
import * as http from 'http';
import * as http2 from 'http2';
import * as net from 'net';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';
import { LocalServer } from './local-server';
import { drainedOrClosed } from '../handler/backpressure';

/** One frame of the answer, sent after `delayMs` (since the previous frame). */
export type FakeFrame =
  | { readonly delayMs?: number; readonly event: string; readonly payload: unknown }
  | { readonly delayMs?: number; readonly exception: string; readonly message: string };

export type FakeResponse =
  /** The frames of the stream: an array, or a generator that makes each frame only when it is about to be sent. */
  | { readonly frames: Iterable<FakeFrame> }
  /** An error before the stream, with Bedrock's error type (e.g. ThrottlingException) and HTTP status. */
  | { readonly status: number; readonly errorType: string; readonly message: string; readonly delayMs?: number };

export interface FakeRequest {
  readonly modelId: string;
  readonly body: Record<string, any>;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly httpVersion: string;
  readonly receivedAt: number;
}

export type FakeScript = (request: FakeRequest, attempt: number) => FakeResponse;

export interface AnswerOptions {
  /** Delay before the first delta (after messageStart). @default 0 */
  readonly firstDelayMs?: number;
  /** Delay between deltas. @default 0 */
  readonly delayMs?: number;
  /** @default 'end_turn', or 'tool_use' when the answer has a tool call */
  readonly stopReason?: string;
  /** Usage reported in the metadata event. @default derived from the deltas */
  readonly usage?: {
    readonly inputTokens: number;
    /** @default the number of deltas */
    readonly outputTokens?: number;
    readonly totalTokens?: number;
    readonly cacheReadInputTokens?: number;
    readonly cacheWriteInputTokens?: number;
  };
  /** Replace everything after this many deltas with an in-stream exception. */
  readonly failAfter?: { readonly deltas: number; readonly exception: string; readonly message?: string };
}

/** One content block of a fake answer, in the order the model produces it. */
export type FakeBlock =
  | { readonly text: Iterable<string> }
  /** Reasoning text chunks, then the signature delta (Claude sends one when the block is complete). */
  | { readonly reasoning: Iterable<string>; readonly signature?: string }
  /** Encrypted reasoning, base64 as on the wire. */
  | { readonly redactedReasoning: string }
  /** A tool call whose input JSON arrives in pieces (`inputChunks` joined must be the JSON text). */
  | { readonly toolUse: { readonly toolUseId: string; readonly name: string; readonly inputChunks: Iterable<string> } };

/** The frames of a normal text answer: messageStart, one delta per chunk, messageStop, metadata. */
export function answer(chunks: readonly string[], options: AnswerOptions = {}): { readonly frames: FakeFrame[] } {
  return { frames: [...answerFrames(chunks, options)] };
}

/**
 * The frames of `answer()`, made one at a time as they are pulled: chunks may be a generator too, so that an answer
 * of any length costs the memory of one frame.
 */
export function answerFrames(chunks: Iterable<string>, options: AnswerOptions = {}): Generator<FakeFrame> {
  return blockFrames([{ text: chunks }], options);
}

/** The frames of an answer made of several blocks (reasoning, text, tool calls), made as they are pulled. */
export function* blockFrames(blocks: Iterable<FakeBlock>, options: AnswerOptions = {}): Generator<FakeFrame> {
  yield { event: 'messageStart', payload: { role: 'assistant' } };
  let deltas = 0;
  let index = 0;
  let calledTool = false;
  const delta = (contentBlockIndex: number, payload: unknown): FakeFrame => ({
    delayMs: deltas++ === 0 ? (options.firstDelayMs ?? 0) : (options.delayMs ?? 0),
    event: 'contentBlockDelta',
    payload: { contentBlockIndex, delta: payload },
  });
  const failing = () => options.failAfter !== undefined && deltas >= options.failAfter.deltas;
  for (const block of blocks) {
    calledTool ||= 'toolUse' in block;
    const start =
      'toolUse' in block ? { toolUse: { toolUseId: block.toolUse.toolUseId, name: block.toolUse.name } } : {};
    yield { event: 'contentBlockStart', payload: { contentBlockIndex: index, start } };
    for (const payload of blockDeltas(block)) {
      if (failing()) {
        break;
      }
      yield delta(index, payload);
    }
    if (failing()) {
      yield { exception: options.failAfter!.exception, message: options.failAfter!.message ?? 'model failure' };
      return;
    }
    yield { event: 'contentBlockStop', payload: { contentBlockIndex: index } };
    index++;
  }
  if (options.failAfter) {
    // The answer was shorter than the failure point: it still fails, where messageStop would be.
    yield { exception: options.failAfter.exception, message: options.failAfter.message ?? 'model failure' };
    return;
  }
  const usage = options.usage;
  const inputTokens = usage?.inputTokens ?? 10;
  const outputTokens = usage?.outputTokens ?? deltas;
  yield { event: 'messageStop', payload: { stopReason: options.stopReason ?? (calledTool ? 'tool_use' : 'end_turn') } };
  yield {
    event: 'metadata',
    payload: {
      usage: {
        inputTokens,
        outputTokens,
        totalTokens: usage?.totalTokens ?? inputTokens + outputTokens,
        ...(usage?.cacheReadInputTokens !== undefined && { cacheReadInputTokens: usage.cacheReadInputTokens }),
        ...(usage?.cacheWriteInputTokens !== undefined && { cacheWriteInputTokens: usage.cacheWriteInputTokens }),
      },
      metrics: { latencyMs: 42 },
    },
  };
}

/** The delta payloads of one block, as ConverseStream sends them. */
function* blockDeltas(block: FakeBlock): Generator<unknown> {
  if ('text' in block) {
    for (const text of block.text) {
      yield { text };
    }
  } else if ('reasoning' in block) {
    for (const text of block.reasoning) {
      yield { reasoningContent: { text } };
    }
    if (block.signature !== undefined) {
      yield { reasoningContent: { signature: block.signature } };
    }
  } else if ('redactedReasoning' in block) {
    yield { reasoningContent: { redactedContent: block.redactedReasoning } };
  } else {
    for (const input of block.toolUse.inputChunks) {
      yield { toolUse: { input } };
    }
  }
}

/** An HTTP error before the stream, as Bedrock sends it. */
export function httpError(status: number, errorType: string, message = 'error'): FakeResponse {
  return { status, errorType, message };
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function eventFrame(type: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

function exceptionFrame(name: string, message: string): Uint8Array {
  // The union member name: ThrottlingException -> throttlingException.
  const member = name.charAt(0).toLowerCase() + name.slice(1);
  return codec.encode({
    headers: {
      ':exception-type': { type: 'string', value: member },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'exception' },
    },
    body: fromUtf8(JSON.stringify({ message })),
  });
}

function frameBytes(frame: FakeFrame): Uint8Array {
  return 'event' in frame ? eventFrame(frame.event, frame.payload) : exceptionFrame(frame.exception, frame.message);
}

type Req = http.IncomingMessage | http2.Http2ServerRequest;
type Res = http.ServerResponse | http2.Http2ServerResponse;

/** What happens at the endpoint, for whoever watches it (the runner reports cancelled streams). */
export interface FakeBedrockObserver {
  /** A TCP connection was accepted. */
  connected?(): void;
  /** A ConverseStream request arrived (before the script answers it). */
  received?(request: FakeRequest): void;
  /** The answer's stream began (status 200 sent). */
  streamStarted?(request: FakeRequest): void;
  /** A frame was written to the stream. */
  frameSent?(request: FakeRequest, frame: FakeFrame): void;
  /** A stream ended: after all its frames, or `cancelled` by its client after `sentFrames`. */
  streamEnded?(request: FakeRequest, end: { readonly sentFrames: number; readonly cancelled: boolean }): void;
}

/**
 * The fake endpoint. `start()` listens on 127.0.0.1; `url` is what AWS_ENDPOINT_URL_BEDROCK_RUNTIME should be.
 */
export class FakeBedrock {
  protected script: FakeScript;
  /** Requests per body: a script can answer a retry differently. */
  protected readonly attempts = new Map<string, number>();
  private received = 0;
  private readonly server: net.Server;
  private readonly local: LocalServer;
  private readonly h1 = http.createServer((req, res) => this.handle(req, res));
  private readonly h2 = http2.createServer((req, res) => this.handle(req, res));

  constructor(
    script: FakeScript = () => answer(['Hello', ' world']),
    private readonly observer: FakeBedrockObserver = {},
  ) {
    this.script = script;
    // One port for both protocols: HTTP/2 with prior knowledge starts with the "PRI * HTTP/2.0" preface.
    this.server = net.createServer((socket) => {
      this.observer.connected?.();
      // Like a real service: each event frame leaves at once (no Nagle delay waiting for the client's ACK).
      this.local.track(socket);
      socket.once('readable', () => {
        const head: Buffer | null = socket.read();
        if (head === null) {
          return;
        }
        socket.unshift(head);
        const target = head.subarray(0, 3).toString('latin1') === 'PRI' ? this.h2 : this.h1;
        target.emit('connection', socket);
      });
    });
    this.local = new LocalServer(this.server);
  }

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

  private handle(req: Req, res: Res): void {
    const match = /^\/model\/([^/]+)\/converse-stream$/.exec(req.url ?? '');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || !match) {
        this.sendError(res, 404, 'UnknownOperationException', 'unknown operation');
        return;
      }
      let body: Record<string, any>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        this.sendError(res, 400, 'SerializationException', 'invalid JSON');
        return;
      }
      const request: FakeRequest = {
        modelId: decodeURIComponent(match[1]),
        body,
        headers: req.headers,
        httpVersion: req.httpVersion,
        receivedAt: Date.now(),
      };
      this.received++;
      this.observer.received?.(request);
      const key = JSON.stringify(body);
      const attempt = (this.attempts.get(key) ?? 0) + 1;
      this.attempts.set(key, attempt);
      void this.respond(this.script(request, attempt), res, request);
    });
  }

  private async respond(response: FakeResponse, res: Res, request: FakeRequest): Promise<void> {
    if ('status' in response) {
      await sleep(response.delayMs ?? 0);
      this.sendError(res, response.status, response.errorType, response.message);
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/vnd.amazon.eventstream',
      'x-amzn-requestid': `fake-${this.received}`,
    });
    this.observer.streamStarted?.(request);
    const end = await this.stream(response.frames, res, request);
    if (!end.cancelled) {
      res.end();
    }
    this.observer.streamEnded?.(request, end);
  }

  /**
   * Writes each frame when it is due, pulling it from `frames` only then (a generator never runs ahead), and waits
   * for the client whenever its buffer is full. Stops when the client closes the stream.
   */
  private async stream(frames: Iterable<FakeFrame>, res: Res, request: FakeRequest) {
    let closed = false;
    const onClose = () => {
      closed = true;
    };
    res.once('close', onClose);
    let sentFrames = 0;
    try {
      // Frames are scheduled against the start, so that timer lateness does not add up over long answers.
      let due = Date.now();
      for (const frame of frames) {
        if (frame.delayMs) {
          due += frame.delayMs;
          await sleepUnlessClosed(due - Date.now(), res);
        }
        if (closed) {
          return { sentFrames, cancelled: true };
        }
        const flushed = (res as http.ServerResponse).write(frameBytes(frame));
        sentFrames++;
        this.observer.frameSent?.(request, frame);
        if (!flushed) {
          await drainedOrClosed(res);
        }
      }
      return { sentFrames, cancelled: closed };
    } finally {
      res.off('close', onClose);
    }
  }

  private sendError(res: Res, status: number, errorType: string, message: string): void {
    const body = JSON.stringify({ message });
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-errortype': `${errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
      'x-amzn-requestid': `fake-${this.received}`,
    });
    res.end(body);
  }
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

/** Waits `ms`, or less when the client leaves: no timer outlives its stream (nor keeps a test process alive). */
function sleepUnlessClosed(ms: number, res: Res): Promise<void> {
  if (ms <= 0 || res.destroyed) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      res.off('close', wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    res.once('close', wake);
  });
}

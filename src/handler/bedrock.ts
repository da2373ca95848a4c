import * as http from 'http';
import * as https from 'https';
import {
  BedrockRuntimeClient,
  ConverseStreamCommand,
  type ConverseStreamCommandInput,
  type ConverseStreamOutput,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HandlerConfig } from './config';
import { ApiError, Errors, fromBedrockError } from './errors';
import type { Usage } from './formats';
import type { ChatRequest } from './request';

/**
 * Attempts of the initial call. The SDK retries throttling and transient errors with exponential backoff and
 * jitter, and only until the first event arrives: never after output started.
 */
const MAX_ATTEMPTS = 3;

let cached: { key: string; client: BedrockRuntimeClient } | undefined;

/**
 * One client per container, reused across invocations (the endpoint may be overridden for local runs).
 *
 * HTTP/1.1 with keep-alive instead of the SDK's default HTTP/2 handler: that handler opens an isolated HTTP/2
 * session (a new connection, and in AWS a new TLS handshake) for every event stream. Measured (npm run bench):
 * about half the per-call time and CPU, and connections reused. ConverseStream needs no HTTP/2 (boto3 only speaks
 * HTTP/1.1); only bidirectional streaming APIs do.
 */
function bedrockClient(): BedrockRuntimeClient {
  const key = `${process.env.AWS_REGION}|${process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME ?? ''}`;
  if (cached?.key !== key) {
    cached?.client.destroy();
    cached = {
      key,
      client: new BedrockRuntimeClient({
        maxAttempts: MAX_ATTEMPTS,
        requestHandler: new NodeHttpHandler({
          httpAgent: new http.Agent({ keepAlive: true }),
          httpsAgent: new https.Agent({ keepAlive: true }),
        }),
      }),
    };
  }
  return cached.client;
}

/** Why the handler stopped reading the model before it finished. */
export class StreamAborted extends Error {
  constructor(readonly reason: 'deadline' | 'client_disconnected') {
    super(reason);
    this.name = 'StreamAborted';
  }
}

export function converseStreamInput(request: ChatRequest, config: HandlerConfig): ConverseStreamCommandInput {
  return {
    modelId: request.modelId,
    messages: request.messages,
    system: config.systemPrompt ? [{ text: config.systemPrompt }] : undefined,
    inferenceConfig: {
      maxTokens: request.maxTokens,
      temperature: request.temperature,
      topP: request.topP,
      stopSequences: request.stopSequences,
    },
    guardrailConfig: config.guardrail,
  };
}

/**
 * Opens the ConverseStream call. Resolves when Bedrock's first event arrived, so that failures to start
 * (throttling, access, validation) are still known before any byte is written to the caller.
 */
export async function openConverseStream(
  input: ConverseStreamCommandInput,
  signal: AbortSignal,
): Promise<AsyncIterable<ConverseStreamOutput>> {
  try {
    const output = await bedrockClient().send(new ConverseStreamCommand(input), { abortSignal: signal });
    if (!output.stream) {
      throw Errors.upstreamFailed();
    }
    return output.stream;
  } catch (err) {
    throw abortReasonOr(signal, err);
  }
}

export interface StreamOutcome {
  readonly stopReason: string | null;
  readonly usage: Usage;
  /** Bedrock's own latency for the call, when reported. */
  readonly modelLatencyMs?: number;
  readonly guardrailTrace?: unknown;
}

/**
 * Reads the model's events to the end, handing each text delta to `onDelta` as it arrives (awaited, so a slow
 * client slows the read instead of filling memory). Throws ApiError or StreamAborted.
 */
export async function readConverseStream(
  stream: AsyncIterable<ConverseStreamOutput>,
  signal: AbortSignal,
  onDelta: (text: string) => void | Promise<void>,
): Promise<StreamOutcome> {
  let stopReason: string | null = null;
  let usage: Usage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
  let modelLatencyMs: number | undefined;
  let guardrailTrace: unknown;
  try {
    for await (const event of stream) {
      const text = event.contentBlockDelta?.delta?.text;
      if (text) {
        const pending = onDelta(text);
        if (pending) {
          await pending;
        }
      } else if (event.messageStop) {
        stopReason = event.messageStop.stopReason ?? null;
      } else if (event.metadata) {
        const u = event.metadata.usage;
        usage = {
          inputTokens: u?.inputTokens ?? 0,
          outputTokens: u?.outputTokens ?? 0,
          totalTokens: u?.totalTokens ?? (u?.inputTokens ?? 0) + (u?.outputTokens ?? 0),
        };
        modelLatencyMs = event.metadata.metrics?.latencyMs;
        guardrailTrace = event.metadata.trace?.guardrail;
      }
    }
  } catch (err) {
    throw abortReasonOr(signal, err);
  }
  // An abort may end the loop silently (it does with the HTTP/2 handler): check why it ended.
  if (signal.aborted) {
    throw abortReasonOr(signal, undefined);
  }
  return { stopReason, usage, modelLatencyMs, guardrailTrace };
}

function abortReasonOr(signal: AbortSignal, err: unknown): ApiError | StreamAborted {
  if (signal.aborted && signal.reason instanceof StreamAborted) {
    return signal.reason;
  }
  return fromBedrockError(err);
}

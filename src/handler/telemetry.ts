import type { AnswerTally } from './answer-tally';
import type { BudgetRecord } from './budget';
import type { Caller } from './caller';
import type { Usage } from './chat';
import type { HandlerConfig } from './config';
import { describeCause, logLevel, type ApiError } from './errors';
import type { Endpoint } from './protocols/unit';
import type { RequestContext } from './request-context';
import type { Decoded } from './routes';

/**
 * One structured JSON line per request, written after the response ended, naming the caller. For a request for a
 * model it is also a CloudWatch Embedded Metric Format document, so the same line yields the metrics (requests,
 * errors by code, tokens, time to first token, cache tokens, duration, budget rejections, unmetered answers, answers
 * by a fallback model and, with `pricing`, spend in USD) without any API call. Prompts and answers appear only when
 * `logContent` is on.
 */
export interface RequestRecord {
  readonly requestId: string;
  /** Who called, as API Gateway authenticated them (see caller.ts). */
  readonly caller: Caller;
  readonly lambdaRequestId?: string;
  readonly endpoint: Endpoint;
  /** The client protocol (`native`, `openai`, `ai-sdk`). */
  readonly protocol?: string;
  readonly format?: string;
  /** The model that answered (a fallback, when the asked model could not), else the one asked for. */
  readonly modelId?: string;
  /** The model the request asked for, only when another one answered (`fallbackModelIds`). */
  readonly requestedModelId?: string;
  readonly status: number;
  /** `ok`, or the error code. */
  readonly outcome: string;
  readonly stopReason?: string | null;
  readonly usage?: Usage;
  readonly timeToFirstTokenMs?: number;
  readonly durationMs?: number;
  readonly modelLatencyMs?: number;
  /** Text and reasoning chunks and tool calls written. */
  readonly deltas?: number;
  readonly toolCalls?: number;
  /** Fields of the caller's request that its protocol's documented rule left out (names only). */
  readonly dropped?: readonly string[];
  readonly error?: { code: string; afterOutput: boolean; cause?: Record<string, unknown> };
  readonly guardrailTrace?: unknown;
  /** The token budget's reservation and charge, when the API has budgets. */
  readonly budget?: BudgetRecord;
  /** What the request cost in USD, at the API's `pricing` for the model that answered; absent without a price. */
  readonly costUsd?: number;
  readonly prompt?: unknown;
  readonly answer?: string;
}

/** How a request ended: the status sent, and the error (told in-band when `afterOutput`). */
export interface Outcome {
  readonly status: number;
  readonly error?: ApiError;
  readonly afterOutput?: boolean;
}

/**
 * The log line's level: the outcome's, and WARN for an answer the budget did not count (fine for the caller, worth
 * the operator's attention).
 */
export function lineLevel(outcome: string, budget: BudgetRecord | undefined): string {
  return budget?.unmetered && outcome === 'ok' ? 'WARN' : logLevel(outcome);
}

/** The log line's `error`: the code, whether it came after output, and the cause's name and status (no AWS text). */
export function loggedError(outcome: Outcome): RequestRecord['error'] {
  const error = outcome.error;
  return error && { code: error.code, afterOutput: outcome.afterOutput ?? false, cause: describeCause(error) };
}

/** The log line's fields, from the request's parts (the budget's are added once it is settled). */
export function requestRecord(parts: {
  readonly call: RequestContext;
  readonly decoded: Decoded | undefined;
  readonly tally: AnswerTally;
  readonly outcome: Outcome;
  /** The model that answered, once one did. */
  readonly answeredBy?: string;
}): RequestRecord {
  const { call, decoded, tally, outcome } = parts;
  const error = outcome.error;
  const requested = decoded?.request?.modelId;
  const answeredBy = parts.answeredBy ?? requested;
  return {
    requestId: call.requestId,
    caller: call.caller,
    lambdaRequestId: call.lambda.awsRequestId,
    endpoint: call.endpoint,
    protocol: decoded?.protocol,
    format: decoded?.encoder.name,
    modelId: answeredBy,
    requestedModelId: answeredBy === requested ? undefined : requested,
    dropped: decoded?.request?.dropped,
    status: outcome.status,
    outcome: error?.code ?? 'ok',
    ...tally.logFields(call.startedAt),
    durationMs: Date.now() - call.startedAt,
    error: loggedError(outcome),
    // The validated request's messages go into the log line only with logContent on.
    prompt: call.config?.logContent ? decoded?.request?.messages : undefined,
  };
}

/**
 * EMF dimension sets: API-wide (no dimension, for the construct's metric methods and alarms), per model, and per
 * model and outcome (errors by code). An empty set is valid: "A DimensionSet MAY be empty." (the EMF specification,
 * "DimensionSet array", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * The caller is never a dimension: each distinct value is a billed custom metric, one per caller is unbounded.
 */
const DIMENSION_SETS = [[], ['ModelId'], ['ModelId', 'Outcome']];

/**
 * Writes the request's log line. With `metrics` off the line is a plain log line (no EMF document): for requests
 * that are not for a model, such as listing the models.
 */
export function writeRequestRecord(
  record: RequestRecord,
  config: Pick<HandlerConfig, 'metricsNamespace' | 'fallbackModelIds'> | undefined,
  options: { metrics: boolean } = { metrics: true },
): void {
  const line = {
    level: lineLevel(record.outcome, record.budget),
    message: 'request completed',
    ...record,
    ...(options.metrics ? embeddedMetrics(record, config) : {}),
  };
  writeLogLine(line, record.prompt === undefined ? undefined : byteCounts);
}

/** Writes one JSON log line. */
export function writeLogLine(line: object, replacer?: (this: any, key: string, value: unknown) => unknown): void {
  // process.stdout, not console.log: the runtime's console prefixes lines, and EMF needs the bare JSON.
  // Writes to pipes and files are synchronous on Linux: the line is out when this returns.
  process.stdout.write(`${JSON.stringify(line, replacer)}\n`);
}

/** The EMF members of the line: the dimension values, the metric values, and the `_aws` directive naming them. */
function embeddedMetrics(
  record: RequestRecord,
  config: Pick<HandlerConfig, 'metricsNamespace' | 'fallbackModelIds'> | undefined,
): Record<string, unknown> {
  // Only where fallbacks are configured: 1 when a fallback answered, so its average is the share of such answers.
  const fallbacks = (config?.fallbackModelIds ?? []).length > 0;
  return emfMembers(
    config?.metricsNamespace ?? 'StreamingBedrockApi',
    DIMENSION_SETS,
    { ModelId: record.modelId ?? 'unknown', Outcome: record.outcome },
    [
      ['Requests', 'Count', 1],
      ['Errors', 'Count', record.outcome === 'ok' ? 0 : 1],
      ['InputTokens', 'Count', record.usage?.inputTokens],
      ['OutputTokens', 'Count', record.usage?.outputTokens],
      ['CacheReadInputTokens', 'Count', record.usage?.cacheReadInputTokens],
      ['CacheWriteInputTokens', 'Count', record.usage?.cacheWriteInputTokens],
      ['TimeToFirstToken', 'Milliseconds', record.timeToFirstTokenMs],
      ['Duration', 'Milliseconds', record.durationMs],
      // Only where the budget was checked: an API without budgets publishes no such metric.
      ['BudgetRejections', 'Count', record.budget && (record.budget.exceeded ? 1 : 0)],
      ['UnmeteredRequests', 'Count', record.budget && (record.budget.unmetered ? 1 : 0)],
      // USD, which CloudWatch has no unit for. Only where a price was known: a Spend of 0 would claim a free answer.
      ['Spend', 'None', record.costUsd],
      ['Fallbacks', 'Count', fallbacks ? (record.requestedModelId === undefined ? 0 : 1) : undefined],
    ],
  );
}

/** One metric of a log line: its name, CloudWatch unit and value (left out when undefined or not finite). */
export type MetricValue = readonly [name: string, unit: string, value: number | undefined];

/**
 * The Embedded Metric Format members of a log line (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
 * CloudWatch_Embedded_Metric_Format_Specification.html): the dimension values, the metric values, and the `_aws`
 * directive naming them in `namespace` under each of `dimensionSets`.
 */
export function emfMembers(
  namespace: string,
  dimensionSets: readonly (readonly string[])[],
  dimensions: Readonly<Record<string, string>>,
  metrics: readonly MetricValue[],
): Record<string, unknown> {
  const named: Array<{ Name: string; Unit: string }> = [];
  const values: Record<string, number> = {};
  for (const [name, unit, value] of metrics) {
    if (value !== undefined && Number.isFinite(value)) {
      named.push({ Name: name, Unit: unit });
      values[name] = value;
    }
  }
  return {
    ...dimensions,
    ...values,
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [{ Namespace: namespace, Dimensions: dimensionSets, Metrics: named }],
    },
  };
}

/**
 * With logContent on, attachments (images, documents, redacted reasoning) are logged as their size, never their
 * bytes. `this[key]` is the value before Buffer's toJSON turned it into an array of numbers.
 */
function byteCounts(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Uint8Array ? { byteLength: raw.byteLength } : value;
}

import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { Routes, corsResponseHeaders } from '../contract';
import { RequestBudget } from './budget';
import { callerOf } from './caller';
import type { ChatEvent, ChatRequest, ChatSummary } from './chat';
import { loadConfig, type HandlerConfig } from './config';
import { StreamAborted } from './converse';
import { ApiError, Errors, describeCause } from './errors';
import { header } from './http-request';
import { writeRequestRecord, type RequestRecord } from './telemetry';

export type LambdaContext = Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>;

/**
 * Per-invocation state: timing, the deadline, the abort controller and the log record.
 */
export class Invocation {
  readonly requestId: string;
  readonly record: RequestRecord;
  config: HandlerConfig | undefined;
  clientGone = false;
  /** Bedrock's stream opened: from here on the model may be spending tokens. */
  modelAnswered = false;
  private budget: RequestBudget | undefined;
  private readonly started = Date.now();
  private readonly controller = new AbortController();
  private deadlineTimer: NodeJS.Timeout | undefined;
  private answerParts: string[] | undefined;
  private firstTokenAt: number | undefined;
  private deltas = 0;

  constructor(
    private readonly event: APIGatewayProxyEvent,
    private readonly context: LambdaContext,
    endpoint: 'stream' | 'buffered',
  ) {
    this.requestId = event.requestContext?.requestId ?? context.awsRequestId;
    this.record = {
      requestId: this.requestId,
      caller: callerOf(event.requestContext),
      lambdaRequestId: context.awsRequestId,
      endpoint,
      status: 0,
      outcome: 'ok',
    };
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Loads the configuration and arms the deadline: end the answer ourselves before Lambda kills the function. */
  start(): HandlerConfig {
    const remaining = this.context.getRemainingTimeInMillis();
    const margin = Math.min(2000, Math.max(200, remaining * 0.1));
    this.deadlineTimer = setTimeout(() => this.abort('deadline'), Math.max(0, remaining - margin));
    this.config = loadConfig();
    if (this.config.logContent) {
      this.answerParts = [];
    }
    return this.config;
  }

  abort(reason: StreamAborted['reason']): void {
    if (this.controller.signal.aborted || this.record.status !== 0) {
      return;
    }
    if (reason === 'client_disconnected') {
      this.clientGone = true;
    }
    this.controller.abort(new StreamAborted(reason));
  }

  /** The validated request's messages go into the log line only with logContent on. */
  onRequest(request: ChatRequest, protocol: string, format: string): void {
    this.record.modelId = request.modelId;
    this.record.protocol = protocol;
    this.record.format = format;
    if (this.config?.logContent) {
      this.record.prompt = request.messages;
    }
  }

  /** Reserves the request's worst case in the caller's token budget (when the API has budgets): 429 or 503 if not. */
  async reserveBudget(request: ChatRequest): Promise<void> {
    const budgetConfig = this.config?.tokenBudget;
    if (this.config && budgetConfig) {
      this.budget = new RequestBudget(budgetConfig, this.record.caller);
      await this.budget.reserve(request, this.config);
    }
  }

  onEvent(event: ChatEvent): void {
    switch (event.type) {
      case 'text':
        this.onOutput();
        this.answerParts?.push(event.text);
        break;
      case 'reasoning':
        this.onOutput();
        break;
      case 'toolUse':
        this.onOutput();
        this.record.toolCalls = (this.record.toolCalls ?? 0) + 1;
        break;
      case 'stop':
        this.record.stopReason = event.stopReason;
        break;
      case 'usage':
        this.record.usage = event.usage;
        this.record.modelLatencyMs = event.modelLatencyMs;
        this.record.guardrailTrace = event.guardrailTrace;
        break;
    }
  }

  /** Time to first token counts from the first output of any kind: reasoning and tool calls are output too. */
  private onOutput(): void {
    this.firstTokenAt ??= Date.now();
    this.deltas++;
  }

  /** What `done` reports; only called after the model's stream completed (stop and usage were seen). */
  summary(): ChatSummary {
    return {
      stopReason: this.record.stopReason ?? 'unknown',
      usage: this.record.usage ?? {
        inputTokens: 0,
        outputTokens: 0,
        totalTokens: 0,
        cacheReadInputTokens: 0,
        cacheWriteInputTokens: 0,
      },
      latencyMs: Date.now() - this.started,
    };
  }

  toApiError(err: unknown): ApiError {
    if (err instanceof ApiError) {
      return err;
    }
    if (err instanceof StreamAborted) {
      const byReason = { deadline: Errors.deadline, idle: Errors.idle, client_disconnected: Errors.clientDisconnected };
      return byReason[err.reason]();
    }
    return Errors.internal(err);
  }

  /**
   * Response headers: content type, request id, the caller's remaining token budget (with budgets), and CORS only
   * when the request's Origin is allowed.
   */
  responseHeaders(contentType: string): Record<string, string> {
    const config = this.config;
    const cors = config && { allowOrigins: config.corsAllowOrigins, allowCredentials: config.corsAllowCredentials };
    return {
      'Content-Type': contentType,
      'X-Request-Id': this.requestId,
      ...this.budget?.headers(),
      ...corsResponseHeaders(cors, header(this.event, 'origin')),
    };
  }

  /** Records how the request ended, for the log line. */
  finish(status: number, error?: ApiError, afterOutput = false): void {
    this.record.status = status;
    if (error) {
      this.record.outcome = error.code;
      this.record.error = { code: error.code, afterOutput, cause: describeCause(error) };
    }
  }

  /**
   * Releases Bedrock after a failure (nobody reads the rest), settles the token budget and writes the log line, before
   * the handler returns: Lambda may freeze the process right after.
   */
  async close(): Promise<void> {
    clearTimeout(this.deadlineTimer);
    if (this.record.outcome !== 'ok' && !this.controller.signal.aborted) {
      this.controller.abort();
    }
    const now = Date.now();
    this.record.durationMs = now - this.started;
    this.record.deltas = this.deltas;
    if (this.firstTokenAt !== undefined) {
      this.record.timeToFirstTokenMs = this.firstTokenAt - this.started;
    }
    if (this.answerParts) {
      this.record.answer = this.answerParts.join('');
    }
    // The settlement may take what is left of the invocation, less a moment for the log line.
    await this.budget?.settle(this.record.usage, this.modelAnswered, this.context.getRemainingTimeInMillis() - 100);
    this.record.budget = this.budget?.record;
    // Listing the models asks for no model: it is logged, but counts in no metric (Requests means model requests).
    writeRequestRecord(this.record, this.config, { metrics: this.event.resource !== Routes.MODELS.path });
  }
}

/**
 * One request's context: who asked and on which endpoint, the configuration, the deadline, and the signal that stops
 * the model. The pipeline reads it; only its own methods change it.
 */
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { corsResponseHeaders } from '../contract';
import { callerOf, type Caller } from './caller';
import { loadConfig, type HandlerConfig, type ShellConfig } from './config';
import { StreamAborted } from './errors';
import type { Endpoint } from './protocols/unit';
import { header } from './request/http';

export type LambdaContext = Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>;

/**
 * `C` is the handler's configuration (the Bedrock handler's HandlerConfig by default, read by `loadConfig`); the
 * context itself only reads the part every handler shares (ShellConfig).
 */
export class RequestContext<C extends ShellConfig = HandlerConfig> {
  readonly requestId: string;
  private who: Caller;
  readonly startedAt = Date.now();
  private loaded: C | undefined;
  private readonly controller = new AbortController();
  private deadlineTimer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    readonly event: APIGatewayProxyEvent,
    readonly lambda: LambdaContext,
    readonly endpoint: Endpoint,
    private readonly load: () => C = loadConfig as unknown as () => C,
  ) {
    this.requestId = event.requestContext?.requestId ?? lambda.awsRequestId;
    this.who = callerOf(event.requestContext);
  }

  /** Who asked: the identity API Gateway authenticated, or the holder of a managed key once it was checked. */
  get caller(): Caller {
    return this.who;
  }

  /** The handler authenticated the caller itself (a managed key): it replaces what API Gateway saw. */
  identify(caller: Caller): void {
    this.who = caller;
  }

  /** The configuration, once loaded (undefined when loading it failed). */
  get config(): C | undefined {
    return this.loaded;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The client went away: nobody is left to answer. */
  get clientGone(): boolean {
    const reason: unknown = this.controller.signal.reason;
    return reason instanceof StreamAborted && reason.reason === 'client_disconnected';
  }

  /** Arms the deadline (end the answer ourselves before Lambda kills the function) and loads the configuration. */
  configure(): C {
    const remaining = this.lambda.getRemainingTimeInMillis();
    const margin = Math.min(2000, Math.max(200, remaining * 0.1));
    this.deadlineTimer = setTimeout(() => this.abort('deadline'), Math.max(0, remaining - margin));
    this.loaded = this.load();
    return this.loaded;
  }

  /** Stops reading the model; ignored once the request has ended (a stream's 'close' after end() is no abort). */
  abort(reason: StreamAborted['reason']): void {
    if (!this.ended && !this.controller.signal.aborted) {
      this.controller.abort(new StreamAborted(reason));
    }
  }

  /** The answer is decided: no more aborts; after a failure the model is released (nobody reads the rest). */
  end(failed: boolean): void {
    this.ended = true;
    clearTimeout(this.deadlineTimer);
    if (failed && !this.controller.signal.aborted) {
      this.controller.abort();
    }
  }

  remainingMs(): number {
    return this.lambda.getRemainingTimeInMillis();
  }

  /**
   * Content type, request id, the extra headers (the budget's, the session's), and CORS only when the request's
   * Origin is allowed (`expose`: the extra headers a browser may read besides the usual ones).
   */
  responseHeaders(
    contentType: string,
    extra: Record<string, string> = {},
    expose: readonly string[] = [],
  ): Record<string, string> {
    const config = this.loaded;
    const cors = config && { allowOrigins: config.corsAllowOrigins, allowCredentials: config.corsAllowCredentials };
    return {
      'Content-Type': contentType,
      'X-Request-Id': this.requestId,
      ...extra,
      ...corsResponseHeaders(cors, header(this.event, 'origin'), expose),
    };
  }
}

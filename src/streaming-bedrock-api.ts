import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { Routes, streamingRoutes } from './contract';
import { ApiShell } from './private/api-shell';
import { BedrockBackend, REQUEST_VALIDATION_ACKNOWLEDGMENT } from './private/bedrock-backend';
import { HandlerMetrics } from './private/metrics';
import { validateProps } from './private/props-validation';
import { protocolUrls, servedProtocols } from './private/served-protocols';
import { validateNoStreamingBreakers } from './private/streaming-breakers';
import { resolveTimeouts } from './private/timeouts';
import { subjectOf } from './private/validation';
import { ResponseMode } from './response-mode';
import { StreamingBedrockApiProps } from './streaming-bedrock-api-props';
import { StreamingLambdaIntegration } from './streaming-lambda-integration';

/**
 * An API Gateway REST API that streams Amazon Bedrock output to clients as it is generated:
 * `POST /stream` (response transfer mode STREAM) -> the bundled Lambda handler -> Bedrock ConverseStream.
 * The same function can also speak other client protocols (`protocols`): OpenAI Chat Completions and the AI SDK UI
 * message stream.
 *
 * Secure by default: IAM auth, a regional endpoint, stage throttling, JSON access logs, least-privilege Bedrock IAM,
 * a server-side `maxTokens` cap and a request size cap.
 *
 * @example
 * new StreamingBedrockApi(this, 'Chat', {
 *   modelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
 * });
 */
export class StreamingBedrockApi extends Construct {
  /** The REST API. */
  public readonly restApi: apigateway.RestApi;
  /**
   * The main function. With ResponseMode.STREAMING or BOTH, the one behind `POST /stream` (the default handler or
   * yours); with ResponseMode.BUFFERED, the one behind `POST /buffered` (the same as `bufferedHandler`).
   */
  public readonly handler: lambda.IFunction;
  /** The function behind `POST /buffered`, with ResponseMode.BUFFERED or BOTH. */
  public readonly bufferedHandler?: lambda.IFunction;
  /** URL of the streaming endpoint (`POST`), with ResponseMode.STREAMING or BOTH. */
  public readonly streamUrl?: string;
  /** URL of the buffered endpoint (`POST`), with ResponseMode.BUFFERED or BOTH. */
  public readonly bufferedUrl?: string;
  /**
   * With ClientProtocol.OPENAI_CHAT_COMPLETIONS or OPENAI_RESPONSES in `protocols`, the OpenAI base URL (ending in
   * `/v1`) to give an OpenAI client, as in `new OpenAI({ baseURL: api.openAiBaseUrl })`: the client calls
   * `/chat/completions`, `/responses` and `/models` under it. Undefined without either protocol.
   */
  public readonly openAiBaseUrl?: string;
  /**
   * With ClientProtocol.AI_SDK_UI_MESSAGES in `protocols`, the URL of the AI SDK endpoint (`POST /chat`), as in
   * `new DefaultChatTransport({ api: chatUrl })`. Undefined without that protocol.
   */
  public readonly chatUrl?: string;
  /**
   * With ClientProtocol.ANTHROPIC_MESSAGES in `protocols`, the base URL to give an Anthropic client (the stage root,
   * ending in `/`), as in `new Anthropic({ baseURL: api.anthropicBaseUrl })` or Claude Code's `ANTHROPIC_BASE_URL`:
   * they call `/v1/messages` under it. Undefined without that protocol.
   */
  public readonly anthropicBaseUrl?: string;
  /** The usage plan, with ApiAuth.apiKey(). */
  public readonly usagePlan?: apigateway.IUsagePlan;
  /** The API key created with ApiAuth.apiKey(). */
  public readonly apiKey?: apigateway.IApiKey;
  /**
   * With `tokenBudget`, the ledger table (yours, or the one the construct created). Undefined without `tokenBudget`.
   */
  public readonly budgetTable?: dynamodb.ITable;
  /**
   * With `ApiAuth.managedKeys()`, the table of keys (yours, or the one the construct created): pass its name to
   * `npx cdk-streaming-bedrock-api keys --table`. Undefined with other auth modes.
   */
  public readonly keyTable?: dynamodb.ITable;
  /** The log group of the API's access logs. It is kept when the stack is deleted (see `logRetention`). */
  public readonly accessLogGroup: logs.ILogGroup;
  /**
   * The custom domain, with `domainName`: the target of your DNS alias record
   * (`new route53_targets.ApiGatewayDomain(api.domain)`). Undefined without `domainName`.
   */
  public readonly domain?: apigateway.IDomainName;

  private readonly shell: ApiShell;
  private readonly handlerMetrics: HandlerMetrics;

  constructor(scope: Construct, id: string, props: StreamingBedrockApiProps) {
    super(scope, id);
    const subject = subjectOf('StreamingBedrockApi', this);
    const responseMode = props.responseMode ?? ResponseMode.STREAMING;
    const streaming = responseMode !== ResponseMode.BUFFERED;
    const handlerTimeout = props.handler instanceof lambda.Function ? props.handler.timeout : undefined;
    const timeouts = resolveTimeouts(subject, props.timeout, responseMode === ResponseMode.BUFFERED, handlerTimeout);
    const choice = validateProps(subject, props, streaming, responseMode !== ResponseMode.STREAMING);
    const endpointType = props.endpointType ?? apigateway.EndpointType.REGIONAL;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const modelIds = props.modelId ? [props.modelId, ...(props.allowedModelIds ?? [])] : [];

    this.shell = new ApiShell(this, subject, {
      ...props,
      description: 'Streams Amazon Bedrock answers to clients (cdk-streaming-bedrock-api).',
      endpointType,
      logRetention,
    });
    this.restApi = this.shell.restApi;
    this.accessLogGroup = this.shell.accessLogGroup;
    this.usagePlan = this.shell.usagePlan;
    this.apiKey = this.shell.apiKey;
    this.domain = this.shell.domain;
    const backend = new BedrockBackend(this, choice, {
      subject,
      props,
      responseMode,
      timeouts,
      modelIds,
      logRetention,
      managedKeys: this.shell.managedKeys,
    });
    this.keyTable = this.shell.managedKeys?.table;
    this.handler = backend.handler;
    this.bufferedHandler = backend.bufferedHandler;
    this.budgetTable = backend.budgetTable;
    this.handlerMetrics = new HandlerMetrics(subject, backend.metricsNamespace, this.budgetTable !== undefined);

    const protocols = streaming ? servedProtocols(props.protocols) : [];
    if (streaming) {
      const integration = new StreamingLambdaIntegration(this.handler, { timeout: timeouts.streaming });
      streamingRoutes(protocols).forEach((route) => this.shell.addRoute(route, integration));
      this.node.addValidation({ validate: () => validateNoStreamingBreakers(subject, this.restApi) });
    }
    if (this.bufferedHandler) {
      const timeout = timeouts.buffered;
      this.shell.addRoute(Routes.BUFFERED, new apigateway.LambdaIntegration(this.bufferedHandler, { timeout }));
      this.bufferedUrl = this.shell.urlFor(Routes.BUFFERED.path);
    }
    const urls = protocolUrls(protocols, (path) => this.shell.urlFor(path));
    ({
      streamUrl: this.streamUrl,
      openAiBaseUrl: this.openAiBaseUrl,
      chatUrl: this.chatUrl,
      anthropicBaseUrl: this.anthropicBaseUrl,
    } = urls);

    this.shell.acknowledgeNagFindings(REQUEST_VALIDATION_ACKNOWLEDGMENT);
    backend.acknowledgeNagFindings();
  }

  /**
   * Allows a principal to call the API's endpoints (for ApiAuth.iam(), the default): each served method and path
   * (`POST /stream`, and `POST /buffered`, `POST /v1/chat/completions`, `GET /v1/models`, `POST /chat`,
   * `POST /v1/responses`, `POST /v1/messages`, `POST /v1/messages/count_tokens` when served)
   * on the API's stage, and nothing else (no CORS preflight, no other stage).
   */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.shell.grantInvoke(grantee);
  }

  /**
   * Requests the default handler answered (each protocol's endpoints included), API-wide.
   * Pass `dimensionsMap: { ModelId: 'anthropic.claude-...' }` for one model's requests.
   *
   * Throws with your own `handler`, which does not publish the default handler's metrics.
   *
   * @default - Sum over 5 minutes, namespace `handlerOptions.metricsNamespace`
   */
  public metricRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.handlerMetrics.metric('Requests', 'metricRequests', props);
  }

  /**
   * Requests that ended with an error (validation, throttling by Bedrock, timeouts, upstream errors), API-wide.
   * Pass `dimensionsMap: { ModelId: '...' }` for one model, or `{ ModelId: '...', Outcome: 'upstream_throttled' }`
   * for one model and one outcome (the error code; `ok` for successes).
   * The handler publishes 0 for each success and 1 for each failure, so `statistic: 'Average'` is the error rate
   * (0 to 1).
   *
   * Throws with your own `handler`, which does not publish the default handler's metrics.
   *
   * @default - Sum over 5 minutes, namespace `handlerOptions.metricsNamespace`
   */
  public metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.handlerMetrics.metric('Errors', 'metricErrors', props);
  }

  /**
   * Milliseconds from the request to the first streamed token, API-wide. Pass
   * `dimensionsMap: { ModelId: '...' }` for one model.
   *
   * Throws with your own `handler`, which does not publish the default handler's metrics.
   *
   * @default - p90 over 5 minutes, namespace `handlerOptions.metricsNamespace`
   */
  public metricTimeToFirstToken(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.handlerMetrics.metric('TimeToFirstToken', 'metricTimeToFirstToken', props);
  }

  /**
   * Input tokens billed by Bedrock (cached tokens excluded), API-wide. Pass `dimensionsMap: { ModelId: '...' }`
   * for one model.
   *
   * Throws with your own `handler`, which does not publish the default handler's metrics.
   *
   * @default - Sum over 5 minutes, namespace `handlerOptions.metricsNamespace`
   */
  public metricInputTokens(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.handlerMetrics.metric('InputTokens', 'metricInputTokens', props);
  }

  /**
   * Output tokens generated, API-wide. Pass `dimensionsMap: { ModelId: '...' }` for one model.
   *
   * Throws with your own `handler`, which does not publish the default handler's metrics.
   *
   * @default - Sum over 5 minutes, namespace `handlerOptions.metricsNamespace`
   */
  public metricOutputTokens(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.handlerMetrics.metric('OutputTokens', 'metricOutputTokens', props);
  }

  /**
   * Requests refused with 429 `budget_exceeded` because the caller's token budget could not cover them, API-wide.
   * The handler publishes 1 for each refusal and 0 for each other budgeted request, so `statistic: 'Average'` is the
   * share of requests refused. Pass `dimensionsMap: { ModelId: '...' }` for one model.
   *
   * Throws without `tokenBudget` (nothing publishes it) and with your own `handler`.
   *
   * @default - Sum over 5 minutes, namespace `handlerOptions.metricsNamespace`
   */
  public metricBudgetRejections(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.handlerMetrics.budgetMetric('BudgetRejections', 'metricBudgetRejections', props);
  }

  /**
   * Requests answered although their token budget could not be checked (the ledger was out of reach and
   * `tokenBudget.failOpen` is on), API-wide: 1 for each such answer, 0 for each other budgeted request. Alarm on it
   * when you fail open: these answers are not counted against any budget.
   *
   * Throws without `tokenBudget` (nothing publishes it) and with your own `handler`.
   *
   * @default - Sum over 5 minutes, namespace `handlerOptions.metricsNamespace`
   */
  public metricUnmeteredRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.handlerMetrics.budgetMetric('UnmeteredRequests', 'metricUnmeteredRequests', props);
  }

  /**
   * API Gateway's Latency of the stage (dimensions ApiName and Stage): from the request to the end of the response,
   * so for a streamed answer the whole stream.
   *
   * @default - p90 over 5 minutes
   */
  public metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.shell.metricLatency(props);
  }

  /**
   * API Gateway's IntegrationLatency of the stage (dimensions ApiName and Stage): the time the handler took.
   *
   * @default - p90 over 5 minutes
   */
  public metricIntegrationLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.shell.metricIntegrationLatency(props);
  }

  /**
   * API Gateway's 4XXError of the stage (dimensions ApiName and Stage): refused requests, including those API
   * Gateway refuses itself (auth, throttling, WAF) before the handler runs.
   *
   * @default - Sum over 5 minutes
   */
  public metricClientError(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.shell.metricClientError(props);
  }

  /**
   * API Gateway's 5XXError of the stage (dimensions ApiName and Stage).
   *
   * @default - Sum over 5 minutes
   */
  public metricServerError(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.shell.metricServerError(props);
  }

  /**
   * API Gateway's Count of the stage (dimensions ApiName and Stage): every request that reached the stage.
   *
   * @default - Sum over 5 minutes
   */
  public metricCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.shell.metricCount(props);
  }
}

import { Duration } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AGENT_CORE_INVOCATIONS, AgentCoreDefaults } from './contract';
import { AGENT_CORE_REQUEST_VALIDATION_ACKNOWLEDGMENT, AgentCoreBackend } from './private/agent-core-backend';
import { validateAgentCoreProps } from './private/agent-core-props-validation';
import { resolveRuntimeArn, validateQualifier } from './private/agent-core-runtime';
import { ApiShell } from './private/api-shell';
import { HandlerMetrics } from './private/metrics';
import { validateNoStreamingBreakers } from './private/streaming-breakers';
import { MAX_STREAMING_TIMEOUT, resolveTimeouts } from './private/timeouts';
import { subjectOf } from './private/validation';
import { StreamingAgentCoreApiProps } from './streaming-agent-core-api-props';
import { StreamingLambdaIntegration } from './streaming-lambda-integration';

/** An agent's run is its own business: the longest stream API Gateway and Lambda allow. */
const DEFAULT_AGENT_TIMEOUT: Duration = MAX_STREAMING_TIMEOUT;

/**
 * An API Gateway REST API in front of an Amazon Bedrock AgentCore runtime: `POST /invocations` (response transfer
 * mode STREAM) -> a bundled Lambda handler -> InvokeAgentRuntime, the agent's answer streamed back as it arrives
 * (its content type kept: SSE or JSON). It gives an agent what AgentCore does not by itself: API keys, Cognito, Lambda
 * authorizers, WAF, a custom domain, throttling, per-caller request limits, and one URL without an account id or an
 * encoded ARN.
 *
 * The runtime session comes from the `X-Session-Id` request header (33 to 256 characters) or is generated, and is
 * returned in that response header; the runtime user id is the authenticated caller. IAM: exactly
 * `bedrock-agentcore:InvokeAgentRuntime` and `InvokeAgentRuntimeForUser` on the runtime and its one endpoint.
 *
 * @example
 * declare const runtime: bedrockagentcore.CfnRuntime;
 * new StreamingAgentCoreApi(this, 'Agent', {
 *   runtime,
 *   auth: ApiAuth.managedKeys(),
 * });
 */
export class StreamingAgentCoreApi extends Construct {
  /** The REST API. */
  public readonly restApi: apigateway.RestApi;
  /** The bundled handler's function, behind `POST /invocations`. */
  public readonly handler: lambda.IFunction;
  /** The stage's root URL (through the custom domain when there is one), ending in `/`. */
  public readonly url: string;
  /** The URL of `POST /invocations` (through the custom domain when there is one). */
  public readonly invocationsUrl: string;
  /** The runtime ARN the handler invokes (a token when it comes from `runtime`). */
  public readonly agentRuntimeArn: string;
  /** The log group of the API's access logs. It is kept when the stack is deleted (see `logRetention`). */
  public readonly accessLogGroup: logs.ILogGroup;
  /** The handler's log group: one JSON line per request. It is kept when the stack is deleted. */
  public readonly handlerLogGroup: logs.ILogGroup;
  /** The usage plan, with ApiAuth.apiKey(). */
  public readonly usagePlan?: apigateway.IUsagePlan;
  /** The API key created with ApiAuth.apiKey(). */
  public readonly apiKey?: apigateway.IApiKey;
  /**
   * With `ApiAuth.managedKeys()`, the table of keys: pass its name to `npx cdk-streaming-bedrock-api keys --table`.
   * Undefined with other auth modes.
   */
  public readonly keyTable?: dynamodb.ITable;
  /** With `tokenBudget`, the request rate ledger (yours, or the one the construct created). */
  public readonly budgetTable?: dynamodb.ITable;
  /**
   * The custom domain, with `domainName`: the target of your DNS alias record
   * (`new route53_targets.ApiGatewayDomain(api.domain)`). Undefined without `domainName`.
   */
  public readonly domain?: apigateway.IDomainName;

  private readonly shell: ApiShell;
  private readonly handlerMetrics: HandlerMetrics;

  constructor(scope: Construct, id: string, props: StreamingAgentCoreApiProps) {
    super(scope, id);
    const subject = subjectOf('StreamingAgentCoreApi', this);
    validateAgentCoreProps(subject, props);
    validateQualifier(subject, props.qualifier);
    this.agentRuntimeArn = resolveRuntimeArn(subject, this, props);
    const timeout = resolveTimeouts(subject, props.timeout ?? DEFAULT_AGENT_TIMEOUT, false).streaming;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.shell = new ApiShell(this, subject, {
      ...props,
      description: 'Streams Amazon Bedrock AgentCore agent answers to clients (cdk-streaming-bedrock-api).',
      endpointType: props.endpointType ?? apigateway.EndpointType.REGIONAL,
      logRetention,
    });
    this.restApi = this.shell.restApi;
    this.accessLogGroup = this.shell.accessLogGroup;
    this.usagePlan = this.shell.usagePlan;
    this.apiKey = this.shell.apiKey;
    this.domain = this.shell.domain;
    this.keyTable = this.shell.managedKeys?.table;
    const backend = new AgentCoreBackend(this, {
      props,
      runtimeArn: this.agentRuntimeArn,
      qualifier: props.qualifier ?? AgentCoreDefaults.QUALIFIER,
      timeout,
      logRetention,
      managedKeys: this.shell.managedKeys,
    });
    this.handler = backend.handler;
    this.handlerLogGroup = backend.handlerLogGroup;
    this.budgetTable = backend.budgetTable;
    this.handlerMetrics = new HandlerMetrics(subject, backend.metricsNamespace, {
      tokenBudget: this.budgetTable !== undefined,
      pricing: false,
      fallbackModelIds: false,
    });

    this.shell.addRoute(AGENT_CORE_INVOCATIONS, new StreamingLambdaIntegration(this.handler, { timeout }));
    this.node.addValidation({ validate: () => validateNoStreamingBreakers(subject, this.restApi) });
    this.url = this.shell.urlFor('/');
    this.invocationsUrl = this.shell.urlFor(AGENT_CORE_INVOCATIONS.path);

    this.shell.acknowledgeNagFindings(AGENT_CORE_REQUEST_VALIDATION_ACKNOWLEDGMENT);
    backend.acknowledgeNagFindings();
  }

  /**
   * Allows a principal to call `POST /invocations` on the API's stage (for ApiAuth.iam(), the default), and nothing
   * else (no CORS preflight, no other stage).
   */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.shell.grantInvoke(grantee);
  }

  /**
   * Requests the handler answered, API-wide. Pass `dimensionsMap: { Outcome: 'ok' }` (or an error code) for one
   * outcome's requests.
   *
   * @default - Sum over 5 minutes, namespace `handlerOptions.metricsNamespace`
   */
  public metricRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.handlerMetrics.metric('Requests', 'metricRequests', props);
  }

  /**
   * Requests that ended with an error (validation, AgentCore throttling, access denied, timeouts, the agent's failure),
   * API-wide. Pass `dimensionsMap: { Outcome: 'upstream_throttled' }` for one error code. The handler publishes 0 for
   * each success and 1 for each failure, so `statistic: 'Average'` is the error rate (0 to 1).
   *
   * @default - Sum over 5 minutes, namespace `handlerOptions.metricsNamespace`
   */
  public metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.handlerMetrics.metric('Errors', 'metricErrors', props);
  }

  /**
   * Milliseconds from the request to the agent's first byte, API-wide: how long callers wait before anything
   * streams (cold starts of the agent's container included).
   *
   * @default - p90 over 5 minutes, namespace `handlerOptions.metricsNamespace`
   */
  public metricTimeToFirstByte(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.handlerMetrics.metric('TimeToFirstByte', 'metricTimeToFirstByte', props);
  }

  /**
   * Milliseconds from the request to the end of the answer, as the handler measured it, API-wide.
   *
   * @default - p90 over 5 minutes, namespace `handlerOptions.metricsNamespace`
   */
  public metricDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.handlerMetrics.metric('Duration', 'metricDuration', props);
  }

  /**
   * Requests refused with 429 `rate_limited` because the caller was over `tokenBudget.requestsPerMinute`, API-wide:
   * 1 for each refusal and 0 for each other limited request, so `statistic: 'Average'` is the share refused.
   *
   * Throws without `tokenBudget` (nothing publishes it).
   *
   * @default - Sum over 5 minutes, namespace `handlerOptions.metricsNamespace`
   */
  public metricBudgetRejections(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.handlerMetrics.metric('BudgetRejections', 'metricBudgetRejections', props);
  }

  /**
   * Requests answered although their rate limit could not be checked (the ledger was out of reach and
   * `tokenBudget.failOpen` is on), API-wide: 1 for each such answer, 0 for each other limited request.
   *
   * Throws without `tokenBudget` (nothing publishes it).
   *
   * @default - Sum over 5 minutes, namespace `handlerOptions.metricsNamespace`
   */
  public metricUnmeteredRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.handlerMetrics.metric('UnmeteredRequests', 'metricUnmeteredRequests', props);
  }

  /**
   * API Gateway's Count of the stage (dimensions ApiName and Stage): every request, including those API Gateway
   * refuses itself.
   *
   * @default - Sum over 5 minutes
   */
  public metricCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.shell.metricCount(props);
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
}

import { Duration, Names, Size, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ApiAuth } from './api-auth';
import { Route, Routes } from './contract';
import { accessLogFormat } from './private/access-log-format';
import { bedrockAcknowledgments, bedrockInvokeStatements, guardrailStatement } from './private/bedrock-iam';
import { budgetTable, grantBudgetLedger } from './private/budget-table';
import { DefaultHandlers, LATEST_RUNTIME_ACKNOWLEDGMENTS } from './private/default-handler';
import { DefaultHandlerEntryPoint } from './private/default-handler-code';
import { addCustomDomain, customDomainUrl, validateCustomDomain } from './private/domain';
import { addErrorGatewayResponses } from './private/gateway-responses';
import { defaultHandlerEnvironment } from './private/handler-environment';
import { DEFAULT_METRICS_NAMESPACE, HandlerMetricName, handlerMetric } from './private/metrics';
import { NagAcknowledgment, acknowledgeNagFindings } from './private/nag-acknowledgments';
import { validateProps } from './private/props-validation';
import { preflightOptions } from './private/protocol-cors';
import { validateNoStreamingBreakers } from './private/streaming-breakers';
import { resolveTimeouts } from './private/timeouts';
import { subjectOf } from './private/validation';
import { associateWebAcl, validateWebAclArn } from './private/waf';
import { warnAboutRiskySettings } from './private/warnings';
import { StreamingLambdaIntegration } from './streaming-lambda-integration';

/** Which endpoints the API serves. */
export enum ResponseMode {
  /**
   * `POST /stream` (and the `openAiCompatible` / `aiSdkCompatible` endpoints when they are on): the answer streams as
   * it is generated, for up to 15 minutes.
   */
  STREAMING = 'STREAMING',
  /** `POST /buffered` only: a classic proxy that answers with JSON at the end, within API Gateway's 29 s. */
  BUFFERED = 'BUFFERED',
  /** Both `POST /stream` (with the protocol endpoints that are on) and `POST /buffered`. */
  BOTH = 'BOTH',
}

/** How a guardrail scans a streamed answer. */
export enum GuardrailStreamMode {
  /** The guardrail scans each chunk before it is sent (safer, adds latency). */
  SYNC = 'sync',
  /** Chunks are sent at once and scanned in the background (lower latency; cannot mask PII). */
  ASYNC = 'async',
}

/** A Bedrock guardrail applied to every request. Callers can neither change nor disable it. */
export interface GuardrailOptions {
  /** The guardrail id or ARN. */
  readonly guardrailIdentifier: string;
  /** The guardrail version: a number such as `'1'`, or `'DRAFT'`. */
  readonly guardrailVersion: string;
  /**
   * How the guardrail scans the streamed answer.
   *
   * @default GuardrailStreamMode.SYNC
   */
  readonly streamProcessingMode?: GuardrailStreamMode;
  /**
   * Ask Bedrock for the guardrail trace (it is logged, never sent to callers).
   *
   * @default false
   */
  readonly trace?: boolean;
}

/** Options of the default handler's Lambda functions. */
export interface DefaultHandlerOptions {
  /**
   * Memory of the function in MB (also buys CPU for cold starts and JSON work).
   *
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Processor architecture.
   *
   * @default lambda.Architecture.ARM_64
   */
  readonly architecture?: lambda.Architecture;
  /**
   * Reserved concurrency: a hard cap on simultaneous answers, and so on spend.
   *
   * @default - no reservation (the account's unreserved concurrency)
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Log prompts and answers in the per-request log line. Off by default: they may hold personal data.
   *
   * @default false
   */
  readonly logContent?: boolean;
  /**
   * CloudWatch namespace of the handler's metrics (requests, errors by code, tokens, time to first token, duration).
   *
   * @default 'StreamingBedrockApi'
   */
  readonly metricsNamespace?: string;
  /**
   * Largest request body accepted; larger ones get 413 before they are parsed.
   *
   * @default Size.kibibytes(256)
   */
  readonly maxRequestBodySize?: Size;
}

/**
 * Per-caller token budgets: the tokens each caller may spend per UTC day and per UTC calendar month, on every
 * endpoint, kept in a DynamoDB table. See the README section "Token budgets".
 */
export interface TokenBudgetOptions {
  /**
   * Tokens each caller may spend per UTC day (input, output and cache tokens). A caller's `limits` item in the table
   * overrides it for that caller.
   *
   * @default - no daily limit
   */
  readonly tokensPerDay?: number;
  /**
   * Tokens each caller may spend per UTC calendar month (input, output and cache tokens). A caller's `limits` item
   * in the table overrides it for that caller.
   *
   * @default - no monthly limit
   */
  readonly tokensPerMonth?: number;
  /**
   * Your own ledger table, e.g. one shared by several APIs or encrypted with your KMS key. It must have a string
   * partition key `pk` and a string sort key `sk`, and should have TTL on `expiresAt`. The handler gets `GetItem` and
   * `UpdateItem` on it (and `kms:Decrypt`, `kms:DescribeKey`, `kms:Encrypt`, `kms:GenerateDataKey` on its customer
   * managed key, if it has one). With your own table, the limits may come from its `limits` items alone (a caller
   * without one is then not limited).
   *
   * @default - a new table: on-demand, TTL on `expiresAt`, point-in-time recovery, encrypted, kept when the stack is
   * deleted (`budgetTable`)
   */
  readonly table?: dynamodb.ITable;
  /**
   * Answer unmetered when the table cannot be reached (no answer in time, throttling, a DynamoDB fault), instead of
   * refusing with 503 `budget_unavailable`. Such answers are logged at WARN and counted by
   * `metricUnmeteredRequests()`. A table DynamoDB says is wrong (access denied, no such table, another key schema)
   * is still refused with 503: failing open there would switch budgets off until someone noticed.
   *
   * @default false
   */
  readonly failOpen?: boolean;
}

/** A custom domain for the API, such as `chat.example.com`. */
export interface StreamingBedrockApiDomainProps {
  /** The domain name, e.g. `chat.example.com`. Its DNS record is yours: see the construct's `domain`. */
  readonly domainName: string;
  /**
   * The ACM certificate of `domainName`, in the stack's region (a REGIONAL domain uses the regional certificate,
   * not one in us-east-1 as for CloudFront).
   */
  readonly certificate: acm.ICertificate;
  /**
   * The path under the domain where the API is mapped, e.g. `'chat'` (then `https://chat.example.com/chat/stream`),
   * or several segments such as `'ai/v2'`. No leading or trailing slash.
   *
   * @default - the domain's root: `https://chat.example.com/stream`
   */
  readonly basePath?: string;
  /**
   * The TLS versions the domain accepts.
   *
   * @default apigateway.SecurityPolicy.TLS_1_2
   */
  readonly securityPolicy?: apigateway.SecurityPolicy;
}

/** Properties of {@link StreamingBedrockApi}. */
export interface StreamingBedrockApiProps {
  /**
   * The Bedrock model id or system inference profile id used when a request names none,
   * e.g. `anthropic.claude-3-5-haiku-20241022-v1:0` or `us.anthropic.claude-3-5-haiku-20241022-v1:0`,
   * or an application inference profile ARN,
   * `arn:aws:bedrock:{region}:{account}:application-inference-profile/{id}` (other ARNs fail at synth).
   * The handler's IAM role may invoke exactly this model (and `allowedModelIds`). Required with the default handler.
   * With your own `handler`, give it only if your function calls this model: it then gets ConverseStream on it.
   * A geographic profile (`us.`, `eu.`, `apac.` ...) that cannot serve the stack's region, or an application
   * inference profile of another region, gets a synth warning.
   *
   * An application inference profile's model source is not part of its ARN, so its role may invoke the profile,
   * and any foundation model (any region) and any system inference profile of the profile's account, but only
   * through that profile (IAM condition `bedrock:InferenceProfileArn`).
   *
   * @default - none: only allowed with your own `handler`, which then gets no Bedrock permission
   */
  readonly modelId?: string;

  /**
   * Model ids callers may choose per request with the `modelId` field. Must include `modelId`.
   * IAM is scoped to exactly these ids. Each may be a model id, a system inference profile id or an application
   * inference profile ARN (granted as for `modelId`).
   *
   * @default - callers cannot choose: every request uses `modelId`
   */
  readonly allowedModelIds?: string[];

  /**
   * How callers authenticate.
   *
   * @default ApiAuth.iam()
   */
  readonly auth?: ApiAuth;

  /**
   * CORS for browser clients: preflight, the allow-origin header on streamed responses, and CORS headers on
   * API Gateway's own 4XX/5XX responses (so browsers can read auth and throttling errors).
   *
   * A gateway response has static headers, so API Gateway's own errors carry CORS headers only with exactly one
   * origin (or `'*'`). With several origins those errors reach browsers without CORS headers (a network error with
   * no status) and synth warns (`cdk-streaming-bedrock-api:corsGatewayErrors`); the handler's own errors and answers
   * still carry the caller's origin.
   *
   * @default - no CORS: browsers on other origins cannot call the API
   */
  readonly cors?: apigateway.CorsOptions;

  /**
   * Which endpoints to serve.
   *
   * @default ResponseMode.STREAMING
   */
  readonly responseMode?: ResponseMode;

  /**
   * How long one answer may take. The Lambda timeout and the integration timeout are both derived from it
   * and aligned; the handler ends the stream with a `timeout` error just before it. At most 15 minutes;
   * the buffered endpoint is capped at API Gateway's 29 seconds.
   *
   * @default Duration.minutes(5), or Duration.seconds(29) with ResponseMode.BUFFERED
   */
  readonly timeout?: Duration;

  /**
   * Server-side cap on output tokens, and the default for requests that name none.
   *
   * @default 1024
   */
  readonly maxTokens?: number;

  /**
   * Sampling temperature (0 to 1) for requests that name none.
   *
   * @default - the model's default
   */
  readonly temperature?: number;

  /**
   * The system prompt of every request. Callers cannot set or override it.
   *
   * @default - no system prompt
   */
  readonly systemPrompt?: string;

  /**
   * Prompt caching: the default handler puts a Converse cache point (`{ cachePoint: { type: 'default' } }`) after the
   * system prompt, and after the tools when a request has tools, so repeated prefixes are read from Bedrock's cache.
   * Usage (the `done` event, the log line and the metrics) reports the tokens written to and read from the cache
   * (`cacheWriteInputTokens`, `cacheReadInputTokens`); `inputTokens` excludes cached tokens.
   *
   * Bedrock caches only a prefix of at least a model's minimum (1,024 to 4,096 tokens depending on the model); a
   * shorter prefix is simply not cached (no error). The system prompt shares the handler's 4 KB environment budget,
   * so on its own it seldom reaches that minimum: caching pays off when requests carry tools. Prompt caching is
   * supported by Claude 3.7 and 4.x models and Amazon Nova models; check that your model supports it. Without
   * `systemPrompt` only requests with tools get a cache point, and synth warns
   * (`cdk-streaming-bedrock-api:promptCachingWithoutSystemPrompt`).
   *
   * @default false
   */
  readonly promptCaching?: boolean;

  /**
   * Model-specific fields sent as Converse `additionalModelRequestFields` with every request, typically to turn on
   * reasoning. Operator-only: callers cannot send this field. Must be a plain object of JSON values known at synth
   * (no tokens, functions, `undefined`, cycles, NaN or Infinity), and its JSON travels in the handler's environment
   * variables (4 KB in total with the other settings).
   *
   * Examples: Claude up to 4.5 `{ thinking: { type: 'enabled', budget_tokens: 2048 } }`; Claude 4.6 and later
   * `{ thinking: { type: 'adaptive' } }`; Amazon Nova 2
   * `{ reasoningConfig: { type: 'enabled', maxReasoningEffort: 'low' } }` (`low`, `medium` or `high`).
   *
   * Combinations Bedrock rejects, checked at synth where the props show them:
   * - Claude thinking with `budget_tokens`: `maxTokens` must be greater than `budget_tokens` (synth error);
   *   a caller's smaller `maxTokens` fails at Bedrock.
   * - Claude thinking (`enabled` or `adaptive`): no temperature but 1 (a `temperature` prop fails at synth), and no
   *   changed `top_p`; no forced tool choice (`toolChoice` `any` or a named tool), which the caller controls.
   * The construct does not check other models' fields. Bedrock rejects such requests with a validation error, which
   * callers receive as a 400 `upstream_validation` error.
   *
   * @default - none: the model's defaults (no reasoning for models that need it turned on)
   */
  readonly additionalModelRequestFields?: { [key: string]: any };

  /**
   * Client-side tool use: callers may send `tools` and `toolChoice`, and `toolUse` / `toolResult` blocks in
   * `messages`; the model's tool calls reach them as `tool_use` events (the handler never runs a tool).
   * `false` refuses all of these with 400, for APIs that want none.
   *
   * @default true
   */
  readonly clientTools?: boolean;

  /**
   * The OpenAI Chat Completions protocol, so that the official `openai` clients (and tools built on them) work
   * unchanged with only `baseURL` (`openAiBaseUrl`) and an auth header set: creates `POST /v1/chat/completions`
   * (streamed with `stream: true`, else one JSON answer) and `GET /v1/models` (the allowed model ids). Both are
   * served by the same streaming function as `POST /stream` (no extra function or cold start), with the same auth,
   * CORS, throttling, logging and metrics, and are covered by `grantInvoke`. Needs the default handler and
   * ResponseMode.STREAMING or BOTH. With `cors` and no `cors.allowHeaders`, their preflight also allows the
   * `X-Stainless-*` headers the openai client sends, so that it works from a browser; with your own `allowHeaders`,
   * list them there. See the README sections "Client protocols" and "OpenAI Chat Completions".
   *
   * @default false
   */
  readonly openAiCompatible?: boolean;

  /**
   * The Vercel AI SDK UI message stream, what `useChat`'s `DefaultChatTransport` speaks: creates `POST /chat`
   * (`chatUrl`), served by the same streaming function as `POST /stream` (no extra function or cold start), with the
   * same auth, CORS, throttling, logging and metrics, and covered by `grantInvoke`. Needs the default handler and
   * ResponseMode.STREAMING or BOTH. See the README sections "Client protocols" and "AI SDK UI message stream".
   *
   * @default false
   */
  readonly aiSdkCompatible?: boolean;

  /**
   * Let callers of the OpenAI and AI SDK protocols send `system` (and OpenAI `developer`) messages. They are added
   * after the operator's `systemPrompt`, which they never replace; without this prop such a message gets a 400 that
   * names this prop. The native protocol never takes a system message from callers. `true` needs `openAiCompatible`
   * or `aiSdkCompatible` (else synth fails: nothing would use it). See the README section "Client protocols".
   *
   * @default false
   */
  readonly allowCallerSystemMessages?: boolean;

  /**
   * A Bedrock guardrail applied to every request.
   *
   * @default - no guardrail
   */
  readonly guardrail?: GuardrailOptions;

  /**
   * Cap the tokens each caller (the `caller` of the handler's log line: IAM principal, API key id, Cognito `sub`,
   * Lambda authorizer `principalId`, or the source IP with `ApiAuth.none()`) may spend per day and/or month. Before
   * Bedrock is called the handler reserves the request's input estimate plus its `maxTokens`; a caller over budget
   * gets 429 `budget_exceeded` with `Retry-After`. After the answer the reservation is settled to the real usage.
   * Needs the default handler. See the README section "Token budgets".
   *
   * @default - no budgets
   */
  readonly tokenBudget?: TokenBudgetOptions;

  /**
   * Stage throttling for all methods: the steady rate (requests per second) and the burst.
   *
   * @default - rateLimit 10, burstLimit 20
   */
  readonly throttle?: apigateway.ThrottleSettings;

  /**
   * Bring your own streaming Lambda function (for example a proxy to an AgentCore runtime). It must write the
   * streaming HTTP integration format. The construct still wires STREAM, the timeout, auth and CORS, and grants it
   * ConverseStream on `modelId` when `modelId` is given (else no Bedrock permission). Serves ResponseMode.STREAMING
   * only; the default-handler props (`allowedModelIds`, `maxTokens`, `systemPrompt` ...) fail with it.
   *
   * @default - the bundled default handler
   */
  readonly handler?: lambda.IFunction;

  /**
   * Options of the default handler's functions.
   *
   * @default - see DefaultHandlerOptions
   */
  readonly handlerOptions?: DefaultHandlerOptions;

  /**
   * The API's endpoint type. Edge-optimized endpoints cut streams that stay silent for 30 seconds.
   *
   * @default apigateway.EndpointType.REGIONAL
   */
  readonly endpointType?: apigateway.EndpointType;

  /**
   * Associates this AWS WAFv2 web ACL with the API's stage, e.g. `acl.attrArn` of a `wafv2.CfnWebACL` with rate-based
   * rules. The web ACL must have scope REGIONAL and be in the stack's region; a literal ARN that is not such a web
   * ACL fails at synth. It guards every route of the stage, through the custom domain and the execute-api URL alike.
   *
   * @default - no web ACL
   */
  readonly webAclArn?: string;

  /**
   * A custom domain (REGIONAL endpoint, your certificate, TLS 1.2 by default) mapped to the API's stage. `streamUrl`,
   * `bufferedUrl`, `openAiBaseUrl` and `chatUrl` then use it; the execute-api URL (`restApi.url`) still answers.
   * The DNS record is yours: point an alias record at `domain` (see the README). Needs
   * `endpointType` REGIONAL (the default): synth fails with EDGE.
   *
   * @default - no custom domain: the URLs are the execute-api URLs
   */
  readonly domainName?: StreamingBedrockApiDomainProps;

  /**
   * Retention of the access logs and of the handler's logs. Both log groups are kept when the construct or the stack
   * is deleted (`DeletionPolicy: Retain`, CDK's default for log groups): delete them by hand, or apply a removal
   * policy to `accessLogGroup` and the handler's log group.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Detailed CloudWatch metrics of the stage (`MetricsEnabled`): count, latency and 4XX/5XX per method and resource.
   * They are billed as custom metrics; without them API Gateway still publishes its free per-API metrics.
   *
   * @default true
   */
  readonly detailedMetrics?: boolean;

  /**
   * X-Ray tracing on the stage and the handler.
   *
   * @default false
   */
  readonly tracing?: boolean;

  /**
   * Create the account-wide role that lets API Gateway write logs to CloudWatch. Execution and access logging need it
   * once per account and region; leave it off when the account already has one (it is an account-wide setting).
   *
   * @default false
   */
  readonly cloudWatchRole?: boolean;

  /**
   * Name of the REST API.
   *
   * @default - a name unique in the app, made of the construct's path and a hash, e.g. `MyStack-Chat-1A2B3C4D`
   */
  readonly restApiName?: string;

  /**
   * Name of the stage.
   *
   * @default 'prod'
   */
  readonly stageName?: string;
}

const DEFAULT_THROTTLE = { rateLimit: 10, burstLimit: 20 };
/** API Gateway REST API names may be up to 1024 characters. */
const REST_API_NAME_MAX_LENGTH = 1024;
/** The OpenAI clients' base URL path: they call `/chat/completions` and `/models` under it. */
const OPENAI_BASE_PATH = '/v1';

/** The routes of the streaming function: `POST /stream`, and each protocol's routes when it is on. */
function streamingRoutes(props: StreamingBedrockApiProps): Route[] {
  return [
    Routes.STREAM,
    ...(props.openAiCompatible ? [Routes.CHAT_COMPLETIONS, Routes.MODELS] : []),
    ...(props.aiSdkCompatible ? [Routes.AI_SDK_CHAT] : []),
  ];
}

/**
 * An API Gateway REST API that streams Amazon Bedrock output to clients as it is generated:
 * `POST /stream` (response transfer mode STREAM) -> the bundled Lambda handler -> Bedrock ConverseStream.
 * The same function can also speak OpenAI Chat Completions (`openAiCompatible`) and the AI SDK UI message stream
 * (`aiSdkCompatible`).
 *
 * Secure by default: IAM auth, a regional endpoint, stage throttling, JSON access logs, least-privilege Bedrock IAM,
 * a server-side `maxTokens` cap and a request size cap.
 *
 * @example
 * new StreamingBedrockApi(this, 'Chat', {
 *   modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0',
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
   * With `openAiCompatible`, the OpenAI base URL (ending in `/v1`) to give an OpenAI client, as in
   * `new OpenAI({ baseURL: api.openAiBaseUrl })`: the client calls `/chat/completions` and `/models` under it.
   * Undefined without `openAiCompatible`.
   */
  public readonly openAiBaseUrl?: string;
  /**
   * With `aiSdkCompatible`, the URL of the AI SDK endpoint (`POST /chat`), as in
   * `new DefaultChatTransport({ api: chatUrl })`. Undefined without `aiSdkCompatible`.
   */
  public readonly chatUrl?: string;
  /** The usage plan, with ApiAuth.apiKey(). */
  public readonly usagePlan?: apigateway.IUsagePlan;
  /** The API key created with ApiAuth.apiKey(). */
  public readonly apiKey?: apigateway.IApiKey;
  /**
   * With `tokenBudget`, the ledger table (yours, or the one the construct created). Undefined without `tokenBudget`.
   */
  public readonly budgetTable?: dynamodb.ITable;
  /** The log group of the API's access logs. It is kept when the stack is deleted (see `logRetention`). */
  public readonly accessLogGroup: logs.ILogGroup;
  /**
   * The custom domain, with `domainName`: the target of your DNS alias record
   * (`new route53_targets.ApiGatewayDomain(api.domain)`). Undefined without `domainName`.
   */
  public readonly domain?: apigateway.IDomainName;

  /** The default handler's metrics namespace; undefined with your own handler (which publishes none of them). */
  private readonly metricsNamespace?: string;

  /** The served routes, for `grantInvoke`. */
  private readonly routes: Route[] = [];

  constructor(scope: Construct, id: string, props: StreamingBedrockApiProps) {
    super(scope, id);
    const subject = subjectOf('StreamingBedrockApi', this);
    const responseMode = props.responseMode ?? ResponseMode.STREAMING;
    const streaming = responseMode !== ResponseMode.BUFFERED;
    const buffered = responseMode !== ResponseMode.STREAMING;
    const throttle = { ...DEFAULT_THROTTLE, ...props.throttle };
    const handlerTimeout = props.handler instanceof lambda.Function ? props.handler.timeout : undefined;
    const timeouts = resolveTimeouts(subject, props.timeout, responseMode === ResponseMode.BUFFERED, handlerTimeout);
    validateProps(subject, props, throttle, streaming, buffered);
    const endpointType = props.endpointType ?? apigateway.EndpointType.REGIONAL;
    validateWebAclArn(subject, props.webAclArn, Stack.of(this).region);
    validateCustomDomain(subject, props.domainName, endpointType);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const modelIds = props.modelId ? [props.modelId, ...(props.allowedModelIds ?? [])] : [];
    warnAboutRiskySettings(this, {
      endpointType,
      asyncGuardrail: props.guardrail?.streamProcessingMode === GuardrailStreamMode.ASYNC,
      logRetention,
      cors: props.cors,
      modelIds,
      region: Stack.of(this).region,
      promptCaching: props.promptCaching ?? false,
      systemPrompt: Boolean(props.systemPrompt),
      clientTools: props.clientTools ?? true,
      maxTokens: props.maxTokens,
      tokenBudget: props.tokenBudget,
    });

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', { retention: logRetention });
    this.restApi = this.newRestApi(props, throttle, endpointType);
    addErrorGatewayResponses(this.restApi, props.cors);
    const binding = (props.auth ?? ApiAuth.iam())._bind(this, this.restApi, throttle);
    this.usagePlan = binding.usagePlan;
    this.apiKey = binding.apiKey;
    if (props.webAclArn !== undefined) {
      associateWebAcl(this, this.restApi.deploymentStage, props.webAclArn);
    }
    this.domain = props.domainName ? addCustomDomain(this, this.restApi, props.domainName) : undefined;
    const urlFor = (path: string) =>
      props.domainName ? customDomainUrl(props.domainName, path) : this.restApi.urlForPath(path);
    this.metricsNamespace = props.handler
      ? undefined
      : (props.handlerOptions?.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE);

    const bedrockStatements = this.bedrockStatements(modelIds, props.guardrail);
    this.budgetTable = props.tokenBudget ? budgetTable(this, props.tokenBudget) : undefined;
    const defaultHandlers = props.handler
      ? undefined
      : new DefaultHandlers(this, {
          environment: defaultHandlerEnvironment(subject, props.modelId!, props, this.budgetTable?.tableName),
          bedrockStatements,
          retention: logRetention,
          tracing: props.tracing ?? false,
          options: props.handlerOptions,
        });
    bedrockStatements.forEach((statement) => props.handler?.addToRolePolicy(statement));
    if (this.budgetTable) {
      grantBudgetLedger(this.budgetTable, defaultHandlers!.role);
    }

    if (streaming) {
      this.handler =
        props.handler ??
        defaultHandlers!.newFunction('Handler', DefaultHandlerEntryPoint.STREAMING, timeouts.streaming);
      const integration = new StreamingLambdaIntegration(this.handler, { timeout: timeouts.streaming });
      for (const route of streamingRoutes(props)) {
        this.addRoute(route, integration, binding.methodOptions, props.cors);
      }
      this.streamUrl = urlFor(Routes.STREAM.path);
      this.openAiBaseUrl = props.openAiCompatible ? urlFor(OPENAI_BASE_PATH) : undefined;
      this.chatUrl = props.aiSdkCompatible ? urlFor(Routes.AI_SDK_CHAT.path) : undefined;
    }
    if (buffered) {
      this.bufferedHandler = defaultHandlers!.newFunction(
        'BufferedHandler',
        DefaultHandlerEntryPoint.BUFFERED,
        timeouts.buffered,
      );
      this.addRoute(
        Routes.BUFFERED,
        new apigateway.LambdaIntegration(this.bufferedHandler, { proxy: true, timeout: timeouts.buffered }),
        binding.methodOptions,
        props.cors,
      );
      this.bufferedUrl = urlFor(Routes.BUFFERED.path);
    }
    // With ResponseMode.BUFFERED, the buffered function is the main one.
    this.handler ??= this.bufferedHandler!;

    if (streaming) {
      this.node.addValidation({ validate: () => validateNoStreamingBreakers(subject, this.restApi) });
    }
    this.acknowledgeNagFindings(binding.acknowledgments, modelIds, props.tracing ?? false, defaultHandlers?.role);
  }

  /**
   * Allows a principal to call the API's endpoints (for ApiAuth.iam(), the default): each served method and path
   * (`POST /stream`, and `POST /buffered`, `POST /v1/chat/completions`, `GET /v1/models`, `POST /chat` when served)
   * on the API's stage, and nothing else (no CORS preflight, no other stage).
   */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    const stage = this.restApi.deploymentStage;
    const resourceArns = this.routes.map((r) => this.restApi.arnForExecuteApi(r.method, r.path, stage.stageName));
    return iam.Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns });
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
    return this.handlerMetric('Requests', 'metricRequests', props);
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
    return this.handlerMetric('Errors', 'metricErrors', props);
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
    return this.handlerMetric('TimeToFirstToken', 'metricTimeToFirstToken', props);
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
    return this.handlerMetric('InputTokens', 'metricInputTokens', props);
  }

  /**
   * Output tokens generated, API-wide. Pass `dimensionsMap: { ModelId: '...' }` for one model.
   *
   * Throws with your own `handler`, which does not publish the default handler's metrics.
   *
   * @default - Sum over 5 minutes, namespace `handlerOptions.metricsNamespace`
   */
  public metricOutputTokens(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.handlerMetric('OutputTokens', 'metricOutputTokens', props);
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
    return this.budgetMetric('BudgetRejections', 'metricBudgetRejections', props);
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
    return this.budgetMetric('UnmeteredRequests', 'metricUnmeteredRequests', props);
  }

  /**
   * API Gateway's Latency of the stage (dimensions ApiName and Stage): from the request to the end of the response,
   * so for a streamed answer the whole stream.
   *
   * @default - p90 over 5 minutes
   */
  public metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.restApi.deploymentStage.metricLatency({ statistic: cloudwatch.Stats.p(90), ...props });
  }

  /**
   * API Gateway's IntegrationLatency of the stage (dimensions ApiName and Stage): the time the handler took.
   *
   * @default - p90 over 5 minutes
   */
  public metricIntegrationLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.restApi.deploymentStage.metricIntegrationLatency({ statistic: cloudwatch.Stats.p(90), ...props });
  }

  /**
   * API Gateway's 4XXError of the stage (dimensions ApiName and Stage): refused requests, including those API
   * Gateway refuses itself (auth, throttling, WAF) before the handler runs.
   *
   * @default - Sum over 5 minutes
   */
  public metricClientError(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.restApi.deploymentStage.metricClientError(props);
  }

  /**
   * API Gateway's 5XXError of the stage (dimensions ApiName and Stage).
   *
   * @default - Sum over 5 minutes
   */
  public metricServerError(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.restApi.deploymentStage.metricServerError(props);
  }

  /**
   * API Gateway's Count of the stage (dimensions ApiName and Stage): every request that reached the stage.
   *
   * @default - Sum over 5 minutes
   */
  public metricCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.restApi.deploymentStage.metricCount({ statistic: cloudwatch.Stats.SUM, ...props });
  }

  /** One of the default handler's metrics, or a clear error with your own handler. */
  private handlerMetric(
    name: HandlerMetricName,
    method: string,
    props: cloudwatch.MetricOptions | undefined,
  ): cloudwatch.Metric {
    if (this.metricsNamespace === undefined) {
      throw new Error(
        `${subjectOf('StreamingBedrockApi', this)}: ${method}() needs the default handler, and this API uses your own ` +
          "handler, which does not publish the default handler's metrics. Use your function's metrics " +
          '(api.handler.metricErrors(), ...) or a cloudwatch.Metric of what your function publishes.',
      );
    }
    return handlerMetric(this.metricsNamespace, name, props);
  }

  /** A metric the default handler publishes only for budgeted requests. */
  private budgetMetric(
    name: HandlerMetricName,
    method: string,
    props: cloudwatch.MetricOptions | undefined,
  ): cloudwatch.Metric {
    if (this.metricsNamespace !== undefined && this.budgetTable === undefined) {
      throw new Error(
        `${subjectOf('StreamingBedrockApi', this)}: ${method}() needs tokenBudget: without budgets the handler ` +
          `checks no budget and publishes no ${name} metric.`,
      );
    }
    return this.handlerMetric(name, method, props);
  }

  /** The REST API and its stage: throttled, JSON access logs, execution logs at ERROR without payloads. */
  private newRestApi(
    props: StreamingBedrockApiProps,
    throttle: apigateway.ThrottleSettings,
    endpointType: apigateway.EndpointType,
  ): apigateway.RestApi {
    return new apigateway.RestApi(this, 'Api', {
      restApiName:
        props.restApiName ?? Names.uniqueResourceName(this, { maxLength: REST_API_NAME_MAX_LENGTH, separator: '-' }),
      description: 'Streams Amazon Bedrock answers to clients (cdk-streaming-bedrock-api).',
      endpointConfiguration: { types: [endpointType] },
      cloudWatchRole: props.cloudWatchRole ?? false,
      deployOptions: {
        stageName: props.stageName ?? 'prod',
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: props.detailedMetrics ?? true,
        tracingEnabled: props.tracing ?? false,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: accessLogFormat(),
      },
    });
  }

  /** A route's resource and method with the auth mode's method options, and the CORS preflight when CORS is set. */
  private addRoute(
    route: Route,
    integration: apigateway.Integration,
    methodOptions: apigateway.MethodOptions,
    cors: apigateway.CorsOptions | undefined,
  ): void {
    const resource = this.restApi.root.resourceForPath(route.path);
    resource.addMethod(route.method, integration, methodOptions);
    if (cors) {
      resource.addCorsPreflight(preflightOptions(route, cors));
    }
    this.routes.push(route);
  }

  /** ConverseStream on exactly the configured models, and ApplyGuardrail on the guardrail. */
  private bedrockStatements(modelIds: string[], guardrail: GuardrailOptions | undefined): iam.PolicyStatement[] {
    const stack = Stack.of(this);
    return [
      ...bedrockInvokeStatements(stack, modelIds),
      ...(guardrail ? [guardrailStatement(stack, guardrail.guardrailIdentifier)] : []),
    ];
  }

  /** cdk-nag findings the construct cannot avoid, acknowledged with reasons on the resources they concern. */
  private acknowledgeNagFindings(
    authAcknowledgments: NagAcknowledgment[],
    modelIds: string[],
    tracing: boolean,
    defaultHandlerRole: iam.IRole | undefined,
  ): void {
    acknowledgeNagFindings(this.restApi, [
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'The handler validates every request (size cap before parsing, JSON schema, unknown fields) and answers in ' +
          "the API's JSON error format; API Gateway model validation would duplicate it with another format.",
      },
      ...authAcknowledgments,
    ]);
    for (const fn of [this.handler, this.bufferedHandler]) {
      if (fn instanceof lambda.Function && fn.node.scope === this) {
        acknowledgeNagFindings(fn, [
          {
            id: 'Serverless-LambdaDLQ',
            reason:
              'API Gateway invokes the function synchronously; a dead-letter queue only serves asynchronous invocations.',
          },
          ...LATEST_RUNTIME_ACKNOWLEDGMENTS,
        ]);
      }
    }
    const role = defaultHandlerRole ?? this.handler.role;
    acknowledgeNagFindings(role ?? this, bedrockAcknowledgments(modelIds, tracing));
  }
}

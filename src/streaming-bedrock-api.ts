import { Annotations, Duration, Size, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ApiAuth } from './api-auth';
import {
  GATEWAY_ERROR_TEMPLATE,
  gatewayResponseCorsHeaders,
  handlerEnvironment as encodeHandlerEnvironment,
} from './contract';
import { bedrockAcknowledgments, bedrockInvokeStatements, guardrailStatement } from './private/bedrock-iam';
import { DefaultHandlerEntryPoint, defaultHandlerCode } from './private/default-handler-code';
import { NagAcknowledgment, acknowledgeNagFindings } from './private/nag-acknowledgments';
import {
  fail,
  isUnresolvedValue,
  validateModelId,
  validateNonNegativeFinite,
  validateOrigin,
  validatePositiveInteger,
  validateRange,
} from './private/validation';
import { StreamingLambdaIntegration, validateStreamingTimeouts } from './streaming-lambda-integration';

/** Which endpoints the API serves. */
export enum ResponseMode {
  /** `POST /stream` only: the answer streams as it is generated, for up to 15 minutes. */
  STREAMING = 'STREAMING',
  /** `POST /buffered` only: a classic proxy that answers with JSON at the end, within API Gateway's 29 s. */
  BUFFERED = 'BUFFERED',
  /** Both `POST /stream` and `POST /buffered`. */
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

/** Properties of {@link StreamingBedrockApi}. */
export interface StreamingBedrockApiProps {
  /**
   * The Bedrock model id or system inference profile id used when a request names none,
   * e.g. `anthropic.claude-3-5-haiku-20241022-v1:0` or `us.anthropic.claude-3-5-haiku-20241022-v1:0`.
   * The handler's IAM role may invoke exactly this model (and `allowedModelIds`).
   */
  readonly modelId: string;

  /**
   * Model ids callers may choose per request with the `modelId` field. Must include `modelId`.
   * IAM is scoped to exactly these ids.
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
   * A Bedrock guardrail applied to every request.
   *
   * @default - no guardrail
   */
  readonly guardrail?: GuardrailOptions;

  /**
   * Stage throttling for all methods: the steady rate (requests per second) and the burst.
   *
   * @default - rateLimit 10, burstLimit 20
   */
  readonly throttle?: apigateway.ThrottleSettings;

  /**
   * Bring your own streaming Lambda function (for example a proxy to an AgentCore runtime). It must write the
   * streaming HTTP integration format. The construct still wires STREAM, the timeout, auth and CORS, and grants it
   * ConverseStream on `modelId`.
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
   * Retention of the access logs and of the handler's logs.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

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
   * @default - the construct's path
   */
  readonly restApiName?: string;

  /**
   * Name of the stage.
   *
   * @default 'prod'
   */
  readonly stageName?: string;
}

const DEFAULT_STREAMING_TIMEOUT = Duration.minutes(5);
const MAX_BUFFERED_TIMEOUT = Duration.seconds(29);
const DEFAULT_THROTTLE = { rateLimit: 10, burstLimit: 20 };
/** Lambda rejects functions whose environment variables exceed 4 KB in total. */
const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/**
 * An API Gateway REST API that streams Amazon Bedrock output to clients as it is generated:
 * `POST /stream` (response transfer mode STREAM) -> the bundled Lambda handler -> Bedrock ConverseStream.
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
  /** The function behind `POST /stream` (the default handler or yours). */
  public readonly handler: lambda.IFunction;
  /** The function behind `POST /buffered`, with ResponseMode.BUFFERED or BOTH. */
  public readonly bufferedHandler?: lambda.IFunction;
  /** URL of the streaming endpoint (`POST`), with ResponseMode.STREAMING or BOTH. */
  public readonly streamUrl?: string;
  /** URL of the buffered endpoint (`POST`), with ResponseMode.BUFFERED or BOTH. */
  public readonly bufferedUrl?: string;
  /** The usage plan, with ApiAuth.apiKey(). */
  public readonly usagePlan?: apigateway.IUsagePlan;
  /** The API key created with ApiAuth.apiKey(). */
  public readonly apiKey?: apigateway.IApiKey;
  /** The log group of the API's access logs. */
  public readonly accessLogGroup: logs.ILogGroup;

  private readonly streamResource?: apigateway.Resource;
  private readonly bufferedResource?: apigateway.Resource;

  constructor(scope: Construct, id: string, props: StreamingBedrockApiProps) {
    super(scope, id);
    const responseMode = props.responseMode ?? ResponseMode.STREAMING;
    const streaming = responseMode !== ResponseMode.BUFFERED;
    const buffered = responseMode !== ResponseMode.STREAMING;
    const auth = props.auth ?? ApiAuth.iam();
    const throttle = { ...DEFAULT_THROTTLE, ...props.throttle };
    const timeouts = resolveTimeouts(props.timeout, responseMode);
    validateProps(props, throttle);

    const endpointType = props.endpointType ?? apigateway.EndpointType.REGIONAL;
    if (endpointType === apigateway.EndpointType.EDGE) {
      Annotations.of(this).addWarningV2(
        'cdk-streaming-bedrock-api:edgeEndpoint',
        'endpointType EDGE: edge-optimized endpoints cut a stream after 30 s of silence; REGIONAL allows 5 minutes.',
      );
    }
    if (props.guardrail?.streamProcessingMode === GuardrailStreamMode.ASYNC) {
      Annotations.of(this).addWarningV2(
        'cdk-streaming-bedrock-api:asyncGuardrail',
        'guardrail.streamProcessingMode ASYNC: chunks reach callers before the guardrail has scanned them, and PII cannot be masked.',
      );
    }
    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    if (retention === logs.RetentionDays.INFINITE) {
      Annotations.of(this).addWarningV2(
        'cdk-streaming-bedrock-api:infiniteLogRetention',
        'logRetention INFINITE: access and handler logs are kept (and billed) forever; consider a retention period.',
      );
    }

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', { retention });
    this.restApi = new apigateway.RestApi(this, 'Api', {
      restApiName: props.restApiName,
      description: 'Streams Amazon Bedrock answers to clients (cdk-streaming-bedrock-api).',
      endpointConfiguration: { types: [endpointType] },
      cloudWatchRole: props.cloudWatchRole ?? false,
      deployOptions: {
        stageName: props.stageName ?? 'prod',
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: props.tracing ?? false,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: accessLogFormat(),
      },
    });
    addErrorGatewayResponses(this.restApi, props.cors);

    const binding = auth._bind(this, this.restApi, throttle);
    this.usagePlan = binding.usagePlan;
    this.apiKey = binding.apiKey;

    const stack = Stack.of(this);
    const modelIds = [props.modelId, ...(props.allowedModelIds ?? [])];
    const bedrockStatements = [
      ...bedrockInvokeStatements(stack, modelIds),
      ...(props.guardrail ? [guardrailStatement(stack, props.guardrail.guardrailIdentifier)] : []),
    ];

    const environment = handlerEnvironment(props);
    // The default handler gets its own role: write to its own log group, invoke exactly the configured models.
    // (No AWSLambdaBasicExecutionRole: it allows creating and writing any log group.)
    let handlerRole: iam.Role | undefined;
    let handlerLogGroup: logs.LogGroup | undefined;
    if (!props.handler) {
      handlerLogGroup = new logs.LogGroup(this, 'HandlerLogs', { retention });
      handlerRole = new iam.Role(this, 'HandlerRole', {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: 'Streaming Bedrock API handler: its own log group and the configured Bedrock models only.',
      });
      handlerLogGroup.grantWrite(handlerRole);
      bedrockStatements.forEach((statement) => handlerRole!.addToPolicy(statement));
    } else {
      bedrockStatements.forEach((statement) => props.handler!.addToRolePolicy(statement));
    }
    const newDefaultHandler = (constructId: string, entryPoint: string, timeout: Duration) =>
      new lambda.Function(this, constructId, {
        description: 'Streams Amazon Bedrock ConverseStream answers (cdk-streaming-bedrock-api default handler).',
        code: defaultHandlerCode(),
        handler: entryPoint,
        runtime: lambda.Runtime.NODEJS_LATEST,
        architecture: props.handlerOptions?.architecture ?? lambda.Architecture.ARM_64,
        memorySize: props.handlerOptions?.memorySize ?? 512,
        reservedConcurrentExecutions: props.handlerOptions?.reservedConcurrentExecutions,
        timeout,
        environment,
        logGroup: handlerLogGroup,
        role: handlerRole,
        tracing: props.tracing ? lambda.Tracing.ACTIVE : undefined,
      });

    const methodOptions = binding.methodOptions;
    if (streaming) {
      this.handler =
        props.handler ?? newDefaultHandler('Handler', DefaultHandlerEntryPoint.STREAMING, timeouts.streaming);
      this.streamResource = this.restApi.root.addResource('stream');
      this.streamResource.addMethod(
        'POST',
        new StreamingLambdaIntegration(this.handler, { timeout: timeouts.streaming }),
        methodOptions,
      );
      this.streamUrl = this.restApi.urlForPath('/stream');
    }
    if (buffered) {
      this.bufferedHandler = newDefaultHandler('BufferedHandler', DefaultHandlerEntryPoint.BUFFERED, timeouts.buffered);
      this.bufferedResource = this.restApi.root.addResource('buffered');
      this.bufferedResource.addMethod(
        'POST',
        new apigateway.LambdaIntegration(this.bufferedHandler, { proxy: true, timeout: timeouts.buffered }),
        methodOptions,
      );
      this.bufferedUrl = this.restApi.urlForPath('/buffered');
    }
    // With ResponseMode.BUFFERED, the buffered function is the main one.
    this.handler ??= this.bufferedHandler!;

    if (props.cors) {
      this.streamResource?.addCorsPreflight(props.cors);
      this.bufferedResource?.addCorsPreflight(props.cors);
    }

    this.node.addValidation({ validate: () => validateNoStreamingBreakers(this.restApi, streaming) });

    acknowledgeNagFindings(this.restApi, [
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'The handler validates every request (size cap before parsing, JSON schema, unknown fields) and answers in ' +
          "the API's JSON error format; API Gateway model validation would duplicate it with another format.",
      },
      ...binding.acknowledgments,
    ]);
    const functionAcknowledgments: NagAcknowledgment[] = [
      {
        id: 'Serverless-LambdaDLQ',
        reason:
          'API Gateway invokes the function synchronously; a dead-letter queue only serves asynchronous invocations.',
      },
    ];
    const roleAcknowledgments = bedrockAcknowledgments(modelIds, props.tracing ?? false);
    for (const fn of [this.handler, this.bufferedHandler]) {
      if (fn instanceof lambda.Function && fn.node.scope === this) {
        acknowledgeNagFindings(fn, functionAcknowledgments);
      }
    }
    acknowledgeNagFindings(handlerRole ?? props.handler?.role ?? this, roleAcknowledgments);
  }

  /**
   * Allows a principal to call the API's POST endpoints (for ApiAuth.iam(), the default).
   */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    const stage = this.restApi.deploymentStage;
    const resourceArns = [this.streamResource, this.bufferedResource]
      .filter((r): r is apigateway.Resource => r !== undefined)
      .map((r) => this.restApi.arnForExecuteApi('POST', r.path, stage.stageName));
    return iam.Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns });
  }
}

interface Timeouts {
  readonly streaming: Duration;
  readonly buffered: Duration;
}

/** One `timeout` prop: the streaming function and integration share it; the buffered ones are capped at 29 s. */
function resolveTimeouts(timeout: Duration | undefined, mode: ResponseMode): Timeouts {
  if (mode === ResponseMode.BUFFERED) {
    const buffered = timeout ?? MAX_BUFFERED_TIMEOUT;
    if (!buffered.isUnresolved() && buffered.toMilliseconds() > MAX_BUFFERED_TIMEOUT.toMilliseconds()) {
      throw new Error(
        `StreamingBedrockApi: invalid timeout ${buffered.toHumanString()} with ResponseMode.BUFFERED. API Gateway ends ` +
          'buffered integrations after 29 seconds: use Duration.seconds(29) or less, or ResponseMode.STREAMING / BOTH for longer answers.',
      );
    }
    validateStreamingTimeouts('timeout', buffered);
    return { streaming: buffered, buffered };
  }
  const streaming = timeout ?? DEFAULT_STREAMING_TIMEOUT;
  validateStreamingTimeouts('timeout', streaming);
  const buffered =
    streaming.isUnresolved() || streaming.toMilliseconds() > MAX_BUFFERED_TIMEOUT.toMilliseconds()
      ? MAX_BUFFERED_TIMEOUT
      : streaming;
  return { streaming, buffered };
}

function validateProps(props: StreamingBedrockApiProps, throttle: apigateway.ThrottleSettings): void {
  validateModelId('modelId', props.modelId);
  const allowed = props.allowedModelIds;
  if (allowed !== undefined) {
    allowed.forEach((id, i) => validateModelId(`allowedModelIds[${i}]`, id));
    if (!allowed.includes(props.modelId)) {
      fail(
        'modelId',
        props.modelId,
        `It is not in allowedModelIds ${JSON.stringify(allowed)}: add it there, or pick a default from that list.`,
      );
    }
  }
  validatePositiveInteger('maxTokens', props.maxTokens, 'Use a whole number of tokens >= 1, e.g. 1024.');
  validateRange('temperature', props.temperature, 0, 1);
  validateNonNegativeFinite('throttle.rateLimit', throttle.rateLimit);
  validateNonNegativeFinite('throttle.burstLimit', throttle.burstLimit);
  if (throttle.burstLimit !== undefined && !Number.isInteger(throttle.burstLimit)) {
    fail('throttle.burstLimit', throttle.burstLimit, 'Use a whole number of requests.');
  }
  const options = props.handlerOptions;
  if (options?.reservedConcurrentExecutions !== undefined) {
    if (options.reservedConcurrentExecutions === 0) {
      fail(
        'handlerOptions.reservedConcurrentExecutions',
        0,
        'Zero reserved concurrency disables the function: every request would fail. Use 1 or more, or leave it unset.',
      );
    }
    validatePositiveInteger(
      'handlerOptions.reservedConcurrentExecutions',
      options.reservedConcurrentExecutions,
      'Use a whole number >= 1, or leave it unset.',
    );
  }
  validatePositiveInteger(
    'handlerOptions.memorySize',
    options?.memorySize,
    'Use a whole number of MB from 128 to 10240.',
  );
  validateRange('handlerOptions.memorySize', options?.memorySize, 128, 10240);
  const bodySize = options?.maxRequestBodySize;
  if (bodySize !== undefined && !Token.isUnresolved(bodySize.toBytes())) {
    const bytes = bodySize.toBytes();
    if (bytes < 1024 || bytes > 6 * 1024 * 1024) {
      fail(
        'handlerOptions.maxRequestBodySize',
        `${bytes} bytes`,
        'Use a size from Size.kibibytes(1) to Size.mebibytes(6) (the Lambda payload limit).',
      );
    }
  }
  if (props.guardrail) {
    const { guardrailIdentifier, guardrailVersion } = props.guardrail;
    if (
      !isUnresolvedValue(guardrailIdentifier) &&
      (typeof guardrailIdentifier !== 'string' || !guardrailIdentifier.trim())
    ) {
      fail('guardrail.guardrailIdentifier', guardrailIdentifier, 'Pass the guardrail id or ARN.');
    }
    if (!isUnresolvedValue(guardrailVersion) && !/^([1-9][0-9]{0,7}|DRAFT)$/.test(guardrailVersion ?? '')) {
      fail(
        'guardrail.guardrailVersion',
        guardrailVersion,
        "A guardrail needs a version: pass a published version number such as '1', or 'DRAFT'.",
      );
    }
  }
  if (props.cors) {
    validateCors(props.cors);
  }
  if (props.handler) {
    const defaultHandlerOnly: Array<keyof StreamingBedrockApiProps> = [
      'allowedModelIds',
      'maxTokens',
      'temperature',
      'systemPrompt',
      'guardrail',
      'handlerOptions',
    ];
    const ignored = defaultHandlerOnly.filter((name) => props[name] !== undefined);
    if (ignored.length > 0) {
      fail(
        'handler',
        'your own function',
        `${ignored.join(', ')} configure the default handler and would be ignored: remove them, or remove handler.`,
      );
    }
    if ((props.responseMode ?? ResponseMode.STREAMING) !== ResponseMode.STREAMING) {
      fail(
        'responseMode',
        props.responseMode,
        'The buffered endpoint is served by the default handler: with your own handler use ResponseMode.STREAMING.',
      );
    }
  }
}

function validateCors(cors: apigateway.CorsOptions): void {
  if (cors.allowOrigins.length === 0) {
    fail('cors.allowOrigins', cors.allowOrigins, "List at least one origin, e.g. ['https://app.example.com'].");
  }
  cors.allowOrigins.forEach((origin, i) => validateOrigin(`cors.allowOrigins[${i}]`, origin));
  if (cors.allowCredentials && cors.allowOrigins.includes('*')) {
    fail(
      'cors.allowOrigins',
      cors.allowOrigins,
      "allowCredentials cannot be used with origin '*' (browsers reject it and it would expose credentialed " +
        'answers to every site): list the exact origins.',
    );
  }
}

/** Streaming breaks with caching or compression; escape-hatch changes are caught here at synth. */
function validateNoStreamingBreakers(api: apigateway.RestApi, streaming: boolean): string[] {
  if (!streaming) {
    return [];
  }
  const errors: string[] = [];
  const cfnApi = api.node.defaultChild as apigateway.CfnRestApi;
  if (cfnApi.minimumCompressionSize !== undefined) {
    errors.push(
      `StreamingBedrockApi: minimumCompressionSize is ${cfnApi.minimumCompressionSize}, but API Gateway cannot compress streamed responses. Remove it.`,
    );
  }
  const cfnStage = api.deploymentStage.node.defaultChild as apigateway.CfnStage;
  const caching =
    cfnStage.cacheClusterEnabled === true ||
    (Array.isArray(cfnStage.methodSettings) &&
      cfnStage.methodSettings.some(
        (s) => typeof s === 'object' && s !== null && 'cachingEnabled' in s && s.cachingEnabled === true,
      ));
  if (caching) {
    errors.push(
      'StreamingBedrockApi: the stage enables caching, but API Gateway cannot cache streamed responses. Remove cacheClusterEnabled / cachingEnabled.',
    );
  }
  return errors;
}

/** The handler's configuration, from props only. */
function handlerEnvironment(props: StreamingBedrockApiProps): Record<string, string> | undefined {
  if (props.handler) {
    return undefined;
  }
  const env = encodeHandlerEnvironment({
    modelId: props.modelId,
    allowedModelIds: props.allowedModelIds,
    maxTokens: props.maxTokens,
    temperature: props.temperature,
    systemPrompt: props.systemPrompt,
    maxRequestBytes: props.handlerOptions?.maxRequestBodySize?.toBytes(),
    logContent: props.handlerOptions?.logContent,
    metricsNamespace: props.handlerOptions?.metricsNamespace,
    corsAllowOrigins: props.cors?.allowOrigins,
    corsAllowCredentials: props.cors?.allowCredentials,
    guardrail: props.guardrail && {
      guardrailIdentifier: props.guardrail.guardrailIdentifier,
      guardrailVersion: props.guardrail.guardrailVersion,
      streamProcessingMode: props.guardrail.streamProcessingMode,
      trace: props.guardrail.trace,
    },
  });
  const size = Object.entries(env).reduce(
    (sum, [k, v]) => sum + Buffer.byteLength(k) + (Token.isUnresolved(v) ? 0 : Buffer.byteLength(v)),
    0,
  );
  if (size > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
    fail(
      'systemPrompt',
      `${Buffer.byteLength(props.systemPrompt ?? '')} bytes`,
      'The handler configuration travels in Lambda environment variables, limited to 4 KB in total: shorten the system prompt.',
    );
  }
  return env;
}

/** JSON access log line, with the streaming variables (transfer mode, time to headers and first content). */
function accessLogFormat(): apigateway.AccessLogFormat {
  return apigateway.AccessLogFormat.custom(
    JSON.stringify({
      requestId: '$context.requestId',
      extendedRequestId: '$context.extendedRequestId',
      requestTime: '$context.requestTime',
      ip: '$context.identity.sourceIp',
      caller: '$context.identity.caller',
      user: '$context.identity.user',
      httpMethod: '$context.httpMethod',
      resourcePath: '$context.resourcePath',
      protocol: '$context.protocol',
      status: '$context.status',
      responseLength: '$context.responseLength',
      responseLatency: '$context.responseLatency',
      integrationStatus: '$context.integration.status',
      integrationLatency: '$context.integration.latency',
      responseTransferMode: '$context.integration.responseTransferMode',
      timeToAllHeaders: '$context.integration.timeToAllHeaders',
      timeToFirstContent: '$context.integration.timeToFirstContent',
      errorMessage: '$context.error.message',
      errorResponseType: '$context.error.responseType',
      authorizerError: '$context.authorizer.error',
    }),
  );
}

/**
 * API Gateway's own errors (auth, throttling, integration failures) in the handler's error shape, with CORS
 * headers so that browsers can read them.
 */
function addErrorGatewayResponses(api: apigateway.RestApi, cors: apigateway.CorsOptions | undefined): void {
  // Gateway response header values are literals in single quotes.
  const headers = Object.fromEntries(
    Object.entries(gatewayResponseCorsHeaders(cors)).map(([name, value]) => [name, `'${value}'`]),
  );
  for (const [id, type] of [
    ['Default4xx', apigateway.ResponseType.DEFAULT_4XX],
    ['Default5xx', apigateway.ResponseType.DEFAULT_5XX],
  ] as const) {
    api.addGatewayResponse(id, {
      type,
      responseHeaders: Object.keys(headers).length > 0 ? headers : undefined,
      templates: { 'application/json': GATEWAY_ERROR_TEMPLATE },
    });
  }
}

import { Duration } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as bedrockagentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AgentCoreHandlerOptions } from './agent-core-handler-options';
import { ApiAuth } from './api-auth';
import { StreamingBedrockApiDomainProps } from './streaming-bedrock-api-domain-props';
import { TokenBudgetOptions } from './token-budget-options';

/**
 * Properties of {@link StreamingAgentCoreApi}. Give exactly one of `agentRuntimeArn` and `runtime`. The API's front
 * (`auth`, `cors`, `throttle`, `webAclArn`, `domainName`, ...) has the same props as StreamingBedrockApi's.
 */
export interface StreamingAgentCoreApiProps {
  /**
   * The ARN of the AgentCore runtime to invoke, `arn:<partition>:bedrock-agentcore:<region>:<account>:runtime/<id>`,
   * e.g. `cfnRuntime.attrAgentRuntimeArn` or a literal ARN. A literal ARN is checked at synth: an endpoint ARN
   * (`.../runtime-endpoint/...`: choose the endpoint with `qualifier`), another service's ARN, or a runtime in
   * another region than the stack's (when both are known) fails.
   *
   * @default - none: give `runtime` instead
   */
  readonly agentRuntimeArn?: string;

  /**
   * The AgentCore runtime to invoke, as a reference: aws-cdk-lib's `CfnRuntime`, or any construct implementing
   * `IRuntimeRef` (the `Runtime` L2 of `@aws-cdk/aws-bedrock-agentcore-alpha` and of newer aws-cdk-lib releases do).
   * Its ARN is built from the runtime's id, account and region.
   *
   * @default - none: give `agentRuntimeArn` instead
   */
  readonly runtime?: bedrockagentcore.IRuntimeRef;

  /**
   * The runtime endpoint to invoke (InvokeAgentRuntime's `qualifier`): an endpoint name, 1 to 48 letters, digits and
   * underscores starting with a letter. The handler's role may invoke exactly this endpoint of the runtime.
   *
   * @default 'DEFAULT' (the endpoint AgentCore creates with the runtime, on its latest version)
   */
  readonly qualifier?: string;

  /**
   * How long one invocation may stream. The Lambda timeout and the integration timeout are both set to it (aligned,
   * so that API Gateway never cuts a stream the function still writes); the handler ends the answer with a `timeout`
   * error just before it. At most 15 minutes (API Gateway's streaming limit and Lambda's; AgentCore itself streams
   * for up to 60 minutes).
   *
   * @default Duration.minutes(15): an agent's run (tool calls, several model turns) is its own business, and a
   * shorter cut would end long runs that AgentCore allows; Lambda bills only the time an invocation really runs
   */
  readonly timeout?: Duration;

  /**
   * How callers authenticate. The authenticated caller is the runtime user id the agent receives, `<type>:<id>`
   * (the IAM principal's ARN, the Cognito `sub`, the Lambda authorizer's `principalId`, the managed or API key's id;
   * with `ApiAuth.none()` the source IP): never a request header.
   *
   * @default ApiAuth.iam()
   */
  readonly auth?: ApiAuth;

  /**
   * CORS for browser clients: preflight, the allow-origin header on streamed responses, and CORS headers on
   * API Gateway's own 4XX/5XX responses (so browsers can read auth and throttling errors). Browsers may read the
   * `X-Session-Id` response header.
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
   * Per-caller request rate limit, kept in a DynamoDB table: `requestsPerMinute` (429 `rate_limited` with
   * `Retry-After` beyond it), optionally your own `table` and `failOpen`. Token and spend limits (`tokensPerMinute`,
   * `tokensPerDay`, `tokensPerMonth`, `spendPerDay`, `spendPerMonth`) fail at synth: the agent's own model usage is
   * not visible to the API, so nothing could count it.
   *
   * @default - no per-caller limit
   */
  readonly tokenBudget?: TokenBudgetOptions;

  /**
   * Stage throttling for all methods: the steady rate (requests per second) and the burst.
   *
   * @default - rateLimit 10, burstLimit 20
   */
  readonly throttle?: apigateway.ThrottleSettings;

  /**
   * Options of the bundled handler's function.
   *
   * @default - see AgentCoreHandlerOptions
   */
  readonly handlerOptions?: AgentCoreHandlerOptions;

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
   * A custom domain (REGIONAL endpoint, your certificate, TLS 1.2 by default) mapped to the API's stage. `url` and
   * `invocationsUrl` then use it; the execute-api URL (`restApi.url`) still answers. The DNS record is yours: point
   * an alias record at `domain`. Needs `endpointType` REGIONAL (the default): synth fails with EDGE.
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
   * @default - a name unique in the app, made of the construct's path and a hash, e.g. `MyStack-Agent-1A2B3C4D`
   */
  readonly restApiName?: string;

  /**
   * Name of the stage.
   *
   * @default 'prod'
   */
  readonly stageName?: string;
}

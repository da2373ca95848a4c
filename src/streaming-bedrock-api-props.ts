import { Duration } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ApiAuth } from './api-auth';
import { ClientProtocol } from './client-protocol';
import { DefaultHandlerOptions } from './default-handler-options';
import { GuardrailOptions } from './guardrail-options';
import { ModelPrice } from './model-price';
import { ResponseMode } from './response-mode';
import { StreamingBedrockApiDomainProps } from './streaming-bedrock-api-domain-props';
import { TokenBudgetOptions } from './token-budget-options';

/** Properties of {@link StreamingBedrockApi}. */
export interface StreamingBedrockApiProps {
  /**
   * The Bedrock model id or system inference profile id used when a request names none,
   * e.g. `us.anthropic.claude-haiku-4-5-20251001-v1:0` (Claude Haiku 4.5, which Bedrock serves only through an
   * inference profile) or an on-demand model id such as `amazon.nova-lite-v1:0`,
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
   * Models asked, in order, when the asked model cannot answer before its answer starts: throttled (after the SDK's
   * retries), over a service quota, not ready, unavailable, or timed out. Never once the first event of the answer
   * arrived, and never for the caller's errors (validation) or the operator's (access denied). A request that names
   * another allowed model falls back to the same list, skipping itself. Each may be a model id, a system inference
   * profile id or an application inference profile ARN, other than `modelId`; the role may invoke each (granted as
   * for `modelId`). The log line's `modelId` names the model that answered, `requestedModelId` the one asked; with
   * `pricing` and a spend limit each needs a price. A fallback is sent the same request (the caller's structured
   * output, reasoning fields made for the model asked, `additionalModelRequestFields`): prefer the same model through a
   * wider inference profile, or a model of the same family. See docs/model-features.md "Fallback models".
   *
   * @default - no fallback: a throttled model's request fails with 429
   */
  readonly fallbackModelIds?: string[];

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
   * system prompt, after the tools when a request has tools, and up to two in the conversation (its end, and where the
   * previous turn's conversation ended), within Bedrock's 4 per request, so repeated prefixes (the system prompt, the
   * tools and a multi-turn conversation's history) are read from Bedrock's cache.
   * Usage (the `done` event, the log line and the metrics) reports the tokens written to and read from the cache
   * (`cacheWriteInputTokens`, `cacheReadInputTokens`); `inputTokens` excludes cached tokens.
   *
   * Bedrock caches only a prefix of at least a model's minimum (1,024 to 4,096 tokens depending on the model); a
   * shorter prefix is simply not cached (no error). The system prompt shares the handler's 4 KB environment budget,
   * so on its own it seldom reaches that minimum: caching pays off when requests carry tools or long conversations
   * (coding agents). Prompt caching is supported by Claude 3.7 and 4.x models and Amazon Nova models; check that your
   * model supports it. See docs/model-features.md "Conversation caching".
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
   * Client protocols to speak besides the native one (`POST /stream`), so that their own clients work unchanged:
   * ClientProtocol.OPENAI_CHAT_COMPLETIONS (`POST /v1/chat/completions`, `GET /v1/models`, `openAiBaseUrl`),
   * ClientProtocol.AI_SDK_UI_MESSAGES (`POST /chat`, `chatUrl`) and ClientProtocol.ANTHROPIC_MESSAGES
   * (`POST /v1/messages`, `POST /v1/messages/count_tokens`, `GET /v1/models`, `anthropicBaseUrl`). Their routes are served by the same streaming
   * function as `POST /stream` (no extra function or cold start), with the same auth, CORS, throttling, logging and
   * metrics, and are covered by `grantInvoke`. Needs the default handler and ResponseMode.STREAMING or BOTH (else
   * synth fails); list each protocol once. See the README section "Client protocols".
   *
   * @default - none: only the native protocol
   */
  readonly protocols?: ClientProtocol[];

  /**
   * Let callers of the OpenAI, AI SDK and Anthropic protocols send `system` (and OpenAI `developer`) messages, as
   * coding agents such as Claude Code do. They are added after the operator's `systemPrompt`, which they never
   * replace; without this prop such a message gets a 400 that names this prop. The native protocol never takes a
   * system message from callers. `true` needs one of `protocols` that takes them, ClientProtocol.OPENAI_CHAT_COMPLETIONS,
   * AI_SDK_UI_MESSAGES or ANTHROPIC_MESSAGES (else synth fails: nothing would use it). See the README section "Client protocols".
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
   * What each model costs, in USD per million tokens, by model id (every id of `modelId` and `allowedModelIds` when
   * given, as the API names them, e.g. an inference profile id). With it each request's log line carries its cost
   * (`costUsd`), `metricSpend()` sums it, `keys usage` reports it, and `tokenBudget` may limit spend per day or month.
   * Bedrock publishes no price API: copy the prices of your Region from https://aws.amazon.com/bedrock/pricing/.
   *
   * @default - no prices: no cost in the log line, no spend metric, no spend limits
   */
  readonly pricing?: Record<string, ModelPrice>;

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
   * Create a CloudWatch dashboard of the API (`dashboard` on the construct): requests and errors (by outcome),
   * time to first token and duration percentiles, tokens, budget refusals (with `tokenBudget`), spend (with
   * `pricing`), and Logs Insights tables of the top callers by spend and by tokens. CloudFormation names it.
   * Needs the default handler: with your own `handler` it fails at synth.
   *
   * @default false
   */
  readonly dashboard?: boolean;

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

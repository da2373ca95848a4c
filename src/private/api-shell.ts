import { Names, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { accessLogFormat } from './access-log-format';
import { addCustomDomain, customDomainUrl, validateCustomDomain } from './domain';
import { addErrorGatewayResponses } from './gateway-responses';
import { NagAcknowledgment, acknowledgeNagFindings } from './nag-acknowledgments';
import { preflightOptions } from './protocol-cors';
import { fail, validateNonNegativeFinite, validateOrigin } from './validation';
import { associateWebAcl, validateWebAclArn } from './waf';
import { warnAboutShellSettings } from './warnings';
import { ApiAuth, type ApiAuthBinding } from '../api-auth';
import type { Route } from '../contract';
import type { StreamingBedrockApiDomainProps } from '../streaming-bedrock-api-domain-props';

/** What the shell is made of: the API's front, whatever backend answers its routes. */
export interface ApiShellProps {
  /** The REST API's description. */
  readonly description: string;
  readonly restApiName?: string;
  readonly endpointType: apigateway.EndpointType;
  readonly throttle?: apigateway.ThrottleSettings;
  readonly auth?: ApiAuth;
  readonly cors?: apigateway.CorsOptions;
  readonly webAclArn?: string;
  readonly domainName?: StreamingBedrockApiDomainProps;
  readonly logRetention: logs.RetentionDays;
  readonly detailedMetrics?: boolean;
  readonly tracing?: boolean;
  readonly cloudWatchRole?: boolean;
  readonly stageName?: string;
}

const DEFAULT_THROTTLE = { rateLimit: 10, burstLimit: 20 };
/** API Gateway REST API names may be up to 1024 characters. */
const REST_API_NAME_MAX_LENGTH = 1024;

/**
 * The API's front, the same for every backend: REST API and stage (throttled, JSON access logs, execution logs at
 * ERROR without payloads), gateway responses, auth, CORS preflights, WAF, custom domain, stage metrics. A plain class
 * creating its children in the construct's scope, so that their construct ids (and logical ids) are the construct's.
 */
export class ApiShell {
  public readonly restApi: apigateway.RestApi;
  public readonly accessLogGroup: logs.LogGroup;
  public readonly usagePlan?: apigateway.IUsagePlan;
  public readonly apiKey?: apigateway.IApiKey;
  public readonly domain?: apigateway.IDomainName;
  /** With ApiAuth.managedKeys(): the key table and the lookup cache TTL, for the default handler. */
  public readonly managedKeys?: ApiAuthBinding['managedKeys'];
  /** The served routes, for `grantInvoke`. */
  private readonly routes: Route[] = [];
  private readonly methodOptions: apigateway.MethodOptions;
  private readonly authAcknowledgments: NagAcknowledgment[];

  constructor(
    scope: Construct,
    subject: string,
    private readonly props: ApiShellProps,
  ) {
    const throttle = { ...DEFAULT_THROTTLE, ...props.throttle };
    validateThrottle(subject, throttle);
    if (props.cors) {
      validateCors(subject, props.cors);
    }
    validateWebAclArn(subject, props.webAclArn, Stack.of(scope).region);
    validateCustomDomain(subject, props.domainName, props.endpointType);
    warnAboutShellSettings(scope, props);

    this.accessLogGroup = new logs.LogGroup(scope, 'AccessLogs', { retention: props.logRetention });
    this.restApi = newRestApi(scope, props, throttle, this.accessLogGroup);
    addErrorGatewayResponses(this.restApi, props.cors);
    const binding = (props.auth ?? ApiAuth.iam())._bind(scope, this.restApi, throttle, subject);
    this.methodOptions = binding.methodOptions;
    this.authAcknowledgments = binding.acknowledgments;
    this.usagePlan = binding.usagePlan;
    this.apiKey = binding.apiKey;
    this.managedKeys = binding.managedKeys;
    if (props.webAclArn !== undefined) {
      associateWebAcl(scope, this.restApi.deploymentStage, props.webAclArn);
    }
    this.domain = props.domainName ? addCustomDomain(scope, this.restApi, props.domainName) : undefined;
  }

  /** A route's resource and method with the auth mode's method options, and the CORS preflight when CORS is set. */
  public addRoute(route: Route, integration: apigateway.Integration): void {
    const resource = this.restApi.root.resourceForPath(route.path);
    resource.addMethod(route.method, integration, this.methodOptions);
    if (this.props.cors) {
      resource.addCorsPreflight(preflightOptions(route, this.props.cors));
    }
    this.routes.push(route);
  }

  /** The URL of a path: through the custom domain when there is one, else the execute-api URL of the stage. */
  public urlFor(path: string): string {
    const domain = this.props.domainName;
    return domain ? customDomainUrl(domain, path) : this.restApi.urlForPath(path);
  }

  /** `execute-api:Invoke` on each served method and path of the stage, and nothing else (no preflight). */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    const stage = this.restApi.deploymentStage;
    const resourceArns = this.routes.map((r) => this.restApi.arnForExecuteApi(r.method, r.path, stage.stageName));
    return iam.Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns });
  }

  public metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.restApi.deploymentStage.metricLatency({ statistic: cloudwatch.Stats.p(90), ...props });
  }

  public metricIntegrationLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.restApi.deploymentStage.metricIntegrationLatency({ statistic: cloudwatch.Stats.p(90), ...props });
  }

  public metricClientError(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.restApi.deploymentStage.metricClientError(props);
  }

  public metricServerError(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.restApi.deploymentStage.metricServerError(props);
  }

  public metricCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.restApi.deploymentStage.metricCount({ statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Acknowledges the cdk-nag findings of the shell's own resources: why API Gateway does not validate requests (the
   * backend does, in its own error format), and what the auth mode makes unavoidable. Call it once every route is
   * added: cdk-nag 2's metadata goes on the resources that exist then.
   */
  public acknowledgeNagFindings(requestValidation: NagAcknowledgment): void {
    acknowledgeNagFindings(this.restApi, [requestValidation, ...this.authAcknowledgments]);
  }
}

function newRestApi(
  scope: Construct,
  props: ApiShellProps,
  throttle: apigateway.ThrottleSettings,
  accessLogGroup: logs.ILogGroup,
): apigateway.RestApi {
  return new apigateway.RestApi(scope, 'Api', {
    restApiName:
      props.restApiName ?? Names.uniqueResourceName(scope, { maxLength: REST_API_NAME_MAX_LENGTH, separator: '-' }),
    description: props.description,
    endpointConfiguration: { types: [props.endpointType] },
    cloudWatchRole: props.cloudWatchRole ?? false,
    deployOptions: {
      stageName: props.stageName ?? 'prod',
      throttlingRateLimit: throttle.rateLimit,
      throttlingBurstLimit: throttle.burstLimit,
      loggingLevel: apigateway.MethodLoggingLevel.ERROR,
      dataTraceEnabled: false,
      metricsEnabled: props.detailedMetrics ?? true,
      tracingEnabled: props.tracing ?? false,
      accessLogDestination: new apigateway.LogGroupLogDestination(accessLogGroup),
      accessLogFormat: accessLogFormat(),
    },
  });
}

function validateThrottle(subject: string, throttle: apigateway.ThrottleSettings): void {
  validateNonNegativeFinite(subject, 'throttle.rateLimit', throttle.rateLimit);
  validateNonNegativeFinite(subject, 'throttle.burstLimit', throttle.burstLimit);
  if (throttle.burstLimit !== undefined && !Number.isInteger(throttle.burstLimit)) {
    fail(subject, 'throttle.burstLimit', throttle.burstLimit, 'Use a whole number of requests.');
  }
}

/** At least one origin, each a full origin or `*`, and no credentials with `*`. */
export function validateCors(subject: string, cors: apigateway.CorsOptions): void {
  if (cors.allowOrigins.length === 0) {
    fail(
      subject,
      'cors.allowOrigins',
      cors.allowOrigins,
      "List at least one origin, e.g. ['https://app.example.com'].",
    );
  }
  cors.allowOrigins.forEach((origin, i) => validateOrigin(subject, `cors.allowOrigins[${i}]`, origin));
  if (cors.allowCredentials && cors.allowOrigins.includes('*')) {
    fail(
      subject,
      'cors.allowOrigins',
      cors.allowOrigins,
      "allowCredentials cannot be used with origin '*' (browsers reject it and it would expose credentialed " +
        'answers to every site): list the exact origins.',
    );
  }
}

import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { NagAcknowledgment } from './nag-acknowledgments';

/**
 * The functions run on `Runtime.NODEJS_LATEST` on purpose: aws-cdk-lib moves it to a newer runtime once that runtime
 * is available in every region, and consumers get it by upgrading aws-cdk-lib. cdk-nag's rule compares with every
 * runtime aws-cdk-lib lists instead, so it fires whenever aws-cdk-lib lists a runtime before making it the latest
 * (aws-cdk-lib 2.278 lists nodejs26.x while NODEJS_LATEST is nodejs24.x).
 */
export const LATEST_RUNTIME_ACKNOWLEDGMENTS: NagAcknowledgment[] = [
  'AwsSolutions-L1',
  'Serverless-LambdaLatestVersion',
].map((id) => ({
  id,
  reason:
    'The function runs on Runtime.NODEJS_LATEST, the newest Node.js runtime aws-cdk-lib deems available in every ' +
    'region; it moves forward as you upgrade aws-cdk-lib. Runtimes aws-cdk-lib lists before that are not used.',
}));

/** The cdk-nag findings of every function the constructs create behind API Gateway. */
export const HANDLER_FUNCTION_ACKNOWLEDGMENTS: NagAcknowledgment[] = [
  {
    id: 'Serverless-LambdaDLQ',
    reason: 'API Gateway invokes the function synchronously; a dead-letter queue only serves asynchronous invocations.',
  },
  ...LATEST_RUNTIME_ACKNOWLEDGMENTS,
];

/** The function options both constructs' `handlerOptions` carry (DefaultHandlerOptions, AgentCoreHandlerOptions). */
export interface HandlerFunctionOptions {
  readonly memorySize?: number;
  readonly architecture?: lambda.Architecture;
  readonly reservedConcurrentExecutions?: number;
}

/** What a backend's bundled functions share. */
export interface HandlerFunctionsSettings {
  /** The bundle (one asset directory; its entry points are the functions' `handler`), one per function. */
  readonly code: () => lambda.Code;
  /** The role's description: what it may do. */
  readonly roleDescription: string;
  /** Each function's description. */
  readonly functionDescription: string;
  readonly environment: Record<string, string>;
  /** What the functions may do besides writing their logs (the backend's service, exactly scoped). */
  readonly statements: iam.PolicyStatement[];
  readonly retention: logs.RetentionDays;
  readonly tracing: boolean;
  readonly options?: HandlerFunctionOptions;
}

/**
 * A bundled handler's log group, role and functions (for StreamingBedrockApi, the streaming and the buffered entry
 * point of one bundle). The role may write to its own log group and do what `statements` allow; no
 * AWSLambdaBasicExecutionRole, which allows creating and writing any log group. Construct ids are those of the
 * constructs' first release.
 */
export class HandlerFunctions {
  public readonly role: iam.Role;
  /** The functions' log group: one JSON line per request, read by the dashboard's Logs Insights widgets. */
  public readonly logGroup: logs.LogGroup;

  constructor(
    private readonly scope: Construct,
    private readonly settings: HandlerFunctionsSettings,
  ) {
    this.logGroup = new logs.LogGroup(scope, 'HandlerLogs', { retention: settings.retention });
    this.role = new iam.Role(scope, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: settings.roleDescription,
    });
    this.logGroup.grantWrite(this.role);
    settings.statements.forEach((statement) => this.role.addToPolicy(statement));
  }

  /** A function running one entry point of the bundle. */
  public newFunction(constructId: string, entryPoint: string, timeout: Duration): lambda.Function {
    const options = this.settings.options;
    return new lambda.Function(this.scope, constructId, {
      description: this.settings.functionDescription,
      code: this.settings.code(),
      handler: entryPoint,
      runtime: lambda.Runtime.NODEJS_LATEST,
      architecture: options?.architecture ?? lambda.Architecture.ARM_64,
      memorySize: options?.memorySize ?? 512,
      reservedConcurrentExecutions: options?.reservedConcurrentExecutions,
      timeout,
      environment: this.settings.environment,
      logGroup: this.logGroup,
      role: this.role,
      tracing: this.settings.tracing ? lambda.Tracing.ACTIVE : undefined,
    });
  }
}

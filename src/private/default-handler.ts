import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { defaultHandlerCode } from './default-handler-code';
import type { NagAcknowledgment } from './nag-acknowledgments';
import type { DefaultHandlerOptions } from '../default-handler-options';

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

/** What the default handler's functions share. */
export interface DefaultHandlerSettings {
  readonly environment: Record<string, string>;
  readonly bedrockStatements: iam.PolicyStatement[];
  readonly retention: logs.RetentionDays;
  readonly tracing: boolean;
  readonly options?: DefaultHandlerOptions;
}

/**
 * The default handler's log group, role and functions (the streaming and the buffered entry point of one bundle).
 * The role may write to its own log group and invoke exactly the configured models; no AWSLambdaBasicExecutionRole,
 * which allows creating and writing any log group. Construct ids are those of the construct's first release.
 */
export class DefaultHandlers {
  public readonly role: iam.Role;
  /** The functions' log group: one JSON line per request, read by the dashboard's Logs Insights widgets. */
  public readonly logGroup: logs.LogGroup;

  constructor(
    private readonly scope: Construct,
    private readonly settings: DefaultHandlerSettings,
  ) {
    this.logGroup = new logs.LogGroup(scope, 'HandlerLogs', { retention: settings.retention });
    this.role = new iam.Role(scope, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Streaming Bedrock API handler: its own log group and the configured Bedrock models only.',
    });
    this.logGroup.grantWrite(this.role);
    settings.bedrockStatements.forEach((statement) => this.role.addToPolicy(statement));
  }

  /** A function running one entry point of the bundle. */
  public newFunction(constructId: string, entryPoint: string, timeout: Duration): lambda.Function {
    const options = this.settings.options;
    return new lambda.Function(this.scope, constructId, {
      description: 'Streams Amazon Bedrock ConverseStream answers (cdk-streaming-bedrock-api default handler).',
      code: defaultHandlerCode(),
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

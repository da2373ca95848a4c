import { Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { bedrockAcknowledgments, bedrockInvokeStatements, guardrailStatement } from './bedrock-iam';
import { budgetTable, grantBudgetLedger } from './budget-table';
import { HANDLER_FUNCTION_ACKNOWLEDGMENTS, HandlerFunctions } from './default-handler';
import { DefaultHandlerEntryPoint, defaultHandlerCode } from './default-handler-code';
import { defaultHandlerEnvironment } from './handler-environment';
import { grantKeyLookup } from './key-table';
import { DEFAULT_METRICS_NAMESPACE } from './metrics';
import { NagAcknowledgment, acknowledgeNagFindings } from './nag-acknowledgments';
import type { HandlerChoice } from './props-validation';
import type { Timeouts } from './timeouts';
import { fail } from './validation';
import { warnAboutBedrockSettings } from './warnings';
import { ResponseMode } from '../response-mode';
import type { StreamingBedrockApiProps } from '../streaming-bedrock-api-props';

/** Why API Gateway does not validate requests: the default handler does, in the API's own error format. */
export const REQUEST_VALIDATION_ACKNOWLEDGMENT: NagAcknowledgment = {
  id: 'AwsSolutions-APIG2',
  reason:
    'The handler validates every request (size cap before parsing, JSON schema, unknown fields) and answers in ' +
    "the API's JSON error format; API Gateway model validation would duplicate it with another format.",
};

/** What the Bedrock backend is built from, resolved by the construct. */
export interface BedrockBackendSettings {
  readonly subject: string;
  readonly props: StreamingBedrockApiProps;
  readonly responseMode: ResponseMode;
  readonly timeouts: Timeouts;
  /** The default model and the allowed ones: those the handler may invoke. */
  readonly modelIds: string[];
  readonly logRetention: logs.RetentionDays;
  /** With ApiAuth.managedKeys(): the key table the default handler reads, and its lookup cache TTL. */
  readonly managedKeys?: { readonly table: dynamodb.ITable; readonly cacheTtlMs: number };
}

/**
 * The functions that answer the API's routes and what they need: Bedrock permissions on exactly the configured
 * models (and guardrail), the budget ledger, the default handler's role and log group. Created in the construct's
 * scope, with the construct ids of the construct's first release.
 */
export class BedrockBackend {
  /** The main function: the streaming one, or the buffered one with ResponseMode.BUFFERED. */
  public readonly handler: lambda.IFunction;
  /** The buffered function, with ResponseMode.BUFFERED or BOTH. */
  public readonly bufferedHandler?: lambda.Function;
  public readonly budgetTable?: dynamodb.ITable;
  /** The default handler's metrics namespace; undefined with your own handler (which publishes none of them). */
  public readonly metricsNamespace?: string;
  /** The default handler's log group; undefined with your own handler. */
  public readonly handlerLogGroup?: logs.ILogGroup;
  private readonly role?: iam.IRole;

  constructor(
    private readonly scope: Construct,
    choice: HandlerChoice,
    private readonly settings: BedrockBackendSettings,
  ) {
    const props = settings.props;
    warnAboutBedrockSettings(scope, { props, modelIds: settings.modelIds, region: Stack.of(scope).region });
    const statements = [
      ...bedrockInvokeStatements(Stack.of(scope), settings.modelIds),
      ...(props.guardrail ? [guardrailStatement(Stack.of(scope), props.guardrail.guardrailIdentifier)] : []),
    ];
    if (choice.kind === 'own') {
      if (settings.managedKeys) {
        fail(
          settings.subject,
          'handler',
          'your own function',
          'ApiAuth.managedKeys() is checked by the default handler: leave handler out, or choose another auth mode.',
        );
      }
      statements.forEach((statement) => choice.handler.addToRolePolicy(statement));
      this.handler = choice.handler;
      this.role = choice.handler.role;
      return;
    }
    this.budgetTable = props.tokenBudget ? budgetTable(scope, props.tokenBudget) : undefined;
    const handlers = new HandlerFunctions(scope, {
      code: defaultHandlerCode,
      roleDescription: 'Streaming Bedrock API handler: its own log group and the configured Bedrock models only.',
      functionDescription: 'Streams Amazon Bedrock ConverseStream answers (cdk-streaming-bedrock-api default handler).',
      environment: defaultHandlerEnvironment(settings.subject, choice.modelId, props, {
        budgetTableName: this.budgetTable?.tableName,
        managedKeys: settings.managedKeys && {
          tableName: settings.managedKeys.table.tableName,
          cacheTtlMs: settings.managedKeys.cacheTtlMs,
        },
      }),
      statements,
      retention: settings.logRetention,
      tracing: props.tracing ?? false,
      options: props.handlerOptions,
    });
    if (this.budgetTable) {
      grantBudgetLedger(this.budgetTable, handlers.role);
    }
    if (settings.managedKeys) {
      grantKeyLookup(settings.managedKeys.table, handlers.role);
    }
    this.role = handlers.role;
    this.handlerLogGroup = handlers.logGroup;
    this.metricsNamespace = props.handlerOptions?.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;
    ({ handler: this.handler, bufferedHandler: this.bufferedHandler } = this.defaultFunctions(handlers));
  }

  /** cdk-nag findings of the functions the backend created and of the Bedrock grants, with the reasons. */
  public acknowledgeNagFindings(): void {
    for (const fn of new Set([this.handler, this.bufferedHandler])) {
      if (fn instanceof lambda.Function && fn.node.scope === this.scope) {
        acknowledgeNagFindings(fn, HANDLER_FUNCTION_ACKNOWLEDGMENTS);
      }
    }
    const tracing = this.settings.props.tracing ?? false;
    acknowledgeNagFindings(this.role ?? this.scope, bedrockAcknowledgments(this.settings.modelIds, tracing));
  }

  /** The default handler's functions of the response mode: with BUFFERED alone, the buffered one is the main one. */
  private defaultFunctions(handlers: HandlerFunctions): {
    handler: lambda.Function;
    bufferedHandler?: lambda.Function;
  } {
    const { responseMode, timeouts } = this.settings;
    const newBuffered = () =>
      handlers.newFunction('BufferedHandler', DefaultHandlerEntryPoint.BUFFERED, timeouts.buffered);
    if (responseMode === ResponseMode.BUFFERED) {
      const buffered = newBuffered();
      return { handler: buffered, bufferedHandler: buffered };
    }
    const handler = handlers.newFunction('Handler', DefaultHandlerEntryPoint.STREAMING, timeouts.streaming);
    return { handler, bufferedHandler: responseMode === ResponseMode.BOTH ? newBuffered() : undefined };
  }
}

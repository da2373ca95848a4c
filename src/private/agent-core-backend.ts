import { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { agentCoreInvokeStatement } from './agent-core-runtime';
import { budgetTable, grantBudgetLedger } from './budget-table';
import { HANDLER_FUNCTION_ACKNOWLEDGMENTS, HandlerFunctions } from './default-handler';
import { AGENT_CORE_HANDLER_ENTRY_POINT, agentCoreHandlerCode } from './default-handler-code';
import { grantKeyLookup } from './key-table';
import { NagAcknowledgment, TRACING_ACKNOWLEDGMENT, acknowledgeNagFindings } from './nag-acknowledgments';
import { AgentCoreDefaults, agentCoreEnvironment, type AgentCoreSettings } from '../contract';
import type { StreamingAgentCoreApiProps } from '../streaming-agent-core-api-props';

/** Why API Gateway does not validate requests: the payload is the agent's, and the handler caps its size. */
export const AGENT_CORE_REQUEST_VALIDATION_ACKNOWLEDGMENT: NagAcknowledgment = {
  id: 'AwsSolutions-APIG2',
  reason:
    "The payload is the agent's own format, passed through unparsed; the handler caps its size and validates the " +
    "session header, and answers in the API's JSON error format. API Gateway model validation would need the agent's schema.",
};

/** What the AgentCore backend is built from, resolved by the construct. */
export interface AgentCoreBackendSettings {
  readonly props: StreamingAgentCoreApiProps;
  readonly runtimeArn: string;
  readonly qualifier: string;
  /** The function's timeout, the same as the integration's. */
  readonly timeout: Duration;
  readonly logRetention: logs.RetentionDays;
  /** With ApiAuth.managedKeys(): the key table the handler reads, and its lookup cache TTL. */
  readonly managedKeys?: { readonly table: dynamodb.ITable; readonly cacheTtlMs: number };
}

/**
 * The function that answers `POST /invocations` and what it needs: InvokeAgentRuntime(ForUser) on exactly the
 * runtime and its endpoint, the request rate ledger, the key table lookup, its role and log group. Created in the
 * construct's scope.
 */
export class AgentCoreBackend {
  public readonly handler: lambda.Function;
  public readonly budgetTable?: dynamodb.ITable;
  public readonly metricsNamespace: string;
  public readonly handlerLogGroup: logs.ILogGroup;
  private readonly role: iam.IRole;

  constructor(
    scope: Construct,
    private readonly settings: AgentCoreBackendSettings,
  ) {
    const props = settings.props;
    this.budgetTable = props.tokenBudget ? budgetTable(scope, props.tokenBudget) : undefined;
    const functions = new HandlerFunctions(scope, {
      code: agentCoreHandlerCode,
      roleDescription: 'Streaming AgentCore API handler: its own log group and one AgentCore runtime endpoint only.',
      functionDescription:
        'Streams Amazon Bedrock AgentCore runtime answers (cdk-streaming-bedrock-api StreamingAgentCoreApi handler).',
      environment: agentCoreEnvironment(this.handlerSettings()),
      statements: [agentCoreInvokeStatement(settings.runtimeArn, settings.qualifier)],
      retention: settings.logRetention,
      tracing: props.tracing ?? false,
      options: props.handlerOptions,
    });
    if (this.budgetTable) {
      grantBudgetLedger(this.budgetTable, functions.role);
    }
    if (settings.managedKeys) {
      grantKeyLookup(settings.managedKeys.table, functions.role);
    }
    this.role = functions.role;
    this.handlerLogGroup = functions.logGroup;
    this.metricsNamespace = props.handlerOptions?.metricsNamespace ?? AgentCoreDefaults.METRICS_NAMESPACE;
    this.handler = functions.newFunction('Handler', AGENT_CORE_HANDLER_ENTRY_POINT, settings.timeout);
  }

  /** cdk-nag findings of the function and of its role, with the reasons. */
  public acknowledgeNagFindings(): void {
    acknowledgeNagFindings(this.handler, HANDLER_FUNCTION_ACKNOWLEDGMENTS);
    if (this.settings.props.tracing) {
      acknowledgeNagFindings(this.role, [TRACING_ACKNOWLEDGMENT]);
    }
  }

  /** The props in the contract's settings shape (the local runner maps its flags to the same shape). */
  private handlerSettings(): AgentCoreSettings {
    const { props, runtimeArn, qualifier, managedKeys } = this.settings;
    const budget = props.tokenBudget;
    return {
      agentRuntimeArn: runtimeArn,
      qualifier,
      maxRequestBytes: props.handlerOptions?.maxRequestBodySize?.toBytes(),
      metricsNamespace: props.handlerOptions?.metricsNamespace,
      corsAllowOrigins: props.cors?.allowOrigins,
      corsAllowCredentials: props.cors?.allowCredentials,
      tokenBudget: budget &&
        this.budgetTable && {
          tableName: this.budgetTable.tableName,
          requestsPerMinute: budget.requestsPerMinute,
          failOpen: budget.failOpen,
        },
      managedKeys: managedKeys && { tableName: managedKeys.table.tableName, cacheTtlMs: managedKeys.cacheTtlMs },
    };
  }
}

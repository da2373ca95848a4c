import { Token } from 'aws-cdk-lib';
import { fail } from './validation';
import { HandlerEnvironment, handlerEnvironment, type HandlerSettings } from '../contract';
import type { StreamingBedrockApiProps } from '../streaming-bedrock-api-props';

/** Lambda rejects functions whose environment variables exceed 4 KB in total. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/** Bytes Lambda counts against its limit: names and values (a token's value is unknown until deployment). */
export function environmentSize(env: Record<string, string>): number {
  return Object.entries(env).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + (Token.isUnresolved(value) ? 0 : Buffer.byteLength(value)),
    0,
  );
}

/** What the construct created (or was given) for the handler besides props: the ledger's and the keys' tables. */
export interface BackendTables {
  readonly budgetTableName?: string;
  readonly managedKeys?: HandlerSettings['managedKeys'];
}

/** The default handler's configuration, from props (and the budget ledger's table name), in the contract's encoding. */
export function defaultHandlerEnvironment(
  subject: string,
  modelId: string,
  props: StreamingBedrockApiProps,
  tables: BackendTables = {},
): Record<string, string> {
  const env = handlerEnvironment(handlerSettings(modelId, props, tables));
  const size = environmentSize(env);
  if (size > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
    failTooLarge(subject, size, env[HandlerEnvironment.ADDITIONAL_MODEL_REQUEST_FIELDS], props.systemPrompt);
  }
  return env;
}

/** The props in the settings' one shape (the local runner maps its flags to the same shape). */
export function handlerSettings(
  modelId: string,
  props: StreamingBedrockApiProps,
  { budgetTableName, managedKeys }: BackendTables = {},
): HandlerSettings {
  const guardrail = props.guardrail;
  const budget = props.tokenBudget;
  return {
    modelId,
    allowedModelIds: props.allowedModelIds,
    fallbackModelIds: props.fallbackModelIds,
    maxTokens: props.maxTokens,
    temperature: props.temperature,
    systemPrompt: props.systemPrompt,
    maxRequestBytes: props.handlerOptions?.maxRequestBodySize?.toBytes(),
    logContent: props.handlerOptions?.logContent,
    metricsNamespace: props.handlerOptions?.metricsNamespace,
    corsAllowOrigins: props.cors?.allowOrigins,
    corsAllowCredentials: props.cors?.allowCredentials,
    promptCaching: props.promptCaching,
    additionalModelRequestFields: props.additionalModelRequestFields,
    clientTools: props.clientTools,
    allowCallerSystemMessages: props.allowCallerSystemMessages,
    guardrail: guardrail && {
      guardrailIdentifier: guardrail.guardrailIdentifier,
      guardrailVersion: guardrail.guardrailVersion,
      streamProcessingMode: guardrail.streamProcessingMode,
      trace: guardrail.trace,
    },
    tokenBudget:
      budget && budgetTableName !== undefined
        ? {
            tableName: budgetTableName,
            requestsPerMinute: budget.requestsPerMinute,
            tokensPerMinute: budget.tokensPerMinute,
            tokensPerDay: budget.tokensPerDay,
            tokensPerMonth: budget.tokensPerMonth,
            spendPerDay: budget.spendPerDay,
            spendPerMonth: budget.spendPerMonth,
            failOpen: budget.failOpen,
          }
        : undefined,
    pricing: props.pricing,
    managedKeys,
  };
}

/** Names the prop that pushed the environment over the limit: the model fields if it fits without them. */
function failTooLarge(subject: string, size: number, fieldsJson: string | undefined, systemPrompt?: string): never {
  const limit = 'The handler configuration travels in Lambda environment variables, limited to 4 KB in total';
  const fieldsBytes = fieldsJson === undefined ? 0 : Buffer.byteLength(fieldsJson);
  if (fieldsBytes > 0 && size - fieldsBytes <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
    fail(
      subject,
      'additionalModelRequestFields',
      `${fieldsBytes} bytes of JSON`,
      `${limit}: keep only the model fields every request needs, or shorten the system prompt.`,
    );
  }
  fail(
    subject,
    'systemPrompt',
    `${Buffer.byteLength(systemPrompt ?? '')} bytes`,
    `${limit}: shorten the system prompt.`,
  );
}

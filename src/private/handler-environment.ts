import { Token } from 'aws-cdk-lib';
import { fail } from './validation';
import { handlerEnvironment } from '../contract';
import type { StreamingBedrockApiProps } from '../streaming-bedrock-api';

/** Lambda rejects functions whose environment variables exceed 4 KB in total. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/** Bytes Lambda counts against its limit: names and values (a token's value is unknown until deployment). */
export function environmentSize(env: Record<string, string>): number {
  return Object.entries(env).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + (Token.isUnresolved(value) ? 0 : Buffer.byteLength(value)),
    0,
  );
}

/** The default handler's configuration, from props only, in the contract's encoding. */
export function defaultHandlerEnvironment(
  subject: string,
  modelId: string,
  props: StreamingBedrockApiProps,
): Record<string, string> {
  const guardrail = props.guardrail;
  const env = handlerEnvironment({
    modelId,
    allowedModelIds: props.allowedModelIds,
    maxTokens: props.maxTokens,
    temperature: props.temperature,
    systemPrompt: props.systemPrompt,
    maxRequestBytes: props.handlerOptions?.maxRequestBodySize?.toBytes(),
    logContent: props.handlerOptions?.logContent,
    metricsNamespace: props.handlerOptions?.metricsNamespace,
    corsAllowOrigins: props.cors?.allowOrigins,
    corsAllowCredentials: props.cors?.allowCredentials,
    guardrail: guardrail && {
      guardrailIdentifier: guardrail.guardrailIdentifier,
      guardrailVersion: guardrail.guardrailVersion,
      streamProcessingMode: guardrail.streamProcessingMode,
      trace: guardrail.trace,
    },
  });
  if (environmentSize(env) > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
    fail(
      subject,
      'systemPrompt',
      `${Buffer.byteLength(props.systemPrompt ?? '')} bytes`,
      'The handler configuration travels in Lambda environment variables, limited to 4 KB in total: shorten the system prompt.',
    );
  }
  return env;
}

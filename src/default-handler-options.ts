import { Size } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';

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

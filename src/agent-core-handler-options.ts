import { Size } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** Options of StreamingAgentCoreApi's bundled handler function. */
export interface AgentCoreHandlerOptions {
  /**
   * Memory of the function in MB (also buys CPU for cold starts). The handler passes the agent's bytes through
   * without parsing them, so it needs little.
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
   * Reserved concurrency: a hard cap on simultaneous agent invocations through the API.
   *
   * @default - no reservation (the account's unreserved concurrency)
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * CloudWatch namespace of the handler's metrics (requests, errors by code, time to first byte, duration).
   *
   * @default 'StreamingAgentCoreApi'
   */
  readonly metricsNamespace?: string;
  /**
   * Largest request body (the payload passed to the agent) accepted; larger ones get 413 before they are sent.
   * At most Size.mebibytes(6): Lambda takes a streamed function's request of up to 6 MB (AgentCore itself takes
   * payloads of up to 100 MB, API Gateway requests of up to 10 MB).
   *
   * @default Size.mebibytes(1)
   */
  readonly maxRequestBodySize?: Size;
}

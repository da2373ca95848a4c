import { Duration } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** The longest a streamed response may last in API Gateway (and the longest Lambda timeout). */
export const MAX_STREAMING_TIMEOUT = Duration.minutes(15);

/**
 * Options for {@link StreamingLambdaIntegration}.
 */
export interface StreamingLambdaIntegrationOptions {
  /**
   * How long API Gateway keeps the stream open. Must be at least the function's timeout (so the function, not the
   * gateway, decides how a slow answer ends) and at most 15 minutes.
   *
   * @default - the function's timeout when it is known (a `lambda.Function`), else 15 minutes
   */
  readonly timeout?: Duration;

  /**
   * Allow API Gateway to invoke the function from this method only (a permission per method).
   *
   * @default true
   */
  readonly scopePermissionToMethod?: boolean;
}

/**
 * A Lambda proxy integration that streams the function's response to the client (`responseTransferMode: STREAM`,
 * the `response-streaming-invocations` URI), with the integration timeout aligned to the function's timeout.
 *
 * The function must write the streaming HTTP integration format (`awslambda.HttpResponseStream.from(...)`).
 *
 * @example
 * declare const api: apigateway.RestApi;
 * declare const fn: lambda.Function;
 * api.root.addResource('chat').addMethod('POST', new StreamingLambdaIntegration(fn), {
 *   authorizationType: apigateway.AuthorizationType.IAM,
 * });
 */
export class StreamingLambdaIntegration extends apigateway.LambdaIntegration {
  constructor(handler: lambda.IFunction, options: StreamingLambdaIntegrationOptions = {}) {
    const functionTimeout = handler instanceof lambda.Function ? handler.timeout : undefined;
    const timeout = options.timeout ?? functionTimeout ?? MAX_STREAMING_TIMEOUT;
    validateStreamingTimeouts('timeout', timeout, functionTimeout);
    super(handler, {
      proxy: true,
      responseTransferMode: apigateway.ResponseTransferMode.STREAM,
      timeout,
      scopePermissionToMethod: options.scopePermissionToMethod,
    });
  }
}

/**
 * Integration timeout <= 15 min, and >= the function timeout (else the gateway cuts the stream while the function
 * still runs and bills, and the client sees curl error 18 instead of the handler's timeout error).
 *
 * @internal
 */
export function validateStreamingTimeouts(prop: string, integration: Duration, functionTimeout?: Duration): void {
  if (integration.isUnresolved()) {
    return;
  }
  const ms = integration.toMilliseconds();
  if (ms > MAX_STREAMING_TIMEOUT.toMilliseconds()) {
    throw new Error(
      `StreamingBedrockApi: invalid ${prop} ${integration.toHumanString()}. API Gateway streams for at most 15 minutes ` +
        'and Lambda runs for at most 15 minutes: use Duration.minutes(15) or less.',
    );
  }
  if (ms < 1000) {
    throw new Error(
      `StreamingBedrockApi: invalid ${prop} ${integration.toHumanString()}. Use at least Duration.seconds(1); a model answer needs time.`,
    );
  }
  if (functionTimeout && !functionTimeout.isUnresolved() && ms < functionTimeout.toMilliseconds()) {
    throw new Error(
      `StreamingBedrockApi: invalid ${prop} ${integration.toHumanString()}: the integration timeout is shorter than the ` +
        `function timeout (${functionTimeout.toHumanString()}), so API Gateway would cut the stream while the function ` +
        'still runs. Use an integration timeout >= the function timeout, or shorten the function timeout.',
    );
  }
}

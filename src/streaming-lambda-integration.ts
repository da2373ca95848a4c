import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { MAX_STREAMING_TIMEOUT, validateStreamingTimeouts } from './private/timeouts';
import { fail, subjectOf } from './private/validation';
import { StreamingLambdaIntegrationOptions } from './streaming-lambda-integration-options';

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
    const subject = subjectOf('StreamingLambdaIntegration', handler);
    if (options.proxy === false) {
      fail(subject, 'proxy', false, 'A streamed response passes through as is: remove proxy (it is always true).');
    }
    const mode = options.responseTransferMode;
    if (mode !== undefined && mode !== apigateway.ResponseTransferMode.STREAM) {
      fail(subject, 'responseTransferMode', mode, 'Remove it (always STREAM), or use apigateway.LambdaIntegration.');
    }
    const functionTimeout = handler instanceof lambda.Function ? handler.timeout : undefined;
    const timeout = options.timeout ?? functionTimeout ?? MAX_STREAMING_TIMEOUT;
    validateStreamingTimeouts(subject, 'timeout', timeout, functionTimeout);
    super(handler, {
      ...options,
      proxy: true,
      responseTransferMode: apigateway.ResponseTransferMode.STREAM,
      timeout,
    });
  }
}

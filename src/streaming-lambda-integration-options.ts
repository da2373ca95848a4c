import * as apigateway from 'aws-cdk-lib/aws-apigateway';

/**
 * Options for {@link StreamingLambdaIntegration}: those of a Lambda integration, with two differences.
 *
 * `proxy` and `responseTransferMode` are fixed to a streaming proxy (true and STREAM); other values fail.
 *
 * `timeout` (how long API Gateway keeps the stream open) defaults to the function's timeout when it is known (a
 * `lambda.Function`), else 15 minutes. It must be from 1 second to 15 minutes and at least the function's timeout,
 * so that the function, not the gateway, decides how a slow answer ends.
 */
export interface StreamingLambdaIntegrationOptions extends apigateway.LambdaIntegrationOptions {}

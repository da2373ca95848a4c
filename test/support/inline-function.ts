import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/** A streaming function of your own, as a bring-your-own `handler` would be. */
export const STREAMING_CODE = 'exports.handler = awslambda.streamifyResponse(async (e, s) => s.end())';

/** A Node.js function with inline code, for templates that need a function of the user's (handler, authorizer). */
export function inlineFunction(
  scope: Construct,
  id: string,
  code = 'exports.handler = async () => ({})',
  timeout?: Duration,
): lambda.Function {
  return new lambda.Function(scope, id, {
    runtime: lambda.Runtime.NODEJS_LATEST,
    handler: 'index.handler',
    code: lambda.Code.fromInline(code),
    timeout,
  });
}

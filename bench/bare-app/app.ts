// Baseline for the synth figure: a bare REST API and Lambda function, the least a hand-written stack would hold.
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';

const app = new App();
const stack = new Stack(app, 'BareRestApiLambda');
const fn = new lambda.Function(stack, 'Fn', {
  runtime: lambda.Runtime.NODEJS_LATEST,
  handler: 'index.handler',
  code: lambda.Code.fromAsset(path.join(__dirname, '..', '..', 'assets', 'handler', 'index.lambda')),
});
new apigateway.LambdaRestApi(stack, 'Api', { handler: fn });

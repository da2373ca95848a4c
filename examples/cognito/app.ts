/**
 * cognito: a browser app signs users in with a Cognito user pool and streams answers with fetch (see
 * ../clients/browser.html, which sends the ID token in the Authorization header). CORS is limited to the app's origin,
 * and API Gateway's own 401/403/429 responses carry CORS headers so the page can show them.
 */
import { App, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { ApiAuth, StreamingBedrockApi } from 'cdk-streaming-bedrock-api';

const app = new App();
const stack = new Stack(app, 'StreamingBedrockCognito');

const users = new cognito.UserPool(stack, 'Users', {
  selfSignUpEnabled: false,
  signInAliases: { email: true },
  passwordPolicy: { minLength: 12, requireDigits: true, requireSymbols: true, requireUppercase: true, requireLowercase: true },
  mfa: cognito.Mfa.OPTIONAL,
  mfaSecondFactor: { otp: true, sms: false },
  removalPolicy: RemovalPolicy.DESTROY,
});
const client = users.addClient('WebApp', { authFlows: { userSrp: true }, idTokenValidity: Duration.hours(1) });

const chat = new StreamingBedrockApi(stack, 'Chat', {
  modelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
  auth: ApiAuth.cognito([users]),
  cors: { allowOrigins: ['https://app.example.com'], allowHeaders: ['Content-Type', 'Authorization', 'Accept'] },
  systemPrompt: 'You are a helpful assistant for the users of example.com.',
});

new CfnOutput(stack, 'StreamUrl', { value: chat.streamUrl! });
new CfnOutput(stack, 'UserPoolId', { value: users.userPoolId });
new CfnOutput(stack, 'UserPoolClientId', { value: client.userPoolClientId });

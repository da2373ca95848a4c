export { ApiAuth, ApiKeyAuthOptions, CognitoAuthOptions } from './api-auth';
export {
  DefaultHandlerOptions,
  GuardrailOptions,
  GuardrailStreamMode,
  ResponseMode,
  StreamingBedrockApi,
  StreamingBedrockApiDomainProps,
  StreamingBedrockApiProps,
  TokenBudgetOptions,
} from './streaming-bedrock-api';
export { StreamingLambdaIntegration, StreamingLambdaIntegrationOptions } from './streaming-lambda-integration';

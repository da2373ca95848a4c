// The value of an API key created by the stack under test, read at run time by an assertion (APIGateway getApiKey)
// so that it is never written in a template. Shared by the integration tests that call an API with ApiAuth.apiKey().
function readApiKeyValue(integ, stack, apiKey) {
  const key = integ.assertions.awsApiCall('APIGateway', 'getApiKey', { apiKey: apiKey.keyId, includeValue: true });
  key.provider.addToRolePolicy({
    Effect: 'Allow',
    Action: ['apigateway:GET'],
    Resource: [`arn:aws:apigateway:${stack.region}::/apikeys/${apiKey.keyId}`],
  });
  return key.getAttString('value');
}

module.exports = { readApiKeyValue };

import { CfnResource, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';

/**
 * The CloudFormation properties a resource will synthesize: L1 props with escape-hatch overrides
 * (`addPropertyOverride`) applied and tokens resolved.
 */
function synthesizedProperties(resource: CfnResource): Record<string, unknown> {
  const rendered = Stack.of(resource).resolve(resource._toCloudFormation()) as {
    Resources: Record<string, { Properties?: Record<string, unknown> }>;
  };
  return Object.values(rendered.Resources)[0]?.Properties ?? {};
}

function methodSettingsEnableCaching(methodSettings: unknown): boolean {
  return (
    Array.isArray(methodSettings) &&
    methodSettings.some((s) => typeof s === 'object' && s !== null && s.CachingEnabled === true)
  );
}

/**
 * API Gateway can neither compress nor cache streamed responses. Props cannot enable either, but escape hatches can:
 * the synthesized properties are checked, so L1 setters and raw overrides are both caught.
 */
export function validateNoStreamingBreakers(subject: string, api: apigateway.RestApi): string[] {
  const errors: string[] = [];
  const restApi = synthesizedProperties(api.node.defaultChild as CfnResource);
  if (restApi.MinimumCompressionSize !== undefined) {
    errors.push(
      `${subject}: invalid MinimumCompressionSize ${restApi.MinimumCompressionSize} on the REST API: API Gateway ` +
        'cannot compress streamed responses. Remove the minimumCompressionSize setting or override.',
    );
  }
  const stage = synthesizedProperties(api.deploymentStage.node.defaultChild as CfnResource);
  if (stage.CacheClusterEnabled === true) {
    errors.push(
      `${subject}: invalid CacheClusterEnabled true on the stage: API Gateway cannot cache streamed responses. ` +
        'Remove the cacheClusterEnabled setting or override.',
    );
  }
  if (methodSettingsEnableCaching(stage.MethodSettings)) {
    errors.push(
      `${subject}: invalid MethodSettings CachingEnabled true on the stage: API Gateway cannot cache streamed ` +
        'responses. Remove the cachingEnabled method setting or override.',
    );
  }
  return errors;
}

import * as apigateway from 'aws-cdk-lib/aws-apigateway';

/**
 * Options for {@link ApiAuth.apiKey}.
 */
export interface ApiKeyAuthOptions {
  /**
   * Throttling of the usage plan, applied to each API key.
   *
   * @default - the API's stage throttling
   */
  readonly throttle?: apigateway.ThrottleSettings;

  /**
   * Request quota of the usage plan, applied to each API key.
   *
   * @default - no quota
   */
  readonly quota?: apigateway.QuotaSettings;

  /**
   * Create one API key and attach it to the usage plan. Set to `false` to add keys yourself through
   * `StreamingBedrockApi.usagePlan`.
   *
   * @default true
   */
  readonly createApiKey?: boolean;
}

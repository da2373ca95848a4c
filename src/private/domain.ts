import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';
import { fail, isUnresolvedValue } from './validation';
import type { StreamingBedrockApiDomainProps } from '../streaming-bedrock-api-domain-props';

/** A base path is one or more segments of letters, digits and `-._`, without leading or trailing slash. */
const BASE_PATH_PATTERN = /^[a-zA-Z0-9$_.+!*'()-]+(\/[a-zA-Z0-9$_.+!*'()-]+)*$/;

/** A REGIONAL custom domain needs a REGIONAL API; the base path must be a plain path. */
export function validateCustomDomain(
  subject: string,
  domain: StreamingBedrockApiDomainProps | undefined,
  endpointType: apigateway.EndpointType,
): void {
  if (domain === undefined) {
    return;
  }
  if (endpointType !== apigateway.EndpointType.REGIONAL) {
    fail(
      subject,
      'endpointType',
      endpointType,
      "A custom domain (domainName) is served with a REGIONAL endpoint and the certificate of the stack's region: " +
        'leave endpointType at REGIONAL (the default), or drop domainName and put CloudFront in front yourself.',
    );
  }
  const basePath = domain.basePath;
  if (basePath !== undefined && !isUnresolvedValue(basePath) && !BASE_PATH_PATTERN.test(basePath)) {
    fail(
      subject,
      'domainName.basePath',
      basePath,
      "Use path segments without a leading or trailing slash, e.g. 'chat' or 'ai/v2', or leave it out to map the domain's root.",
    );
  }
}

/** The domain (REGIONAL, TLS 1.2 by default) and its base path mapping to the stage. */
export function addCustomDomain(
  scope: Construct,
  restApi: apigateway.RestApi,
  domain: StreamingBedrockApiDomainProps,
): apigateway.DomainName {
  const domainName = new apigateway.DomainName(scope, 'Domain', {
    domainName: domain.domainName,
    certificate: domain.certificate,
    endpointType: apigateway.EndpointType.REGIONAL,
    securityPolicy: domain.securityPolicy ?? apigateway.SecurityPolicy.TLS_1_2,
  });
  const stage = restApi.deploymentStage;
  if (domain.basePath?.includes('/')) {
    // Only the newer API mapping resource takes a multi-level path such as 'ai/v2'.
    domainName.addApiMapping(stage, { basePath: domain.basePath });
  } else {
    domainName.addBasePathMapping(restApi, { basePath: domain.basePath, stage });
  }
  return domainName;
}

/** `https://{domain}/{basePath}{path}`: the URL of a route through the custom domain. */
export function customDomainUrl(domain: StreamingBedrockApiDomainProps, path: string): string {
  const base = domain.basePath ? `/${domain.basePath}` : '';
  return `https://${domain.domainName}${base}${path}`;
}

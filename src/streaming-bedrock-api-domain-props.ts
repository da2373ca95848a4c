import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';

/** A custom domain for the API, such as `chat.example.com`. */
export interface StreamingBedrockApiDomainProps {
  /** The domain name, e.g. `chat.example.com`. Its DNS record is yours: see the construct's `domain`. */
  readonly domainName: string;
  /**
   * The ACM certificate of `domainName`, in the stack's region (a REGIONAL domain uses the regional certificate,
   * not one in us-east-1 as for CloudFront).
   */
  readonly certificate: acm.ICertificate;
  /**
   * The path under the domain where the API is mapped, e.g. `'chat'` (then `https://chat.example.com/chat/stream`),
   * or several segments such as `'ai/v2'`. No leading or trailing slash.
   *
   * @default - the domain's root: `https://chat.example.com/stream`
   */
  readonly basePath?: string;
  /**
   * The TLS versions the domain accepts.
   *
   * @default apigateway.SecurityPolicy.TLS_1_2
   */
  readonly securityPolicy?: apigateway.SecurityPolicy;
}

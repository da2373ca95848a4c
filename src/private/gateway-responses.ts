import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { GATEWAY_ERROR_TEMPLATE, gatewayResponseCorsHeaders } from '../contract';

/**
 * API Gateway's own errors (auth, throttling, integration failures) in the handler's error shape, with CORS
 * headers so that browsers can read them when the headers can be static (one origin, or `*`).
 */
export function addErrorGatewayResponses(api: apigateway.RestApi, cors: apigateway.CorsOptions | undefined): void {
  // Gateway response header values are literals in single quotes.
  const headers = Object.fromEntries(
    Object.entries(gatewayResponseCorsHeaders(cors)).map(([name, value]) => [name, `'${value}'`]),
  );
  for (const [id, type] of [
    ['Default4xx', apigateway.ResponseType.DEFAULT_4XX],
    ['Default5xx', apigateway.ResponseType.DEFAULT_5XX],
  ] as const) {
    api.addGatewayResponse(id, {
      type,
      responseHeaders: Object.keys(headers).length > 0 ? headers : undefined,
      templates: { 'application/json': GATEWAY_ERROR_TEMPLATE },
    });
  }
}

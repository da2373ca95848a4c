import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { defaultPreflightHeaders, type Route } from '../contract';

/**
 * The preflight of a route: the user's CORS options; when they list no headers, the route's default headers (the
 * OpenAI routes also allow the openai client's, see contract/cors.ts). A user's `allowHeaders` is used as given.
 */
export function preflightOptions(route: Route, cors: apigateway.CorsOptions): apigateway.CorsOptions {
  if (cors.allowHeaders !== undefined) {
    return cors;
  }
  return { ...cors, allowHeaders: [...defaultPreflightHeaders(route.path)] };
}

import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Route, Routes } from '../contract/routes';

/**
 * Request headers the official `openai` client adds to every call (`X-Stainless-*`: its version, runtime and retry
 * count, and the timeout when one is set). In a browser they make the call non-simple, so the preflight must allow
 * them or the browser refuses the call before it is sent.
 */
export const OPENAI_CLIENT_HEADERS = [
  'X-Stainless-Arch',
  'X-Stainless-Lang',
  'X-Stainless-OS',
  'X-Stainless-Package-Version',
  'X-Stainless-Retry-Count',
  'X-Stainless-Runtime',
  'X-Stainless-Runtime-Version',
  'X-Stainless-Timeout',
];

const OPENAI_ROUTES: readonly Route[] = [Routes.CHAT_COMPLETIONS, Routes.MODELS];

/**
 * The preflight of a route: the user's CORS options, except that the OpenAI routes also allow the openai client's
 * headers when the user lists no headers of their own (CDK's default headers are kept). A user's `allowHeaders` is
 * used as given.
 */
export function preflightOptions(route: Route, cors: apigateway.CorsOptions): apigateway.CorsOptions {
  if (cors.allowHeaders !== undefined || !OPENAI_ROUTES.includes(route)) {
    return cors;
  }
  return { ...cors, allowHeaders: [...apigateway.Cors.DEFAULT_HEADERS, ...OPENAI_CLIENT_HEADERS] };
}

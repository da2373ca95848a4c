/**
 * The client protocols, one descriptor each: the one list that the construct (routes, URL attributes, props
 * validation, `grantInvoke`), the CORS rules, the handler (which protocol unit serves a route), the local runner and
 * the README's diagram test loop over. Adding a protocol = one descriptor here, one `ClientProtocol` enum member
 * (same id) and one folder under `src/handler/protocols/`.
 */
import { Routes, type Route } from './routes';

/** A protocol's id: the value of its `ClientProtocol` enum member, or `NATIVE` for the always-on native one. */
export type ProtocolId =
  'NATIVE' | 'OPENAI_CHAT_COMPLETIONS' | 'AI_SDK_UI_MESSAGES' | 'OPENAI_RESPONSES' | 'ANTHROPIC_MESSAGES';

export interface ProtocolDescriptor {
  readonly id: ProtocolId;
  /** The protocol's name in the handler's log line (`protocol`). */
  readonly logName: string;
  /** The routes its requests arrive on, all served by the streaming function. Several protocols may share one. */
  readonly routes: readonly Route[];
  /**
   * Request headers its clients send besides CORS_DEFAULT_ALLOW_HEADERS: a preflight of its routes allows them when
   * the operator lists no `allowHeaders` of their own (else a browser refuses the call before sending it).
   */
  readonly clientHeaders: readonly string[];
  /** The construct's URL attribute for the protocol and the path it points to (a base URL or an endpoint). */
  readonly url: { readonly attribute: string; readonly path: string };
  /** Its callers may send their own system messages (which `allowCallerSystemMessages` lets through). */
  readonly callerSystemMessages?: boolean;
}

/**
 * Request headers the official `openai` client adds to every call (`X-Stainless-*`: its version, runtime and retry
 * count, and the timeout when one is set).
 */
export const OPENAI_CLIENT_HEADERS: readonly string[] = [
  'X-Stainless-Arch',
  'X-Stainless-Lang',
  'X-Stainless-OS',
  'X-Stainless-Package-Version',
  'X-Stainless-Retry-Count',
  'X-Stainless-Runtime',
  'X-Stainless-Runtime-Version',
  'X-Stainless-Timeout',
];

/** `POST /stream` (and `POST /buffered`, served by the buffered function): always there with the default handler. */
export const NATIVE_PROTOCOL: ProtocolDescriptor = {
  id: 'NATIVE',
  logName: 'native',
  routes: [Routes.STREAM],
  clientHeaders: [],
  url: { attribute: 'streamUrl', path: Routes.STREAM.path },
};

/** The protocols an operator turns on with the construct's `protocols` prop. */
export const CLIENT_PROTOCOLS: readonly ProtocolDescriptor[] = [
  {
    id: 'OPENAI_CHAT_COMPLETIONS',
    logName: 'openai',
    routes: [Routes.CHAT_COMPLETIONS, Routes.MODELS],
    clientHeaders: OPENAI_CLIENT_HEADERS,
    // The openai clients' base URL: they call `/chat/completions` and `/models` under it.
    url: { attribute: 'openAiBaseUrl', path: '/v1' },
    callerSystemMessages: true,
  },
  {
    id: 'AI_SDK_UI_MESSAGES',
    logName: 'ai-sdk',
    routes: [Routes.AI_SDK_CHAT],
    clientHeaders: [],
    url: { attribute: 'chatUrl', path: Routes.AI_SDK_CHAT.path },
    callerSystemMessages: true,
  },
  {
    id: 'OPENAI_RESPONSES',
    logName: 'openai-responses',
    // `GET /v1/models` is Chat Completions' route too: the list in OpenAI's shape, once.
    routes: [{ method: 'POST', path: '/v1/responses' }, Routes.MODELS],
    clientHeaders: OPENAI_CLIENT_HEADERS,
    // The same base URL as Chat Completions: the openai clients call `/responses` and `/models` under it.
    url: { attribute: 'openAiBaseUrl', path: '/v1' },
    callerSystemMessages: true,
  },
  {
    id: 'ANTHROPIC_MESSAGES',
    logName: 'anthropic',
    routes: [
      { method: 'POST', path: '/v1/messages' },
      { method: 'POST', path: '/v1/messages/count_tokens' },
      Routes.MODELS,
    ],
    // The Anthropic client's version and beta headers, its key header, and the same X-Stainless-* set as openai's.
    clientHeaders: [
      'anthropic-version',
      'anthropic-beta',
      'anthropic-dangerous-direct-browser-access',
      'x-api-key',
      ...OPENAI_CLIENT_HEADERS,
      'X-Stainless-Helper-Method',
    ],
    // The clients' base URL is the API's root: they append `/v1/messages` themselves.
    url: { attribute: 'anthropicBaseUrl', path: '/' },
    callerSystemMessages: true,
  },
];

/** Every protocol the default handler can serve, the native one first. */
export const ALL_PROTOCOLS: readonly ProtocolDescriptor[] = [NATIVE_PROTOCOL, ...CLIENT_PROTOCOLS];

/** The descriptor of a client protocol id; throws on an id no descriptor has (a programming error). */
export function clientProtocol(id: string): ProtocolDescriptor {
  const found = CLIENT_PROTOCOLS.find((p) => p.id === id);
  if (!found) {
    throw new Error(`no client protocol ${JSON.stringify(id)}`);
  }
  return found;
}

/** The streaming routes of the given protocols (the native one included), each once, in the list's order. */
export function streamingRoutes(protocols: readonly ProtocolDescriptor[]): Route[] {
  const routes = new Map<string, Route>();
  for (const protocol of [NATIVE_PROTOCOL, ...protocols]) {
    protocol.routes.forEach((route) => routes.set(`${route.method} ${route.path}`, route));
  }
  return [...routes.values()];
}

/**
 * The request headers a route's preflight allows when the operator lists none: the default ones, plus those of the
 * clients of every protocol served on that route.
 */
export function protocolPreflightHeaders(path: string, defaults: readonly string[]): readonly string[] {
  const extra = ALL_PROTOCOLS.filter((p) => p.routes.some((r) => r.path === path)).flatMap((p) => p.clientHeaders);
  return [...new Set([...defaults, ...extra])];
}

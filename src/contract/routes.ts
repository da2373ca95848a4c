/**
 * The API's routes. The construct creates a resource and method for each route it serves; the default handler and
 * the local runner dispatch on the same paths. The paths are API Gateway resource paths (`event.resource`), which
 * stay the same under any stage, custom domain or base path.
 */
export interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: string;
}

export const Routes = {
  /** The native protocol, streamed (always there with the default handler). */
  STREAM: { method: 'POST', path: '/stream' },
  /** The native protocol, buffered (ResponseMode.BUFFERED or BOTH; a function of its own). */
  BUFFERED: { method: 'POST', path: '/buffered' },
  /** OpenAI Chat Completions (ClientProtocol.OPENAI_CHAT_COMPLETIONS). */
  CHAT_COMPLETIONS: { method: 'POST', path: '/v1/chat/completions' },
  /** The allowed model ids, as OpenAI's model list (ClientProtocol.OPENAI_CHAT_COMPLETIONS). */
  MODELS: { method: 'GET', path: '/v1/models' },
  /** The AI SDK UI message stream (ClientProtocol.AI_SDK_UI_MESSAGES). */
  AI_SDK_CHAT: { method: 'POST', path: '/chat' },
} as const satisfies Record<string, Route>;

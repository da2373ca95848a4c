/**
 * A client protocol the default handler can speak besides its native one (`POST /stream`), so that a protocol's own
 * clients work unchanged. Each is served by the streaming function, with the API's auth, CORS, throttling, logging
 * and metrics. Each member's value is the id of its descriptor in `src/contract/protocols.ts`.
 */
export enum ClientProtocol {
  /**
   * OpenAI Chat Completions, so that the official `openai` clients (and tools built on them) work with only `baseURL`
   * (`openAiBaseUrl`) and an auth header set: `POST /v1/chat/completions` (streamed with `stream: true`, else one
   * JSON answer) and `GET /v1/models` (the allowed model ids). With `cors` and no `cors.allowHeaders`, their
   * preflight also allows the `X-Stainless-*` headers the openai client sends; with your own `allowHeaders`, list
   * them there. See the README section "OpenAI Chat Completions".
   */
  OPENAI_CHAT_COMPLETIONS = 'OPENAI_CHAT_COMPLETIONS',
  /**
   * The Vercel AI SDK UI message stream, what `useChat`'s `DefaultChatTransport` speaks: `POST /chat` (`chatUrl`).
   * See the README section "AI SDK UI message stream".
   */
  AI_SDK_UI_MESSAGES = 'AI_SDK_UI_MESSAGES',
  /**
   * OpenAI Responses, stateless, so that the official `openai` clients (`responses.create`, `responses.stream`), the
   * OpenAI Agents SDK and the Codex CLI work with only a base URL (`openAiBaseUrl`, shared with Chat Completions) and an
   * auth header set: `POST /v1/responses` (streamed events with `stream: true`, else one Response object) and
   * `GET /v1/models`. Nothing is stored: `previous_response_id` and `store: true` are refused. Hosted tools (web search,
   * file search, ...) are left out of the model's tools. Coding agents send their own instructions: they need
   * `allowCallerSystemMessages`. See docs/protocol-openai-responses.md.
   */
  OPENAI_RESPONSES = 'OPENAI_RESPONSES',
  /**
   * Anthropic's Messages API, so that `@anthropic-ai/sdk`, the AI SDK's `@ai-sdk/anthropic` provider and Claude Code
   * (`ANTHROPIC_BASE_URL`) work with only their base URL (`anthropicBaseUrl`) and a key set: `POST /v1/messages`
   * (streamed with `stream: true`, else one Message JSON), `POST /v1/messages/count_tokens` (an estimate) and
   * `GET /v1/models` (Anthropic's list shape when `anthropic-version` is sent). Coding agents send their own system
   * prompt: set `allowCallerSystemMessages` for them. With `cors` and no `cors.allowHeaders`, the preflight also
   * allows the `anthropic-*` and `X-Stainless-*` headers the Anthropic client sends. See
   * docs/protocol-anthropic-messages.md.
   */
  ANTHROPIC_MESSAGES = 'ANTHROPIC_MESSAGES',
}

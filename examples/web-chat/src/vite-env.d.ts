/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The API's `/chat` URL baked into the build (the `?api=` query parameter overrides it). */
  readonly VITE_CHAT_API?: string;
}

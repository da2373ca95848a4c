import { useChat } from '@ai-sdk/react';
import { DefaultChatTransport, type UIMessage } from 'ai';
import { useMemo, useState, type FormEvent } from 'react';
import { MessagePart } from './MessagePart';

/** What the API puts in `message.metadata` (the `start` and `finish` chunks): the model and the token usage. */
interface Metadata {
  readonly model?: string;
  readonly usage?: { inputTokens?: number; outputTokens?: number; totalTokens?: number };
}

export function Chat({ api }: { api: string }) {
  const transport = useMemo(() => new DefaultChatTransport<UIMessage<Metadata>>({ api }), [api]);
  const { messages, sendMessage, status, error, stop } = useChat<UIMessage<Metadata>>({ transport });
  const [input, setInput] = useState('');
  const busy = status === 'submitted' || status === 'streaming';

  const send = (event: FormEvent) => {
    event.preventDefault();
    if (input.trim() && !busy) {
      void sendMessage({ text: input });
      setInput('');
    }
  };

  return (
    <main data-status={status}>
      <h1>Streaming Bedrock API</h1>
      <p className="api">
        <code>{api}</code>
      </p>
      <ol className="messages">
        {messages.map((message) => (
          <li key={message.id} className={`message ${message.role}`} data-role={message.role}>
            {message.parts.map((part, index) => (
              <MessagePart key={index} part={part} />
            ))}
            <Usage metadata={message.metadata} />
          </li>
        ))}
      </ol>
      <p className="status" id="status">
        {status}
      </p>
      {error && (
        <p className="error" id="error" role="alert">
          {readableError(error)}
        </p>
      )}
      <form onSubmit={send}>
        <input
          id="prompt"
          value={input}
          onChange={(event) => setInput(event.target.value)}
          placeholder="Ask something"
          autoFocus
        />
        {busy ? (
          <button type="button" onClick={() => void stop()}>
            Stop
          </button>
        ) : (
          <button id="send" type="submit" disabled={!input.trim()}>
            Send
          </button>
        )}
      </form>
    </main>
  );
}

function Usage({ metadata }: { metadata?: Metadata }) {
  const usage = metadata?.usage;
  if (!usage) {
    return null;
  }
  return (
    <p className="usage">
      {metadata.model && `${metadata.model} · `}
      {usage.inputTokens ?? 0} in · {usage.outputTokens ?? 0} out
    </p>
  );
}

/**
 * The message to show for a failed chat. After the answer started, the API's `error` chunk gives a plain message.
 * Before it, the API answers with its real status and a JSON body `{"error": {message, ...}}`, which the transport
 * puts whole into `error.message`: show the API's own message from it.
 */
function readableError(error: Error): string {
  try {
    const message = JSON.parse(error.message)?.error?.message;
    return typeof message === 'string' ? message : error.message;
  } catch {
    return error.message;
  }
}

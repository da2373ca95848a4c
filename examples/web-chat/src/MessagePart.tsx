import { isToolUIPart, getToolName, type UIMessagePart, type UIDataTypes, type UITools } from 'ai';

/** One part of a message: text, reasoning (folded once done), a tool call with its input; other parts are skipped. */
export function MessagePart({ part }: { part: UIMessagePart<UIDataTypes, UITools> }) {
  if (part.type === 'text') {
    return (
      <p className="text" data-state={part.state}>
        {part.text}
      </p>
    );
  }
  if (part.type === 'reasoning') {
    return (
      <details className="reasoning" open={part.state === 'streaming'} data-state={part.state}>
        <summary>Reasoning</summary>
        <p>{part.text}</p>
      </details>
    );
  }
  if (isToolUIPart(part)) {
    return (
      <div className="tool" data-state={part.state}>
        <span className="tool-name">{getToolName(part)}</span>
        <pre>{JSON.stringify(part.input ?? null, null, 2)}</pre>
      </div>
    );
  }
  return null;
}

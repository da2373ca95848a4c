/**
 * The real AI SDK client (`ai`, ESM-only, so it runs here in plain Node rather than under ts-jest's CommonJS),
 * driven by test/runner/ai-sdk-client.test.ts: `node ai-sdk-client.mjs <api url> <scenario> [<key> <model>]` prints
 * one JSON result. With a key, the clients send it as a user's app would: the transport in its `headers`
 * (`Authorization: Bearer`), the OpenAI-compatible provider as its `apiKey`.
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import {
  AbstractChat,
  DefaultChatTransport,
  lastAssistantMessageIsCompleteWithToolCalls,
  readUIMessageStream,
  streamText,
} from 'ai';

const [url, scenario, key, model] = process.argv.slice(2);
const WEATHER = {
  name: 'get_weather',
  description: 'Current weather of a city',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const transport = () =>
  new DefaultChatTransport({
    api: `${url}/chat`,
    ...(key && { headers: { Authorization: `Bearer ${key}` } }),
    body: { tools: [WEATHER] },
  });
const userMessage = (text) => ({ id: 'u1', role: 'user', parts: [{ type: 'text', text }] });

/** DefaultChatTransport + readUIMessageStream: the last message snapshot and the errors reported. */
async function readStream(text) {
  try {
    const stream = await transport().sendMessages({
      chatId: 'chat1',
      messages: [userMessage(text)],
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: undefined,
    });
    const errors = [];
    let message;
    for await (const snapshot of readUIMessageStream({ stream, onError: (e) => errors.push(e.message) })) {
      message = snapshot;
    }
    return { message, errors };
  } catch (e) {
    return { thrown: { name: e.name, statusCode: e.statusCode, message: e.message } };
  }
}

/** The state `useChat` keeps, for Node. */
class State {
  status = 'ready';
  error = undefined;
  messages = [];
  pushMessage(m) {
    this.messages = [...this.messages, m];
  }
  popMessage() {
    this.messages = this.messages.slice(0, -1);
  }
  replaceMessage(i, m) {
    this.messages = this.messages.map((x, j) => (j === i ? m : x));
  }
  snapshot(value) {
    return structuredClone(value);
  }
}

class Chat extends AbstractChat {
  constructor(options) {
    super({ ...options, state: new State() });
  }
}

/** A tool round trip: the call, the app's addToolOutput, the automatic follow-up answer on the same message. */
async function toolRoundTrip() {
  let finished;
  let finishedCount = 0;
  const next = () => new Promise((resolve) => (finished = resolve));
  const chat = new Chat({
    transport: transport(),
    sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithToolCalls,
    onFinish: () => {
      finishedCount++;
      finished?.();
    },
  });
  await chat.sendMessage({ text: 'Weather in Paris?' });
  const call = chat.lastMessage.parts.find((p) => p.type === 'tool-get_weather');
  const followUp = next();
  await chat.addToolOutput({ tool: 'get_weather', toolCallId: call.toolCallId, output: { tempC: 21 } });
  await followUp;
  return { status: chat.status, error: chat.error?.message, finishedCount, messages: chat.messages };
}

/** Chat (useChat's core) against an answer that fails mid-stream. */
async function chatError(text) {
  const chat = new Chat({ transport: transport() });
  await chat.sendMessage({ text });
  return { status: chat.status, error: chat.error?.message, lastMessage: chat.lastMessage };
}

/** `@ai-sdk/openai-compatible` (Chat Completions under /v1) with streamText: the text, or the error it reported. */
async function openAiCompatible(prompt) {
  const provider = createOpenAICompatible({ name: 'bedrock-api', baseURL: `${url}/v1`, apiKey: key });
  const errors = [];
  const result = streamText({
    model: provider(model),
    prompt,
    maxRetries: 0,
    onError: ({ error }) => errors.push({ name: error?.name, statusCode: error?.statusCode }),
  });
  let text = '';
  for await (const delta of result.textStream) {
    text += delta;
  }
  return { text, errors };
}

const scenarios = {
  text: () => readStream('hi'),
  'openai-compatible': () => openAiCompatible('hi'),
  stream: () => readStream('Weather in Paris?'),
  'tool-round-trip': toolRoundTrip,
  'chat-error': () => chatError('hi'),
  'bad-request': () => readStream(' '),
};
process.stdout.write(JSON.stringify(await scenarios[scenario]()));

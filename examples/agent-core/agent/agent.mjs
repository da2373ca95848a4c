// A small agent under Amazon Bedrock AgentCore's container contract: HTTP on port 8080 (PORT to override),
// GET /ping for health, POST /invocations with {"prompt": "..."}. It asks a Bedrock model through ConverseStream,
// runs the one tool it offers (a calculator) when the model calls it, and streams what happens as Server-Sent Events:
// `text` (the model's text deltas), `tool_use` and `tool_result` (each tool step), then `done`, or `error`.
// With `Accept: application/json` it answers once, as JSON. The conversation is kept per runtime session and user (the
// headers AgentCore passes), in memory, so that a second invocation in the same session continues it.
//
// Environment: PORT (8080), HOST (127.0.0.1; the container sets 0.0.0.0), MODEL_ID, AWS_REGION; locally
// AWS_ENDPOINT_URL_BEDROCK_RUNTIME points the SDK at the runner's fake model.
import * as http from 'node:http';
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';

const SESSION_HEADER = 'x-amzn-bedrock-agentcore-runtime-session-id';
const USER_HEADER = 'x-amzn-bedrock-agentcore-runtime-user-id';
const MODEL_ID = process.env.MODEL_ID || 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_PROMPT_CHARS = 20_000;
/** Model calls per invocation: a tool call and its answer take two. */
const MAX_STEPS = 5;
/** Messages kept per conversation (older turns are dropped whole). */
const MAX_MESSAGES = 40;
/** Conversations kept; the least recently used goes first. AgentCore ends an idle session after 15 minutes. */
const MAX_SESSIONS = 1000;
const SESSION_IDLE_MS = 15 * 60 * 1000;

const SYSTEM_PROMPT =
  'You are a concise assistant. For any arithmetic, call the calculator tool rather than computing it yourself.';

const CALCULATOR = {
  toolSpec: {
    name: 'calculator',
    description: 'Applies one arithmetic operation to two numbers.',
    inputSchema: {
      json: {
        type: 'object',
        properties: {
          operation: { type: 'string', enum: ['add', 'subtract', 'multiply', 'divide'] },
          a: { type: 'number' },
          b: { type: 'number' },
        },
        required: ['operation', 'a', 'b'],
      },
    },
  },
};

const bedrock = new BedrockRuntimeClient({});
/** Conversations by user and session, in least recently used order. */
const sessions = new Map();
let lastUpdate = Math.floor(Date.now() / 1000);

/** The calculator: a number, or an error the model is told about. */
function calculate({ operation, a, b }) {
  if (typeof a !== 'number' || typeof b !== 'number' || !Number.isFinite(a) || !Number.isFinite(b)) {
    throw new Error('a and b must be finite numbers');
  }
  switch (operation) {
    case 'add':
      return a + b;
    case 'subtract':
      return a - b;
    case 'multiply':
      return a * b;
    case 'divide':
      if (b === 0) throw new Error('division by zero');
      return a / b;
    default:
      throw new Error('operation must be add, subtract, multiply or divide');
  }
}

/** The session's conversation (a new one when unknown or idle too long), marked as most recently used. */
function conversation(key) {
  const now = Date.now();
  for (const [k, s] of sessions) {
    if (now - s.usedAt > SESSION_IDLE_MS) sessions.delete(k);
  }
  const session = sessions.get(key) ?? { messages: [], busy: false };
  sessions.delete(key);
  sessions.set(key, session);
  session.usedAt = now;
  if (sessions.size > MAX_SESSIONS) sessions.delete(sessions.keys().next().value);
  return session;
}

/** Drops the oldest turns beyond MAX_MESSAGES, so that the conversation still starts with a user's prompt. */
function trim(messages) {
  while (messages.length > MAX_MESSAGES) {
    messages.shift();
    while (messages.length && !(messages[0].role === 'user' && messages[0].content[0]?.text !== undefined)) {
      messages.shift();
    }
  }
}

/** One model call, streamed: calls `emit` for each text delta; returns the assistant message and why it stopped. */
async function converse(messages, emit, signal) {
  const system = [{ text: SYSTEM_PROMPT }];
  const { stream } = await bedrock.send(
    new ConverseStreamCommand({ modelId: MODEL_ID, system, messages, toolConfig: { tools: [CALCULATOR] } }),
    { abortSignal: signal },
  );
  const blocks = [];
  let stopReason = 'end_turn';
  let usage;
  for await (const event of stream) {
    if (event.contentBlockStart?.start?.toolUse) {
      const { toolUseId, name } = event.contentBlockStart.start.toolUse;
      blocks[event.contentBlockStart.contentBlockIndex] = { toolUse: { toolUseId, name, json: '' } };
    } else if (event.contentBlockDelta) {
      const { contentBlockIndex: i, delta } = event.contentBlockDelta;
      if (delta.text !== undefined) {
        blocks[i] ??= { text: '' };
        blocks[i].text += delta.text;
        emit('text', { text: delta.text });
      } else if (delta.toolUse) {
        blocks[i].toolUse.json += delta.toolUse.input ?? '';
      }
    } else if (event.messageStop) {
      stopReason = event.messageStop.stopReason;
    } else if (event.metadata) {
      usage = event.metadata.usage;
    }
  }
  const content = blocks.filter(Boolean).map((block) => {
    if (!block.toolUse) return block;
    const { toolUseId, name, json } = block.toolUse;
    return { toolUse: { toolUseId, name, input: json ? JSON.parse(json) : {} } };
  });
  return { message: { role: 'assistant', content }, stopReason, usage };
}

/** Runs the tool calls of an assistant message; emits each step; returns the user message with their results. */
function runTools(message, emit) {
  const content = [];
  for (const { toolUse } of message.content.filter((block) => block.toolUse)) {
    emit('tool_use', { toolUseId: toolUse.toolUseId, name: toolUse.name, input: toolUse.input });
    let result;
    try {
      if (toolUse.name !== 'calculator') throw new Error(`no tool named ${toolUse.name}`);
      result = { toolUseId: toolUse.toolUseId, content: [{ json: { result: calculate(toolUse.input) } }] };
    } catch (err) {
      result = { toolUseId: toolUse.toolUseId, content: [{ text: err.message }], status: 'error' };
    }
    emit('tool_result', { toolUseId: toolUse.toolUseId, status: result.status ?? 'success', content: result.content });
    content.push({ toolResult: result });
  }
  return { role: 'user', content };
}

/**
 * One invocation: the prompt joins the session's conversation; the model answers, calling the calculator as often as
 * it asks, in up to MAX_STEPS model calls. The session keeps the turn only when the model finished it (a failed
 * invocation, or one stopped at the step limit with a tool call unanswered, leaves the conversation as it was).
 */
async function invoke(session, prompt, emit, signal) {
  const messages = [...session.messages, { role: 'user', content: [{ text: prompt }] }];
  const usage = { inputTokens: 0, outputTokens: 0 };
  for (let step = 1; ; step++) {
    const answer = await converse(messages, emit, signal);
    messages.push(answer.message);
    usage.inputTokens += answer.usage?.inputTokens ?? 0;
    usage.outputTokens += answer.usage?.outputTokens ?? 0;
    if (answer.stopReason !== 'tool_use') {
      trim(messages);
      session.messages = messages;
      return { stopReason: answer.stopReason, steps: step, usage };
    }
    if (step === MAX_STEPS) {
      return { stopReason: 'max_steps', steps: step, usage };
    }
    messages.push(runTools(answer.message, emit));
  }
}

/** The prompt of a request body, or an error message for the caller. */
function readPrompt(body) {
  let payload;
  try {
    payload = JSON.parse(body);
  } catch {
    return { error: 'the body must be JSON: {"prompt": "..."}' };
  }
  const prompt = payload?.prompt;
  if (typeof prompt !== 'string' || prompt.trim() === '') {
    return { error: 'the body must have a non-empty string "prompt"' };
  }
  if (prompt.length > MAX_PROMPT_CHARS) {
    return { error: `the prompt must be at most ${MAX_PROMPT_CHARS} characters` };
  }
  return { prompt };
}

function sendJson(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function handleInvocation(req, res) {
  const body = await readBody(req);
  if (body === undefined) return sendJson(res, 413, { error: `the body must be at most ${MAX_BODY_BYTES} bytes` });
  const { prompt, error } = readPrompt(body);
  if (error) return sendJson(res, 400, { error });
  const sessionId = req.headers[SESSION_HEADER];
  const userId = req.headers[USER_HEADER];
  // A conversation per session and user, so that another caller with the same session id never continues it; without
  // AgentCore's session header (the agent called directly), a one-off conversation that is not kept.
  const session = sessionId ? conversation(`${userId ?? ''}\n${sessionId}`) : { messages: [] };
  if (session.busy) return sendJson(res, 409, { error: 'this session is already answering an invocation' });
  session.busy = true;
  const aborted = new AbortController();
  res.on('close', () => aborted.abort());
  const json = /application\/json/i.test(req.headers.accept ?? '') && !/text\/event-stream/i.test(req.headers.accept);
  try {
    await (json ? answerJson : answerSse)(res, (emit) => invoke(session, prompt, emit, aborted.signal));
  } finally {
    session.busy = false;
    lastUpdate = Math.floor(Date.now() / 1000);
  }
}

/** The invocation as Server-Sent Events, each written as it happens; a failure ends the stream with an error event. */
async function answerSse(res, run) {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  const emit = (event, data) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  try {
    emit('done', await run(emit));
  } catch (err) {
    logFailure(err);
    emit('error', { message: 'the agent could not answer' });
  }
  res.end();
}

/** The invocation as one JSON answer: the text, the tool steps and how it ended. */
async function answerJson(res, run) {
  let text = '';
  const steps = [];
  const emit = (event, data) => (event === 'text' ? (text += data.text) : steps.push({ type: event, ...data }));
  try {
    const result = await run(emit);
    sendJson(res, 200, { text, toolSteps: steps, ...result });
  } catch (err) {
    logFailure(err);
    sendJson(res, 502, { error: 'the agent could not answer' });
  }
}

/** Logs a failure for the operator (never sent to the caller): its name and message, no request content. */
function logFailure(err) {
  if (err?.name === 'AbortError') return;
  console.error(
    JSON.stringify({ level: 'ERROR', message: 'invocation failed', error: err?.name, cause: err?.message }),
  );
}

const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/ping') {
    return sendJson(res, 200, { status: 'Healthy', time_of_last_update: lastUpdate });
  }
  if (req.method === 'POST' && path === '/invocations') {
    return void handleInvocation(req, res).catch((err) => {
      logFailure(err);
      if (!res.headersSent) sendJson(res, 500, { error: 'the agent failed' });
      else res.destroy();
    });
  }
  sendJson(res, 404, { error: 'not found: the agent serves GET /ping and POST /invocations' });
});

const host = process.env.HOST || '127.0.0.1';
server.listen(Number(process.env.PORT || 8080), host, () => {
  // PORT=0 picks a free port: this line says which (the runner and the tests read it).
  console.log(`Agent listening on http://${host}:${server.address().port} (model ${MODEL_ID})`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => server.close(() => process.exit(0)).closeAllConnections());
}

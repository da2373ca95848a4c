// Proxies a Bedrock AgentCore runtime's streamed answer to the caller as it arrives, following the same rules as the
// library's default handler: one client per container, the agent's stream opened before the status is sent (so a
// failure to start is a real HTTP error), backpressure respected, and a terminal in-band error event (never the AWS
// message text) when the agent fails after output started. Uses the SDK the Node.js Lambda runtime ships
// (@aws-sdk/client-bedrock-agentcore), so there is nothing to bundle.
const { randomUUID } = require('crypto');
const { once } = require('events');

let client;
function agentCoreClient() {
  if (!client) {
    const { BedrockAgentCoreClient } = require('@aws-sdk/client-bedrock-agentcore');
    client = new BedrockAgentCoreClient({});
  }
  return client;
}

const SESSION_ID = /^[A-Za-z0-9_-]{33,256}$/;

exports.handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  const requestId = event.requestContext?.requestId ?? context?.awsRequestId;
  const prompt = readPrompt(event.body);
  if (prompt === undefined) {
    return sendError(responseStream, 400, 'invalid_request_error', 'invalid_body', 'Send {"prompt": "..."}.', requestId);
  }
  let response;
  try {
    const { InvokeAgentRuntimeCommand } = require('@aws-sdk/client-bedrock-agentcore');
    const sessionId = event.headers?.['x-session-id'];
    response = await agentCoreClient().send(
      new InvokeAgentRuntimeCommand({
        agentRuntimeArn: process.env.AGENT_RUNTIME_ARN,
        runtimeSessionId: SESSION_ID.test(sessionId ?? '') ? sessionId : `${randomUUID()}-${randomUUID()}`,
        payload: Buffer.from(JSON.stringify({ prompt })),
        contentType: 'application/json',
        accept: 'text/event-stream',
      }),
    );
  } catch (err) {
    console.error(JSON.stringify({ level: 'ERROR', requestId, error: err?.name ?? 'Error' }));
    const throttled = err?.name === 'ThrottlingException';
    return sendError(
      responseStream,
      throttled ? 429 : 502,
      'upstream_error',
      throttled ? 'upstream_throttled' : 'upstream_failed',
      'The agent could not answer. Try again.',
      requestId,
    );
  }
  const out = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 200,
    headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' },
  });
  out.write(''); // send the status and headers now
  try {
    for await (const chunk of response.response) {
      if (!out.write(chunk)) {
        await once(out, 'drain'); // a slow client slows the read instead of filling memory
      }
    }
  } catch (err) {
    console.error(JSON.stringify({ level: 'ERROR', requestId, error: err?.name ?? 'Error', afterOutput: true }));
    const body = { error: { type: 'upstream_error', code: 'upstream_failed', message: 'The agent failed.', param: null }, requestId };
    out.write(`event: error\ndata: ${JSON.stringify(body)}\n\n`);
  }
  await new Promise((resolve) => out.end(resolve));
});

function readPrompt(body) {
  try {
    const prompt = JSON.parse(body ?? '').prompt;
    return typeof prompt === 'string' && prompt.trim() !== '' ? prompt : undefined;
  } catch {
    return undefined; // never echo JSON.parse's message: it quotes the input
  }
}

async function sendError(responseStream, statusCode, type, code, message, requestId) {
  const out = awslambda.HttpResponseStream.from(responseStream, {
    statusCode,
    headers: { 'Content-Type': 'application/json' },
  });
  // write() then end(): the runtime sends the status and headers with the first write, not with end(chunk).
  out.write(JSON.stringify({ error: { type, code, message, param: null }, requestId }));
  await new Promise((resolve) => out.end(resolve));
}

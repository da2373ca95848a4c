// Proxies a Bedrock AgentCore runtime's streamed answer to the caller as it arrives.
// Uses the SDK the Node.js Lambda runtime ships (@aws-sdk/client-bedrock-agentcore), so there is nothing to bundle.
const { randomUUID } = require('crypto');

exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  const { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } = require('@aws-sdk/client-bedrock-agentcore');
  const client = new BedrockAgentCoreClient({});
  let prompt;
  try {
    prompt = JSON.parse(event.body ?? '').prompt;
  } catch {
    prompt = undefined;
  }
  if (typeof prompt !== 'string' || prompt.trim() === '') {
    const out = awslambda.HttpResponseStream.from(responseStream, { statusCode: 400, headers: { 'Content-Type': 'application/json' } });
    out.end(JSON.stringify({ error: { type: 'invalid_request_error', code: 'invalid_body', message: 'Send {"prompt": "..."}.', param: 'prompt' } }));
    return;
  }
  // Open the agent's stream before sending the status, so a failure to start is still a real HTTP error.
  const response = await client.send(
    new InvokeAgentRuntimeCommand({
      agentRuntimeArn: process.env.AGENT_RUNTIME_ARN,
      runtimeSessionId: event.headers?.['x-session-id'] ?? randomUUID(),
      payload: Buffer.from(JSON.stringify({ prompt })),
      contentType: 'application/json',
      accept: 'text/event-stream',
    }),
  );
  const out = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 200,
    headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' },
  });
  out.write('');
  for await (const chunk of response.response) {
    out.write(chunk);
  }
  out.end();
});

/**
 * The handler of StreamingAgentCoreApi: `POST /invocations` in front of an Amazon Bedrock AgentCore runtime, its own
 * bundle (assets/agent-core-handler/index.js: no Bedrock Runtime client). The path of a request
 * (backends/agent-core/serve.ts):
 *
 *   API Gateway event
 *     -> RequestContext     ids, caller, configuration (backends/agent-core/config.ts), the deadline
 *     -> payload            the body's bytes as received, capped (413 before anything else), never parsed
 *     -> managed key        with managed keys: the key's holder becomes the caller (401, 503)
 *     -> session            X-Session-Id validated (400, never echoed), or a new UUID; returned in that response
 *                           header either way
 *     -> limits             with `requestsPerMinute`: one request reserved per caller (429 rate_limited, 503)
 *     -> InvokeAgentRuntime the payload with its Content-Type and Accept, the session, the caller as runtime user
 *                           (caller.ts runtimeUserId); AgentCore's errors mapped (backends/agent-core/errors.ts)
 *     -> stream             the agent's bytes as they arrive, its status (2xx) and content type kept, committed at
 *                           its first byte; while it is silent `: ping` between SSE events, or the idle limit
 *        (a failure before the first byte: its real status and a JSON error body; after it: an SSE error event, or
 *        for another type the end of the answer)
 *     -> close              one JSON log line with EMF metrics (backends/agent-core/telemetry.ts)
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { serveAgent } from './backends/agent-core/serve';
import type { LambdaContext } from './request-context';
import { streamingRuntime, type ResponseStream } from './response-stream';
import { StreamSink } from './sinks';

export const handler = streamingRuntime.streamifyResponse(
  (event: APIGatewayProxyEvent, responseStream: ResponseStream, context: LambdaContext) =>
    serveAgent(event, context, new StreamSink(responseStream)),
);

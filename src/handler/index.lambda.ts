/**
 * The default handler of StreamingBedrockApi. Two entry points share one bundle: `handler` (response streaming) serves
 * every streaming route, each client protocol on its own path, in one function (no extra cold starts);
 * `bufferedHandler` serves POST /buffered (classic proxy). Both run the one pipeline (pipeline.ts); they differ only
 * in the sink their answer goes to.
 *
 * The path of a request:
 *
 *   API Gateway event
 *     -> ROUTES                 event.resource picks the route: a protocol unit (protocols/<id>/, one per descriptor
 *                               of contract/protocols.ts), or the model list the units share (model-list.ts)
 *     -> RequestContext         ids, caller, configuration (config.ts: the settings decoded, defaults applied), the
 *                               deadline that aborts the model in time
 *     -> decode                 the unit's decode.ts: size cap (413), content type (415), JSON + field validation (400)
 *                               by its rules.ts and the shared request/ rules -> ChatRequest, and the answer's encoder
 *                               (native: Accept picks SSE (default) | NDJSON | text | JSON answer)
 *     -> limits                 with token budgets: input estimate + maxTokens reserved in DynamoDB (budget.ts, whose
 *                               ledger loads only then), or 429/503
 *     -> backend                backends/bedrock: ConverseStream, resolving on its first event (the SDK retries
 *                               throttling here only), its events as neutral ChatEvents (chat.ts)
 *     -> encode                 the unit's encode.ts renders each event; the sink (sinks.ts) commits 200 and the
 *                               headers at the first byte to send, then writes with backpressure; keep-alive bytes
 *                               (committing first) or the idle cap while the model is silent
 *        (a failure before the first byte: its real HTTP status and a JSON error body; after: the encoder's error)
 *     -> done | error, end()
 *     -> close                  the budget settled to the real usage; one JSON log line + EMF metrics (telemetry.ts),
 *                               written before returning
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { NATIVE_PROTOCOL } from '../contract';
import { Errors } from './errors';
import { serve } from './pipeline';
import { protocolUnits } from './protocols';
import { decodeNative } from './protocols/native/decode';
import type { LambdaContext } from './request-context';
import { streamingRuntime, type ResponseStream } from './response-stream';
import { chatRoute, lazyRouteTable, type RouteHandler } from './routes';
import { CollectingSink, StreamSink } from './sinks';

/** What the streaming function serves, by API Gateway resource path (a path's protocols load when it is first asked). */
const ROUTES = lazyRouteTable(protocolUnits);

/** A route this function does not serve (only a misrouted integration gets here): 404 in the API's error shape. */
const NO_SUCH_ROUTE: RouteHandler = {
  asksModel: true,
  decode: () => {
    throw Errors.notFound();
  },
};

/** Streaming entry point: every route but POST /buffered. */
export const handler = streamingRuntime.streamifyResponse(
  (event: APIGatewayProxyEvent, responseStream: ResponseStream, context: LambdaContext) =>
    serve(ROUTES.get(event.resource) ?? NO_SUCH_ROUTE, event, context, 'stream', new StreamSink(responseStream)),
);

/** POST /buffered: the native protocol's JSON answer, whole, within API Gateway's 29 s. */
const BUFFERED_ROUTE = chatRoute(NATIVE_PROTOCOL.logName, decodeNative);

/** Buffered entry point (POST /buffered): the whole answer as JSON. */
export async function bufferedHandler(
  event: APIGatewayProxyEvent,
  context: LambdaContext,
): Promise<APIGatewayProxyResult> {
  const sink = new CollectingSink();
  await serve(BUFFERED_ROUTE, event, context, 'buffered', sink);
  return sink.result();
}

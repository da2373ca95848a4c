/**
 * What a protocol unit (one folder under protocols/) gives the handler: its descriptor's id (src/contract/protocols.ts)
 * and a handler for each of the descriptor's routes. Nothing outside the unit knows the protocol's fields.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { ProtocolId } from '../../contract';
import type { ChatRequest, ResponseEncoder } from '../chat';
import type { HandlerConfig } from '../config';
import type { ApiError } from '../errors';
import type { ModelListShape } from '../model-list';

/** The function serving a request: the streaming one (every route but one) or the buffered one (`POST /buffered`). */
export type Endpoint = 'stream' | 'buffered';

/** A request read by its protocol: what to ask the model, and the encoder of the answer. */
export interface DecodedRequest {
  readonly request: ChatRequest;
  readonly encoder: ResponseEncoder;
}

/**
 * Reads a protocol's request into the neutral request and picks its answer's encoder (by Accept, by the body's
 * `stream` flag; the buffered endpoint always gets one JSON body). Throws ApiError (400, 404, 413, 415) that never
 * quotes the body.
 */
export type Decode = (event: APIGatewayProxyEvent, config: HandlerConfig, endpoint: Endpoint) => DecodedRequest;

/**
 * A protocol's own error body for failures before the first byte (the status is the error's): e.g. Anthropic's
 * `{"type":"error","error":{...}}`. Without one, the API's error body, which is already OpenAI's shape.
 */
export type ErrorShape = (error: ApiError, requestId: string) => unknown;

/** An answer of the handler's own, without the model (e.g. a token count): its encoder, whose `done` is the body. */
export type Reply = (event: APIGatewayProxyEvent, config: HandlerConfig) => ResponseEncoder;

/**
 * What a protocol does on one of its routes: answer a chat request, answer without the model, or give its shape of
 * the shared model list.
 */
export type ProtocolRoute =
  | { readonly chat: Decode; readonly errorShape?: ErrorShape }
  | { readonly reply: Reply; readonly errorShape?: ErrorShape }
  | { readonly modelList: ModelListShape };

export interface ProtocolUnit {
  /** The id of the protocol's descriptor, whose `logName` names it in the log line. */
  readonly id: ProtocolId;
  /** One entry per route of the descriptor, keyed by its path. */
  readonly routes: Readonly<Record<string, ProtocolRoute>>;
}

/**
 * `GET /v1/models`, a route several protocols share (OpenAI's list now; Anthropic's and Responses' later), each with
 * its own list shape. Each protocol unit contributes a shape; the request's headers pick one. A new shape is a
 * `modelList` entry in its own unit: nothing here or in the other units changes.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { ResponseEncoder } from './chat';
import type { HandlerConfig } from './config';

/** One protocol's model list. */
export interface ModelListShape {
  /**
   * Whether this request asks for this shape (e.g. by a protocol's version header). A shape without it answers the
   * requests no other shape claims; there is at most one such shape.
   */
  readonly claims?: (event: APIGatewayProxyEvent) => boolean;
  /** The list's JSON body: the allowed models (by their public id: never an ARN). */
  readonly body: (config: HandlerConfig) => unknown;
}

/** A shape and the log name of the protocol that gave it. */
export interface NamedShape {
  readonly protocol: string;
  readonly shape: ModelListShape;
}

/** The shape for this request: the first that claims it, else the one that claims none. */
export function pickShape(shapes: readonly NamedShape[], event: APIGatewayProxyEvent): NamedShape {
  const claimed = shapes.find(({ shape }) => shape.claims?.(event));
  const fallback = shapes.find(({ shape }) => shape.claims === undefined);
  const picked = claimed ?? fallback;
  if (!picked) {
    throw new Error('no model list shape answers requests that no shape claims');
  }
  return picked;
}

/** The list as an answer: no model call, the whole JSON body at the end. */
export function modelListEncoder(body: unknown): ResponseEncoder {
  return {
    name: 'models',
    contentType: 'application/json',
    event: () => '',
    done: () => JSON.stringify(body),
    error: (error) => JSON.stringify(error),
  };
}

/**
 * The streaming function's route table, built from the protocol units: each unit answers its descriptor's routes;
 * the model list route gathers the shapes of every unit that has one.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ALL_PROTOCOLS, type ProtocolId } from '../contract';
import type { ChatRequest, ResponseEncoder } from './chat';
import type { HandlerConfig } from './config';
import { modelListEncoder, pickShape, type NamedShape } from './model-list';
import type { Decode, Endpoint, ErrorShape, ProtocolUnit } from './protocols/unit';

/** A request read on its route: the protocol (its log name), what to ask the model (if anything), the encoder. */
export interface Decoded {
  readonly protocol: string;
  /** Absent when the answer needs no model (the model list). */
  readonly request?: ChatRequest;
  readonly encoder: ResponseEncoder;
}

export interface RouteHandler {
  /** Whether answers on this route come from the model: only those count in the metrics. */
  readonly asksModel: boolean;
  /** The protocol's error body before the first byte; the API's when undefined. */
  readonly errorShape?: ErrorShape;
  decode(event: APIGatewayProxyEvent, config: HandlerConfig, endpoint: Endpoint): Decoded;
}

/** The routes the units answer, by API Gateway resource path. Throws when two units answer chat on one path. */
export function routeTable(units: readonly ProtocolUnit[]): ReadonlyMap<string, RouteHandler> {
  const table = new Map<string, RouteHandler>();
  const shapes = new Map<string, NamedShape[]>();
  for (const unit of units) {
    const protocol = logNameOf(unit.id);
    for (const [path, route] of Object.entries(unit.routes)) {
      if ('modelList' in route) {
        shapes.set(path, [...(shapes.get(path) ?? []), { protocol, shape: route.modelList }]);
      } else if (table.has(path)) {
        throw new Error(`two protocols answer chat requests on ${path}`);
      } else if ('reply' in route) {
        const reply = route.reply;
        table.set(path, {
          asksModel: false,
          errorShape: route.errorShape,
          decode: (e, c) => ({ protocol, encoder: reply(e, c) }),
        });
      } else {
        table.set(path, chatRoute(protocol, route.chat, route.errorShape));
      }
    }
  }
  shapes.forEach((list, path) => table.set(path, modelListRoute(list)));
  return table;
}

/**
 * The route table built path by path, when a path is first requested: only the units whose descriptors name the path
 * are loaded (see protocols/index.ts).
 */
export function lazyRouteTable(load: (ids: ProtocolId[]) => readonly ProtocolUnit[]) {
  const built = new Map<string, RouteHandler | undefined>();
  return {
    get(path: string): RouteHandler | undefined {
      if (!built.has(path)) {
        const ids = ALL_PROTOCOLS.filter((p) => p.routes.some((route) => route.path === path)).map((p) => p.id);
        built.set(path, ids.length === 0 ? undefined : routeTable(load(ids)).get(path));
      }
      return built.get(path);
    },
  };
}

function logNameOf(id: ProtocolId): string {
  const descriptor = ALL_PROTOCOLS.find((p) => p.id === id);
  if (!descriptor) {
    throw new Error(`no protocol descriptor ${id}`);
  }
  return descriptor.logName;
}

export function chatRoute(protocol: string, decode: Decode, errorShape?: ErrorShape): RouteHandler {
  return {
    asksModel: true,
    errorShape,
    decode: (event, config, endpoint) => ({ protocol, ...decode(event, config, endpoint) }),
  };
}

function modelListRoute(shapes: readonly NamedShape[]): RouteHandler {
  return {
    asksModel: false,
    decode: (event, config) => {
      const { protocol, shape } = pickShape(shapes, event);
      return { protocol, encoder: modelListEncoder(shape.body(config)) };
    },
  };
}

import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ALL_PROTOCOLS, Routes } from '../../../src/contract';
import { loadConfig } from '../../../src/handler/config';
import { protocolUnits } from '../../../src/handler/protocols';
import type { ProtocolUnit } from '../../../src/handler/protocols/unit';
import { lazyRouteTable, routeTable } from '../../../src/handler/routes';

const PROTOCOL_UNITS = protocolUnits();

const paths = (routes: ReadonlyArray<{ path: string }>) => [...new Set(routes.map((r) => r.path))].sort();

describe('the handler serves exactly the routes the protocol descriptors name', () => {
  test('the streaming routes plus POST /buffered are the descriptors routes plus POST /buffered', () => {
    const served = [...routeTable(PROTOCOL_UNITS).keys(), Routes.BUFFERED.path].sort();
    expect(served).toEqual(paths([...ALL_PROTOCOLS.flatMap((p) => p.routes), Routes.BUFFERED]));
  });

  test.each(ALL_PROTOCOLS.map((p) => [p.id, p] as const))('%s has one unit, serving its routes', (id, descriptor) => {
    const units = PROTOCOL_UNITS.filter((unit) => unit.id === id);
    expect(units).toHaveLength(1);
    expect(Object.keys(units[0].routes).sort()).toEqual(paths(descriptor.routes));
  });
});

describe('GET /v1/models, shared by the protocols that list models', () => {
  const config = loadConfig({ SBA_MODEL_ID: 'model-a' });
  const event = (headers: Record<string, string>) => ({ headers }) as unknown as APIGatewayProxyEvent;
  const answer = (units: readonly ProtocolUnit[], headers: Record<string, string> = {}) => {
    const decoded = routeTable(units).get(Routes.MODELS.path)!.decode(event(headers), config, 'stream');
    return { protocol: decoded.protocol, body: JSON.parse(decoded.encoder.done({} as never)) };
  };
  /** A later protocol's shape, claimed by its own version header: added without touching the OpenAI unit. */
  const another: ProtocolUnit = {
    id: 'AI_SDK_UI_MESSAGES',
    routes: {
      [Routes.MODELS.path]: {
        modelList: { claims: (e) => e.headers['x-list'] === 'other', body: (c) => ({ other: c.allowedModelIds }) },
      },
    },
  };

  test("OpenAI's list answers a request no other shape claims", () => {
    expect(answer(PROTOCOL_UNITS)).toEqual({
      protocol: 'openai',
      body: { object: 'list', data: [{ id: 'model-a', object: 'model', created: 0, owned_by: 'amazon-bedrock' }] },
    });
  });

  test("another protocol's shape answers the requests it claims, OpenAI's the others", () => {
    const units = [...PROTOCOL_UNITS, another];
    expect(answer(units, { 'x-list': 'other' })).toEqual({ protocol: 'ai-sdk', body: { other: ['model-a'] } });
    expect(answer(units).protocol).toBe('openai');
  });

  test('is a route without the model: its answers count in no metric', () => {
    expect(routeTable(PROTOCOL_UNITS).get(Routes.MODELS.path)!.asksModel).toBe(false);
    expect(routeTable(PROTOCOL_UNITS).get(Routes.STREAM.path)!.asksModel).toBe(true);
  });
});

test('fails when two protocols answer chat requests on one path', () => {
  const twice: ProtocolUnit = { id: 'NATIVE', routes: PROTOCOL_UNITS[0].routes };
  expect(() => routeTable([...PROTOCOL_UNITS, twice])).toThrow(/two protocols answer chat requests on \/stream/);
});

test('a path loads only the units of the protocols whose descriptors name it', () => {
  const loaded: string[][] = [];
  const routes = lazyRouteTable((ids) => {
    loaded.push(ids);
    return protocolUnits(ids);
  });
  expect(routes.get(Routes.STREAM.path)!.asksModel).toBe(true);
  expect(routes.get(Routes.STREAM.path)).toBe(routes.get(Routes.STREAM.path));
  expect(routes.get(Routes.MODELS.path)!.asksModel).toBe(false);
  expect(routes.get('/nope')).toBeUndefined();
  expect(loaded).toEqual([['NATIVE'], ['OPENAI_CHAT_COMPLETIONS', 'OPENAI_RESPONSES', 'ANTHROPIC_MESSAGES']]);
});

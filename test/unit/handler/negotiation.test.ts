import { negotiateFormat } from '../../../src/handler/protocols/native/encode';

const request = { modelId: 'm', messages: [], maxTokens: 1 };
const formatFor = (accept: string | undefined) => negotiateFormat(accept)(request).name;

describe('Accept negotiation of the native protocol', () => {
  test.each([
    [undefined, 'sse'],
    ['', 'sse'],
    ['text/event-stream', 'sse'],
    ['application/x-ndjson', 'ndjson'],
    ['application/ndjson', 'ndjson'],
    ['text/plain', 'text'],
    ['application/json', 'json'],
    ['APPLICATION/JSON', 'json'],
    ['*/*', 'sse'],
    ['text/*', 'sse'],
    ['image/png', 'sse'],
    ['text/plain;q=0.5, application/x-ndjson', 'ndjson'],
    ['application/json;q=0.1, text/event-stream;q=0.9', 'sse'],
    ['application/json, text/plain', 'json'],
    ['text/plain;q=0, application/json;q=0.2', 'json'],
    ['text/plain;q=0', 'sse'],
    ['text/plain;q=abc, application/x-ndjson;q=0.1', 'ndjson'],
    ['image/png;q=1, text/plain;q=0.3', 'text'],
  ])('Accept %p selects %s', (accept, name) => {
    expect(formatFor(accept)).toBe(name);
  });
});

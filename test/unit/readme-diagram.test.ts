/**
 * The README's architecture diagram stays in sync with the code: every route the API can serve and every client
 * protocol of the handler (the contract's descriptor list) is in it, and nothing that no longer exists.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ALL_PROTOCOLS, Routes, type Route } from '../../src/contract';

const ROOT = path.join(__dirname, '..', '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const DIAGRAM = README.match(/```mermaid\n([\s\S]*?)```/)?.[1] ?? '';
/** Every route the API can serve: each protocol's (once, though several protocols share `GET /v1/models`), and the buffered endpoint. */
const ROUTES: Route[] = [
  ...new Map(
    [...ALL_PROTOCOLS.flatMap((p) => p.routes), Routes.BUFFERED].map((r) => [`${r.method} ${r.path}`, r]),
  ).values(),
];

test('the README opens with a Mermaid diagram of the API', () => {
  expect(DIAGRAM).toMatch(/^flowchart /);
  expect(README.indexOf('```mermaid')).toBeLessThan(README.indexOf('## '));
});

test.each(ROUTES)('the diagram shows $method $path', (route) => {
  expect(DIAGRAM).toContain(`"${route.method} ${route.path}"`);
});

test('the diagram shows exactly the routes of the code', () => {
  const shown = [...DIAGRAM.matchAll(/"(GET|POST) (\/[^"]*)"/g)].map((m) => `${m[1]} ${m[2]}`).sort();
  expect(shown).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
});

test('the diagram shows exactly the protocols of the handler, by their log names', () => {
  const shown = [...DIAGRAM.matchAll(/protocol ([a-z-]+)/g)].map((m) => m[1]);
  expect([...new Set(shown)].sort()).toEqual(ALL_PROTOCOLS.map((p) => p.logName).sort());
});

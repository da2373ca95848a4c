/**
 * The README's architecture diagram stays in sync with the code: every route the API can serve and every client
 * protocol (dialect) of the handler is in it, and nothing that no longer exists.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ALL_PROTOCOLS, Routes } from '../../src/contract';

const ROOT = path.join(__dirname, '..', '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const DIAGRAM = README.match(/```mermaid\n([\s\S]*?)```/)?.[1] ?? '';

test('the README opens with a Mermaid diagram of the API', () => {
  expect(DIAGRAM).toMatch(/^flowchart /);
  expect(README.indexOf('```mermaid')).toBeLessThan(README.indexOf('## '));
});

test.each(Object.values(Routes))('the diagram shows $method $path', (route) => {
  expect(DIAGRAM).toContain(`"${route.method} ${route.path}"`);
});

test('the diagram shows exactly the routes of the code', () => {
  const shown = [...DIAGRAM.matchAll(/"(GET|POST) (\/[^"]*)"/g)].map((m) => `${m[1]} ${m[2]}`).sort();
  expect(shown).toEqual(
    Object.values(Routes)
      .map((r) => `${r.method} ${r.path}`)
      .sort(),
  );
});

test('the diagram shows exactly the dialects of the handler', () => {
  // One per protocol descriptor: the handler serves one protocol unit per descriptor (src/handler/protocols/).
  const dialects = ALL_PROTOCOLS.map((protocol) => protocol.logName).sort();
  const shown = [...DIAGRAM.matchAll(/dialect ([a-z-]+)/g)].map((m) => m[1]);
  expect([...new Set(shown)].sort()).toEqual(dialects);
});

/**
 * No module of src/ imports itself back through others: an import cycle makes module load order matter (a value is
 * undefined when read during the cycle) and ties parts together that should stay apart (a private helper importing
 * the construct file that imports it). Checked with madge, which sees TypeScript imports, `import type` included.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import madge from 'madge';

const SRC = path.join(__dirname, '..', '..', 'src');

/** The import cycles among the TypeScript files under `dir`, each as the list of files on the circle. */
async function importCycles(dir: string): Promise<string[][]> {
  const graph = await madge(dir, {
    fileExtensions: ['ts'],
    excludeRegExp: [/\.d\.ts$/],
    // Type-only imports tie modules together as much as value imports do: keep them in the graph.
    detectiveOptions: { ts: { skipTypeImports: false } },
  });
  return graph.circular();
}

test('src/ has no import cycle', async () => {
  expect(await importCycles(SRC)).toEqual([]);
});

test('the check finds a cycle that goes through an `import type`', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'import-cycle-'));
  try {
    fs.writeFileSync(
      path.join(dir, 'props.ts'),
      "import type { Api } from './api';\nexport type Props = { api?: Api };\n",
    );
    fs.writeFileSync(path.join(dir, 'api.ts'), "import { Props } from './props';\nexport class Api { p?: Props; }\n");
    expect(await importCycles(dir)).toEqual([['api.ts', 'props.ts']]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

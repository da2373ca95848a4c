/**
 * The `ts` snippets of docs/*.md compile against rosetta/default.ts-fixture and translate to every jsii language, as
 * the README's do (test/package/jsii-targets.test.ts). jsii-rosetta extracts snippets from an assembly's READMEs only, so the
 * test hands it a copy of this package's assembly whose submodule READMEs are the docs pages
 * (`cdk-streaming-bedrock-api.docs_<page>`); an error names the page and line, e.g. `docs_model_features-README-L133`.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');
const docsDir = path.join(root, 'docs');
const pages = fs.readdirSync(docsDir).filter((file) => file.endsWith('.md'));
let work: string;

/** A package directory that is this package, except that its assembly's submodule READMEs are the docs pages. */
function docsAssembly(dir: string): void {
  const assembly = JSON.parse(fs.readFileSync(path.join(root, '.jsii'), 'utf8'));
  delete assembly.readme; // test/package/jsii-targets.test.ts covers the README
  assembly.submodules = Object.fromEntries(
    pages.map((page) => [
      `${assembly.name}.docs_${path.basename(page, '.md').replace(/-/g, '_')}`,
      { readme: { markdown: fs.readFileSync(path.join(docsDir, page), 'utf8') } },
    ]),
  );
  fs.writeFileSync(path.join(dir, '.jsii'), JSON.stringify(assembly));
  fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  for (const shared of ['lib', 'node_modules', 'rosetta']) {
    fs.symlinkSync(path.join(root, shared), path.join(dir, shared));
  }
}

beforeAll(() => {
  if (!fs.existsSync(path.join(root, '.jsii'))) {
    throw new Error("the .jsii assembly is missing: run 'npx projen compile' first");
  }
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'docs-snippets-'));
  docsAssembly(work);
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test('the docs pages have TypeScript snippets to check', () => {
  const snippets = pages.flatMap((page) => fs.readFileSync(path.join(docsDir, page), 'utf8').match(/^```ts$/gm) ?? []);
  expect(snippets.length).toBeGreaterThan(10);
});

test('the docs snippets compile against the fixture and translate', () => {
  const tablet = path.join(work, 'tablet.json');
  const env = { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' };
  try {
    execFileSync(
      path.join(root, 'node_modules', '.bin', 'jsii-rosetta'),
      ['extract', '--strict', '--cache-to', tablet, work],
      {
        cwd: root,
        env,
        stdio: 'pipe',
        encoding: 'utf8',
      },
    );
  } catch (error) {
    // The compiler's diagnostics name the page and line: show them rather than "Command failed".
    throw new Error(String((error as { stderr?: string }).stderr ?? error));
  }
  const translations = JSON.stringify(JSON.parse(fs.readFileSync(tablet, 'utf8')));
  expect(translations).toContain('docs_model_features');
  expect(translations).toContain('StreamingBedrockApi(self, \\"Chat\\"');
}, 300_000);

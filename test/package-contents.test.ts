/**
 * The npm package holds what a consumer needs and nothing else: the compiled construct and its jsii assembly, the
 * bundled handler and local runner, the README, the licence and the API reference. `files` in package.json is an
 * allow-list; this test catches a build or set-up file, a test or a source file slipping into it.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..');
let files: string[];

beforeAll(() => {
  for (const built of ['.jsii', 'lib/index.js', 'assets/handler/index.lambda/index.js', 'assets/local/cli/index.js']) {
    if (!fs.existsSync(path.join(root, built))) {
      throw new Error(`${built} is missing: run 'npx projen bundle' and 'npx projen compile' first`);
    }
  }
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }),
  );
  files = packed[0].files.map((file: { path: string }) => file.path).sort();
}, 60_000);

test('the package holds the assembly, the bundles, the README, the licence and the API reference', () => {
  expect(files).toEqual(
    expect.arrayContaining([
      '.jsii',
      'API.md',
      'LICENSE',
      'README.md',
      'assets/handler/index.lambda/index.js',
      'assets/local/cli/index.js',
      'lib/index.d.ts',
      'lib/index.js',
      'package.json',
    ]),
  );
});

test('the package holds nothing outside its allow-list', () => {
  const allowed = /^(\.jsii|API\.md|LICENSE|README\.md|package\.json|lib\/.+\.(js|d\.ts)|assets\/.+\.js)$/;
  expect(files.filter((file) => !allowed.test(file))).toEqual([]);
});

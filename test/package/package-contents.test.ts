/**
 * The npm package holds what a consumer needs and nothing else: the compiled construct and its jsii assembly, the
 * bundled handler and local runner, the README, the licence and the API reference. `files` in package.json is an
 * allow-list; this test catches a build or set-up file, a test or a source file slipping into it.
 */
import { execFileSync } from 'child_process';
import { consumerApp, type ConsumerApp } from './consumer-app';

let consumer: ConsumerApp;
let files: string[];

beforeAll(() => {
  // The tarball the consumer app installed, as npm would publish it (its entries are under package/).
  consumer = consumerApp();
  const listing = execFileSync('tar', ['-tzf', consumer.tarball], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  files = listing
    .split('\n')
    .filter((entry) => entry.startsWith('package/') && !entry.endsWith('/'))
    .map((entry) => entry.slice('package/'.length))
    .sort();
}, 300_000);

afterAll(() => consumer?.cleanup());

test('the package holds the assembly, the bundles, the README, the licence and the API reference', () => {
  expect(files).toEqual(
    expect.arrayContaining([
      '.jsii',
      'API.md',
      'LICENSE',
      'README.md',
      'assets/handler/index.lambda/index.js',
      'assets/agent-core-handler/index.js',
      'assets/local/cli/index.js',
      'assets/local/cli/budget-store-server.js',
      'assets/local/cli/example-agent.js',
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

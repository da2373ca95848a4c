// Bundles the default handler into assets/handler/index.lambda/: index.js, and beside it one file per part that only
// some requests need, which the handler requires when one first does (cold start: a function parses only what it
// uses). The parts: the budget ledger with its DynamoDB client (src/handler/budget.ts requires it), the managed keys'
// reader with its own copy of that client (src/handler/managed-keys.ts requires it), and each
// protocol unit but the native one (src/handler/protocols/index.ts requires them).
//
// A part is bundled on its own, except the handler modules it imports from outside its folder: those stay the ones
// index.js holds (one ApiError class, one config), which index.js publishes under a global symbol as it loads and
// the part reads back. So a part file may only be loaded by the index.js built with it, which is how they ship.
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const outdir = path.join(root, 'assets', 'handler', 'index.lambda');
const REGISTRY = "globalThis[Symbol.for('cdk-streaming-bedrock-api.handler-modules')]";

// The same options for every file: measured (npm run bench), the SDK's ES module builds tree-shake better; minified
// with names kept, so that stack traces in the logs stay readable; the SDK's lazy import() of node:http as require(),
// which runs the same in Lambda and inside jest's vm contexts.
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  mainFields: ['module', 'main'],
  minify: true,
  keepNames: true,
  supported: { 'dynamic-import': false },
  logLevel: 'warning',
};

const protocolDir = path.join(root, 'src', 'handler', 'protocols');
const parts = [
  { name: 'budget-ledger', entry: 'src/handler/budget-ledger.ts', own: ['src/handler/budget-ledger.ts', 'src/handler/dynamodb.ts'] },
  { name: 'key-store', entry: 'src/handler/key-store.ts', own: ['src/handler/key-store.ts', 'src/handler/dynamodb.ts'] },
  ...fs
    .readdirSync(protocolDir)
    .filter((id) => id !== 'native' && fs.statSync(path.join(protocolDir, id)).isDirectory())
    .map((id) => ({ name: id, entry: `src/handler/protocols/${id}/index.ts`, own: [`src/handler/protocols/${id}/`] })),
];

const relative = (file) => path.relative(root, file).split(path.sep).join('/');

/** In a part: the handler's modules outside the part become reads of what index.js published. */
function sharedModules(part, used) {
  return {
    name: 'shared-handler-modules',
    setup(build) {
      build.onResolve({ filter: /^\./ }, async (args) => {
        if (args.namespace !== 'file' || args.pluginData?.resolving) return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          pluginData: { resolving: true },
        });
        const file = relative(resolved.path);
        if (!file.startsWith('src/') || part.own.some((own) => file === own || file.startsWith(own))) return undefined;
        used.add(file);
        return { path: file, namespace: 'shared-handler-module' };
      });
      build.onLoad({ filter: /.*/, namespace: 'shared-handler-module' }, (args) => ({
        contents: `module.exports = ${REGISTRY}[${JSON.stringify(args.path)}];`,
        loader: 'js',
      }));
    },
  };
}

/** index.js: the handler, plus the modules the parts share with it, published before anything can load a part. */
function indexEntry(shared) {
  const imports = [...shared].sort().map((file, i) => `import * as m${i} from './${file}';`);
  const published = [...shared].sort().map((file, i) => `  ${JSON.stringify(file)}: m${i},`);
  return [
    "export * from './src/handler/index.lambda';",
    ...imports,
    `${REGISTRY} = {`,
    ...published,
    '};',
  ].join('\n');
}

async function main() {
  fs.rmSync(outdir, { recursive: true, force: true });
  const shared = new Set();
  for (const part of parts) {
    await esbuild.build({
      ...common,
      entryPoints: [path.join(root, part.entry)],
      outfile: path.join(outdir, `${part.name}.js`),
      plugins: [sharedModules(part, shared)],
    });
  }
  await esbuild.build({
    ...common,
    stdin: { contents: indexEntry(shared), resolveDir: root, sourcefile: 'handler-entry.ts', loader: 'ts' },
    outfile: path.join(outdir, 'index.js'),
    // Each part is required by its name, relative to index.js: the file of that name beside it.
    external: parts.map((part) => `./${part.name}`),
  });
  for (const file of fs.readdirSync(outdir)) {
    console.log(`  ${relative(path.join(outdir, file))}  ${(fs.statSync(path.join(outdir, file)).size / 1024).toFixed(1)} KB`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

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
const ts = require('typescript');

const root = path.join(__dirname, '..');
const outdir = path.join(root, 'assets', 'handler', 'index.lambda');
const REGISTRY = "globalThis[Symbol.for('cdk-streaming-bedrock-api.handler-modules')]";

// The same options for every file (build-tools/handler-esbuild-options.js says why each).
const common = require('./handler-esbuild-options');

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

/**
 * The names `importer` takes from `specifier` (TypeScript's own parser; type-only imports left out), or '*' when it
 * takes the whole module. Only these are published, so that index.js keeps its tree-shaking.
 */
function importedNames(importer, specifier) {
  const source = ts.createSourceFile(importer, fs.readFileSync(importer, 'utf8'), ts.ScriptTarget.Latest);
  const names = [];
  for (const statement of source.statements) {
    const clause = ts.isImportDeclaration(statement) && statement.moduleSpecifier.text === specifier
      ? statement.importClause
      : undefined;
    if (!clause || clause.isTypeOnly) continue;
    const bindings = clause.namedBindings;
    if (clause.name || (bindings && ts.isNamespaceImport(bindings))) return ['*'];
    for (const element of bindings?.elements ?? []) {
      if (!element.isTypeOnly) names.push((element.propertyName ?? element.name).text);
    }
  }
  return names;
}

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
        const names = used.get(file) ?? new Set();
        importedNames(args.importer, args.path).forEach((name) => names.add(name));
        used.set(file, names);
        return { path: file, namespace: 'shared-handler-module' };
      });
      build.onLoad({ filter: /.*/, namespace: 'shared-handler-module' }, (args) => ({
        contents: `module.exports = ${REGISTRY}[${JSON.stringify(args.path)}];`,
        loader: 'js',
      }));
    },
  };
}

/**
 * index.js: the handler, plus what the parts take from its modules (by name, or whole where a part imports a whole
 * module), published before anything can load a part.
 */
function indexEntry(shared) {
  const files = [...shared.keys()].sort();
  const imports = files.map((file, i) => {
    const names = [...shared.get(file)].sort();
    return names.includes('*')
      ? `import * as m${i} from './${file}';`
      : `import { ${names.map((name) => `${name} as m${i}_${name}`).join(', ')} } from './${file}';`;
  });
  const published = files.map((file, i) => {
    const names = [...shared.get(file)].sort();
    const value = names.includes('*') ? `m${i}` : `{ ${names.map((name) => `${name}: m${i}_${name}`).join(', ')} }`;
    return `  ${JSON.stringify(file)}: ${value},`;
  });
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
  const shared = new Map();
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

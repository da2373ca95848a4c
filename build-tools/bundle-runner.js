// Bundles the local runner (bin `cdk-streaming-bedrock-api serve`) into assets/local/cli/index.js, so that consumers
// get no runtime dependencies from it. Two adjustments for dynalite, the DynamoDB-compatible server that holds the
// ledger of `--token-budget`:
// - it requires its actions and validations by computed names (`require('./actions/' + action)`): the names get
//   their `.js` so that esbuild bundles every file of those folders and finds them at run time;
// - its on-disk backend (`level`, a native addon) is replaced by a module that says the ledger lives in memory.
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const dynaliteComputedRequires = {
  name: 'dynalite-computed-requires',
  setup(build) {
    build.onLoad({ filter: /[\\/]dynalite[\\/]index\.js$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      const contents = source.replace(/require\('\.\/(actions|validations)\/' \+ action\)/g, "require('./$1/' + action + '.js')");
      if (contents === source) {
        throw new Error('dynalite/index.js no longer requires its actions as expected: revisit build-tools/bundle-runner.js');
      }
      return { contents, loader: 'js' };
    });
  },
};

const outfile = path.join(__dirname, '..', 'assets', 'local', 'cli', 'index.js');
esbuild
  .build({
    entryPoints: [path.join(__dirname, '..', 'src', 'local', 'cli.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    outfile,
    banner: { js: '#!/usr/bin/env node' },
    alias: { level: path.join(__dirname, 'level-unavailable.js') },
    plugins: [dynaliteComputedRequires],
    logLevel: 'warning',
  })
  .then(() => fs.chmodSync(outfile, 0o755))
  .catch(() => process.exit(1));

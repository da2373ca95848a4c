// Bundles the local runner (bin `cdk-streaming-bedrock-api serve`) into assets/local/cli/index.js, so that consumers
// get no runtime dependencies from it, and beside it budget-store-server.js: the DynamoDB-compatible server (dynalite)
// that holds the ledger of `--token-budget` and the keys of `--managed-keys`, which the runner runs in a worker thread
// (a worker loads its code from a file of its own), and example-agent.js: the example AgentCore agent that
// `serve --agent-demo` starts. Two adjustments for dynalite:
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

const source = path.join(__dirname, '..', 'src', 'local');
const outdir = path.join(__dirname, '..', 'assets', 'local', 'cli');
esbuild
  .build({
    entryPoints: {
      index: path.join(source, 'cli.ts'),
      'budget-store-server': path.join(source, 'budget-store-server.ts'),
    },
    bundle: true,
    platform: 'node',
    target: 'node20',
    outdir,
    banner: { js: '#!/usr/bin/env node' },
    alias: { level: path.join(__dirname, 'level-unavailable.js') },
    plugins: [dynaliteComputedRequires],
    logLevel: 'warning',
  })
  .then(() => fs.chmodSync(path.join(outdir, 'index.js'), 0o755))
  // The example AgentCore agent, which `serve --agent-demo` runs as a child process (the package has no examples/);
  // minified: it is run, not read, and its Bedrock client is most of its size.
  .then(() =>
    esbuild.build({
      entryPoints: { 'example-agent': path.join(__dirname, '..', 'examples', 'agent-core', 'agent', 'agent.mjs') },
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node20',
      outdir,
      logLevel: 'warning',
    }),
  )
  .catch(() => process.exit(1));

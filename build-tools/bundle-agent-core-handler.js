// Bundles the AgentCore handler (src/handler/agent-core.lambda.ts) into assets/agent-core-handler/index.js: one file,
// with the AgentCore client and no Bedrock Runtime client. The request limits' ledger and the managed keys' reader
// (with their DynamoDB client) are in the same file but evaluated only when a request first needs them (budget.ts and
// managed-keys.ts require them on demand, which esbuild keeps as lazily run module wrappers).
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');
const handlerOptions = require('./handler-esbuild-options');

const root = path.join(__dirname, '..');
const outdir = path.join(root, 'assets', 'agent-core-handler');

async function main() {
  fs.rmSync(outdir, { recursive: true, force: true });
  await esbuild.build({
    // The Bedrock handler's options (build-tools/handler-esbuild-options.js): the SDK's ES module builds, minified
    // with names kept for readable stack traces, the SDK's lazy import() as require().
    ...handlerOptions,
    entryPoints: [path.join(root, 'src', 'handler', 'agent-core.lambda.ts')],
    outfile: path.join(outdir, 'index.js'),
  });
  const file = path.join(outdir, 'index.js');
  console.log(`  ${path.relative(root, file)}  ${(fs.statSync(file).size / 1024).toFixed(1)} KB`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

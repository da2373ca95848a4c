import { JsonFile, awscdk, javascript } from 'projen';

// The oldest aws-cdk-lib with apigateway.ResponseTransferMode (STREAM): older apps can adopt the library.
const CDK_FLOOR = '2.230.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-streaming-bedrock-api',
  description:
    'AWS CDK construct: an API Gateway REST API that streams Amazon Bedrock output to clients as it is generated (response transfer mode STREAM, bundled Lambda handler, ConverseStream).',
  keywords: ['cdk', 'awscdk', 'aws-cdk', 'bedrock', 'api-gateway', 'streaming', 'lambda', 'llm', 'sse'],
  author: 'cdk-streaming-bedrock-api maintainers',
  authorAddress: 'maintainers@users.noreply.h-seed-22df4684.example',
  repositoryUrl: 'https://github.com/cdk-streaming-bedrock-api/cdk-streaming-bedrock-api.git',
  license: 'Apache-2.0',
  // The API may still change before 1.0 (jsii marks every type experimental in each language's docs).
  stability: 'experimental',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  prettier: true,
  prettierOptions: { settings: { singleQuote: true, printWidth: 120, trailingComma: javascript.TrailingComma.ALL } },

  cdkVersion: CDK_FLOOR,
  constructsVersion: '10.0.5',
  jsiiVersion: '~6.0.0',
  typescriptVersion: '~5.9.0',
  minNodeVersion: '20.0.0',

  // Offline-safe: no GitHub workflows, no release pipeline, no dependency-upgrade bots on these machines.
  github: false,
  release: false,
  depsUpgrade: false,
  buildWorkflow: false,
  pullRequestTemplate: false,

  publishToPypi: { distName: 'cdk-streaming-bedrock-api', module: 'cdk_streaming_bedrock_api' },
  publishToMaven: {
    javaPackage: 'io.github.cdkstreamingbedrockapi',
    mavenGroupId: 'io.github.cdk-streaming-bedrock-api',
    mavenArtifactId: 'cdk-streaming-bedrock-api',
  },
  publishToNuget: { dotNetNamespace: 'CdkStreamingBedrockApi', packageId: 'CdkStreamingBedrockApi' },
  publishToGo: { moduleName: 'github.com/cdk-streaming-bedrock-api/cdk-streaming-bedrock-api-go' },

  // Handlers are bundled explicitly below (two entry points in one bundle), not auto-discovered.
  lambdaAutoDiscover: false,
  // The handler and the local runner are bundled into assets/ by esbuild; jsii compiles only the construct API.
  excludeTypescript: ['src/handler/**', 'src/local/**'],
  devDeps: [
    // Bundled into the handler and the local runner at build time: consumers never install them.
    '@aws-sdk/client-bedrock-runtime@^3.1164.0',
    // The AgentCore handler's client (InvokeAgentRuntime), bundled into assets/agent-core-handler/.
    '@aws-sdk/client-bedrock-agentcore@^3.1141.0',
    '@smithy/core@^3',
    '@smithy/node-http-handler@^4',
    '@types/aws-lambda@^8',
    // The token budget ledger's client (bundled into the handler), and the DynamoDB-compatible server the local
    // runner embeds for `--token-budget` and the tests run it against (FACTS.md: DynamoDB Local cannot be fetched).
    '@aws-sdk/client-dynamodb@^3.1164.0',
    'dynalite@^4',
    // `keys --stack`: finds an API's key and budget tables among a stack's resources (bundled into the CLI).
    '@aws-sdk/client-cloudformation@^3.1178.0',
    // The CDK CLI that reads aws-cdk-lib 2.2xx cloud assemblies (3.0.0 cannot): synthesizes the examples.
    'aws-cdk@^2.1148.1',
    // End-to-end tests: a well-known SSE parser (v3: v4 needs Node 22) and a browser driver for Debian's Chromium.
    'eventsource-parser@^3',
    'playwright-core@^1.65',
    // The client libraries users have, driven against the API in tests: OpenAI's, and the AI SDK's (in Node and, with
    // React and Vite, whose own JSX transform needs no plugin: the web-chat example in headless Chromium).
    'openai@^7.55.0',
    // OpenAI Responses' clients: the Agents SDK (its default API; zod for its tool parameters, a peer dependency) and
    // the Codex CLI, run against the local runner (test/runner/).
    '@openai/agents@^0.20.0',
    'zod@^4',
    '@openai/codex@^0.171.0',
    'ai@^7.0.173',
    // The AI SDK's provider for OpenAI-compatible Chat Completions servers, run with a managed key.
    '@ai-sdk/openai-compatible@^3.0.97',
    '@ai-sdk/react@^4.0.177',
    'react@^19.3.1',
    'react-dom@^19.3.1',
    '@types/react@^19.3.0',
    '@types/react-dom@^19.3.0',
    // Anthropic's clients, driven against the runner's ANTHROPIC_MESSAGES endpoints: the SDK, the AI SDK's provider,
    // and Claude Code itself (its native binary comes as an optional dependency; no postinstall is needed).
    '@anthropic-ai/sdk@^1.17.0',
    '@ai-sdk/anthropic@^4.0.112',
    '@anthropic-ai/claude-code@^2.1.328',
    'vite@^8.4.0',
    // The import-cycle check of src/ (test/unit/import-cycles.test.ts); dependency-cruiser 18 needs Node 22.
    'madge@^8',
    '@types/madge@^5',
    // The README's architecture picture, rendered from its Mermaid source in headless Chromium (`docs:diagram`).
    'mermaid@^12',
  ],
  eslintOptions: { dirs: ['src'], devdirs: ['test', 'bench', 'build-tools', 'projenrc'] },
  jestOptions: {
    // Snapshots are compared, never silently rewritten.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testTimeout: 30_000,
      // The handler tests start local servers; run files in parallel but not too many on 2 cores.
      maxWorkers: 2,
      setupFiles: ['<rootDir>/test/support/jest-setup.ts'],
    },
  },
  tsconfigDev: { compilerOptions: { lib: ['es2022', 'dom'] } },
  gitignore: [
    '.jsii.tabl.json',
    'cdk.out',
    '*.tgz',
    '/bench-results/',
    'examples/*/cdk.out',
    '/.ci/out/',
    '__pycache__/',
    'examples/web-chat/dist/',
    // jsii writes a default .npmignore when there is none; the package's `files` allow-list decides what ships.
    '/.npmignore',
  ],
  // The package ships an allow-list (`files` below), not a deny-list that lets every new folder slip in.
  npmignoreEnabled: false,
});

// Coverage goes to files (coverage/; the full table in coverage/coverage.txt) and the test output gets a 4-line summary,
// not a 140-line table. A reporter with options is a tuple, which projen's jestConfig does not type.
project.package.file.addOverride('jest.coverageReporters', [
  'json',
  'lcov',
  'clover',
  'cobertura',
  ['text', { file: 'coverage.txt' }],
  'text-summary',
]);

// What the npm package holds: the compiled construct and its jsii assembly, the bundled handler and local runner, the
// README (npm's page), the licence and the API reference. Not docs/ (the README links the pages by their repository
// URL, which every registry jsii publishes to can follow), nor build, set-up or test files. npm adds package.json.
project.package.addField('files', [
  'lib/**/*.js',
  'lib/**/*.d.ts',
  'assets/**/*.js',
  '.jsii',
  'README.md',
  'LICENSE',
  'API.md',
]);

// FACTS.md: the registry mirror lacks unrs-resolver 1.13's optional bindings, so `npm ci` fails without this.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });

// The default handler (two entry points: streaming `handler`, buffered `bufferedHandler`): index.js, and beside it a
// file per part only some requests need (the budget ledger with its DynamoDB client, each protocol but the native one),
// required when a request first needs it, so a function parses only what it uses (cold start). By a script rather
// than projen's bundler, which makes one file per entry: the parts share the handler's own modules with index.js.
// The Bedrock client is bundled (pinned, tested version) rather than taken from the runtime's SDK.
const bundleHandler = project.addTask('bundle:handler', {
  description: 'Bundle the default handler into assets/handler/index.lambda/ (index.js and its on-demand parts)',
  exec: 'node build-tools/bundle-handler.js',
});
project.bundler.bundleTask.spawn(bundleHandler);

// StreamingAgentCoreApi's handler: its own one-file bundle, with the AgentCore client and no Bedrock Runtime client.
const bundleAgentCoreHandler = project.addTask('bundle:agent-core-handler', {
  description: 'Bundle the AgentCore handler into assets/agent-core-handler/index.js',
  exec: 'node build-tools/bundle-agent-core-handler.js',
});
project.bundler.bundleTask.spawn(bundleAgentCoreHandler);

// `build` packages JavaScript only (the same on every machine); `package-all` builds the other languages where
// their toolchains and registries are reachable.
project.packageTask.reset();
project.packageTask.spawn(project.tasks.tryFind('package:js')!);

// The bundled code (handler, local runner) is outside jsii's tsconfig: give each folder its own, so that eslint's
// project service finds it and `typecheck` (esbuild does not type-check) catches type errors before bundling.
const bundledSourceDirs = ['src/handler', 'src/local'];
for (const dir of bundledSourceDirs) {
  new JsonFile(project, `${dir}/tsconfig.json`, {
    obj: {
      extends: '../../tsconfig.json',
      compilerOptions: { noEmit: true, rootDir: '..', lib: ['es2022', 'dom'] },
      include: ['**/*.ts'],
      exclude: [],
    },
  });
}
const typecheck = project.addTask('typecheck', {
  description: 'Type-check the bundled sources (esbuild strips types without checking them)',
  steps: bundledSourceDirs.map((dir) => ({ exec: `tsc -p ${dir}` })),
});
project.preCompileTask.prependSpawn(typecheck);

// The examples import the library by its package name, as a consumer would. `examples:prepare` builds what that
// needs on a fresh clone (the handler bundle, lib/) and links the package name to this checkout; then
// `cd examples/<name> && npx cdk synth` works by hand (examples/README.md).
const prepareExamples = project.addTask('examples:prepare', {
  description: 'Bundle, compile and link the package so that `npx cdk synth` works in any examples/<name>',
  steps: [
    { spawn: 'bundle' },
    { spawn: 'compile' },
    {
      exec: "node -e \"require('fs').symlinkSync('..', 'node_modules/cdk-streaming-bedrock-api', 'dir')\" 2>/dev/null || true",
    },
  ],
});
// The README's main job before deploying: synthesize examples/basic with the pinned CDK CLI, no credentials needed.
const synthExample = project.addTask('synth:example', {
  description: 'Bundle, compile and synthesize examples/basic with the CDK CLI (no AWS account needed)',
  steps: [
    { spawn: prepareExamples.name },
    { exec: 'cdk synth --no-notices --no-version-reporting', cwd: 'examples/basic' },
  ],
});
synthExample.env('AWS_EC2_METADATA_DISABLED', 'true');

// Benchmarks (bench/run.ts): scripts that print figures, never timed assertions. `npm run bench -- --quick` is the
// short version .ci/run uses so that they never rot.
project.addTask('bench', {
  description: 'Run the benchmarks (latency added, handler CPU/memory/bundle/load, synth cost, runner under load)',
  steps: [
    { spawn: 'bundle' },
    { spawn: 'compile' },
    { exec: 'node --expose-gc -r ts-node/register/transpile-only bench/run.ts', receiveArgs: true },
  ],
});

// Machine set-up for the tests, apart from the tests themselves: Debian's Chromium for the browser test (test tooling
// never downloads a browser). `.ci/run` and the README's test command run it before the build.
const setup = project.addTask('setup', {
  description:
    'Install what the end-to-end tests need on this machine: Chromium, the Lambda runtime client (needs apt-get and root)',
});
// A first run installs and compiles for minutes with little output: say so up front.
setup.exec(
  "echo 'setup: Chromium (apt-get) for the browser test, then Node.js 22 and 24 with aws-lambda-ric (a native build) " +
    "for the conformance test; a first run takes several minutes, later runs a few seconds'",
);
setup.exec('bash build-tools/ensure-chromium.sh');
// The real Lambda runtime interface client (aws-lambda-ric) built for Node.js 22 and 24, cached outside the repository.
setup.exec('bash build-tools/setup-conformance.sh');

// One task per test folder, by what each needs (CONTRIBUTING.md, "Tests"); `test` runs them all, then lint. Each run
// writes its own JUnit report for .ci/run's closing line.
const jestRun = (folder: string, description: string, extraArgs = '') => {
  const name = `test:${folder}`;
  const task = project.addTask(name, { description, receiveArgs: true });
  task.env('JEST_JUNIT_OUTPUT_NAME', `test-${folder}.xml`);
  task.exec(`jest --passWithNoTests --ci test/${folder}/ ${extraArgs}`.trim(), { receiveArgs: true });
  return task;
};
const testTasks = [
  jestRun('unit', 'Fast unit tests of pure functions and templates'),
  jestRun('bundle', 'The bundled handler against the fake Bedrock through the real AWS SDK (needs `bundle`)'),
  jestRun('runner', 'The local runner through real HTTP clients, SDKs and CLIs (needs `bundle`)'),
  jestRun('browser', 'The runner driven by headless Chromium (needs `bundle` and `setup`)'),
  jestRun('conformance', 'The bundled handler under the real aws-lambda-ric on Node.js 22 and 24 (needs `setup`)'),
  // The package tests share one consumer app with the packed library installed (test/package/consumer-app.ts).
  jestRun(
    'package',
    'The packed library in a consumer app, the examples, jsii targets and docs snippets (needs `bundle`, `compile`)',
    '--globalSetup ./test/package/consumer-app.ts --globalTeardown ./test/package/consumer-teardown.ts',
  ),
];
project.testTask.reset();
testTasks.forEach((task) => project.testTask.spawn(task));
project.testTask.spawn(project.tasks.tryFind('eslint')!);

// jsii prints a Node 20 end-of-life banner on every call; these machines run Node 20 (FACTS.md).
project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');

// Bundled code may import devDependencies: esbuild puts them into the shipped asset.
project.eslint?.addOverride({
  files: bundledSourceDirs.map((dir) => `${dir}/**`),
  rules: { 'import/no-extraneous-dependencies': ['error', { devDependencies: true }] },
});
// The local runner (bin `cdk-streaming-bedrock-api serve`): the shipped handler behind an API Gateway-like front and
// an embedded fake Bedrock endpoint. Bundled, so that consumers get no runtime dependencies from it; by a script
// rather than projen's bundler, which takes no esbuild plugin: dynalite (the ledger of `--token-budget`) needs one.
const bundleRunner = project.addTask('bundle:local/cli', {
  description: 'Create a JavaScript bundle from src/local/cli.ts (build-tools/bundle-runner.js)',
  exec: 'node build-tools/bundle-runner.js',
});
project.bundler.bundleTask.spawn(bundleRunner);
project.addBins({ 'cdk-streaming-bedrock-api': 'assets/local/cli/index.js' });

// The README's main job: stream from the embedded fake model in one command.
project.addTask('local', {
  description: 'Run the API locally: the bundled handler streaming from the embedded fake Bedrock model',
  steps: [{ spawn: 'bundle' }, { exec: 'node assets/local/cli/index.js serve --demo', receiveArgs: true }],
});

// examples/web-chat, the useChat page: a static site built with Vite (examples/web-chat/dist, git-ignored), and the
// README's screenshot of it mid-answer, taken by its end-to-end test against the runner (Chromium from `setup`).
project.addTask('web-chat:build', {
  description: 'Build the examples/web-chat page into examples/web-chat/dist (VITE_CHAT_API sets its default API URL)',
  exec: 'node examples/web-chat/build.mjs',
  receiveArgs: true,
});
const webChatScreenshot = project.addTask('web-chat:screenshot', {
  description: "Rewrite docs/web-chat.png: the web chat page mid-answer against the runner's fake model",
  steps: [
    { spawn: 'bundle' },
    { exec: 'jest --ci --coverage=false test/browser/web-chat.test.ts -t "streams into the page"' },
  ],
});
webChatScreenshot.env('WEB_CHAT_SCREENSHOT', 'docs/web-chat.png');

// The README's architecture picture: its Mermaid block drawn by mermaid in headless Chromium (from `setup`), no network.
project.addTask('docs:diagram', {
  description: "Rewrite docs/architecture.png from the README's Mermaid block (mermaid in headless Chromium)",
  exec: 'node build-tools/render-diagram.js',
});

project.eslint?.addRules({
  '@typescript-eslint/no-floating-promises': 'error',
});

project.synth();

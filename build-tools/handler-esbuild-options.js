// The esbuild options every Lambda handler bundle shares (build-tools/bundle-handler.js for the Bedrock handler and
// its parts, build-tools/bundle-agent-core-handler.js for the AgentCore handler). Measured (npm run bench), the SDK's
// ES module builds tree-shake better; minified with names kept, so that stack traces in the logs stay readable; the
// SDK's lazy import() of node:http as require(), which runs the same in Lambda and inside jest's vm contexts.
module.exports = {
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

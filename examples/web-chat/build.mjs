// Builds the page with Vite's programmatic build(): `node examples/web-chat/build.mjs [outDir]` (default
// examples/web-chat/dist, git-ignored). The end-to-end test builds into a temporary directory the same way.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(process.argv[2] ?? path.join(root, 'dist'));
process.env.VITE_CONFIG_NATIVE_IGNORE_WARNING = 'true';

await build({
  root,
  configFile: path.join(root, 'vite.config.ts'),
  build: {
    outDir,
    rollupOptions: {
      // swr (inside @ai-sdk/react) marks its modules 'use client': meaningless in a client-only bundle.
      onwarn: (warning, warn) => (warning.code === 'MODULE_LEVEL_DIRECTIVE' ? undefined : warn(warning)),
    },
  },
});
console.log(`web chat built in ${outDir}`);

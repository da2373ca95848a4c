// No React plugin: Vite's own transform (oxc) compiles JSX with React's automatic runtime. build.mjs writes the
// static site to dist/; `?api=` or VITE_CHAT_API points it at an API. A plain object (no `import 'vite'`), so that
// it also type-checks under examples/tsconfig.json's CommonJS settings.
export default {
  base: './',
  oxc: { jsx: { runtime: 'automatic' } },
  build: { outDir: 'dist', emptyOutDir: true },
  logLevel: 'warn',
};

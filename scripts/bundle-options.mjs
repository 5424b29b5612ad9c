// The esbuild options of the shipped CLI bundle, shared by scripts/build-cli.mjs and the
// benchmarks that measure "as the bundled CLI runs" (bench/benchmarks/big-list.ts), so both
// bundle the same way.
export const NODE_BUNDLE = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  jsx: 'automatic',
  // React's production build: 3× faster rendering than the development build.
  define: { 'process.env.NODE_ENV': '"production"' },
  // Loaded by path at run time, or not meant to be bundled (sharp loads its native libvips binary from its own package).
  external: ['playwright-core', 'tsx', 'esbuild', 'sharp'],
  // CommonJS dependencies (nodemailer, handlebars) call require() on Node built-ins.
  banner: { js: "import { createRequire as __newsletterRequire } from 'node:module'; const require = __newsletterRequire(import.meta.url);" },
  logLevel: 'warning',
};

#!/usr/bin/env node
// Entry point for `newsletter` (npm bin) and `npm run newsletter`: runs the TypeScript CLI through tsx.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// Use the project's tsconfig (automatic JSX runtime) whatever the working directory is.
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('../src/cli/main.ts');

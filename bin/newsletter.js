#!/usr/bin/env node
// Entry point for `newsletter` (npm bin) and `npm run newsletter`: runs the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');

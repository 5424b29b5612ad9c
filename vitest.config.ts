import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    // Builds the CLI bundle every CLI child of the tests runs (one code path; see the file).
    globalSetup: ['tests/global-setup.ts'],
    // Real SMTP servers, child processes and a real browser: give them room, never rely on speed.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than there are cores: a single worker on a 2-core CI
    // machine, running the files one after another. Most test time is spent waiting on other
    // processes (CLI children, SMTP servers, SpamAssassin, Chromium, Postfix), so one worker per
    // core, and at least two, keeps both cores busy.
    maxWorkers: Math.max(2, availableParallelism()),
    // `npm run coverage`: lines and branches per src/ folder. Only code run in the test processes
    // counts: CLI children (runCli) run the bundle and are not measured.
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts', 'src/**/*.tsx', 'emails/**/*.tsx'],
      reporter: ['text-summary', 'json-summary', 'html'],
      reportsDirectory: 'coverage',
      // A flaky test under load should not cost the whole report.
      reportOnFailure: true,
    },
  },
});

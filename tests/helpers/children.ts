/**
 * Child processes that must not outlive the test run: redis-servers and CLI workers. Vitest ends
 * its test processes with SIGTERM, which skips `process.on('exit')` handlers, so a test that times
 * out or fails before its teardown would leave them running (a worker retries a gone Redis
 * forever). Each such child is noted as a file in the folder tests/global-setup.ts made
 * (NEWSLETTER_TEST_PIDS), removed when it exits; the global teardown kills what is left.
 */
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';

/** Note `child` until it exits; `marker` is a word of its command line, checked before the teardown kills the pid (never a reused one). */
export function trackChild(child: ChildProcess, marker: string): void {
  const dir = process.env.NEWSLETTER_TEST_PIDS;
  if (!dir || child.pid === undefined) return;
  const file = join(dir, String(child.pid));
  writeFileSync(file, marker);
  child.once('exit', () => rmSync(file, { force: true }));
}

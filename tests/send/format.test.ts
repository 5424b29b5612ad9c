import { describe, expect, it } from 'vitest';
import { progressBar, progressLine, type Progress } from '../../src/send/index.ts';

const at = (total: number | undefined): Progress => ({ done: 40, total, sent: 40, failed: 0, skipped: 0, inFlight: 0, retrying: 0, startedAt: 0 });

// Issue 9 §7: a list read from a pipe has no row estimate; the progress shows a count, not an empty bar.
describe('progress without a total (a list from a pipe)', () => {
  it('the terminal line shows the count and rate, no bar and no ETA', () => {
    const line = progressBar(at(undefined), 10_000);
    expect(line).toBe('40 done · 4.0/s');
  });

  it('the log line shows the count and rate, no percentage and no ETA', () => {
    expect(progressLine(at(undefined), 10_000)).toBe('progress: 40 done, 40 sent, 0 failed, 0 skipped, 4.0/s');
  });

  it('with a total both keep the bar or percentage and the ETA', () => {
    expect(progressBar(at(100), 10_000)).toMatch(/^█+░+ 40\/100 · 4\.0\/s · ETA 0m15s$/);
    expect(progressLine(at(100), 10_000)).toBe('progress: 40/100 (40%) done, 40 sent, 0 failed, 0 skipped, 4.0/s, ETA 0m15s');
  });
});

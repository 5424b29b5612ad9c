/** Order statistics over one sample, and the record every figure in the table is made of. */

/** Nearest-rank percentile (p in 0..100) of an unsorted sample. */
export function percentile(sample: readonly number[], p: number): number {
  if (sample.length === 0) return Number.NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export const median = (sample: readonly number[]): number => percentile(sample, 50);

/**
 * One measured quantity. `p95` is always the slow tail: the 95th percentile of
 * a time, or for a rate the 5th percentile (the rate of the slowest 5 % of runs).
 */
export interface Figure {
  name: string;
  unit: string;
  median: number;
  p95: number;
  runs: number;
  note?: string;
}

/** A time sample (one value per run, in `unit`). */
export function timeFigure(name: string, unit: string, sample: readonly number[], note?: string): Figure {
  return { name, unit, median: median(sample), p95: percentile(sample, 95), runs: sample.length, ...(note ? { note } : {}) };
}

/** A rate sample (one value per run, higher is better); p95 is the slow tail. */
export function rateFigure(name: string, unit: string, sample: readonly number[], note?: string): Figure {
  return { name, unit, median: median(sample), p95: percentile(sample, 5), runs: sample.length, ...(note ? { note } : {}) };
}

/** A target checked against a measured value: a ratio between two figures or an absolute bound. */
export interface Check {
  name: string;
  value: number;
  unit: string;
  /** e.g. "≤ 0.5", "≥ 100000". */
  target: string;
  meets: boolean;
  /** How the value was derived, e.g. "median(ours) / median(MJML)". */
  how: string;
}

export function atMost(name: string, value: number, limit: number, unit: string, how: string): Check {
  return { name, value, unit, target: `≤ ${limit}`, meets: value <= limit, how };
}

export function atLeast(name: string, value: number, limit: number, unit: string, how: string): Check {
  return { name, value, unit, target: `≥ ${limit}`, meets: value >= limit, how };
}

/** What one benchmark reports. */
export interface BenchResult {
  name: string;
  figures: Figure[];
  checks: Check[];
  notes: string[];
  seconds: number;
}

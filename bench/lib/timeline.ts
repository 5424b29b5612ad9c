/**
 * Figures from the sink's side of a send: `accepted` holds when each distinct
 * recipient was accepted (epoch ms, ascending), as bench/lib/sink.ts reports
 * in fault mode. Times are what a subscriber sees, not what the sender logs.
 */

/** Milliseconds from `t0` until `fraction` of `total` recipients were accepted; undefined if that many never were. */
export function timeTo(accepted: readonly number[], t0: number, total: number, fraction: number): number | undefined {
  const at = accepted[Math.ceil(fraction * total) - 1];
  return at === undefined ? undefined : at - t0;
}

/** The steady rate (recipients/s): those accepted between the 10 % and 90 % marks over the time between them, so start-up and the tail don't count. */
export function steadyRate(accepted: readonly number[], total: number): number {
  const from = Math.ceil(0.1 * total) - 1;
  const to = Math.ceil(0.9 * total) - 1;
  const a = accepted[from];
  const b = accepted[to];
  if (a === undefined || b === undefined || b <= a) return Number.NaN;
  return (to - from) / ((b - a) / 1000);
}

/**
 * Seconds from `from` (epoch ms) to the start of the first `windowS`-second
 * window, stepped in 1-s buckets, whose rate is at least `threshold`
 * recipients/s: "from then on the rate was back". Undefined if no window
 * before the last acceptance gets there.
 */
export function recoverySeconds(accepted: readonly number[], from: number, threshold: number, windowS = 3): number | undefined {
  const last = accepted[accepted.length - 1];
  if (last === undefined || last < from) return undefined;
  const buckets = new Array<number>(Math.floor((last - from) / 1000) + 1).fill(0);
  for (const t of accepted) if (t >= from) buckets[Math.floor((t - from) / 1000)]!++;
  for (let s = 0; s + windowS <= buckets.length; s++) {
    let sum = 0;
    for (let i = s; i < s + windowS; i++) sum += buckets[i]!;
    if (sum / windowS >= threshold) return s;
  }
  return undefined;
}

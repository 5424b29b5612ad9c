/**
 * Run competing variants in alternating rounds, so a burst of load from
 * other processes on this shared machine hits every variant alike. Each round
 * runs every variant once, in an order that rotates from round to round.
 * Warm-up rounds run the same way and are discarded.
 */
export interface Variant<T = number> {
  name: string;
  /** One run; returns the measured value (usually milliseconds). */
  run: () => Promise<T> | T;
}

export interface AlternateOptions {
  warmup: number;
  rounds: number;
  /** Called after each measured round (for progress output). */
  onRound?: (round: number) => void;
}

export async function alternate<T>(variants: readonly Variant<T>[], options: AlternateOptions): Promise<Map<string, T[]>> {
  const samples = new Map<string, T[]>(variants.map((v) => [v.name, []]));
  const total = options.warmup + options.rounds;
  for (let round = 0; round < total; round++) {
    const measured = round >= options.warmup;
    for (let k = 0; k < variants.length; k++) {
      const variant = variants[(round + k) % variants.length]!;
      const value = await variant.run();
      if (measured) samples.get(variant.name)!.push(value);
    }
    if (measured) options.onRound?.(round - options.warmup + 1);
  }
  return samples;
}

/** Milliseconds taken by `fn`. */
export async function timed(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

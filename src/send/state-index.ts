import { HashIndex } from '../audience/index.ts';

/** A recipient's last recorded state, as one byte. 0 = nothing recorded (pending, never tried). */
export const STATE = {
  none: 0,
  sending: 1,
  sent: 2,
  failedPermanent: 3,
  failedTransient: 4,
  skipped: 5,
  pending: 6,
} as const;
export type StateCode = (typeof STATE)[keyof typeof STATE];

/**
 * The journal's in-memory index: lowercased address -> last state, one byte a
 * slot in the compact HashIndex (see there for the memory and collision
 * reasoning): 9 bytes a slot, 12–18 bytes a recipient, ~12 MB for 1M.
 */
export class StateIndex extends HashIndex<Uint8Array> {
  constructor(initialCapacity = 1024) {
    super((capacity) => new Uint8Array(capacity), initialCapacity);
  }

  get(key: string): StateCode {
    return this.value(key) as StateCode;
  }

  override set(key: string, state: Exclude<StateCode, 0>): void {
    super.set(key, state);
  }

  /** How many recipients are in each state. */
  counts(): Record<StateCode, number> {
    const out: Record<number, number> = { 0: 0, 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0 };
    for (const s of this.storedValues()) out[s]!++;
    return out;
  }
}

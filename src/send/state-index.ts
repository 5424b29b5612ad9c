import { randomBytes } from 'node:crypto';

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
 * The journal's in-memory index: lowercased address -> last state, for lists
 * of millions. A Map<string, …> of 1M addresses costs well over 100 MB; here
 * each address is a 64-bit hash in two Uint32Arrays plus one state byte, with
 * open addressing at most half full: ~18 MB for 1M recipients.
 *
 * Two addresses sharing a 64-bit hash would share a state (the second could
 * be taken as already sent). For n = 1,000,000 the chance any pair collides is
 * about n²/2⁶⁵ ≈ 3·10⁻⁸; the seed is random per process, so nobody can craft
 * an address that collides with another one on purpose.
 */
export class StateIndex {
  #hi: Uint32Array;
  #lo: Uint32Array;
  #state: Uint8Array;
  #mask: number;
  #size = 0;
  readonly #seed1: number;
  readonly #seed2: number;
  #h1 = 0;
  #h2 = 0;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    while (capacity < initialCapacity * 2) capacity *= 2;
    this.#hi = new Uint32Array(capacity);
    this.#lo = new Uint32Array(capacity);
    this.#state = new Uint8Array(capacity);
    this.#mask = capacity - 1;
    const seed = randomBytes(8);
    this.#seed1 = seed.readUInt32LE(0);
    this.#seed2 = seed.readUInt32LE(4);
  }

  get size(): number {
    return this.#size;
  }

  get(key: string): StateCode {
    this.#hash(key);
    return this.#state[this.#find(this.#h1, this.#h2)]! as StateCode;
  }

  set(key: string, state: Exclude<StateCode, 0>): void {
    this.#hash(key);
    const hi = this.#h1;
    const lo = this.#h2;
    let slot = this.#find(hi, lo);
    if (this.#state[slot] === STATE.none) {
      if ((this.#size + 1) * 2 > this.#mask + 1) {
        this.#grow();
        slot = this.#find(hi, lo);
      }
      this.#hi[slot] = hi;
      this.#lo[slot] = lo;
      this.#size++;
    }
    this.#state[slot] = state;
  }

  /** How many recipients are in each state. */
  counts(): Record<StateCode, number> {
    const out: Record<number, number> = { 0: 0, 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0 };
    for (const s of this.#state) if (s) out[s]!++;
    return out as Record<StateCode, number>;
  }

  #find(hi: number, lo: number): number {
    const mask = this.#mask;
    let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    while (this.#state[slot] !== STATE.none && (this.#hi[slot] !== hi || this.#lo[slot] !== lo)) slot = (slot + 1) & mask;
    return slot;
  }

  #grow(): void {
    const [hiOld, loOld, stateOld] = [this.#hi, this.#lo, this.#state];
    const capacity = (this.#mask + 1) * 2;
    this.#hi = new Uint32Array(capacity);
    this.#lo = new Uint32Array(capacity);
    this.#state = new Uint8Array(capacity);
    this.#mask = capacity - 1;
    for (let i = 0; i < stateOld.length; i++) {
      if (stateOld[i] === STATE.none) continue;
      const slot = this.#find(hiOld[i]!, loOld[i]!);
      this.#hi[slot] = hiOld[i]!;
      this.#lo[slot] = loOld[i]!;
      this.#state[slot] = stateOld[i]!;
    }
  }

  /** cyrb53's two 32-bit lanes, kept at 64 bits; no allocation per key. */
  #hash(key: string): void {
    let h1 = 0xdeadbeef ^ this.#seed1;
    let h2 = 0x41c6ce57 ^ this.#seed2;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
    h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
    h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    this.#h1 = h2 >>> 0;
    this.#h2 = h1 >>> 0;
  }
}

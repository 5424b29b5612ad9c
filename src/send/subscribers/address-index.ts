import { randomBytes } from 'node:crypto';

/**
 * A compact map from an email key (already lowercased) to a small positive
 * integer (a row number, or 1 for "present"), for lists of millions.
 *
 * Why not `Map<string, number>`? At 1,000,000 addresses a Map of strings
 * costs well over 100 MB (the strings themselves plus ~40 bytes of entry and
 * boxing each), which alone would break the 200 MB peak-RSS budget of a full
 * dry run. Here each address is reduced to a 64-bit hash stored in two
 * Uint32Arrays with open addressing, plus a Uint32Array of values:
 * 12 bytes a slot, at most 2 slots an address, so 1M addresses take 24 MB
 * (36 MB for a moment while the table doubles).
 *
 * The price is that two different addresses could share a hash and the second
 * would be taken for the first. With 64 bits and n = 1,000,000 the chance that
 * any pair collides is about n²/2⁶⁵ ≈ 3·10⁻⁸. The hash is seeded with random
 * bytes per process, so nobody can craft a signup address that collides with
 * someone else's to get them skipped.
 *
 * The hash is cyrb53's core (two 32-bit multiply-xorshift lanes over UTF-16
 * code units), kept at its full 64 bits: ~30× faster than crypto.hash() per
 * short string here, which matters at 100k+ rows per second.
 */
export class AddressIndex {
  #hi: Uint32Array;
  #lo: Uint32Array;
  #values: Uint32Array;
  #mask: number;
  #size = 0;
  readonly #seed1: number;
  readonly #seed2: number;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    while (capacity < initialCapacity * 2) capacity *= 2;
    this.#hi = new Uint32Array(capacity);
    this.#lo = new Uint32Array(capacity);
    this.#values = new Uint32Array(capacity);
    this.#mask = capacity - 1;
    const seed = randomBytes(8);
    this.#seed1 = seed.readUInt32LE(0);
    this.#seed2 = seed.readUInt32LE(4);
  }

  get size(): number {
    return this.#size;
  }

  /** The value stored for this key, or undefined. */
  get(key: string): number | undefined {
    this.#hash(key);
    const slot = this.#find(hashHi, hashLo);
    const value = this.#values[slot]!;
    return value === 0 ? undefined : value;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /**
   * Store `value` (a positive integer below 2³²) for `key` unless the key is
   * already there. Returns the value already stored, or undefined if it was added.
   */
  add(key: string, value: number): number | undefined {
    if (!Number.isInteger(value) || value <= 0 || value > 0xffffffff) throw new RangeError(`AddressIndex value must be a positive 32-bit integer; got ${value}`);
    this.#hash(key);
    const hi = hashHi;
    const lo = hashLo;
    let slot = this.#find(hi, lo);
    const existing = this.#values[slot]!;
    if (existing !== 0) return existing;
    if ((this.#size + 1) * 2 > this.#mask + 1) {
      this.#grow();
      slot = this.#find(hi, lo);
    }
    this.#hi[slot] = hi;
    this.#lo[slot] = lo;
    this.#values[slot] = value;
    this.#size++;
    return undefined;
  }

  /** Linear probing: the slot holding (hi, lo), or the empty slot where it would go. */
  #find(hi: number, lo: number): number {
    const mask = this.#mask;
    let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    while (this.#values[slot] !== 0 && (this.#hi[slot] !== hi || this.#lo[slot] !== lo)) slot = (slot + 1) & mask;
    return slot;
  }

  #grow(): void {
    const [hiOld, loOld, valuesOld] = [this.#hi, this.#lo, this.#values];
    const capacity = (this.#mask + 1) * 2;
    this.#hi = new Uint32Array(capacity);
    this.#lo = new Uint32Array(capacity);
    this.#values = new Uint32Array(capacity);
    this.#mask = capacity - 1;
    for (let i = 0; i < valuesOld.length; i++) {
      if (valuesOld[i] === 0) continue;
      const slot = this.#find(hiOld[i]!, loOld[i]!);
      this.#hi[slot] = hiOld[i]!;
      this.#lo[slot] = loOld[i]!;
      this.#values[slot] = valuesOld[i]!;
    }
  }

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
    // Two module-level slots instead of a returned tuple: no allocation per row.
    hashHi = h2 >>> 0;
    hashLo = h1 >>> 0;
  }
}

let hashHi = 0;
let hashLo = 0;

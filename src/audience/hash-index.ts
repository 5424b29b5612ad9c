import { randomBytes } from 'node:crypto';

type ValueArray = Uint8Array | Uint32Array;

/**
 * A compact map from a string key (an already lowercased address) to a small
 * positive integer, for lists of millions; 0 means "absent". Shared by the
 * subscriber dedupe (row numbers), the suppression list and the journal's
 * state index.
 *
 * Why not `Map<string, number>`? At 1,000,000 addresses a Map of strings costs
 * well over 100 MB, which alone would break the 200 MB peak-RSS budget of a
 * full dry run. Here each key is reduced to a 64-bit hash in two Uint32Arrays
 * with open addressing (at most half full) plus a value array: 9–12 bytes a
 * slot, so 1M keys take 18–24 MB.
 *
 * The price: two keys sharing a hash would share a value. With 64 bits and
 * n = 1,000,000 the chance any pair collides is about n²/2⁶⁵ ≈ 3·10⁻⁸. The hash
 * is seeded with random bytes per process, so nobody can craft a signup
 * address that collides with someone else's on purpose.
 *
 * The hash is cyrb53's core (two 32-bit multiply-xorshift lanes over UTF-16
 * code units), kept at its full 64 bits: ~30× faster than crypto.hash() per
 * short string, which matters at 100k+ rows per second.
 */
export class HashIndex<V extends ValueArray = Uint32Array> {
  #hi: Uint32Array;
  #lo: Uint32Array;
  #values: V;
  #mask: number;
  #size = 0;
  readonly #seed1: number;
  readonly #seed2: number;
  readonly #max: number;
  readonly #makeValues: (capacity: number) => V;
  // The last hash, in fields rather than a returned tuple: no allocation per key.
  #h1 = 0;
  #h2 = 0;

  constructor(makeValues: (capacity: number) => V, initialCapacity = 1024) {
    let capacity = 16;
    while (capacity < initialCapacity * 2) capacity *= 2;
    this.#makeValues = makeValues;
    this.#hi = new Uint32Array(capacity);
    this.#lo = new Uint32Array(capacity);
    this.#values = makeValues(capacity);
    this.#max = this.#values instanceof Uint8Array ? 0xff : 0xffffffff;
    this.#mask = capacity - 1;
    const seed = randomBytes(8);
    this.#seed1 = seed.readUInt32LE(0);
    this.#seed2 = seed.readUInt32LE(4);
  }

  get size(): number {
    return this.#size;
  }

  /** The value stored for `key`, or 0 when there is none. */
  value(key: string): number {
    this.#hash(key);
    return this.#values[this.#find(this.#h1, this.#h2)]!;
  }

  /** Store `value` for `key` unless one is stored; returns the stored value, or undefined if it was added. */
  add(key: string, value: number): number | undefined {
    const slot = this.#slotFor(key, value);
    const existing = this.#values[slot]!;
    if (existing !== 0) return existing;
    this.#values[slot] = value;
    return undefined;
  }

  /** Store `value` for `key`, replacing any stored value. */
  set(key: string, value: number): void {
    this.#values[this.#slotFor(key, value)] = value;
  }

  /** Every stored value (one per key), for counting. */
  *storedValues(): IterableIterator<number> {
    for (const v of this.#values) if (v !== 0) yield v;
  }

  /** The slot for `key`, claimed (hash written, size counted) if it was empty. */
  #slotFor(key: string, value: number): number {
    if (!Number.isInteger(value) || value <= 0 || value > this.#max) throw new RangeError(`HashIndex value must be an integer in 1..${this.#max}; got ${value}`);
    this.#hash(key);
    const hi = this.#h1;
    const lo = this.#h2;
    let slot = this.#find(hi, lo);
    if (this.#values[slot] === 0) {
      if ((this.#size + 1) * 2 > this.#mask + 1) {
        this.#grow();
        slot = this.#find(hi, lo);
      }
      this.#hi[slot] = hi;
      this.#lo[slot] = lo;
      this.#size++;
    }
    return slot;
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
    this.#values = this.#makeValues(capacity);
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
    this.#h1 = h2 >>> 0;
    this.#h2 = h1 >>> 0;
  }
}

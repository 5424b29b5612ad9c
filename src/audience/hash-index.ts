import { randomBytes } from 'node:crypto';

type ValueArray = Uint8Array | Uint32Array;

/** The most a table is filled before it grows, and by how much it grows (see the class comment). */
const MAX_LOAD = 0.75;
const GROWTH = 1.5;
/** The most keys reserve() makes room for in advance: 4M keys are 48–64 MB. */
const MAX_RESERVED = 4_000_000;

/**
 * A compact map from a string key (an already lowercased address) to a small
 * positive integer, for lists of millions; 0 means "absent". Shared by the
 * subscriber dedupe (row numbers), the suppression list and the journal's
 * state index.
 *
 * Why not `Map<string, number>`? At 1,000,000 addresses a Map of strings costs
 * well over 100 MB, which alone would break the 200 MB peak-RSS budget of a
 * full send. Here each key is reduced to a 64-bit hash, stored as two adjacent
 * 32-bit words (one cache line holds both), with open addressing and linear
 * probing, plus a value array: 9 (Uint8 values) or 12 (Uint32) bytes a slot.
 * The table is kept between half and three quarters full (it grows by half
 * when it passes 3/4; capacities are not powers of two, so the slot is the
 * hash modulo the capacity): 12–18 or 16–24 bytes a key. Measured at 1M keys
 * reserved ahead (reserve(), as send does from the line count): the journal's
 * state index 11.4 MiB and the dedupe index 15.3 MiB (grown as keys come: 11.6
 * and 18.2 MiB; at most half full and doubling, as before: 19 and 25 MB). Linear probing
 * at 3/4 full costs ~8 probes for a key that is absent (Knuth), all in a few
 * adjacent cache lines: nothing next to parsing the row.
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
  /** The 64-bit hash of the key in each slot: words 2i (high) and 2i + 1 (low). */
  #keys: Uint32Array;
  #values: V;
  #capacity: number;
  /** Grow when size would pass this (3/4 of the capacity). */
  #limit: number;
  #size = 0;
  readonly #seed1: number;
  readonly #seed2: number;
  readonly #max: number;
  readonly #makeValues: (capacity: number) => V;
  // The last hash, in fields rather than a returned tuple: no allocation per key.
  #h1 = 0;
  #h2 = 0;

  constructor(makeValues: (capacity: number) => V, initialCapacity = 1024) {
    const capacity = Math.max(16, Math.ceil(initialCapacity / MAX_LOAD));
    this.#makeValues = makeValues;
    this.#keys = new Uint32Array(capacity * 2);
    this.#values = makeValues(capacity);
    this.#max = this.#values instanceof Uint8Array ? 0xff : 0xffffffff;
    this.#capacity = capacity;
    this.#limit = Math.floor(capacity * MAX_LOAD);
    const seed = randomBytes(8);
    this.#seed1 = seed.readUInt32LE(0);
    this.#seed2 = seed.readUInt32LE(4);
  }

  get size(): number {
    return this.#size;
  }

  /** Bytes held by the table's arrays (for memory reports): slots × (8 + the value's size). */
  get bytes(): number {
    return this.#keys.byteLength + this.#values.byteLength;
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
    // The slot first: claiming it may grow the table, which replaces #values (written as
    // `this.#values[this.#slotFor(…)] = value`, the old array would be read first and the value lost).
    const slot = this.#slotFor(key, value);
    this.#values[slot] = value;
  }

  /**
   * Make room for `keys` keys in all (those stored included) at once, when the caller knows
   * about how many will come (a list's line count): one allocation instead of a growth every
   * half again, each leaving its old arrays for the garbage collector (freed only at a full
   * collection, which a streaming send rarely needs), so RSS is flat from the first rows.
   * Capped at MAX_RESERVED keys, so that a huge file passed by mistake (a log, a dump) costs no
   * more than a few tens of MB before its first row is checked; past that the table grows as keys come.
   */
  reserve(keys: number): void {
    const capacity = Math.ceil(Math.min(keys, MAX_RESERVED) / MAX_LOAD);
    if (capacity > this.#capacity) this.#grow(capacity);
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
      if (this.#size + 1 > this.#limit) {
        this.#grow();
        slot = this.#find(hi, lo);
      }
      this.#keys[2 * slot] = hi;
      this.#keys[2 * slot + 1] = lo;
      this.#size++;
    }
    return slot;
  }

  /** Linear probing: the slot holding (hi, lo), or the empty slot where it would go. */
  #find(hi: number, lo: number): number {
    const capacity = this.#capacity;
    const keys = this.#keys;
    const values = this.#values;
    let slot = ((lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0) % capacity;
    while (values[slot] !== 0 && (keys[2 * slot] !== hi || keys[2 * slot + 1] !== lo)) if (++slot === capacity) slot = 0;
    return slot;
  }

  #grow(capacity = Math.ceil(this.#capacity * GROWTH)): void {
    const keysOld = this.#keys;
    const valuesOld = this.#values;
    this.#keys = new Uint32Array(capacity * 2);
    this.#values = this.#makeValues(capacity);
    this.#capacity = capacity;
    this.#limit = Math.floor(capacity * MAX_LOAD);
    for (let i = 0; i < valuesOld.length; i++) {
      if (valuesOld[i] === 0) continue;
      const hi = keysOld[2 * i]!;
      const lo = keysOld[2 * i + 1]!;
      const slot = this.#find(hi, lo);
      this.#keys[2 * slot] = hi;
      this.#keys[2 * slot + 1] = lo;
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

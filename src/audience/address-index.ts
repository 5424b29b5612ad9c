import { HashIndex } from './hash-index.ts';

/**
 * Lowercased address -> a positive 32-bit integer (a row number, or 1 for
 * "present"), in the compact HashIndex (see there for the memory and
 * collision reasoning).
 */
export class AddressIndex extends HashIndex<Uint32Array> {
  constructor(initialCapacity = 1024) {
    super((capacity) => new Uint32Array(capacity), initialCapacity);
  }

  /** The value stored for this key, or undefined. */
  get(key: string): number | undefined {
    return this.value(key) || undefined;
  }

  has(key: string): boolean {
    return this.value(key) !== 0;
  }
}

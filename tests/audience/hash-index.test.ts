import { describe, expect, it } from 'vitest';
import { AddressIndex } from '../../src/audience/address-index.ts';
import { StateIndex, type StateCode } from '../../src/send/state-index.ts';

const address = (i: number) => `reader.${i}@list${i % 97}.example.com`;

describe('HashIndex (dedupe, suppression and journal state indexes)', () => {
  it('keeps every key and its value through many growths, and knows no key it was not given', () => {
    const index = new AddressIndex(16);
    const n = 200_000;
    for (let i = 1; i <= n; i++) expect(index.add(address(i), i)).toBeUndefined();
    expect(index.size).toBe(n);
    for (let i = 1; i <= n; i++) expect(index.get(address(i))).toBe(i);
    for (let i = n + 1; i <= n + 20_000; i++) expect(index.has(address(i))).toBe(false);
    // A second add of the same key reports the first value and keeps it.
    expect(index.add(address(123), 999)).toBe(123);
    expect(index.get(address(123))).toBe(123);
    expect(index.size).toBe(n);
  });

  it('keeps the value of a set that makes the table grow (the journal records every state with set)', () => {
    const index = new StateIndex(4);
    for (let i = 0; i < 5000; i++) index.set(address(i), (1 + (i % 6)) as Exclude<StateCode, 0>);
    for (let i = 0; i < 5000; i++) expect(index.get(address(i))).toBe(1 + (i % 6));
    expect(index.size).toBe(5000);
  });

  it('set replaces a value without adding a key; storedValues gives one value per key', () => {
    const index = new StateIndex(4);
    for (let i = 0; i < 1000; i++) index.set(address(i), 1);
    for (let i = 0; i < 1000; i += 2) index.set(address(i), 2);
    expect(index.size).toBe(1000);
    expect(index.get(address(0))).toBe(2);
    expect(index.get(address(1))).toBe(1);
    expect(index.get('nobody@example.com')).toBe(0);
    expect(index.counts()).toMatchObject({ 1: 500, 2: 500 });
  });

  it.each([0, -1, 1.5, 256])('refuses the value %s in a one-byte index (0 means absent)', (value) => {
    expect(() => new StateIndex().set('a@example.com', value as 1)).toThrow(RangeError);
  });

  // The memory bound the big-list benchmark relies on: between half and three quarters full.
  it.each([
    [10_000, 16, 24],
    [100_000, 16, 24],
    [700_000, 16, 24],
  ])('holds %i addresses in %i–%i bytes each (12-byte slots, 1/2 to 3/4 full)', (n, low, high) => {
    const index = new AddressIndex(4096);
    for (let i = 1; i <= n; i++) index.add(address(i), i);
    const perKey = index.bytes / n;
    expect(perKey).toBeGreaterThanOrEqual(low);
    expect(perKey).toBeLessThanOrEqual(high);
  });

  it('reserve makes room once: as many keys as reserved cause no growth, and keys already stored stay', () => {
    const index = new AddressIndex(16);
    for (let i = 1; i <= 100; i++) index.add(address(i), i);
    index.reserve(50_000);
    const bytes = index.bytes;
    expect(bytes / 50_000).toBeLessThanOrEqual(16.01); // 12-byte slots, 3/4 full
    for (let i = 1; i <= 100; i++) expect(index.get(address(i))).toBe(i);
    for (let i = 101; i <= 50_000; i++) index.add(address(i), i);
    expect(index.bytes).toBe(bytes);
    for (let i = 1; i <= 50_000; i++) expect(index.get(address(i))).toBe(i);
    index.reserve(10); // never shrinks
    expect(index.bytes).toBe(bytes);
  });

  it('reserve is capped, so a huge line count (a log passed by mistake) allocates tens of MB, not GBs', () => {
    const index = new StateIndex();
    index.reserve(1e9);
    expect(index.bytes).toBeLessThanOrEqual(Math.ceil(4_000_000 / 0.75) * 9);
  });

  it('two indexes hash the same key differently (a per-process random seed), yet each finds its own keys', () => {
    const a = new AddressIndex();
    const b = new AddressIndex();
    for (let i = 1; i <= 5000; i++) {
      a.add(address(i), i);
      b.add(address(i), 5001 - i);
    }
    for (let i = 1; i <= 5000; i++) {
      expect(a.get(address(i))).toBe(i);
      expect(b.get(address(i))).toBe(5001 - i);
    }
  });
});

import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { OffsetMap, BYTES_PER_ENTRY } from '../../src/storage/offset-map.js';

const key = (i: number): Buffer => Buffer.from(`key-${i}`);

describe('offset map', () => {
  it('keeps the latest offset per key, by digest, and grows up to its bound', () => {
    const m = new OffsetMap(1024 * 1024);
    for (let round = 0; round < 3; round++) for (let i = 0; i < 20_000; i++) expect(m.put(key(i), round * 20_000 + i)).toBe(true);
    expect(m.size).toBe(20_000);
    for (let i = 0; i < 20_000; i++) expect(m.get(key(i))).toBe(40_000 + i);
    expect(m.get(key(20_001))).toBe(-1);
    expect(m.latestOffset).toBe(59_999);
    expect(m.allocatedBytes).toBeLessThanOrEqual(1024 * 1024);
    m.clear();
    expect(m.size).toBe(0);
    expect(m.get(key(5))).toBe(-1);
  });

  it('resolves slot collisions by probing: digests that share their slot word stay apart', () => {
    // Every digest starts with the same 4 bytes, so every key hashes to the same slot.
    const digest = (k: Buffer): Buffer => {
      const d = createHash('md5').update(k).digest();
      d.writeInt32LE(7, 0);
      return d;
    };
    const m = new OffsetMap(100 * BYTES_PER_ENTRY, 0.9, digest);
    for (let i = 0; i < 60; i++) m.put(key(i), i);
    for (let i = 0; i < 60; i++) m.put(key(i), 1000 + i);
    for (let i = 0; i < 60; i++) expect(m.get(key(i))).toBe(1000 + i);
    expect(m.get(key(999))).toBe(-1);
  });

  it('refuses a new key when full (load factor of the bounded slots) but still updates known ones', () => {
    const m = new OffsetMap(1000 * BYTES_PER_ENTRY, 0.5);
    expect(m.capacity).toBe(500);
    for (let i = 0; i < 500; i++) expect(m.put(key(i), i)).toBe(true);
    expect(m.full).toBe(true);
    expect(m.put(key(500), 500)).toBe(false);
    expect(m.get(key(500))).toBe(-1);
    expect(m.put(key(3), 9999)).toBe(true);
    expect(m.get(key(3))).toBe(9999);
    expect(m.size).toBe(500);
    // A map smaller than one entry still takes one key.
    const tiny = new OffsetMap(1);
    expect(tiny.put(key(1), 1)).toBe(true);
    expect(tiny.put(key(2), 2)).toBe(false);
  });
});

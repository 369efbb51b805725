import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey, toPositive } from '../../src/client/murmur2.js';

// Kafka's own vectors: UtilsTest.testMurmur2 in the Java client.
const JAVA_VECTORS: Array<[string | number[], number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  [[0x61, 0x62, 0x63], 479470107],
];

describe('murmur2', () => {
  it.each(JAVA_VECTORS)('murmur2(%j) is what Kafka Utils.murmur2 returns', (input, want) => {
    const bytes = typeof input === 'string' ? Buffer.from(input) : Uint8Array.from(input);
    expect(murmur2(bytes)).toBe(want);
  });

  it('partitions a key as the Java client does: toPositive(murmur2(key)) % n', () => {
    expect(toPositive(-973932308)).toBe(1173551340);
    expect(partitionForKey(Buffer.from('21'), 3)).toBe(1173551340 % 3);
    expect(partitionForKey(Buffer.from('21'), 3)).toBe(0);
    expect(partitionForKey(Buffer.from('foobar'), 7)).toBe((-790332482 & 0x7fffffff) % 7);
    expect(partitionForKey(Buffer.from('abc'), 10)).toBe(479470107 % 10);
    // every tail length (0..3 bytes past a multiple of 4) stays a signed 32-bit value
    for (let len = 0; len < 9; len++) {
      const h = murmur2(Buffer.alloc(len, 0xff));
      expect(Number.isInteger(h) && h >= -(2 ** 31) && h < 2 ** 31).toBe(true);
    }
  });
});

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc32c, crc32cImplementation, crc32cTable } from '../../src/protocol/crc32c.js';

describe('crc32c', () => {
  it('gives the check value of CRC-32C and agrees with the table implementation on slices', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32cTable(Buffer.from('123456789'))).toBe(0xe3069283);
    const buf = randomBytes(4099);
    for (const [s, e] of [[0, buf.length], [1, 4000], [61, 62], [7, 7]]) expect(crc32c(buf, s, e)).toBe(crc32cTable(buf, s, e));
  });

  it('uses the native implementation where its prebuilt binary exists (every CI machine)', () => {
    // The table stands in silently when the binary does not load; it is ~6x slower on the hot path.
    if (process.env.RUNNEL_CRC32C !== 'js') expect(crc32cImplementation()).toBe('native');
  });
});

/**
 * CRC-32C (Castagnoli), the checksum of Kafka record batches. The native @node-rs/crc32 (SSE4.2 /
 * ARMv8 CRC instructions, ~3 GB/s here) is used when its prebuilt binary loads; a slicing-by-8 table
 * implementation (~0.5 GB/s) stands in otherwise. bench/crc32c.ts measures both.
 */
import { createRequire } from 'node:module';

const TABLES: Uint32Array[] = (() => {
  const t0 = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t0[i] = c >>> 0;
  }
  const tables = [t0];
  for (let t = 1; t < 8; t++) {
    const prev = tables[t - 1];
    const cur = new Uint32Array(256);
    for (let i = 0; i < 256; i++) cur[i] = (prev[i] >>> 8) ^ t0[prev[i] & 0xff];
    tables.push(cur);
  }
  return tables;
})();

/** Table-driven CRC-32C over buf[start, end). */
export function crc32cTable(buf: Uint8Array, start = 0, end = buf.length): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES;
  let crc = 0xffffffff;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a = crc ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
    crc =
      t7[a & 0xff] ^
      t6[(a >>> 8) & 0xff] ^
      t5[(a >>> 16) & 0xff] ^
      t4[a >>> 24] ^
      t3[buf[i + 4]] ^
      t2[buf[i + 5]] ^
      t1[buf[i + 6]] ^
      t0[buf[i + 7]];
  }
  for (; i < end; i++) crc = t0[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

type Native = (input: Buffer | string, initial?: number | null) => number;

/**
 * The native implementation, looked up at the first checksum rather than at start-up: its loader
 * probes the C library and several package names (~10 ms), and a broker listens before it has
 * checked any batch.
 */
let native: Native | null | undefined;

function loadNative(): Native | null {
  if (process.env.RUNNEL_CRC32C === 'js') return null;
  try {
    const mod = createRequire(import.meta.url)('@node-rs/crc32') as { crc32c: Native };
    return mod.crc32c(Buffer.from('123456789')) === 0xe3069283 ? mod.crc32c : null;
  } catch {
    return null;
  }
}

/** Which implementation checksums are computed with (loads it if no checksum was computed yet). */
export function crc32cImplementation(): 'native' | 'table' {
  return (native ??= loadNative()) ? 'native' : 'table';
}

/** CRC-32C over buf[start, end). */
export function crc32c(buf: Buffer, start = 0, end = buf.length): number {
  const n = (native ??= loadNative());
  if (n) return n(start === 0 && end === buf.length ? buf : buf.subarray(start, end)) >>> 0;
  return crc32cTable(buf, start, end);
}

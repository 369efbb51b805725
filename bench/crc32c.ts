/** CRC-32C: the native implementation Runnel uses against the table-driven fallback. */
import { crc32c, crc32cTable, crc32cImplementation } from '../src/protocol/crc32c.js';

const sizes = [100, 1024, 16 * 1024, 1024 * 1024];
console.log(`crc32c in use: ${crc32cImplementation()}`);
for (const size of sizes) {
  const buf = Buffer.alloc(size, 0x5a);
  const iterations = Math.max(10, Math.floor((256 * 1024 * 1024) / size));
  const measure = (fn: () => void): number => {
    const t = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    return (size * iterations) / ((performance.now() - t) / 1000) / 1e6;
  };
  const native = measure(() => crc32c(buf));
  const table = measure(() => crc32cTable(buf));
  console.log(`${String(size).padStart(8)} B  in-use ${native.toFixed(0).padStart(6)} MB/s   table ${table.toFixed(0).padStart(6)} MB/s   ratio ${(native / table).toFixed(1)}x`);
}

/**
 * Synchronous against asynchronous (threadpool) codec calls, per input size: what SYNC_MAX in
 * src/protocol/compression.ts is chosen from. Prints the mean time per call, one call at a time
 * (a request waits for its own batch), and the longest event-loop stall seen while the
 * asynchronous forms ran. Run: npx tsx bench/compression.ts
 */
import { gzipSync, gunzipSync, gzip, gunzip } from 'node:zlib';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';

const require = createRequire(import.meta.url);
const lz4 = require('lz4-napi') as { compressFrameSync(b: Buffer): Buffer; decompressFrameSync(b: Buffer): Buffer; compressFrame(b: Buffer): Promise<Buffer>; decompressFrame(b: Buffer): Promise<Buffer> };
const gz = promisify(gzip);
const gunz = promisify(gunzip);

/** Text-like data: compresses about 3-5x, as JSON records do. */
function sample(size: number): Buffer {
  const words = ['order', 'customer', 'id', 'amount', '"status":"paid"', 'timestamp', '{', '}', 'eur', 'usd'];
  const parts: string[] = [];
  let n = 0;
  let seed = 42;
  while (n < size) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const w = `${words[seed % words.length]}${seed % 1000} `;
    parts.push(w);
    n += w.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

async function time(iterations: number, fn: () => unknown): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < iterations; i++) await fn();
  return ((performance.now() - t) / iterations) * 1000;
}

const codecs = {
  'gzip compress': { sync: (b: Buffer) => gzipSync(b), async: (b: Buffer) => gz(b), input: (b: Buffer) => b },
  'gzip decompress': { sync: (b: Buffer) => gunzipSync(b), async: (b: Buffer) => gunz(b), input: (b: Buffer) => gzipSync(b) },
  'lz4 compress': { sync: (b: Buffer) => lz4.compressFrameSync(b), async: (b: Buffer) => lz4.compressFrame(b), input: (b: Buffer) => b },
  'lz4 decompress': { sync: (b: Buffer) => lz4.decompressFrameSync(b), async: (b: Buffer) => lz4.decompressFrame(b), input: (b: Buffer) => lz4.compressFrameSync(b) },
};

for (const [name, c] of Object.entries(codecs)) {
  console.log(`\n${name}`);
  for (const size of [1024, 4096, 16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024, 16 * 1024 * 1024]) {
    const input = c.input(sample(size));
    const iterations = Math.max(3, Math.min(2000, Math.floor((32 * 1024 * 1024) / size)));
    await time(Math.min(iterations, 20), () => c.sync(input)); // warm-up
    const syncUs = await time(iterations, () => c.sync(input));
    await time(Math.min(iterations, 20), () => c.async(input));
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const asyncUs = await time(iterations, () => c.async(input));
    h.disable();
    console.log(
      `${String(size).padStart(9)} B  sync ${syncUs.toFixed(0).padStart(7)} µs  async ${asyncUs.toFixed(0).padStart(7)} µs  (${(asyncUs / syncUs).toFixed(2)}x)  loop stall under async: max ${(h.max / 1e6).toFixed(1)} ms`,
    );
  }
}

/**
 * Large batches are (de)compressed off the event loop: while a 50 MB gzip batch is inflated, and
 * while 50 MB are deflated, timers keep firing. The bound is generous (the machine is loaded);
 * the synchronous forms stall the loop for the whole call (400-1300 ms for gzip here).
 */
import { describe, it, expect } from 'vitest';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { compress, decompress } from '../../src/protocol/compression.js';
import { Compression } from '../../src/protocol/record-batch.js';

/** Text-like records, 50 MB, compressing about 4x like JSON does. */
function payload(size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let seed = 7;
  for (let i = 0; i < size; i += 4) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    buf.writeUInt32LE((seed & 0x0f0f0f0f) | 0x40404040, i);
  }
  return buf;
}

/**
 * Event-loop delay while `work` runs: the histogram of monitorEventLoopDelay (p99), and the longest
 * gap between two ticks of a 5 ms interval (max), which also sees a loop blocked from end to end.
 */
async function loopDelayDuring(work: () => Promise<unknown>): Promise<{ p99: number; max: number; ms: number }> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  await new Promise((r) => setTimeout(r, 20));
  h.enable();
  let last = performance.now();
  let maxGap = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 5);
  const t = performance.now();
  await work();
  const ms = performance.now() - t;
  // The tick held up by a blocking call fires only after it: let it land.
  await new Promise((r) => setTimeout(r, 20));
  clearInterval(tick);
  h.disable();
  return { p99: h.percentile(99) / 1e6, max: maxGap, ms };
}

describe('compression off the event loop', () => {
  const data = payload(50 * 1024 * 1024);

  it('inflates a 50 MB gzip batch without holding the event loop', { timeout: 60_000 }, async () => {
    const packed = gzipSync(data);
    let out: Buffer | undefined;
    const d = await loopDelayDuring(async () => (out = await decompress(Compression.GZIP, packed)));
    console.log('gunzip 50 MB:', JSON.stringify({ compressedMB: +(packed.length / 1e6).toFixed(1), ms: Math.round(d.ms), loopP99Ms: +d.p99.toFixed(1), loopMaxMs: +d.max.toFixed(1) }));
    expect(out!.equals(data)).toBe(true);
    expect(d.max).toBeLessThan(250);
    expect(d.p99).toBeLessThan(50);
  });

  it('deflates and packs 50 MB with gzip, lz4 and snappy without holding the event loop', { timeout: 60_000 }, async () => {
    for (const codec of [Compression.GZIP, Compression.LZ4, Compression.SNAPPY]) {
      let packed: Buffer | undefined;
      const c = await loopDelayDuring(async () => (packed = await compress(codec, data)));
      let back: Buffer | undefined;
      const u = await loopDelayDuring(async () => (back = await decompress(codec, packed!)));
      console.log(`codec ${codec} 50 MB:`, JSON.stringify({ compressMs: Math.round(c.ms), compressLoopMaxMs: +c.max.toFixed(1), decompressMs: Math.round(u.ms), decompressLoopMaxMs: +u.max.toFixed(1) }));
      expect(back!.equals(data)).toBe(true);
      // Synchronous 50 MB gzip compression held the loop for over a second; the async form's
      // remaining stall (allocation of fresh memory) reached 130-215 ms on a loaded machine.
      expect(c.max).toBeLessThan(400);
      expect(u.max).toBeLessThan(250);
    }
  });

  it('still refuses a decompression bomb, and small inputs still round-trip', { timeout: 60_000 }, async () => {
    // Ten gzip members of 64 MiB of zeros each: 640 MiB once inflated.
    const member = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const bomb = Buffer.concat(Array.from({ length: 10 }, () => member));
    await expect(decompress(Compression.GZIP, bomb)).rejects.toThrow();
    for (const codec of [Compression.GZIP, Compression.SNAPPY, Compression.LZ4, Compression.ZSTD]) {
      const small = data.subarray(0, 1000);
      expect((await decompress(codec, await compress(codec, small))).equals(small)).toBe(true);
    }
    // A small gzip input that inflates past the synchronous limit goes the asynchronous way.
    const zeros = Buffer.alloc(4 * 1024 * 1024);
    const packed = gzipSync(zeros);
    expect(packed.length).toBeLessThan(64 * 1024);
    expect((await decompress(Compression.GZIP, packed)).equals(zeros)).toBe(true);
  });
});

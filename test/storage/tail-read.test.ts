/**
 * A consumer at the tail is served from the page cache without a threadpool round trip
 * (Segment.readRecent), while a read of older data, which may be cold, stays off the event loop.
 */
import { describe, it, expect, vi, afterEach } from 'vitest';
import { tempDir, newLog, batch, appendBatch, batchRanges } from './helpers.js';
import { Segment } from '../../src/storage/segment.js';

afterEach(() => vi.restoreAllMocks());

describe('reads at the tail', () => {
  it('a small read near the end of the active segment skips the threadpool; a rolled segment or a far read does not', async () => {
    const log = await newLog(await tempDir(), { segmentBytes: 64 * 1024 });
    for (let i = 0; i < 40; i++) await appendBatch(log, batch(4, { size: 1000 })); // ~4 KiB each: several segments
    expect(log.numberOfSegments).toBeGreaterThan(1);
    const threadpool = vi.spyOn(Segment.prototype, 'read');

    const end = log.highWatermark;
    const tail = await log.read(end - 4, 1 << 20);
    expect(batchRanges(tail.records)).toEqual([[end - 4, end - 1]]);
    expect(threadpool).not.toHaveBeenCalled();

    const old = await log.read(0, 8 * 1024);
    expect(batchRanges(old.records)[0]).toEqual([0, 3]);
    expect(threadpool).toHaveBeenCalled();

    // Bytes read either way are the same.
    threadpool.mockClear();
    const base = log.active.baseOffset;
    const viaRecent = await log.read(base, 1 << 20);
    const direct = await log.active.read(viaRecent.records.length, 0);
    expect(viaRecent.records.equals(direct)).toBe(true);
    await log.close();
  });
});

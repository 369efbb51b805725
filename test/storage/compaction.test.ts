import { describe, it, expect } from 'vitest';
import { tempDir, newLog, reopen, appendBatch } from './helpers.js';
import { createBatch } from '../../src/protocol/records.js';
import { batchRecords } from '../../src/protocol/batch-records.js';
import { recompressBatch } from '../../src/protocol/batch-records.js';
import { compactLog } from '../../src/storage/cleaner.js';
import { isIntactBatch } from '../../src/protocol/record-batch.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';

async function readAll(log: PartitionLog): Promise<Array<{ offset: number; key: string; value: string | null }>> {
  const out: Array<{ offset: number; key: string; value: string | null }> = [];
  let offset = log.logStartOffset;
  while (offset < log.highWatermark) {
    const { records } = await log.read(offset, 1 << 20);
    if (records.length === 0) break;
    let p = 0;
    let last = offset;
    while (p < records.length) {
      const size = records.readInt32BE(p + 8) + 12;
      const batch = records.subarray(p, p + size);
      expect(isIntactBatch(batch, 0)).toBe(true);
      for (const r of await batchRecords(batch)) out.push({ offset: Number(r.offset), key: r.key!.toString(), value: r.value ? r.value.toString() : null });
      last = Number(batch.readBigInt64BE(0)) + batch.readInt32BE(23) + 1;
      p += size;
    }
    offset = last;
  }
  return out;
}

describe('compaction', () => {
  it('keeps the latest value per key, keeps offsets, drops expired tombstones, and never touches the active segment', async () => {
    const dir = await tempDir();
    const cfg = { cleanupPolicy: ['compact'], segmentBytes: 600, deleteRetentionMs: 1000 };
    const log = await newLog(dir, cfg);
    const old = Date.now() - 60_000;
    // 30 writes over 5 keys, in batches of 3 with a gzip batch among them; key k0 is deleted.
    for (let i = 0; i < 10; i++) {
      const recs = [0, 1, 2].map((j) => {
        const n = i * 3 + j;
        const key = `k${n % 5}`;
        return { key: Buffer.from(key), value: key === 'k0' && n >= 25 ? null : Buffer.from(`v${n}`), timestamp: old };
      });
      let b = createBatch(recs, { baseTimestamp: old });
      if (i === 4) b = await recompressBatch(b, 1);
      await appendBatch(log, b);
    }
    await log.settle();
    const activeBefore = log.active.baseOffset;
    const before = await readAll(log);
    expect(before.length).toBe(30);
    const r = await compactLog(log);
    expect(r.segments).toBeGreaterThan(0);
    expect(r.bytesAfter).toBeLessThan(r.bytesBefore);
    const after = await readAll(log);
    // Offsets only grow, are a subset of the originals, each keeps its value.
    const byOffset = new Map(before.map((x) => [x.offset, x]));
    for (let i = 1; i < after.length; i++) expect(after[i].offset).toBeGreaterThan(after[i - 1].offset);
    for (const x of after) expect(byOffset.get(x.offset)).toEqual(x);
    // In the closed part, one record per key remains: the latest one before the active segment.
    const closed = after.filter((x) => x.offset < activeBefore);
    const keys = closed.map((x) => x.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const x of closed) {
      const latestClosed = before.filter((y) => y.key === x.key && y.offset < activeBefore).at(-1)!;
      expect(x.offset).toBe(latestClosed.offset);
    }
    // The expired tombstone for k0 is gone from the closed part; the active segment is unchanged.
    expect(closed.some((x) => x.key === 'k0' && x.value === null)).toBe(false);
    expect(after.filter((x) => x.offset >= activeBefore)).toEqual(before.filter((x) => x.offset >= activeBefore));
    // Appends go on from the same offset, and a restart after a crash reads the same.
    expect((await appendBatch(log, createBatch([{ key: Buffer.from('k9'), value: Buffer.from('x') }]))).baseOffset).toBe(30);
    await log.settle();
    const again = await reopen(dir, { clean: false }, cfg);
    expect((await readAll(again)).map((x) => x.offset)).toEqual([...after.map((x) => x.offset), 30]);
  });

  it('keeps recent tombstones and leaves delete-only topics alone', async () => {
    const log = await newLog(await tempDir(), { cleanupPolicy: ['compact'], segmentBytes: 300, deleteRetentionMs: 3_600_000 });
    for (let i = 0; i < 6; i++) await appendBatch(log, createBatch([{ key: Buffer.from('a'), value: i === 5 ? null : Buffer.from(`v${i}`) }]));
    for (let i = 0; i < 4; i++) await appendBatch(log, createBatch([{ key: Buffer.from('b'), value: Buffer.from(`z${i}`) }]));
    await log.settle();
    await compactLog(log);
    const rest = (await readAll(log)).filter((x) => x.offset < log.active.baseOffset);
    expect(rest.filter((x) => x.key === 'a')).toEqual([{ offset: 5, key: 'a', value: null }]);
    const del = await newLog(await tempDir(), { cleanupPolicy: ['delete'], segmentBytes: 300 });
    for (let i = 0; i < 6; i++) await appendBatch(del, createBatch([{ key: Buffer.from('a'), value: Buffer.from(`v${i}`) }]));
    expect((await compactLog(del)).segments).toBe(0);
  });
});

import { describe, it, expect } from 'vitest';
import { tempDir, newLog, reopen, appendBatch, readRecords } from './helpers.js';
import { createBatch } from '../../src/protocol/records.js';
import { recompressBatch } from '../../src/protocol/batch-records.js';
import { compactLog } from '../../src/storage/cleaner.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';
import { OffsetMap, BYTES_PER_ENTRY } from '../../src/storage/offset-map.js';
import { cp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

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
    const before = await readRecords(log);
    expect(before.length).toBe(30);
    const r = await compactLog(log);
    expect(r.segments).toBeGreaterThan(0);
    expect(r.bytesAfter).toBeLessThan(r.bytesBefore);
    const after = await readRecords(log);
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
    expect((await readRecords(again)).map((x) => x.offset)).toEqual([...after.map((x) => x.offset), 30]);
  });

  it('keeps recent tombstones and leaves delete-only topics alone', async () => {
    const log = await newLog(await tempDir(), { cleanupPolicy: ['compact'], segmentBytes: 300, deleteRetentionMs: 3_600_000 });
    for (let i = 0; i < 6; i++) await appendBatch(log, createBatch([{ key: Buffer.from('a'), value: i === 5 ? null : Buffer.from(`v${i}`) }]));
    for (let i = 0; i < 4; i++) await appendBatch(log, createBatch([{ key: Buffer.from('b'), value: Buffer.from(`z${i}`) }]));
    await log.settle();
    await compactLog(log);
    const rest = (await readRecords(log)).filter((x) => x.offset < log.active.baseOffset);
    expect(rest.filter((x) => x.key === 'a')).toEqual([{ offset: 5, key: 'a', value: null }]);
    const del = await newLog(await tempDir(), { cleanupPolicy: ['delete'], segmentBytes: 300 });
    for (let i = 0; i < 6; i++) await appendBatch(del, createBatch([{ key: Buffer.from('a'), value: Buffer.from(`v${i}`) }]));
    expect((await compactLog(del)).segments).toBe(0);
  });
});

/** Writes `writes` records over `keys` keys, one record per batch is too slow: 10 per batch. */
async function fill(log: PartitionLog, writes: number, keys: number, ts = Date.now() - 60_000): Promise<Map<string, number>> {
  const latest = new Map<string, number>();
  for (let i = 0; i < writes; i += 10) {
    const recs = Array.from({ length: Math.min(10, writes - i) }, (_, j) => {
      const k = `k${((i + j) * 7919) % keys}`;
      latest.set(k, i + j);
      return { key: Buffer.from(k), value: Buffer.from(`v${i + j}`), timestamp: ts };
    });
    await appendBatch(log, createBatch(recs, { baseTimestamp: ts }));
  }
  await log.settle();
  return latest;
}

describe('compaction with a bounded offset map', () => {
  it('cleans in several passes when the dirty keys do not fit, with the same result as one pass', async () => {
    const cfg = { cleanupPolicy: ['compact'], segmentBytes: 4096 };
    const small = await newLog(await tempDir(), cfg);
    const big = await newLog(await tempDir(), cfg);
    await fill(small, 3000, 700);
    await fill(big, 3000, 700);
    const closedEnd = small.active.baseOffset;
    // 100 entries of 24 bytes at load factor 0.9: 90 keys a pass, so 700 keys need at least 8.
    const r = await compactLog(small, Date.now(), { map: new OffsetMap(100 * BYTES_PER_ENTRY, 0.9) });
    expect(r.passes).toBeGreaterThanOrEqual(8);
    const one = await compactLog(big, Date.now(), { dedupeBufferSize: 1024 * 1024 });
    expect(one.passes).toBe(1);
    const a = await readRecords(small);
    expect(a).toEqual(await readRecords(big));
    const closed = a.filter((x) => x.offset < closedEnd);
    expect(new Set(closed.map((x) => x.key)).size).toBe(closed.length);
    // A second run finds nothing new to do.
    expect((await compactLog(small, Date.now(), { map: new OffsetMap(100 * BYTES_PER_ENTRY) })).segments).toBe(0);
  });

  it('neither keeps nor lets shadow the records of an aborted transaction', async () => {
    const log = await newLog(await tempDir(), { cleanupPolicy: ['compact'], segmentBytes: 400 });
    await appendBatch(log, createBatch([{ key: Buffer.from('a'), value: Buffer.from('committed') }]));
    const pid = 42n;
    await appendBatch(log, createBatch([{ key: Buffer.from('a'), value: Buffer.from('aborted') }], { producerId: pid, producerEpoch: 0, baseSequence: 0, transactional: true }));
    await log.appendMarker(pid, 0, false);
    for (let i = 0; i < 6; i++) await appendBatch(log, createBatch([{ key: Buffer.from(`f${i}`), value: Buffer.alloc(100) }]));
    await log.settle();
    await compactLog(log);
    const a = (await readRecords(log)).filter((x) => x.key === 'a');
    expect(a).toEqual([{ offset: 0, key: 'a', value: 'committed' }]);
  });

  it('recovers a swap interrupted at any step: before the commit the old segment, after it the new one', async () => {
    const cfg = { cleanupPolicy: ['compact'], segmentBytes: 2048 };
    const dir = await tempDir();
    const log = await newLog(dir, cfg);
    await fill(log, 600, 50);
    await log.close();
    const part = join(dir, 't-0');
    const original = await tempDir();
    await cp(part, original, { recursive: true });
    const before = await readRecords(await reopen(dir, { clean: true }, cfg));
    // The compacted files, as a finished cleaning leaves them.
    const done = await reopen(dir, { clean: true }, cfg);
    expect((await compactLog(done)).segments).toBeGreaterThan(0);
    const after = await readRecords(done);
    await done.close();
    const seg = '00000000000000000000';
    const cleanedLog = await readFile(join(part, `${seg}.log`));
    expect(cleanedLog.length).toBeLessThan((await stat(join(original, `${seg}.log`))).size);

    // Only the first segment is swapped in these states: the rest of the log is as before.
    const seg1 = (await readdir(original)).filter((n) => n.endsWith('.log')).sort()[1];
    const firstEnd = Number(seg1.slice(0, 20));
    const swapped = [...after.filter((x) => x.offset < firstEnd), ...before.filter((x) => x.offset >= firstEnd)];
    expect(swapped).not.toEqual(before);
    const crashState = async (setup: (d: string) => Promise<void>): Promise<string> => {
      const d = await tempDir();
      await cp(original, join(d, 't-0'), { recursive: true });
      await setup(join(d, 't-0'));
      return d;
    };
    const states: Array<[string, (d: string) => Promise<void>, 'old' | 'new']> = [
      ['rewrite half written', (d) => writeFile(join(d, `${seg}.log.cleaned`), cleanedLog.subarray(0, 100)), 'old'],
      ['rewrite written, not committed', (d) => writeFile(join(d, `${seg}.log.cleaned`), cleanedLog), 'old'],
      ['committed (swap file beside the old segment and its indexes)', (d) => writeFile(join(d, `${seg}.log.swap`), cleanedLog), 'new'],
      [
        'committed, old indexes already deleted',
        async (d) => {
          await writeFile(join(d, `${seg}.log.swap`), cleanedLog);
          await rm(join(d, `${seg}.index`));
          await rm(join(d, `${seg}.timeindex`));
        },
        'new',
      ],
    ];
    for (const [name, setup, expected] of states) {
      for (const clean of [true, false]) {
        const d = await crashState(setup);
        const reopened = await reopen(d, { clean }, cfg);
        expect(await readRecords(reopened), `${name}, clean=${clean}`).toEqual(expected === 'old' ? before : swapped);
        expect((await readdir(join(d, 't-0'))).filter((n) => n.endsWith('.cleaned') || n.endsWith('.swap')), name).toEqual([]);
        // Compaction goes on from there and ends at the same place.
        await compactLog(reopened);
        expect(await readRecords(reopened), name).toEqual(after);
      }
    }
  });
});

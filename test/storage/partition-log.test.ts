import { describe, it, expect } from 'vitest';
import { readdir, appendFile, stat, open } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir, newLog, reopen, batch, appendBatch, batchRanges } from './helpers.js';
import { StorageError } from '../../src/storage/partition-log.js';
import { isIntactBatch } from '../../src/protocol/record-batch.js';
import { createBatch, decodeRecords } from '../../src/protocol/records.js';
import { readLeaderEpochs } from '../../src/storage/leader-epochs.js';

describe('PartitionLog', () => {
  it('assigns offsets in order and reads whole batches back byte for byte', async () => {
    const dir = await tempDir();
    const log = await newLog(dir);
    const sent = [batch(3), batch(1), batch(5)];
    const results = await Promise.all(sent.map((b) => appendBatch(log, Buffer.from(b))));
    expect(results.map((r) => [r.baseOffset, r.lastOffset])).toEqual([[0, 2], [3, 3], [4, 8]]);
    expect(log.highWatermark).toBe(9);
    const all = await log.read(0, 1 << 20);
    expect(batchRanges(all.records)).toEqual([[0, 2], [3, 3], [4, 8]]);
    expect(isIntactBatch(all.records, 0)).toBe(true);
    // Offsets are stamped, the rest of the bytes is what the producer sent.
    expect(all.records.subarray(21, sent[0].length).equals(sent[0].subarray(21))).toBe(true);
    await log.close();
  });

  it('a fetch in the middle of a batch returns that whole batch', async () => {
    const log = await newLog(await tempDir());
    await appendBatch(log, batch(5));
    await appendBatch(log, batch(5));
    expect(batchRanges((await log.read(7, 1 << 20)).records)).toEqual([[5, 9]]);
    expect(batchRanges((await log.read(2, 1 << 20)).records)).toEqual([[0, 4], [5, 9]]);
  });

  it('returns at least one whole batch even when it is larger than maxBytes', async () => {
    const log = await newLog(await tempDir());
    await appendBatch(log, batch(2, { size: 5000 }));
    await appendBatch(log, batch(2, { size: 5000 }));
    const r = await log.read(0, 100);
    expect(batchRanges(r.records)).toEqual([[0, 1]]);
    const none = await log.read(0, 100, { minOneBatch: false });
    expect(none.records.length).toBe(0);
    const both = await log.read(0, 30_000);
    expect(batchRanges(both.records)).toEqual([[0, 1], [2, 3]]);
  });

  it('reads at the log end return nothing; outside the log are OFFSET_OUT_OF_RANGE', async () => {
    const log = await newLog(await tempDir());
    await appendBatch(log, batch(2));
    expect((await log.read(2, 1000)).records.length).toBe(0);
    await expect(log.read(3, 1000)).rejects.toMatchObject({ errorCode: 1 });
    await log.deleteRecordsBefore(1);
    await expect(log.read(0, 1000)).rejects.toBeInstanceOf(StorageError);
    expect(log.logStartOffset).toBe(1);
  });

  it('a clean close rewrites only the index files whose entries changed since they were read or written', async () => {
    const dir = await tempDir();
    const cfg = { segmentBytes: 2000, indexIntervalBytes: 100 };
    const log = await newLog(dir, cfg);
    for (let i = 0; i < 30; i++) await appendBatch(log, batch(2, { size: 100 }));
    await log.close();
    const pdir = join(dir, 't-0');
    const indexFiles = async () => (await readdir(pdir)).filter((n) => n.endsWith('index')).sort();
    const inodes = async () => Promise.all((await indexFiles()).map(async (n) => `${n}:${(await stat(join(pdir, n))).ino}`));
    const first = await inodes();
    expect(first.length).toBeGreaterThan(4);
    // Opened, read from everywhere (every segment's indexes loaded) and closed: nothing rewritten.
    const idle = await reopen(dir, { clean: true }, cfg);
    for (let o = 0; o < 60; o += 7) expect(batchRanges((await idle.read(o, 150)).records)[0][0]).toBe(o - (o % 2));
    await idle.close();
    expect(await inodes()).toEqual(first);
    // One more batch: the active segment's indexes change and are written (atomically, a new file); the sealed ones are not.
    const busy = await reopen(dir, { clean: true }, cfg);
    await appendBatch(busy, batch(2, { size: 100 }));
    await busy.close();
    const after = await inodes();
    const changed = after.filter((e) => !first.includes(e)).map((e) => e.split('.')[0]);
    expect(new Set(changed)).toEqual(new Set([first.at(-1)!.split('.')[0]]));
    const again = await reopen(dir, { clean: true }, cfg);
    expect(again.logEndOffset).toBe(62);
    expect(batchRanges((await again.read(60, 150)).records)).toEqual([[60, 61]]);
    expect(batchRanges((await again.read(31, 150)).records)[0]).toEqual([30, 31]);
    await again.close();
  });

  it('rolls segments by size with 20-digit names and reads across them', async () => {
    const dir = await tempDir();
    const log = await newLog(dir, { segmentBytes: 2000, indexIntervalBytes: 100 });
    for (let i = 0; i < 20; i++) await appendBatch(log, batch(3, { size: 100 }));
    await log.settle();
    const logs = (await readdir(join(dir, 't-0'))).filter((n) => n.endsWith('.log')).sort();
    expect(logs.length).toBeGreaterThan(3);
    expect(logs[0]).toBe('00000000000000000000.log');
    expect(logs.every((n) => /^\d{20}\.log$/.test(n))).toBe(true);
    for (let off = 0; off < 60; off += 7) {
      const r = await log.read(off, 1 << 20);
      const ranges = batchRanges(r.records);
      expect(ranges[0][0]).toBeLessThanOrEqual(off);
      expect(ranges[0][1]).toBeGreaterThanOrEqual(off);
    }
    await log.close();
    const again = await reopen(dir, { clean: true }, { segmentBytes: 2000, indexIntervalBytes: 100 });
    expect(again.nextOffset).toBe(60);
    const r = await again.read(31, 1 << 20);
    expect(batchRanges(r.records)[0]).toEqual([30, 32]);
    const next = await appendBatch(again, batch(1));
    expect(next.baseOffset).toBe(60);
  });

  it('rolls segments by age (segment.ms) measured on record timestamps, as Kafka does', async () => {
    const log = await newLog(await tempDir(), { rollMs: 1000 });
    const t0 = Date.now();
    await appendBatch(log, batch(1, { timestamp: t0 }), t0);
    await appendBatch(log, batch(1, { timestamp: t0 + 500 }), t0 + 10);
    await appendBatch(log, batch(1, { timestamp: t0 + 2000 }), t0 + 20);
    expect(log.segments.map((s) => s.baseOffset)).toEqual([0, 2]);
    // Old timestamps (years back) must not roll a segment per batch.
    const old = await newLog(await tempDir(), { rollMs: 1000 });
    for (let i = 0; i < 20; i++) await appendBatch(old, batch(1, { timestamp: 1_500_000_000_000 + i }));
    expect(old.segments.length).toBe(1);
  });

  it('recovers after a crash: a torn tail is cut off and offsets continue from the last intact batch', async () => {
    const dir = await tempDir();
    const log = await newLog(dir);
    for (let i = 0; i < 10; i++) await appendBatch(log, batch(2));
    await log.settle();
    const path = join(dir, 't-0', '00000000000000000000.log');
    const good = (await stat(path)).size;
    // A torn write: the first 40 bytes of another batch.
    await appendFile(path, batch(2).subarray(0, 40));
    const recovered = await reopen(dir, { clean: false });
    expect((await stat(path)).size).toBe(good);
    expect(recovered.nextOffset).toBe(20);
    expect(batchRanges((await recovered.read(0, 1 << 20)).records).length).toBe(10);
    expect((await appendBatch(recovered, batch(1))).baseOffset).toBe(20);
  });

  it('recovery cuts the log at the first batch whose CRC is wrong and never serves it', async () => {
    const dir = await tempDir();
    const log = await newLog(dir);
    for (let i = 0; i < 10; i++) await appendBatch(log, batch(1, { size: 50 }));
    await log.settle();
    const path = join(dir, 't-0', '00000000000000000000.log');
    const all = (await log.read(0, 1 << 20)).records;
    let pos = 0;
    for (let i = 0; i < 6; i++) pos += all.readInt32BE(pos + 8) + 12;
    const fh = await open(path, 'r+');
    await fh.write(Buffer.from([0xff ^ all[pos + 70]]), 0, 1, pos + 70); // flip a byte inside batch 6's records
    await fh.close();
    const recovered = await reopen(dir, { clean: false });
    expect(recovered.nextOffset).toBe(6);
    const back = (await recovered.read(0, 1 << 20)).records;
    expect(batchRanges(back)).toEqual([[0, 0], [1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]);
  });

  it('time retention deletes old closed segments, moves the log start offset and never reuses offsets', async () => {
    const dir = await tempDir();
    const cfg = { segmentBytes: 500, retentionMs: 60_000 };
    const log = await newLog(dir, cfg);
    const old = Date.now() - 3_600_000;
    for (let i = 0; i < 10; i++) await appendBatch(log, batch(1, { size: 200, timestamp: old }), old);
    for (let i = 0; i < 3; i++) await appendBatch(log, batch(1, { size: 200 }));
    await log.settle();
    const before = log.segments.length;
    const r = await log.applyRetention();
    expect(r.segments).toBeGreaterThan(0);
    expect(log.segments.length).toBe(before - r.segments);
    expect(log.logStartOffset).toBe(log.segments[0].baseOffset);
    expect(log.logStartOffset).toBeGreaterThanOrEqual(9);
    await expect(log.read(0, 100)).rejects.toMatchObject({ errorCode: 1 });
    await log.close();
    const again = await reopen(dir, { clean: true, logStartOffset: log.logStartOffset }, cfg);
    expect(again.logStartOffset).toBe(log.logStartOffset);
    expect((await appendBatch(again, batch(1))).baseOffset).toBe(13);
  });

  it('a full truncation leaves one empty segment at the new offset, and a reopened log starts there', async () => {
    const dir = await tempDir();
    const cfg = { segmentBytes: 300 };
    const log = await newLog(dir, cfg);
    for (let i = 0; i < 8; i++) await appendBatch(log, batch(2, { size: 100 }));
    await log.settle();
    expect(log.segments.length).toBeGreaterThan(1);
    await log.truncateFullyAndStartAt(50);
    const files = (await readdir(join(dir, 't-0'))).filter((n) => /\.(log|index|timeindex)$/.test(n));
    expect(files.filter((n) => n.endsWith('.log'))).toEqual(['00000000000000000050.log']);
    expect(files.every((n) => n.startsWith('00000000000000000050.'))).toBe(true);
    expect(await readLeaderEpochs(join(dir, 't-0'))).toEqual([]);
    expect(log.recoveryPoint).toBe(50);
    await log.appendAsFollower(createBatch([{ key: null, value: Buffer.from('a') }], { baseOffset: 50n, partitionLeaderEpoch: 3 }));
    await log.close();
    // A log start offset checkpoint written before the reset (here 0) does not take the log back.
    for (const clean of [true, false]) {
      const again = await reopen(dir, { clean, logStartOffset: 0, recoveryPoint: 0 }, cfg);
      expect([again.logStartOffset, again.logEndOffset, again.highWatermark]).toEqual([50, 51, 51]);
      expect(again.epochEntries()).toEqual([{ epoch: 3, startOffset: 50 }]);
      expect(batchRanges((await again.read(50, 1000)).records)).toEqual([[50, 50]]);
      await expect(again.read(49, 1000)).rejects.toMatchObject({ errorCode: 1 });
      await again.close();
    }
  });

  it('when every segment has expired the active one is rolled and deleted too; offsets go on', async () => {
    const dir = await tempDir();
    const log = await newLog(dir, { retentionMs: 1000 });
    const old = Date.now() - 10_000;
    for (let i = 0; i < 3; i++) await appendBatch(log, batch(1, { timestamp: old }), old);
    await log.applyRetention();
    expect(log.logStartOffset).toBe(3);
    expect(log.segments.length).toBe(1);
    expect(log.active.baseOffset).toBe(3);
    expect((await appendBatch(log, batch(1))).baseOffset).toBe(3);
  });

  it('size retention keeps the partition under retention.bytes', async () => {
    const log = await newLog(await tempDir(), { segmentBytes: 1000, retentionBytes: 2500 });
    for (let i = 0; i < 30; i++) await appendBatch(log, batch(1, { size: 200 }));
    await log.settle();
    await log.applyRetention();
    expect(log.size).toBeLessThanOrEqual(2500 + 1000);
    expect(log.segments.length).toBeGreaterThan(1);
  });

  it('finds the first batch at or after a timestamp through the time index', async () => {
    const log = await newLog(await tempDir(), { indexIntervalBytes: 50, segmentBytes: 3000 });
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 40; i++) await appendBatch(log, batch(1, { timestamp: t0 + i * 1000 }));
    await log.settle();
    for (const i of [0, 1, 17, 39]) {
      const b = (await log.batchForTimestamp(t0 + i * 1000 - 500))!;
      expect(Number(b.readBigInt64BE(0))).toBe(i);
      const recs = decodeRecords(b.subarray(61), b.readBigInt64BE(0), b.readBigInt64BE(27), b.readInt32BE(57));
      expect(Number(recs[0].timestamp)).toBe(t0 + i * 1000);
    }
    expect(await log.batchForTimestamp(t0 + 100_000)).toBeUndefined();
  });

  it('wakes a waiting reader on append', async () => {
    const log = await newLog(await tempDir());
    const woke = new Promise<number>((resolve) => log.onAppend(() => resolve(log.highWatermark)));
    await appendBatch(log, batch(2));
    expect(await woke).toBe(2);
  });

  it('with fsync on ack, the recovery point reaches the acknowledged offset', async () => {
    const log = await newLog(await tempDir(), { fsyncOnAck: true });
    const r = await appendBatch(log, batch(4));
    expect(log.recoveryPoint).toBeGreaterThanOrEqual(r.lastOffset + 1);
  });

  it('LogAppendTime stamps the broker clock and a valid CRC', async () => {
    const log = await newLog(await tempDir(), { messageTimestampType: 'LogAppendTime' });
    const r = await appendBatch(log, batch(2, { timestamp: 5 }), 1_800_000_000_000);
    expect(r.logAppendTime).toBe(1_800_000_000_000);
    const b = (await log.read(0, 1000)).records;
    expect(Number(b.readBigInt64BE(35))).toBe(1_800_000_000_000);
    expect(b.readInt16BE(21) & 0x08).toBe(0x08);
    expect(isIntactBatch(b, 0)).toBe(true);
  });

  it('truncates to an offset (for replication) and appends from there', async () => {
    const log = await newLog(await tempDir(), { segmentBytes: 400 });
    for (let i = 0; i < 10; i++) await appendBatch(log, batch(2, { size: 50 }));
    await log.truncateTo(9);
    expect(log.nextOffset).toBe(8);
    expect((await appendBatch(log, batch(1))).baseOffset).toBe(8);
    expect(batchRanges((await log.read(6, 1 << 20)).records)[0]).toEqual([6, 7]);
    expect(batchRanges((await log.read(8, 1 << 20)).records)).toEqual([[8, 8]]);
  });
});

describe('FileCache', () => {
  it('never closes a descriptor in use, even when the pool is full', async () => {
    const { FileCache } = await import('../../src/storage/file-cache.js');
    const { writevAll, readAt } = await import('../../src/storage/fs-ops.js');
    const dir = await tempDir();
    const files = new FileCache(64);
    // More files than the pool holds, each written and read back through its own descriptor.
    await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const path = join(dir, `f${i}`);
        await files.with(path, (fd) => writevAll(fd, [Buffer.from(`file-${i}`)], 0));
        const back = await files.with(path, (fd) => readAt(fd, 100, 0));
        expect(back.toString()).toBe(`file-${i}`);
      }),
    );
    expect(files.openCount).toBeLessThanOrEqual(64);
    await files.closeAll();
  });
});

describe('producer state from disk', () => {
  it('a damaged or stale producer snapshot is ignored and the state is rebuilt from the log', async () => {
    const { writeFile } = await import('node:fs/promises');
    const { createBatch } = await import('../../src/protocol/records.js');
    const dir = await tempDir();
    const log = await newLog(dir);
    const b = (seq: number) => createBatch([{ key: null, value: Buffer.from(`s${seq}`) }], { producerId: 7n, producerEpoch: 0, baseSequence: seq });
    await appendBatch(log, b(0));
    await appendBatch(log, b(1));
    await log.close();
    for (const junk of ['{not json', '', JSON.stringify({ version: 1, offset: 999, producers: [] })]) {
      await writeFile(join(dir, 't-0', 'producer-state.snapshot'), junk);
      const again = await reopen(dir, { clean: true });
      // Read once and removed, so that a crash later cannot trust it.
      expect(await readdir(join(dir, 't-0'))).not.toContain('producer-state.snapshot');
      // The retry of sequence 1 is still recognised: state came from the batch headers.
      expect((await appendBatch(again, b(1))).baseOffset).toBe(1);
      await expect(appendBatch(again, b(5))).rejects.toMatchObject({ errorCode: 45 });
      await again.close();
    }
  });
});

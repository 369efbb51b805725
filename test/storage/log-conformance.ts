/**
 * One behaviour for every Log implementation (src/storage/log.ts): each backend's test file calls
 * logConformance() with a factory, as aedes runs one persistence suite against every backend.
 * File-only properties (recovery after a torn write, segment files, fsync) stay in
 * partition-log.test.ts and crash.test.ts.
 */
import { describe, it, expect, afterEach } from 'vitest';
import type { Log } from '../../src/storage/log.js';
import type { LogConfig } from '../../src/storage/log-config.js';
import { createBatch } from '../../src/protocol/records.js';
import { validateProducedBatch, readInt64 } from '../../src/protocol/record-batch.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { batch, batchRanges, readRecords } from './helpers.js';
import { compactLog } from '../../src/storage/cleaner.js';

export type LogFactory = (cfg?: Partial<LogConfig>) => Promise<Log>;

const append = (log: Log, buf: Buffer, now?: number) => log.append(buf, validateProducedBatch(buf), now);

/** A batch whose offsets start at `base`, as a leader would have stamped them (for appendAsFollower). */
function leaderBatch(base: number, n: number, opts: { timestamp?: number; epoch?: number } = {}): Buffer {
  const records = Array.from({ length: n }, (_, i) => ({ key: Buffer.from(`f${i}`), value: Buffer.from(`v${i}`), timestamp: opts.timestamp }));
  return createBatch(records, { baseOffset: BigInt(base), baseTimestamp: opts.timestamp, partitionLeaderEpoch: opts.epoch });
}

/** The partition leader epoch of every batch in `records`. */
function batchEpochs(records: Buffer): number[] {
  const out: number[] = [];
  for (let p = 0; p < records.length; p += records.readInt32BE(p + 8) + 12) out.push(records.readInt32BE(p + 12));
  return out;
}

const entry = (epoch: number, startOffset: number) => ({ epoch, startOffset });
const end = (leaderEpoch: number, endOffset: number) => ({ leaderEpoch, endOffset });

function idempotent(producerId: bigint, seq: number, n: number, opts: { transactional?: boolean; epoch?: number } = {}): Buffer {
  const records = Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(`p${seq + i}`) }));
  return createBatch(records, { producerId, producerEpoch: opts.epoch ?? 0, baseSequence: seq, transactional: opts.transactional });
}

/** Every batch of the log from its start, by reading on until the high watermark. */
async function readAll(log: Log): Promise<Array<[number, number]>> {
  const out: Array<[number, number]> = [];
  let offset = log.logStartOffset;
  while (offset < log.highWatermark) {
    const { records } = await log.read(offset, 1 << 20);
    if (records.length === 0) break;
    const ranges = batchRanges(records);
    out.push(...ranges);
    offset = ranges[ranges.length - 1][1] + 1;
  }
  return out;
}

export function logConformance(name: string, factory: LogFactory): void {
  describe(`Log conformance: ${name}`, () => {
    const open: Log[] = [];
    const make = async (cfg?: Partial<LogConfig>): Promise<Log> => {
      const log = await factory(cfg);
      open.push(log);
      return log;
    };
    afterEach(async () => {
      for (const l of open.splice(0)) await l.close();
    });

    it('assigns increasing offsets by record count and reads the batches back byte for byte', async () => {
      const log = await make();
      const sent = [batch(3), batch(1), batch(5)];
      const results = await Promise.all(sent.map((b) => append(log, Buffer.from(b))));
      expect(results.map((r) => [r.baseOffset, r.lastOffset])).toEqual([[0, 2], [3, 3], [4, 8]]);
      expect([log.logStartOffset, log.logEndOffset, log.highWatermark, log.lastStableOffset]).toEqual([0, 9, 9, 9]);
      const all = await log.read(0, 1 << 20);
      expect(batchRanges(all.records)).toEqual([[0, 2], [3, 3], [4, 8]]);
      expect(all.highWatermark).toBe(9);
      // Offsets are stamped; from the CRC on the bytes are what the producer sent.
      expect(all.records.subarray(21, sent[0].length).equals(sent[0].subarray(21))).toBe(true);
      expect(log.size).toBe(sent.reduce((s, b) => s + b.length, 0));
    });

    it('reads return whole batches from the one holding the offset, bounded by maxBytes and upTo', async () => {
      const log = await make();
      await append(log, batch(5));
      await append(log, batch(5));
      await append(log, batch(2, { size: 5000 }));
      // The batch holding the offset first; later ones may follow (a read may stop at any batch boundary).
      expect(batchRanges((await log.read(7, 1 << 20)).records)[0]).toEqual([5, 9]);
      expect(batchRanges((await log.read(2, 1 << 20, { upTo: 10 })).records)).toEqual([[0, 4], [5, 9]]);
      expect(batchRanges((await log.read(2, 1 << 20, { upTo: 5 })).records)).toEqual([[0, 4]]);
      expect((await log.read(5, 1 << 20, { upTo: 5 })).records.length).toBe(0);
      // maxBytes: the first batch whole even when larger (minOneBatch), else nothing.
      expect(batchRanges((await log.read(10, 100)).records)).toEqual([[10, 11]]);
      expect((await log.read(10, 100, { minOneBatch: false })).records.length).toBe(0);
      const first = (await log.read(0, 1 << 20)).records;
      const one = batchRanges(first)[0];
      expect(batchRanges((await log.read(0, first.readInt32BE(8) + 12)).records)).toEqual([one]);
    });

    it('reads at the log end return nothing; outside [log start, high watermark] are OFFSET_OUT_OF_RANGE', async () => {
      const log = await make();
      expect((await log.read(0, 1000)).records.length).toBe(0);
      await append(log, batch(2));
      expect((await log.read(2, 1000)).records.length).toBe(0);
      await expect(log.read(3, 1000)).rejects.toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
      await expect(log.read(-1, 1000)).rejects.toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
    });

    it('tells onAppend subscribers once the high watermark moves', async () => {
      const log = await make();
      let calls = 0;
      log.onAppend(() => calls++);
      const off = log.onAppend(() => calls += 100);
      off();
      await append(log, batch(1));
      await append(log, batch(1));
      expect(calls).toBe(1);
    });

    it('rolls segments by segment.bytes, reads across them, and counts size and segments', async () => {
      const log = await make({ segmentBytes: 2000, indexIntervalBytes: 100 });
      for (let i = 0; i < 20; i++) await append(log, batch(3, { size: 100 }));
      await log.settle();
      expect(log.numberOfSegments).toBeGreaterThan(3);
      const ranges = await readAll(log);
      expect(ranges.length).toBe(20);
      expect(ranges.map((r) => r[0])).toEqual(Array.from({ length: 20 }, (_, i) => i * 3));
    });

    it('time queries: the first batch reaching a timestamp, the largest timestamp, LogAppendTime', async () => {
      const log = await make({ segmentBytes: 1500 });
      for (let i = 0; i < 10; i++) await append(log, batch(2, { timestamp: 1000 + i * 100, size: 200 }));
      const at = async (ts: number) => {
        const b = await log.batchForTimestamp(ts);
        return b ? readInt64(b, 0) : undefined;
      };
      expect(await at(0)).toBe(0);
      expect(await at(1000)).toBe(0);
      expect(await at(1001)).toBe(2);
      expect(await at(1550)).toBe(12);
      expect(await at(1900)).toBe(18);
      expect(await at(1901)).toBeUndefined();
      expect(log.maxTimestampBatch()?.timestamp).toBe(1900);
      // Below the log start offset nothing is found.
      await log.deleteRecordsBefore(6);
      expect(await at(1000)).toBe(6);

      const lat = await make({ messageTimestampType: 'LogAppendTime' });
      expect(lat.maxTimestampBatch()).toBeUndefined();
      const r = await append(lat, batch(1, { timestamp: 5 }), 777_000);
      expect(r.logAppendTime).toBe(777_000);
      expect(lat.maxTimestampBatch()?.timestamp).toBe(777_000);
      expect(readInt64((await lat.read(0, 1000)).records, 35)).toBe(777_000);
      expect(await lat.batchForTimestamp(6)).toBeDefined();
    });

    it('delete records raises the log start offset, never lowers it, and offsets are not reused', async () => {
      const log = await make({ segmentBytes: 1000 });
      for (let i = 0; i < 10; i++) await append(log, batch(2, { size: 100 }));
      const segments = log.numberOfSegments;
      expect(await log.deleteRecordsBefore(7)).toBe(7);
      expect(await log.deleteRecordsBefore(3)).toBe(7);
      expect(log.logStartOffset).toBe(7);
      expect(log.numberOfSegments).toBeLessThanOrEqual(segments);
      await expect(log.read(6, 1000)).rejects.toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
      // The batch holding offset 7 is returned whole.
      expect(batchRanges((await log.read(7, 1000)).records)[0]).toEqual([6, 7]);
      await expect(log.deleteRecordsBefore(21)).rejects.toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
      expect(await log.deleteRecordsBefore(20)).toBe(20);
      expect((await log.read(20, 1000)).records.length).toBe(0);
      const next = await append(log, batch(1));
      expect(next.baseOffset).toBe(20);
      expect(next.logStartOffset).toBe(20);
    });

    it('retention by size drops whole oldest segments; offsets continue', async () => {
      const log = await make({ segmentBytes: 1000, retentionBytes: 1500 });
      for (let i = 0; i < 12; i++) await append(log, batch(2, { size: 100 }));
      await log.settle();
      const before = log.size;
      const r = await log.applyRetention(Date.now());
      expect(r.segments).toBeGreaterThan(0);
      expect(log.size).toBe(before - r.bytes);
      expect(log.size).toBeLessThanOrEqual(1500 + 1000);
      expect(log.logStartOffset).toBeGreaterThan(0);
      const ranges = await readAll(log);
      expect(ranges[0][0]).toBe(log.logStartOffset);
      expect(ranges[ranges.length - 1][1]).toBe(23);
      expect((await append(log, batch(1))).baseOffset).toBe(24);
    });

    it('retention by time removes everything expired, the active segment too; offsets continue', async () => {
      const log = await make({ retentionMs: 60_000 });
      const now = Date.now();
      await append(log, batch(2, { timestamp: now - 120_000 }));
      await append(log, batch(3, { timestamp: now - 90_000 }));
      expect((await log.applyRetention(now - 70_000)).segments).toBe(0);
      const r = await log.applyRetention(now);
      expect(r.segments).toBe(1);
      expect(log.logStartOffset).toBe(5);
      expect(log.size).toBe(0);
      expect((await log.read(5, 1000)).records.length).toBe(0);
      expect((await append(log, batch(1, { timestamp: now }))).baseOffset).toBe(5);
      // A compacted-only topic keeps everything.
      const kept = await make({ retentionMs: 1, cleanupPolicy: ['compact'] });
      await append(kept, batch(1, { timestamp: 1 }));
      expect((await kept.applyRetention(now)).segments).toBe(0);
    });

    it('truncate cuts whole batches back to the offset; appends continue from the new end', async () => {
      const log = await make({ segmentBytes: 1000 });
      for (let i = 0; i < 10; i++) await append(log, batch(2, { size: 100 }));
      await log.truncateTo(25); // beyond the end: nothing happens
      expect(log.logEndOffset).toBe(20);
      await log.truncateTo(13); // inside the batch [12, 13]: it goes whole
      expect([log.logEndOffset, log.highWatermark]).toEqual([12, 12]);
      expect((await readAll(log)).at(-1)).toEqual([10, 11]);
      await expect(log.read(13, 1000)).rejects.toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
      expect(log.maxTimestampBatch()).toBeDefined();
      const a = await append(log, batch(3));
      const b = await append(log, batch(1));
      expect([a.baseOffset, a.lastOffset, b.baseOffset]).toEqual([12, 14, 15]);
      expect((await readAll(log)).slice(-2)).toEqual([[12, 14], [15, 15]]);
      await log.truncateTo(0);
      expect([log.logEndOffset, log.highWatermark, log.size]).toEqual([0, 0, 0]);
      expect((await append(log, batch(1))).baseOffset).toBe(0);
    });

    it('a slice read before a truncation keeps its bytes when new batches are appended', async () => {
      const log = await make();
      await append(log, batch(2));
      await append(log, batch(2, { tag: 'old' }));
      const held = (await log.read(2, 1000)).records;
      const copy = Buffer.from(held);
      await log.truncateTo(2);
      await append(log, batch(2, { tag: 'new', size: 10 }));
      expect(held.equals(copy)).toBe(true);
    });

    it('flush resolves and leaves everything readable', async () => {
      const log = await make({ fsyncOnAck: false });
      await log.flush();
      for (let i = 0; i < 5; i++) await append(log, batch(1));
      await log.flush();
      await log.settle();
      expect((await readAll(log)).length).toBe(5);
    });

    it('a truncation forgets the producer state and open transactions of the batches it cuts (Kafka rebuilds them)', async () => {
      const log = await make();
      await append(log, idempotent(7n, 0, 2)); // 0..1
      await append(log, idempotent(7n, 2, 2)); // 2..3: a divergent suffix of a deposed leader
      await append(log, idempotent(9n, 0, 1, { transactional: true })); // 4: a transaction it opened
      await log.truncateTo(2);
      // The new leader's batches at 2..4, then this replica leads again and the cut batch is retried.
      await log.appendAsFollower(leaderBatch(2, 3));
      const retry = await append(log, idempotent(7n, 2, 2));
      // Not a duplicate answered with offsets 2..3 (which now hold other records): appended anew.
      expect([retry.baseOffset, retry.lastOffset]).toEqual([5, 6]);
      // The cut transaction does not hold the last stable offset back.
      expect(log.lastStableOffset).toBe(7);
    });

    it('idempotent producers: a retried batch gets its first offsets, a sequence gap is refused', async () => {
      const log = await make();
      const first = await append(log, idempotent(7n, 0, 2));
      await append(log, batch(1));
      const retry = await append(log, idempotent(7n, 0, 2));
      expect([retry.baseOffset, retry.lastOffset]).toEqual([first.baseOffset, first.lastOffset]);
      expect(log.logEndOffset).toBe(3);
      await expect(append(log, idempotent(7n, 5, 1))).rejects.toMatchObject({ errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
      await expect(append(log, idempotent(8n, 3, 1))).rejects.toMatchObject({ errorCode: ErrorCode.UNKNOWN_PRODUCER_ID });
      expect((await append(log, idempotent(7n, 2, 1))).baseOffset).toBe(3);
      expect(log.producers.producers.has('7')).toBe(true);
    });

    it('transactions: the last stable offset waits for the marker; aborted ranges are indexed', async () => {
      const log = await make();
      await append(log, batch(1));
      await append(log, idempotent(9n, 0, 2, { transactional: true }));
      await append(log, batch(1));
      expect(log.lastStableOffset).toBe(1);
      const marker = await log.appendMarker(9n, 0, false, 0);
      expect(marker.baseOffset).toBe(4);
      expect(log.lastStableOffset).toBe(5);
      expect(log.txns.abortedIn(0, 5)).toEqual([{ producerId: 9n, firstOffset: 1, lastOffset: 4 }]);
      // An older producer epoch may not write a marker.
      await append(log, idempotent(9n, 0, 1, { transactional: true, epoch: 1 }));
      await expect(log.appendMarker(9n, 0, true)).rejects.toMatchObject({ errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
      await log.appendMarker(9n, 1, true);
      expect(log.lastStableOffset).toBe(log.highWatermark);
    });

    it('appendAsFollower stores batches with their offsets if they continue the log', async () => {
      const log = await make();
      await append(log, batch(2));
      const later = leaderBatch(10, 2);
      const two = Buffer.concat([leaderBatch(2, 3), later]); // a gap, as after compaction
      const r = await log.appendAsFollower(two);
      expect([r.baseOffset, r.lastOffset, log.logEndOffset, log.highWatermark]).toEqual([2, 11, 12, 12]);
      expect(await readAll(log)).toEqual([[0, 1], [2, 4], [10, 11]]);
      expect((await log.read(6, 1000)).records.equals(later)).toBe(true);
      await expect(log.appendAsFollower(leaderBatch(11, 1))).rejects.toMatchObject({ errorCode: ErrorCode.INVALID_RECORD });
      const damaged = leaderBatch(12, 1);
      damaged[damaged.length - 1] ^= 1;
      await expect(log.appendAsFollower(damaged)).rejects.toMatchObject({ errorCode: ErrorCode.CORRUPT_MESSAGE });
      expect(log.logEndOffset).toBe(12);
      expect((await append(log, batch(1))).baseOffset).toBe(12);
      // Producer state comes along with the batches.
      await log.appendAsFollower(createBatch([{ key: null, value: Buffer.from('x') }], { baseOffset: 13n, producerId: 4n, producerEpoch: 0, baseSequence: 0 }));
      expect(log.producers.producers.get('4')?.batches[0]).toMatchObject({ firstOffset: 13, firstSeq: 0 });
    });

    it('leader epochs: stamped into the batches, ended by the next epoch, cut by truncation, moved by the log start', async () => {
      const log = await make();
      expect([log.latestEpoch(), log.epochEntries()]).toEqual([0, [entry(0, 0)]]);
      await append(log, batch(3)); // 0..2 in epoch 0
      await log.assignLeaderEpoch(1);
      await append(log, batch(2)); // 3..4
      await append(log, batch(2)); // 5..6
      await log.assignLeaderEpoch(3);
      await log.assignLeaderEpoch(2); // older than the current: ignored
      await append(log, batch(4)); // 7..10
      expect([log.leaderEpoch, log.latestEpoch(), log.logEndOffset]).toEqual([3, 3, 11]);
      expect(log.epochEntries()).toEqual([entry(0, 0), entry(1, 3), entry(3, 7)]);
      expect(batchEpochs((await log.read(0, 1 << 20)).records)).toEqual([0, 1, 1, 3]);
      // Kafka's endOffsetFor: the largest epoch <= the one asked for, ended by the next epoch's start.
      expect([0, 1, 2, 3].map((e) => log.endOffsetForEpoch(e))).toEqual([end(0, 3), end(1, 7), end(1, 7), end(3, 11)]);
      expect([4, 100, -1].map((e) => log.endOffsetForEpoch(e))).toEqual([end(-1, -1), end(-1, -1), end(-1, -1)]);

      // Mid-epoch 1: epoch 3 is cut off and epoch 1 (now the latest) ends at the log end.
      await log.truncateTo(5);
      expect([log.logEndOffset, log.latestEpoch()]).toEqual([5, 1]);
      expect(log.epochEntries()).toEqual([entry(0, 0), entry(1, 3)]);
      expect([0, 1, 3].map((e) => log.endOffsetForEpoch(e))).toEqual([end(0, 3), end(1, 5), end(-1, -1)]);
      // The leader's next batch still carries its epoch, which starts again where it lands.
      const r = await append(log, batch(1));
      expect(r.baseOffset).toBe(5);
      expect(log.epochEntries()).toEqual([entry(0, 0), entry(1, 3), entry(3, 5)]);
      expect(log.endOffsetForEpoch(1)).toEqual(end(1, 5));

      // A truncation at an epoch's first offset removes that epoch.
      await log.truncateTo(3);
      expect(log.epochEntries()).toEqual([entry(0, 0)]);
      await append(log, batch(2)); // 3..4 in epoch 3
      expect(log.epochEntries()).toEqual([entry(0, 0), entry(3, 3)]);

      // DeleteRecords: the epoch covering the new log start starts there; an older epoch asked for
      // ends where the first kept one starts.
      expect(await log.deleteRecordsBefore(4)).toBe(4);
      expect(log.epochEntries()).toEqual([entry(3, 4)]);
      expect([0, 2, 3].map((e) => log.endOffsetForEpoch(e))).toEqual([end(0, 4), end(2, 4), end(3, 5)]);
    });

    it('follower appends record the epochs their batches carry, one entry per epoch change', async () => {
      const log = await make();
      const fetched = Buffer.concat([
        leaderBatch(0, 2, { epoch: 0 }),
        leaderBatch(2, 2, { epoch: 1 }),
        leaderBatch(4, 1, { epoch: 1 }),
        leaderBatch(5, 3, { epoch: 3 }),
        leaderBatch(8, 1, { epoch: -1 }), // no partition leader epoch: nothing to record
      ]);
      await log.appendAsFollower(fetched);
      expect(log.epochEntries()).toEqual([entry(0, 0), entry(1, 2), entry(3, 5)]);
      expect([log.latestEpoch(), log.leaderEpoch, log.logEndOffset]).toEqual([3, 3, 9]);
      expect([-1, 0, 1, 2, 3, 4].map((e) => log.endOffsetForEpoch(e))).toEqual([end(-1, -1), end(0, 2), end(1, 5), end(1, 5), end(3, 9), end(-1, -1)]);
      await log.appendAsFollower(leaderBatch(9, 2, { epoch: 3 }));
      await log.appendAsFollower(leaderBatch(12, 1, { epoch: 4 })); // after a gap, as compaction leaves
      expect(log.epochEntries()).toEqual([entry(0, 0), entry(1, 2), entry(3, 5), entry(4, 12)]);
      expect(log.leaderEpoch).toBe(4);

      // Truncation mid-epoch 3, as a follower does after OffsetForLeaderEpoch; the leader's batches
      // then bring their epoch in again at their own offsets.
      await log.truncateTo(7);
      expect([log.logEndOffset, log.epochEntries()]).toEqual([5, [entry(0, 0), entry(1, 2)]]);
      await log.appendAsFollower(Buffer.concat([leaderBatch(5, 2, { epoch: 2 }), leaderBatch(7, 1, { epoch: 5 })]));
      expect(log.epochEntries()).toEqual([entry(0, 0), entry(1, 2), entry(2, 5), entry(5, 7)]);
      expect(log.endOffsetForEpoch(3)).toEqual(end(2, 7));

      // A log whose first batches come from a later epoch starts in that epoch.
      const fresh = await make();
      await fresh.appendAsFollower(leaderBatch(0, 2, { epoch: 6 }));
      expect(fresh.epochEntries()).toEqual([entry(6, 0)]);
      expect([fresh.endOffsetForEpoch(5), fresh.endOffsetForEpoch(6)]).toEqual([end(5, 0), end(6, 2)]);
    });

    it('truncateFullyAndStartAt empties the log and starts it at the offset (a follower behind its leader\'s log start)', async () => {
      const log = await make({ segmentBytes: 300 });
      await log.appendAsFollower(Buffer.concat([leaderBatch(0, 3, { epoch: 1 }), leaderBatch(3, 2, { epoch: 2 })]));
      await log.appendAsFollower(createBatch([{ key: null, value: Buffer.from('p') }], { baseOffset: 5n, producerId: 4n, producerEpoch: 0, baseSequence: 0, partitionLeaderEpoch: 2 }));
      await log.appendAsFollower(createBatch([{ key: null, value: Buffer.from('t') }], { baseOffset: 6n, producerId: 9n, producerEpoch: 0, baseSequence: 0, transactional: true, partitionLeaderEpoch: 2 }));
      for (let i = 7; i < 12; i++) await log.appendAsFollower(leaderBatch(i, 1, { epoch: 2 }));
      await log.settle();
      expect(log.numberOfSegments).toBeGreaterThan(1);
      expect(log.lastStableOffset).toBe(6);

      await log.truncateFullyAndStartAt(40);
      expect([log.logStartOffset, log.logEndOffset, log.highWatermark, log.lastStableOffset]).toEqual([40, 40, 40, 40]);
      expect([log.size, log.numberOfSegments]).toEqual([0, 1]);
      expect((await log.read(40, 1000)).records.length).toBe(0);
      for (const below of [0, 11, 39]) await expect(log.read(below, 1000)).rejects.toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
      // No epochs (Kafka clears the cache); the leader epoch itself stays.
      expect([log.epochEntries(), log.latestEpoch(), log.endOffsetForEpoch(2)]).toEqual([[], -1, end(-1, -1)]);
      expect(log.leaderEpoch).toBe(2);
      // Producer state and open transactions are gone.
      expect(log.producers.producers.size).toBe(0);
      expect(log.txns.ongoing.size).toBe(0);
      expect(log.maxTimestampBatch()).toBeUndefined();

      // The leader's batches from its log start continue the log and bring their epochs in.
      await expect(log.appendAsFollower(leaderBatch(39, 1, { epoch: 3 }))).rejects.toMatchObject({ errorCode: ErrorCode.INVALID_RECORD });
      const r = await log.appendAsFollower(Buffer.concat([leaderBatch(40, 2, { epoch: 3 }), leaderBatch(42, 1, { epoch: 4 })]));
      expect([r.baseOffset, r.lastOffset, log.logEndOffset, log.highWatermark]).toEqual([40, 42, 43, 43]);
      expect(await readAll(log)).toEqual([[40, 41], [42, 42]]);
      expect(log.epochEntries()).toEqual([entry(3, 40), entry(4, 42)]);
      expect(log.endOffsetForEpoch(3)).toEqual(end(3, 42));
      // A producer known before starts afresh: its next sequence is not checked against the old state.
      await log.appendAsFollower(createBatch([{ key: null, value: Buffer.from('q') }], { baseOffset: 43n, producerId: 4n, producerEpoch: 0, baseSequence: 7, partitionLeaderEpoch: 4 }));
      expect(log.producers.producers.get('4')?.batches).toHaveLength(1);
      expect(log.producers.producers.get('4')?.batches[0]).toMatchObject({ firstOffset: 43, firstSeq: 7 });
      expect(log.lastStableOffset).toBe(44);

      // A full truncation to the base of the (empty) active segment, and to below the end, work too.
      const other = await make();
      await other.truncateFullyAndStartAt(0);
      expect([other.logStartOffset, other.logEndOffset, other.epochEntries()]).toEqual([0, 0, []]);
      await append(other, batch(3));
      await other.truncateFullyAndStartAt(1);
      expect([other.logStartOffset, other.logEndOffset, other.size]).toEqual([1, 1, 0]);
      expect((await append(other, batch(1))).baseOffset).toBe(1);
    });

    it('retention moves the first epoch up to the new log start', async () => {
      const log = await make({ segmentBytes: 200, retentionMs: 60_000 });
      const old = Date.now() - 3_600_000;
      await log.appendAsFollower(Buffer.concat([leaderBatch(0, 2, { epoch: 0, timestamp: old }), leaderBatch(2, 2, { epoch: 2, timestamp: old })]));
      await log.appendAsFollower(leaderBatch(4, 2, { epoch: 2, timestamp: old }));
      await log.appendAsFollower(leaderBatch(6, 2, { epoch: 4, timestamp: Date.now() }));
      expect(log.epochEntries()).toEqual([entry(0, 0), entry(2, 2), entry(4, 6)]);
      // Segments: [0..3] (old), then [4..7] whose newest batch keeps it.
      expect(await log.applyRetention()).toMatchObject({ segments: 1 });
      expect(log.logStartOffset).toBe(4);
      expect(log.epochEntries()).toEqual([entry(2, 4), entry(4, 6)]);
      expect([0, 2, 4].map((e) => log.endOffsetForEpoch(e))).toEqual([end(0, 4), end(2, 6), end(4, 8)]);
    });

    it('compaction keeps the latest record per key at its offset, and a tombstone until delete.retention.ms', async () => {
      const retention = 60_000;
      const log = await make({ cleanupPolicy: ['compact'], segmentBytes: 300, deleteRetentionMs: retention });
      const t = Date.now() - 10_000;
      // 12 batches of two records over keys a, b, c; from offset 13 on every write of b is a tombstone.
      for (let i = 0; i < 12; i++) {
        const recs = [0, 1].map((j) => {
          const n = i * 2 + j;
          const key = 'abc'[n % 3];
          return { key: Buffer.from(key), value: key === 'b' && n >= 13 ? null : Buffer.from(`v${n}`), timestamp: t };
        });
        await append(log, createBatch(recs, { baseTimestamp: t }));
      }
      await log.settle();
      expect(log.numberOfSegments).toBeGreaterThan(2);
      const before = await readRecords(log);
      const activeStart = log.cleanable().activeBaseOffset;
      expect(activeStart).toBeGreaterThan(16);
      const first = await compactLog(log, Date.now());
      expect(first.segments).toBeGreaterThan(0);
      expect(first.bytesAfter).toBeLessThan(first.bytesBefore);
      const after = await readRecords(log);
      const byOffset = new Map(before.map((r) => [r.offset, r]));
      for (const r of after) expect(byOffset.get(r.offset)).toEqual(r);
      const closed = after.filter((r) => r.offset < activeStart);
      // One record per key below the active segment, the latest one there; the tombstone is still kept.
      for (const key of 'abc') {
        const latest = before.filter((r) => r.key === key && r.offset < activeStart).at(-1)!;
        expect(closed.filter((r) => r.key === key)).toEqual([latest]);
      }
      expect(closed.find((r) => r.key === 'b')).toEqual({ offset: 16, key: 'b', value: null });
      expect(after.filter((r) => r.offset >= activeStart)).toEqual(before.filter((r) => r.offset >= activeStart));
      expect(log.logEndOffset).toBe(24);

      // Past delete.retention.ms the tombstone goes too; offsets go on where they were.
      await compactLog(log, t + retention + 1000);
      const later = await readRecords(log);
      expect(later.some((r) => r.key === 'b' && r.offset < activeStart)).toBe(false);
      expect(later.filter((r) => r.key !== 'b')).toEqual(after.filter((r) => r.key !== 'b'));
      expect((await append(log, batch(1))).baseOffset).toBe(24);
    });
  });
}

/**
 * Log compaction (cleanup.policy=compact): closed segments are rewritten keeping, for every key, only
 * its latest record; tombstones (null values) are dropped once they are older than
 * delete.retention.ms. Offsets never change: a batch that loses records keeps its base offset and
 * offset range (so consumers see gaps, which they tolerate), a batch that loses all is dropped.
 * Only sealed segments are touched, so appends never wait; the latest value of a key in the active
 * segment supersedes older ones once that segment is sealed.
 *
 * Each segment is replaced on its own: the rewrite goes to `<base>.log.cleaned`, is fsynced, and is
 * renamed over the old file, so a crash leaves either the old or the new segment, never a mix.
 * Deviations from Kafka: no merging of small segments, no dirty-ratio scheduling (every pass
 * considers all closed segments), no delete-horizon attribute, control batches are kept as they are.
 */
import { rename } from 'node:fs/promises';
import { openSync, writeSync, fsyncSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PartitionLog } from './partition-log.js';
import { Segment } from './segment.js';
import { fsyncDir } from '../util/fs.js';
import { Attr, BATCH_HEADER_SIZE, LOG_OVERHEAD, readBatchHeader } from '../protocol/record-batch.js';
import { batchRecords } from '../protocol/batch-records.js';
import { encodeRecords, buildBatch } from '../protocol/records.js';
import { compress } from '../protocol/compression.js';

export interface CleanResult {
  segments: number;
  recordsRemoved: number;
  bytesBefore: number;
  bytesAfter: number;
}

/** Calls fn for every batch of a closed segment, in order. */
async function forEachBatch(seg: Segment, fn: (batch: Buffer) => Promise<void>): Promise<void> {
  const CHUNK = 8 * 1024 * 1024;
  let pos = 0;
  while (pos < seg.written) {
    const buf = await seg.read(Math.min(CHUNK, seg.written - pos), pos);
    let p = 0;
    while (p + BATCH_HEADER_SIZE <= buf.length) {
      const size = buf.readInt32BE(p + 8) + LOG_OVERHEAD;
      if (p + size > buf.length) {
        if (p === 0) {
          await fn(await seg.read(size, pos));
          p = size;
        }
        break;
      }
      await fn(buf.subarray(p, p + size));
      p += size;
    }
    if (p === 0) break;
    pos += p;
  }
}

const keyOf = (k: Buffer): string => k.toString('latin1');

export async function compactLog(log: PartitionLog, now = Date.now()): Promise<CleanResult> {
  const result: CleanResult = { segments: 0, recordsRemoved: 0, bytesBefore: 0, bytesAfter: 0 };
  const cfg = log.config();
  if (!cfg.cleanupPolicy.includes('compact')) return result;
  const closed = log.segments.slice(0, -1).filter((s) => s.sealed);
  if (closed.length === 0) return result;

  // The latest offset of every key in the closed part of the log.
  const latest = new Map<string, number>();
  for (const seg of closed) {
    await forEachBatch(seg, async (batch) => {
      if (batch.readInt16BE(21) & Attr.CONTROL) return;
      for (const r of await batchRecords(batch)) if (r.key) latest.set(keyOf(r.key), Number(r.offset));
    });
  }

  for (const seg of closed) {
    const out: Buffer[] = [];
    let changed = false;
    let removed = 0;
    await forEachBatch(seg, async (batch) => {
      const h = readBatchHeader(batch);
      if (h.attributes & Attr.CONTROL) return void out.push(batch);
      const records = await batchRecords(batch);
      const tombstonesExpired = Number(h.maxTimestamp) < now - cfg.deleteRetentionMs;
      const keep = records.filter((r) => {
        if (!r.key) return true;
        if ((latest.get(keyOf(r.key)) ?? -1) > Number(r.offset)) return false;
        return !(r.value === null && tombstonesExpired);
      });
      if (keep.length === records.length) return void out.push(batch);
      changed = true;
      removed += records.length - keep.length;
      if (keep.length === 0) return;
      const codec = h.attributes & Attr.COMPRESSION_MASK;
      const section = encodeRecords(
        keep.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: Number(r.timestamp), offsetDelta: Number(r.offset - h.baseOffset) })),
        Number(h.baseTimestamp),
      );
      out.push(
        buildBatch(await compress(codec, section), keep.length, {
          baseOffset: h.baseOffset,
          partitionLeaderEpoch: h.partitionLeaderEpoch,
          attributes: h.attributes,
          lastOffsetDelta: h.lastOffsetDelta,
          baseTimestamp: Number(h.baseTimestamp),
          maxTimestamp: Number(h.maxTimestamp),
          producerId: h.producerId,
          producerEpoch: h.producerEpoch,
          baseSequence: h.baseSequence,
        }),
      );
    });
    if (!changed) continue;
    const before = seg.written;
    const cleanedPath = `${seg.logPath}.cleaned`;
    const fd = openSync(cleanedPath, 'w');
    try {
      for (const b of out) writeSync(fd, b);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    await rename(cleanedPath, seg.logPath);
    await fsyncDir(dirname(seg.logPath));
    const fresh = await log.replaceSegment(seg, async (files) => {
      const s = new Segment(seg.dir, seg.baseOffset, files);
      await s.scan(0, cfg.indexIntervalBytes);
      s.nextOffset = Math.max(s.nextOffset, seg.nextOffset);
      await s.writeIndexes();
      s.sealed = true;
      return s;
    });
    result.segments++;
    result.recordsRemoved += removed;
    result.bytesBefore += before;
    result.bytesAfter += fresh.written;
  }
  return result;
}

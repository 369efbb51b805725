/**
 * What every Log implementation does to a batch before storing it, so that they assign offsets
 * and timestamps alike: a leader stamps the offsets it assigns (and LogAppendTime); a follower's
 * batches must be intact and continue the log.
 */
import { LOG_OVERHEAD, isIntactBatch, patchBatch, readInt64, setLogAppendTime, type BatchInfo, HeaderOffset } from '../protocol/record-batch.js';
import { ErrorCode } from '../protocol/errors.js';
import type { LogConfig } from './log-config.js';
import { StorageError } from './log.js';

export interface Stamped {
  lastOffset: number;
  /** The batch's max timestamp as stored (the broker's clock with LogAppendTime). */
  maxTimestamp: number;
  /** Broker time stamped into the batch with LogAppendTime, else -1. */
  logAppendTime: number;
}

/** Kafka's LogValidator for an accepted batch: offsets from `baseOffset` and LogAppendTime, in place. */
export function stampLeaderBatch(buf: Buffer, info: BatchInfo, baseOffset: number, leaderEpoch: number, cfg: LogConfig, now: number): Stamped {
  patchBatch(buf, BigInt(baseOffset), leaderEpoch);
  if (cfg.messageTimestampType === 'LogAppendTime') {
    setLogAppendTime(buf, BigInt(now));
    return { lastOffset: baseOffset + info.lastOffsetDelta, maxTimestamp: now, logAppendTime: now };
  }
  return { lastOffset: baseOffset + info.lastOffsetDelta, maxTimestamp: Number(info.maxTimestamp), logAppendTime: -1 };
}

/**
 * Why batches a follower fetched cannot continue a log ending at `logEndOffset` (Kafka's
 * UnexpectedAppendOffsetException and CorruptRecordException), or undefined when they can.
 * Gaps are allowed (a compacted leader's batches need not be contiguous).
 */
export function checkFollowerBatches(records: Buffer, logEndOffset: number): StorageError | undefined {
  if (records.length === 0) return new StorageError(ErrorCode.INVALID_RECORD, 'no batches to append');
  let next = logEndOffset;
  for (let p = 0; p < records.length; ) {
    if (!isIntactBatch(records, p)) return new StorageError(ErrorCode.CORRUPT_MESSAGE, `damaged batch at byte ${p}`);
    const base = readInt64(records, p);
    const last = base + records.readInt32BE(p + HeaderOffset.LAST_OFFSET_DELTA);
    if (base < next || last < base)
      return new StorageError(ErrorCode.INVALID_RECORD, `batch at offset ${base} does not continue the log (next offset ${next})`);
    next = last + 1;
    p += records.readInt32BE(p + HeaderOffset.LENGTH) + LOG_OVERHEAD;
  }
  return undefined;
}

/** Calls `fn` for every batch of `records` (already checked whole), with its offsets and timestamp. */
export function forEachBatch(records: Buffer, fn: (batch: Buffer, baseOffset: number, lastOffset: number, maxTimestamp: number) => void): void {
  for (let p = 0; p < records.length; ) {
    const size = records.readInt32BE(p + HeaderOffset.LENGTH) + LOG_OVERHEAD;
    const batch = records.subarray(p, p + size);
    const base = readInt64(batch, HeaderOffset.BASE_OFFSET);
    fn(batch, base, base + batch.readInt32BE(HeaderOffset.LAST_OFFSET_DELTA), readInt64(batch, HeaderOffset.MAX_TIMESTAMP));
    p += size;
  }
}

/**
 * As Kafka's LogSegment.shouldRoll: by size, or by segment.ms measured between the first batch's
 * timestamp and the incoming one's (the wall clock only when there are no timestamps), so that
 * old timestamps do not roll a segment per batch and future ones do not prevent rolling.
 */
export function shouldRoll(seg: { size: number; firstBatchTimestamp: number; created: number }, incoming: number, incomingTimestamp: number, now: number, cfg: LogConfig): boolean {
  if (seg.size === 0) return false;
  if (seg.size + incoming > cfg.segmentBytes) return true;
  if (!Number.isFinite(cfg.rollMs)) return false;
  const waited = seg.firstBatchTimestamp >= 0 && incomingTimestamp >= 0 ? incomingTimestamp - seg.firstBatchTimestamp : now - seg.created;
  return waited > cfg.rollMs;
}

/** Bytes of a log's segments. */
export function totalSize(segments: Iterable<{ size: number }>): number {
  let s = 0;
  for (const seg of segments) s += seg.size;
  return s;
}

/** Callbacks waiting for the next append (fetches waiting for data), each called once. */
export class AppendWaiters {
  private readonly waiters = new Set<() => void>();

  add(fn: () => void): () => void {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }

  notify(): void {
    if (this.waiters.size === 0) return;
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }
}

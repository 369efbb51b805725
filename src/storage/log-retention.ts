/**
 * Moving the start of a file log forward: DeleteRecords (the log start offset, and the segments
 * wholly below it) and retention (closed segments past retention.ms or beyond retention.bytes).
 * Offsets continue where they were: nothing here lowers the log end offset. The epoch that covers
 * the new log start now starts there (Kafka's truncateFromStart in maybeIncrementLogStartOffset).
 */
import type { Segment } from './segment.js';
import type { PartitionLog } from './partition-log.js';
import { ErrorCode } from '../protocol/errors.js';
import { StorageError, type Log, type RetentionResult } from './log.js';
import type { Logger } from '../util/logger.js';

/** DeleteRecords: moves the log start offset forward and drops the segments wholly below it. */
export async function deleteRecordsBefore(log: PartitionLog, offset: number): Promise<number> {
  if (offset > log.highWatermark || offset < 0)
    throw new StorageError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${offset} is beyond the high watermark ${log.highWatermark}`);
  if (offset > log.logStartOffset) log.logStartOffset = offset;
  log.txns.trim(log.logStartOffset);
  const segments = log.segments;
  while (segments.length > 1 && segments[1].baseOffset <= log.logStartOffset && segments[0].sealed) {
    const seg = segments.shift()!;
    await seg.delete();
  }
  await log.logStartMoved();
  return log.logStartOffset;
}

/**
 * Deletes closed segments past retention.ms (by their largest timestamp, or file time when they
 * have none) or beyond retention.bytes. If even the active segment has expired, it is rolled
 * first so that it can go too: offsets continue from where they were.
 */
export async function applyRetention(log: PartitionLog, now: number): Promise<RetentionResult> {
  const cfg = log.config();
  if (!cfg.cleanupPolicy.includes('delete')) return { segments: 0, bytes: 0 };
  for (const s of log.segments) await s.largestTimestamp();
  const expired = (s: Segment): boolean =>
    cfg.retentionMs >= 0 && Number.isFinite(cfg.retentionMs) && now - (s.maxTimestamp >= 0 ? s.maxTimestamp : s.lastModified) > cfg.retentionMs;
  if (log.active.size > 0 && expired(log.active) && log.segments.every(expired)) {
    log.roll(log.logEndOffset);
    await log.settle();
  }
  const segments = log.segments;
  let deleted = 0;
  let bytes = 0;
  let excess = cfg.retentionBytes >= 0 ? log.size - cfg.retentionBytes : -Infinity;
  while (segments.length > 1 && segments[0].sealed) {
    const seg = segments[0];
    const bySize = excess - seg.size >= 0;
    if (!expired(seg) && !bySize) break;
    segments.shift();
    excess -= seg.size;
    bytes += seg.size;
    deleted++;
    log.logStartOffset = Math.max(log.logStartOffset, segments[0].baseOffset);
    await seg.delete();
  }
  log.txns.trim(log.logStartOffset);
  if (deleted > 0) await log.logStartMoved();
  return { segments: deleted, bytes };
}

/** One retention pass over every log of the broker: idle producers expire, old segments go. */
export async function retentionPass(logs: Log[], now: number, producerExpirationMs: number, logger: Logger): Promise<void> {
  for (const p of logs) {
    try {
      const expired = p.producers.expire(now, producerExpirationMs);
      if (expired > 0) logger.debug({ topic: p.topic, partition: p.partition, producers: expired }, 'expired idle producer state');
      const r = await p.applyRetention(now);
      if (r.segments > 0)
        logger.info({ topic: p.topic, partition: p.partition, segments: r.segments, bytes: r.bytes, logStartOffset: p.logStartOffset }, 'retention deleted segments');
    } catch (err) {
      logger.error({ topic: p.topic, partition: p.partition, err: (err as Error).message }, 'retention failed');
    }
  }
}

/**
 * Truncation of a file log (a follower cutting back to where it agrees with its leader): whole
 * segments past the offset are deleted and the last one kept is cut at the first batch that holds
 * or follows it. The log end offset becomes the end of what is left; the high watermark, the
 * recovery point and the leader epochs never stay above it (Kafka's truncateFromEnd).
 *
 * A full truncation (Kafka's truncateFullyAndStartAt) replaces every segment by one empty segment
 * at the new offset. Its file is there before the old ones go, so a crash in between leaves either
 * the old log or a log that already ends at the new offset (the loader takes the first segment's
 * base as the least log start), never a directory without segments, which would restart at 0.
 */
import { Segment } from './segment.js';
import type { PartitionLog } from './partition-log.js';

export async function truncateTo(log: PartitionLog, offset: number): Promise<void> {
  await log.settle();
  if (offset >= log.logEndOffset) return;
  const segments = log.segments;
  while (segments.length > 1 && log.active.baseOffset >= offset) {
    const seg = segments.pop()!;
    await seg.delete();
  }
  const active = log.active;
  await active.truncateTo(offset, log.config().indexIntervalBytes);
  active.sealed = false;
  await log.truncated(Math.max(active.nextOffset, active.baseOffset));
}

export async function truncateFullyAndStartAt(log: PartitionLog, offset: number): Promise<void> {
  await log.settle();
  const old = log.segments.splice(0);
  // A segment already based at the offset (an empty active one, say) is emptied and kept: a new
  // one would share its file names.
  const same = old.find((s) => s.baseOffset === offset);
  const fresh = same ?? new Segment(log.dir, offset, log.files);
  if (!same) await log.files.with(fresh.logPath, async () => undefined);
  for (const seg of old) if (seg !== same) await seg.delete();
  if (same) await same.truncateTo(offset, log.config().indexIntervalBytes);
  fresh.sealed = false;
  log.segments.push(fresh);
  await log.startedAt(offset);
}

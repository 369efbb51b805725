/**
 * Truncation of a file log (a follower cutting back to where it agrees with its leader): whole
 * segments past the offset are deleted and the last one kept is cut at the first batch that holds
 * or follows it. The log end offset becomes the end of what is left; the high watermark, the
 * recovery point and the leader epochs never stay above it (Kafka's truncateFromEnd).
 */
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

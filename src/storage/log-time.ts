/**
 * Time lookups of a file log (ListOffsets by timestamp): the segments' time indexes narrow the
 * search to a position, from which batch headers are read until one reaches the timestamp.
 */
import type { Segment } from './segment.js';
import { LOG_OVERHEAD, readInt64, HeaderOffset, BATCH_HEADER_SIZE } from '../protocol/record-batch.js';

/**
 * The first batch whose max timestamp is >= ts, below `highWatermark` and ending at or after
 * `logStartOffset`, or undefined.
 */
export async function batchForTimestamp(segments: Segment[], ts: number, logStartOffset: number, highWatermark: number): Promise<Buffer | undefined> {
  for (const seg of segments) {
    if ((await seg.largestTimestamp()) < ts) continue;
    let pos = Math.max(await seg.positionForTimestamp(ts), 0);
    const limit = seg.written;
    while (pos < limit) {
      const head = await seg.read(BATCH_HEADER_SIZE, pos);
      if (head.length < BATCH_HEADER_SIZE) break;
      const base = readInt64(head, HeaderOffset.BASE_OFFSET);
      if (base >= highWatermark) return undefined;
      const size = head.readInt32BE(HeaderOffset.LENGTH) + LOG_OVERHEAD;
      if (readInt64(head, HeaderOffset.MAX_TIMESTAMP) >= ts && base + head.readInt32BE(HeaderOffset.LAST_OFFSET_DELTA) >= logStartOffset) return seg.read(size, pos);
      pos += size;
    }
  }
  return undefined;
}

/** The segment with the largest timestamp, and that timestamp (ListOffsets MAX_TIMESTAMP). */
export function maxTimestampSegment(segments: Segment[]): { timestamp: number; segment: Segment } | undefined {
  let best: Segment | undefined;
  for (const s of segments) if (s.maxTimestamp >= 0 && (!best || s.maxTimestamp > best.maxTimestamp)) best = s;
  return best ? { timestamp: best.maxTimestamp, segment: best } : undefined;
}

/**
 * The writing side of compaction (cleaner.ts): a segment rewritten with a pass's offset map,
 * streaming, each batch kept as it is, rebuilt without its shadowed records and expired
 * tombstones, or dropped. Where the kept batches go is the log's business (clean-target.ts): a
 * file rewrite swapped in crash-safely (clean-file.ts), or a memory segment's new batch list.
 */
import type { CleanSegment } from './clean-target.js';
import { recordSpans } from './record-spans.js';
import { isAborted, type Ctx } from './clean-scan.js';
import { Attr, BATCH_HEADER_SIZE, readBatchHeader, HeaderOffset } from '../protocol/record-batch.js';
import { buildBatch } from '../protocol/records.js';
import { compress, decompress } from '../protocol/compression.js';

/** A batch as the cleaner leaves it: the same buffer, a rebuilt one, or null (dropped). */
async function filterBatch(ctx: Ctx, batch: Buffer): Promise<{ batch: Buffer | null; removed: number }> {
  const attrs = batch.readInt16BE(HeaderOffset.ATTRIBUTES);
  if (attrs & Attr.CONTROL) return { batch, removed: 0 };
  const h = readBatchHeader(batch);
  const base = Number(h.baseOffset);
  if (isAborted(ctx.log, batch, attrs, base)) return { batch: null, removed: h.recordCount };
  const codec = attrs & Attr.COMPRESSION_MASK;
  const section = await decompress(codec, batch.subarray(BATCH_HEADER_SIZE, h.size));
  const retention = ctx.log.config().deleteRetentionMs;
  const batchTime = Number(h.maxTimestamp);
  const tombstonesExpired = batchTime < ctx.now - retention;
  const kept: Buffer[] = [];
  let removed = 0;
  let n = 0;
  for (const r of recordSpans(section, h.recordCount)) {
    if ((++n & 1023) === 0 && ctx.pacer.due) await ctx.pacer.pause();
    let keep = true;
    if (r.key !== null) {
      if (ctx.map.get(r.key) > base + r.offsetDelta) keep = false;
      else if (r.tombstone) {
        if (tombstonesExpired) keep = false;
        else ctx.tombstoneDue = Math.min(ctx.tombstoneDue, batchTime + retention);
      }
    }
    if (keep) kept.push(section.subarray(r.start, r.end));
    else removed++;
  }
  if (removed === 0) return { batch, removed };
  if (kept.length === 0) return { batch: null, removed };
  const packed = await compress(codec, Buffer.concat(kept));
  const rebuilt = buildBatch(packed, kept.length, {
    baseOffset: h.baseOffset,
    partitionLeaderEpoch: h.partitionLeaderEpoch,
    attributes: h.attributes,
    lastOffsetDelta: h.lastOffsetDelta,
    baseTimestamp: Number(h.baseTimestamp),
    maxTimestamp: batchTime,
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    baseSequence: h.baseSequence,
  });
  return { batch: rebuilt, removed };
}

/**
 * Rewrites one segment with the current map, through the log's SegmentRewrite (clean-target.ts).
 * Returns undefined when the segment is left alone.
 */
export async function cleanSegment(ctx: Ctx, seg: CleanSegment): Promise<{ removed: number; before: number; after: number } | undefined> {
  const out = ctx.log.rewrite(seg, { chunkBytes: ctx.chunk, pause: () => ctx.pacer.pause() });
  let removed = 0;
  try {
    for await (const { batch, pos } of ctx.log.batches(seg, seg.baseOffset, ctx.chunk)) {
      await ctx.pacer.pause();
      const r = await filterBatch(ctx, batch);
      removed += r.removed;
      await out.put(batch, pos, r.batch);
    }
  } catch (err) {
    await out.abort();
    throw err;
  }
  const done = await out.commit();
  return done && { removed, ...done };
}

/**
 * The writing side of compaction (cleaner.ts): a segment rewritten with a pass's offset map,
 * streaming, each batch kept as it is, rebuilt without its shadowed records and expired
 * tombstones, or dropped; the rewrite is swapped in crash-safely through clean-swap.ts with
 * indexes built as its batches are written.
 */
import { Segment } from './segment.js';
import { OffsetIndex, TimeIndex } from './indexes.js';
import { recordSpans } from './record-spans.js';
import { CleanedWriter, commitSwap, discardRewrite, installFiles } from './clean-swap.js';
import { batchesOf, isAborted, type Ctx } from './clean-scan.js';
import { fsyncDir } from '../util/fs.js';
import { Attr, BATCH_HEADER_SIZE, readBatchHeader, readInt64, HeaderOffset } from '../protocol/record-batch.js';
import { buildBatch } from '../protocol/records.js';
import { compress, decompress } from '../protocol/compression.js';

/** The indexes and bounds of a rewritten segment, built as its batches are written. */
class IndexBuilder {
  index = new OffsetIndex();
  timeIndex = new TimeIndex();
  maxTimestamp = -1;
  firstTimestamp = -1;
  size = 0;
  nextOffset: number;
  private sinceIndex = 0;
  private lastBase = -1;

  constructor(
    private readonly base: number,
    private readonly interval: number,
  ) {
    this.nextOffset = base;
  }

  /** As Segment.track, for a batch written at `position` of the new file. */
  track(batch: Buffer, position: number): void {
    const base = readInt64(batch, HeaderOffset.BASE_OFFSET);
    const ts = readInt64(batch, HeaderOffset.MAX_TIMESTAMP);
    if (ts > this.maxTimestamp) this.maxTimestamp = ts;
    if (position === 0 || this.sinceIndex > this.interval) {
      const rel = base - this.base;
      this.index.append(rel, position);
      if (this.maxTimestamp >= 0) this.timeIndex.maybeAppend(this.maxTimestamp, rel);
      this.sinceIndex = 0;
    }
    if (position === 0) this.firstTimestamp = ts;
    this.sinceIndex += batch.length;
    this.lastBase = base;
    this.nextOffset = base + batch.readInt32BE(HeaderOffset.LAST_OFFSET_DELTA) + 1;
    this.size = position + batch.length;
  }

  /** Fills a fresh Segment object for the new file (it takes the old one's place and clocks). */
  applyTo(s: Segment, old: Segment): void {
    // The final entry Segment.writeIndexes would add: the time index ends at the largest timestamp.
    if (this.maxTimestamp >= 0 && this.lastBase >= 0) this.timeIndex.maybeAppend(this.maxTimestamp, this.lastBase - this.base);
    s.index = this.index;
    s.timeIndex = this.timeIndex;
    s.maxTimestamp = this.maxTimestamp;
    s.firstBatchTimestamp = this.firstTimestamp;
    s.size = s.written = this.size;
    s.nextOffset = Math.max(this.nextOffset, old.nextOffset);
    s.lastModified = old.lastModified;
    s.created = old.created;
    s.sealed = true;
  }
}

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

/** Copies the unchanged head [0, upTo) of a segment into its rewrite. */
async function copyHead(ctx: Ctx, seg: Segment, upTo: number, out: CleanedWriter): Promise<void> {
  for (let pos = 0; pos < upTo; ) {
    const buf = await seg.read(Math.min(ctx.chunk, upTo - pos), pos);
    if (buf.length === 0) throw new Error(`short read of ${seg.logPath}`);
    await out.write(buf);
    pos += buf.length;
    await ctx.pacer.pause();
  }
}

/**
 * Rewrites one segment with the current map, streaming; nothing is written until the first batch
 * that changes (a segment with nothing to remove is left alone). Returns undefined when unchanged.
 */
export async function cleanSegment(ctx: Ctx, seg: Segment): Promise<{ removed: number; before: number; after: number } | undefined> {
  const { log } = ctx;
  const idx = new IndexBuilder(seg.baseOffset, log.config().indexIntervalBytes);
  let out: CleanedWriter | undefined;
  let removed = 0;
  const before = seg.written;
  try {
    for await (const { batch, pos } of batchesOf(ctx, seg, 0)) {
      await ctx.pacer.pause();
      const r = await filterBatch(ctx, batch);
      removed += r.removed;
      if (r.batch !== batch && !out) {
        out = await CleanedWriter.create(seg.logPath);
        await copyHead(ctx, seg, pos, out);
      }
      if (!r.batch) continue;
      idx.track(r.batch, out ? out.position : pos);
      if (out) await out.write(r.batch);
    }
    if (!out) return undefined;
    await out.finish(seg.lastModified);
    if (!log.segments.includes(seg)) throw new Error(`segment ${seg.baseOffset} went away during compaction`);
    await commitSwap(seg.logPath, seg.dir);
  } catch (err) {
    await out?.abort();
    throw err;
  }
  // Committed: from here a crash or an error leaves the swap file, which the next open installs.
  const fresh = await log.replaceSegment(seg, async (files) => {
    if (!log.segments.includes(seg)) {
      await discardRewrite(seg.logPath);
      return seg;
    }
    await installFiles(seg.logPath);
    const s = new Segment(seg.dir, seg.baseOffset, files);
    idx.applyTo(s, seg);
    return s;
  });
  if (fresh === seg) return undefined;
  await fsyncDir(seg.dir);
  await fresh.writeIndexes();
  return { removed, before, after: fresh.written };
}

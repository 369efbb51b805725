/**
 * Log compaction (cleanup.policy=compact), after Kafka's LogCleaner: closed segments are rewritten
 * keeping, for every key, only its latest record; tombstones (null values) are dropped once their
 * batch is older than delete.retention.ms. Offsets never change: a batch that loses records keeps
 * its base offset and offset range (consumers see gaps, which they tolerate), one that loses all
 * is dropped.
 *
 * A run looks at the cleanable part of the log: the sealed segments below the active one and
 * below the first offset of an open transaction (what an open transaction wrote may still be
 * aborted, and must neither shadow nor be shadowed yet). Its dirty section starts where the
 * previous run of this log ended (the whole cleanable part after a start). A pass:
 *
 *   1. maps key → latest offset over the dirty section into a bounded OffsetMap (offset-map.ts,
 *      log.cleaner.dedupe.buffer.size); when the map is full the pass covers what fits;
 *   2. rewrites every segment below the end of what was mapped, streaming batch by batch: a record
 *      is kept unless the map holds a later offset for its key or it is an expired tombstone.
 *
 * Passes repeat until the dirty section is covered. Memory is the map plus a read chunk and a
 * write buffer (about 1 MiB each), whatever the segment size; the work gives way to the event loop
 * every few milliseconds, so appends and fetches of any partition are not held up. A rewrite goes
 * to `<base>.log.cleaned` and replaces the segment through clean-swap.ts, crash-safe at any step.
 *
 * Transactions: control batches are kept as they are; the batches of aborted transactions are
 * neither mapped nor kept (Kafka removes them too). Batches without keys are kept.
 * Deviations from Kafka: no merging of small segments, no dirty-ratio or compaction-lag
 * scheduling (every run with new dirty data cleans; a run with none still passes over the log
 * when a kept tombstone has since expired), no delete-horizon attribute (tombstone age is the
 * batch's max timestamp), transaction markers are never removed, a batch emptied by cleaning is
 * dropped even when it was its producer's last (Kafka keeps it, empty, for producer state).
 */
import { performance } from 'node:perf_hooks';
import type { PartitionLog } from './partition-log.js';
import { Segment } from './segment.js';
import { OffsetIndex, TimeIndex } from './indexes.js';
import { OffsetMap } from './offset-map.js';
import { recordSpans } from './record-spans.js';
import { CleanedWriter, commitSwap, discardRewrite, installFiles } from './clean-swap.js';
import { fsyncDir } from '../util/fs.js';
import { Attr, BATCH_HEADER_SIZE, LOG_OVERHEAD, readBatchHeader, readInt64 } from '../protocol/record-batch.js';
import { buildBatch } from '../protocol/records.js';
import { compress, decompress } from '../protocol/compression.js';

export interface CleanResult {
  /** Segments rewritten. */
  segments: number;
  recordsRemoved: number;
  bytesBefore: number;
  bytesAfter: number;
  /** Map-and-rewrite passes this run took (more than one when the dirty keys did not fit the map). */
  passes: number;
  /** Set when stop() ended the run early: what was swapped in stays, the rest waits for the next run. */
  aborted?: boolean;
}

export interface CleanOptions {
  /** The map to use; else a shared one of dedupeBufferSize bytes and loadFactor. */
  map?: OffsetMap;
  /** log.cleaner.dedupe.buffer.size (Kafka's default 128 MiB). */
  dedupeBufferSize?: number;
  /** log.cleaner.io.buffer.load.factor (0.9). */
  loadFactor?: number;
  /** Asked between batches; true ends the run (broker shutdown). */
  stop?: () => boolean;
  /** Longest stretch of work between two turns of the event loop. */
  sliceMs?: number;
  /** Bytes read from a segment at a time. */
  chunkBytes?: number;
}

export const DEFAULT_DEDUPE_BUFFER_SIZE = 128 * 1024 * 1024;
const DEFAULT_CHUNK = 1024 * 1024;

/** Where the previous run of a log ended, checked against the log before it is believed. */
interface LogCleanState {
  cleanedTo: number;
  /** The segment holding cleanedTo - 1: if it is gone or changed, the log was cut and all is dirty. */
  tail: Segment | undefined;
  tailNext: number;
  /** Earliest time a tombstone kept by the last pass expires. */
  tombstoneDue: number;
}

const states = new WeakMap<PartitionLog, LogCleanState>();

function previousRun(log: PartitionLog): LogCleanState | undefined {
  const s = states.get(log);
  if (!s) return undefined;
  if (s.tail && (!log.segments.includes(s.tail) || s.tail === log.active || !s.tail.sealed || s.tail.nextOffset !== s.tailNext)) return undefined;
  return s;
}

let shared: OffsetMap | undefined;
let sharedBusy = false;

class Aborted extends Error {}

/** Gives the event loop a turn whenever sliceMs of work has gone by. */
class Pacer {
  private last = performance.now();
  constructor(
    private readonly sliceMs: number,
    private readonly stop?: () => boolean,
  ) {}

  get due(): boolean {
    return performance.now() - this.last >= this.sliceMs;
  }

  async pause(): Promise<void> {
    if (this.stop?.()) throw new Aborted();
    if (!this.due) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.last = performance.now();
  }
}

interface Ctx {
  log: PartitionLog;
  map: OffsetMap;
  pacer: Pacer;
  chunk: number;
  now: number;
  /** Earliest expiry of a tombstone kept by the current pass. */
  tombstoneDue: number;
}

export async function compactLog(log: PartitionLog, now = Date.now(), opts: CleanOptions = {}): Promise<CleanResult> {
  const result: CleanResult = { segments: 0, recordsRemoved: 0, bytesBefore: 0, bytesAfter: 0, passes: 0 };
  if (!log.config().cleanupPolicy.includes('compact')) return result;
  const upper = Math.min(log.active.baseOffset, log.txns.firstUnstableOffset() ?? Infinity);
  const cleanable = (): Segment[] => {
    const out: Segment[] = [];
    for (const s of log.segments) {
      if (s === log.active || !s.sealed || s.nextOffset > upper) break;
      out.push(s);
    }
    return out;
  };
  const first = cleanable();
  if (first.length === 0) return result;
  const end = first[first.length - 1].nextOffset;
  const prev = previousRun(log);
  let start = Math.max(prev?.cleanedTo ?? 0, first[0].baseOffset);
  if (start >= end && !(prev && prev.tombstoneDue <= now)) return result;

  let map = opts.map;
  let ownsShared = false;
  if (!map) {
    const size = opts.dedupeBufferSize ?? DEFAULT_DEDUPE_BUFFER_SIZE;
    const lf = opts.loadFactor ?? 0.9;
    if (sharedBusy) map = new OffsetMap(size, lf);
    else {
      if (!shared || shared.maxBytes !== size || shared.loadFactor !== lf) shared = new OffsetMap(size, lf);
      map = shared;
      sharedBusy = ownsShared = true;
    }
  }
  const ctx: Ctx = { log, map, pacer: new Pacer(opts.sliceMs ?? 4, opts.stop), chunk: opts.chunkBytes ?? DEFAULT_CHUNK, now, tombstoneDue: Infinity };
  try {
    do {
      const mapEnd = start < end ? await buildMap(ctx, cleanable(), start, end) : (map.clear(), end);
      ctx.tombstoneDue = Infinity;
      for (const seg of cleanable()) {
        if (seg.baseOffset >= mapEnd) break;
        const r = await cleanSegment(ctx, seg);
        if (!r) continue;
        result.segments++;
        result.recordsRemoved += r.removed;
        result.bytesBefore += r.before;
        result.bytesAfter += r.after;
      }
      result.passes++;
      start = mapEnd;
    } while (start < end);
    const segs = cleanable();
    const tail = segs.filter((s) => s.baseOffset < end).at(-1);
    states.set(log, { cleanedTo: end, tail, tailNext: tail?.nextOffset ?? 0, tombstoneDue: ctx.tombstoneDue });
  } catch (err) {
    if (!(err instanceof Aborted)) throw err;
    result.aborted = true;
  } finally {
    map.clear();
    if (ownsShared) sharedBusy = false;
  }
  return result;
}

/** Every batch of a segment from file position `from`, read `chunk` bytes at a time. */
async function* batchesOf(ctx: Ctx, seg: Segment, from: number): AsyncGenerator<{ batch: Buffer; pos: number }> {
  let pos = from;
  const limit = seg.written;
  while (pos < limit) {
    // A segment deleted under the cleaner (DeleteRecords) must not be reopened: the cache creates files.
    if (!ctx.log.segments.includes(seg)) throw new Error(`segment ${seg.baseOffset} went away during compaction`);
    const buf = await seg.read(Math.min(ctx.chunk, limit - pos), pos);
    let p = 0;
    while (p + BATCH_HEADER_SIZE <= buf.length) {
      const size = buf.readInt32BE(p + 8) + LOG_OVERHEAD;
      if (size < BATCH_HEADER_SIZE) throw new Error(`damaged batch at position ${pos + p} of ${seg.logPath}`);
      if (p + size > buf.length) {
        if (p === 0) {
          // A batch larger than the chunk is read alone.
          const whole = await seg.read(size, pos);
          if (whole.length < size) throw new Error(`truncated batch at position ${pos} of ${seg.logPath}`);
          yield { batch: whole, pos };
          p = size;
        }
        break;
      }
      yield { batch: buf.subarray(p, p + size), pos: pos + p };
      p += size;
    }
    if (p === 0) break;
    pos += p;
  }
}

/** Whether a data batch belongs to a transaction that was aborted. */
function isAborted(log: PartitionLog, batch: Buffer, attrs: number, base: number): boolean {
  if (!(attrs & Attr.TRANSACTIONAL)) return false;
  const pid = batch.readBigInt64BE(43);
  return log.txns.abortedIn(base, base + 1).some((a) => a.producerId === pid && a.firstOffset <= base);
}

/**
 * Maps the keys of [start, end) until the map is full; returns the end of what was mapped (the
 * offset after the last one recorded), `end` when everything fitted.
 */
async function buildMap(ctx: Ctx, segs: Segment[], start: number, end: number): Promise<number> {
  const { map, pacer, log } = ctx;
  map.clear();
  for (const seg of segs) {
    if (seg.nextOffset <= start) continue;
    if (seg.baseOffset >= end) break;
    const from = seg.baseOffset >= start ? 0 : await seg.positionFor(start);
    for await (const { batch } of batchesOf(ctx, seg, from)) {
      await pacer.pause();
      const base = readInt64(batch, 0);
      if (base >= end) return end;
      const last = base + batch.readInt32BE(23);
      if (last < start) continue;
      const attrs = batch.readInt16BE(21);
      if (!(attrs & Attr.CONTROL) && !isAborted(log, batch, attrs, base)) {
        const size = batch.readInt32BE(8) + LOG_OVERHEAD;
        const section = await decompress(attrs & Attr.COMPRESSION_MASK, batch.subarray(BATCH_HEADER_SIZE, size));
        let n = 0;
        for (const r of recordSpans(section, batch.readInt32BE(57))) {
          if ((++n & 1023) === 0 && pacer.due) await pacer.pause();
          const offset = base + r.offsetDelta;
          if (r.key === null || offset < start) continue;
          if (!map.put(r.key, offset)) return Math.max(map.latestOffset + 1, start + 1);
        }
      }
      if (last > map.latestOffset) map.latestOffset = last;
    }
  }
  return end;
}

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
    const base = readInt64(batch, 0);
    const ts = readInt64(batch, 35);
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
    this.nextOffset = base + batch.readInt32BE(23) + 1;
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
  const attrs = batch.readInt16BE(21);
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
async function cleanSegment(ctx: Ctx, seg: Segment): Promise<{ removed: number; before: number; after: number } | undefined> {
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

/**
 * The file log as the cleaner sees it (clean-target.ts): batches streamed from a segment file a
 * chunk at a time, and a rewrite that writes nothing until the first batch that changes, then
 * streams to `<base>.log.cleaned` with indexes built as its batches are written, and is swapped
 * in crash-safely through clean-swap.ts.
 */
import { Segment } from './segment.js';
import type { PartitionLog } from './partition-log.js';
import type { CleanSegment, CleanTarget, RewriteIO, SegmentRewrite } from './clean-target.js';
import { OffsetIndex, TimeIndex } from './indexes.js';
import { CleanedWriter, commitSwap, discardRewrite, installFiles } from './clean-swap.js';
import { fsyncDir } from '../util/fs.js';
import { BATCH_HEADER_SIZE, LOG_OVERHEAD, readInt64, HeaderOffset } from '../protocol/record-batch.js';

/** Every batch of a segment from file position `from`, read `chunk` bytes at a time. */
async function* batchesOf(log: PartitionLog, seg: Segment, from: number, chunk: number): AsyncGenerator<{ batch: Buffer; pos: number }> {
  let pos = from;
  const limit = seg.written;
  while (pos < limit) {
    // A segment deleted under the cleaner (DeleteRecords) must not be reopened: the cache creates files.
    if (!log.segments.includes(seg)) throw new Error(`segment ${seg.baseOffset} went away during compaction`);
    const buf = await seg.read(Math.min(chunk, limit - pos), pos);
    let p = 0;
    while (p + BATCH_HEADER_SIZE <= buf.length) {
      const size = buf.readInt32BE(p + HeaderOffset.LENGTH) + LOG_OVERHEAD;
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

class FileRewrite implements SegmentRewrite {
  private readonly idx: IndexBuilder;
  private out: CleanedWriter | undefined;

  constructor(
    private readonly log: PartitionLog,
    private readonly seg: Segment,
    private readonly io: RewriteIO,
  ) {
    this.idx = new IndexBuilder(seg.baseOffset, log.config().indexIntervalBytes);
  }

  async put(read: Buffer, pos: number, kept: Buffer | null): Promise<void> {
    if (kept !== read && !this.out) {
      this.out = await CleanedWriter.create(this.seg.logPath);
      await this.copyHead(pos);
    }
    if (!kept) return;
    this.idx.track(kept, this.out ? this.out.position : pos);
    if (this.out) await this.out.write(kept);
  }

  /** Copies the unchanged head [0, upTo) of the segment into its rewrite. */
  private async copyHead(upTo: number): Promise<void> {
    for (let pos = 0; pos < upTo; ) {
      const buf = await this.seg.read(Math.min(this.io.chunkBytes, upTo - pos), pos);
      if (buf.length === 0) throw new Error(`short read of ${this.seg.logPath}`);
      await this.out!.write(buf);
      pos += buf.length;
      await this.io.pause();
    }
  }

  async commit(): Promise<{ before: number; after: number } | undefined> {
    const { log, seg, out, idx } = this;
    if (!out) return undefined;
    try {
      await out.finish(seg.lastModified);
      if (!log.segments.includes(seg)) throw new Error(`segment ${seg.baseOffset} went away during compaction`);
      await commitSwap(seg.logPath, seg.dir);
    } catch (err) {
      await out.abort();
      throw err;
    }
    // Committed: from here a crash or an error leaves the swap file, which the next open installs.
    const before = seg.written;
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
    return { before, after: fresh.written };
  }

  async abort(): Promise<void> {
    await this.out?.abort();
  }
}

const targets = new WeakMap<PartitionLog, CleanTarget>();

/** One target per log, so that the cleaner's memory of its previous run (keyed by target) holds. */
export function fileCleanTarget(log: PartitionLog): CleanTarget {
  let t = targets.get(log);
  if (t) return t;
  t = {
    config: () => log.config(),
    txns: log.txns,
    get activeBaseOffset() {
      return log.active.baseOffset;
    },
    closedSegments: () => {
      const out: Segment[] = [];
      for (const s of log.segments) {
        if (s === log.active || !s.sealed) break;
        out.push(s);
      }
      return out;
    },
    batches: (seg: CleanSegment, from: number, chunk: number) => {
      const s = seg as Segment;
      return (async function* () {
        yield* batchesOf(log, s, from > s.baseOffset ? await s.positionFor(from) : 0, chunk);
      })();
    },
    rewrite: (seg: CleanSegment, io: RewriteIO) => new FileRewrite(log, seg as Segment, io),
  };
  targets.set(log, t);
  return t;
}

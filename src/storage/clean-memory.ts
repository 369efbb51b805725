/**
 * The in-memory log as the cleaner sees it (clean-target.ts): a closed segment's batches are
 * slices of the log's chunks, and a rewrite copies the batches the cleaner keeps into one new
 * chunk that becomes the segment's batch list. Chunks are never changed, so a slice a reader
 * holds stays valid after the swap.
 */
import type { CleanSegment, CleanTarget, SegmentRewrite } from './clean-target.js';
import type { LogConfig } from './log-config.js';
import type { PartitionTxns } from '../producers/partition-txns.js';
import { readInt64, HeaderOffset } from '../protocol/record-batch.js';

/** Bytes are only ever added at `used`: a slice handed to a reader never changes, also after truncation. */
export interface Chunk {
  buf: Buffer;
  used: number;
}

export interface StoredBatch {
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  chunk: Chunk;
  position: number;
  size: number;
}

export interface MemorySegment {
  baseOffset: number;
  nextOffset: number;
  batches: StoredBatch[];
  size: number;
  maxTimestamp: number;
  firstBatchTimestamp: number;
  created: number;
  lastModified: number;
}

export const bytesOf = (b: StoredBatch): Buffer => b.chunk.buf.subarray(b.position, b.position + b.size);

/** What a memory log shows the cleaner: its segment list as it is now. */
export interface MemorySegments {
  config(): LogConfig;
  readonly txns: PartitionTxns;
  segmentList(): MemorySegment[];
}

const wentAway = (seg: CleanSegment): Error => new Error(`segment ${seg.baseOffset} went away during compaction`);

class MemoryRewrite implements SegmentRewrite {
  private readonly kept: Buffer[] = [];
  private changed = false;

  constructor(
    private readonly log: MemorySegments,
    private readonly seg: MemorySegment,
  ) {}

  put(read: Buffer, _pos: number, kept: Buffer | null): Promise<void> {
    if (kept !== read) this.changed = true;
    if (kept) this.kept.push(kept);
    return Promise.resolve();
  }

  commit(): Promise<{ before: number; after: number } | undefined> {
    const { seg } = this;
    if (!this.changed) return Promise.resolve(undefined);
    const segs = this.log.segmentList();
    // Truncation may have made it the active segment, or dropped it, while the cleaner read it.
    if (!segs.includes(seg) || seg === segs[segs.length - 1]) return Promise.reject(wentAway(seg));
    const chunk: Chunk = { buf: Buffer.concat(this.kept), used: 0 };
    chunk.used = chunk.buf.length;
    const batches: StoredBatch[] = [];
    let position = 0;
    let maxTimestamp = -1;
    for (const b of this.kept) {
      const baseOffset = readInt64(b, HeaderOffset.BASE_OFFSET);
      const ts = readInt64(b, HeaderOffset.MAX_TIMESTAMP);
      batches.push({ baseOffset, lastOffset: baseOffset + b.readInt32BE(HeaderOffset.LAST_OFFSET_DELTA), maxTimestamp: ts, chunk, position, size: b.length });
      position += b.length;
      if (ts > maxTimestamp) maxTimestamp = ts;
    }
    const before = seg.size;
    seg.batches = batches;
    seg.size = chunk.used;
    seg.maxTimestamp = maxTimestamp;
    seg.firstBatchTimestamp = batches.length > 0 ? batches[0].maxTimestamp : -1;
    return Promise.resolve({ before, after: seg.size });
  }

  abort(): Promise<void> {
    return Promise.resolve();
  }
}

/** The cleaner's view of a memory log; the log keeps the one it made (the cleaner remembers runs by it). */
export function memoryCleanTarget(log: MemorySegments): CleanTarget {
  return {
    config: () => log.config(),
    txns: log.txns,
    get activeBaseOffset() {
      const segs = log.segmentList();
      return segs[segs.length - 1].baseOffset;
    },
    closedSegments: () => log.segmentList().slice(0, -1),
    batches: (seg: CleanSegment, from: number) => {
      const s = seg as MemorySegment;
      return (async function* () {
        for (let i = 0; i < s.batches.length; i++) {
          if (!log.segmentList().includes(s)) throw wentAway(s);
          const b = s.batches[i];
          if (b.lastOffset >= from) yield { batch: bytesOf(b), pos: i };
        }
      })();
    },
    rewrite: (seg: CleanSegment) => new MemoryRewrite(log, seg as MemorySegment),
  };
}

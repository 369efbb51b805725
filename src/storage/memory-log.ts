/**
 * A partition log kept in memory (`startBroker({ storage: 'memory' })`): the same offsets,
 * timestamps, producer state and transactions as the file log, no files. Batches are copied once
 * into chunk buffers (the memory counterpart of the write to a segment file), and reads return
 * slices of a chunk, so neither path copies more than the file log does. A read stops at the end
 * of a chunk or segment, as the file log's stops at the end of a segment: clients fetch again.
 *
 * Segments exist for retention's sake: they roll by segment.bytes and segment.ms as files do, and
 * retention.ms / retention.bytes / DeleteRecords drop whole segments. Everything is appended
 * synchronously, so the high watermark is the log end offset and flush() has nothing to do.
 * Compaction (cleanup.policy=compact) is the file log's cleaner (cleaner.ts), working on the closed
 * segments' batch lists through clean-memory.ts.
 */
import type { LogConfig } from './log-config.js';
import { ErrorCode } from '../protocol/errors.js';
import { readInt64, type BatchInfo, HeaderOffset } from '../protocol/record-batch.js';
import { ProducerStateTable } from '../producers/producer-state.js';
import { PartitionTxns } from '../producers/partition-txns.js';
import { StorageError, type AppendResult, type Log, type ReadOptions, type ReadResult, type RetentionResult } from './log.js';
import { appendMarker, checkSequence, duplicateResult, producerFields, trackBatch } from './log-producers.js';
import { AppendWaiters, checkFollowerBatches, forEachBatch, shouldRoll, stampLeaderBatch, totalSize } from './log-append.js';
import { EpochLog } from './epoch-log.js';
import type { CleanTarget } from './clean-target.js';
import { bytesOf, memoryCleanTarget, type Chunk, type MemorySegment } from './clean-memory.js';

const MIN_CHUNK = 4 * 1024;
const MAX_CHUNK = 1024 * 1024;

function newSegment(baseOffset: number, now = Date.now()): MemorySegment {
  return { baseOffset, nextOffset: baseOffset, batches: [], size: 0, maxTimestamp: -1, firstBatchTimestamp: -1, created: now, lastModified: now };
}

export class MemoryLog extends EpochLog implements Log {
  readonly dir = undefined;
  private segments: MemorySegment[] = [newSegment(0)];
  logStartOffset = 0;
  logEndOffset = 0;
  /** Never set by the log itself (memory does not fail); tests set it to take the log offline. */
  failed: Error | undefined = undefined;
  readonly producers = new ProducerStateTable();
  readonly txns = new PartitionTxns();
  private readonly waiters = new AppendWaiters();
  private chunk: Chunk | undefined;
  private readonly cleanTarget = memoryCleanTarget({ config: () => this.config(), txns: this.txns, segmentList: () => this.segments });

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly config: () => LogConfig,
  ) {
    super();
  }

  get highWatermark(): number {
    return this.logEndOffset;
  }

  get lastStableOffset(): number {
    return this.txns.lastStableOffset(this.highWatermark);
  }

  get size(): number {
    return totalSize(this.segments);
  }

  get numberOfSegments(): number {
    return this.segments.length;
  }

  private get active(): MemorySegment {
    return this.segments[this.segments.length - 1];
  }

  // ---------------------------------------------------------------- writes

  append(buf: Buffer, info: BatchInfo, now = Date.now()): Promise<AppendResult> {
    const seq = checkSequence(this.producers, info);
    if (seq instanceof StorageError) return Promise.reject(seq);
    if (seq) return duplicateResult(this, () => undefined, seq.firstOffset, seq.lastOffset);
    const baseOffset = this.logEndOffset;
    const stamped = stampLeaderBatch(buf, info, baseOffset, this.leaderEpoch, this.config(), now);
    this.epochs.assign(this.leaderEpoch, baseOffset);
    this.store(buf, baseOffset, stamped.lastOffset, stamped.maxTimestamp, now);
    trackBatch(this.producers, this.txns, buf, info, baseOffset, stamped.maxTimestamp);
    this.waiters.notify();
    return Promise.resolve({ baseOffset, lastOffset: stamped.lastOffset, logAppendTime: stamped.logAppendTime, logStartOffset: this.logStartOffset });
  }

  appendMarker(producerId: bigint, producerEpoch: number, commit: boolean, coordinatorEpoch = 0, transactionVersion = 0): Promise<AppendResult> {
    return appendMarker(this, this.producers, producerId, producerEpoch, commit, coordinatorEpoch, transactionVersion);
  }

  appendAsFollower(records: Buffer): Promise<AppendResult> {
    const refused = checkFollowerBatches(records, this.logEndOffset);
    if (refused) return Promise.reject(refused);
    const now = Date.now();
    const baseOffset = readInt64(records, HeaderOffset.BASE_OFFSET);
    let lastOffset = baseOffset;
    forEachBatch(records, (batch, base, last, maxTimestamp) => {
      const epoch = batch.readInt32BE(HeaderOffset.PARTITION_LEADER_EPOCH);
      this.epochs.assign(epoch, base);
      if (epoch > this.leaderEpoch) this.leaderEpoch = epoch;
      this.store(batch, base, last, maxTimestamp, now);
      trackBatch(this.producers, this.txns, batch, producerFields(batch), base, maxTimestamp);
      lastOffset = last;
    });
    this.waiters.notify();
    return Promise.resolve({ baseOffset, lastOffset, logAppendTime: -1, logStartOffset: this.logStartOffset });
  }

  /** Copies a batch whose offsets are set into the active segment (rolling first if due). */
  private store(buf: Buffer, baseOffset: number, lastOffset: number, maxTimestamp: number, now: number): void {
    const cfg = this.config();
    let seg = this.active;
    if (shouldRoll(seg, buf.length, maxTimestamp, now, cfg)) seg = this.roll(baseOffset, now);
    const chunk = this.room(buf.length);
    const position = chunk.used;
    buf.copy(chunk.buf, position);
    chunk.used += buf.length;
    seg.batches.push({ baseOffset, lastOffset, maxTimestamp, chunk, position, size: buf.length });
    if (seg.size === 0) seg.firstBatchTimestamp = maxTimestamp;
    seg.size += buf.length;
    if (maxTimestamp > seg.maxTimestamp) seg.maxTimestamp = maxTimestamp;
    seg.nextOffset = lastOffset + 1;
    seg.lastModified = now;
    this.logEndOffset = lastOffset + 1;
  }

  /** A chunk with `n` free bytes: the current one, or a new one twice its size (up to MAX_CHUNK). */
  private room(n: number): Chunk {
    const c = this.chunk;
    if (c && c.buf.length - c.used >= n) return c;
    const grow = c ? Math.min(c.buf.length * 2, MAX_CHUNK) : MIN_CHUNK;
    this.chunk = { buf: Buffer.allocUnsafeSlow(Math.max(grow, n)), used: 0 };
    return this.chunk;
  }


  private roll(baseOffset: number, now: number): MemorySegment {
    const seg = newSegment(baseOffset, now);
    this.segments.push(seg);
    return seg;
  }

  cleanable(): CleanTarget {
    return this.cleanTarget;
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  settle(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  // ---------------------------------------------------------------- reads

  onAppend(fn: () => void): () => void {
    return this.waiters.add(fn);
  }

  read(offset: number, maxBytes: number, opts: ReadOptions = {}): Promise<ReadResult> {
    if (offset < this.logStartOffset || offset > this.highWatermark)
      return Promise.reject(new StorageError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${offset} is outside [${this.logStartOffset}, ${this.highWatermark}] of ${this.topic}-${this.partition}`));
    const upTo = Math.min(opts.upTo ?? this.highWatermark, this.highWatermark);
    const minOne = opts.minOneBatch ?? true;
    let records: Buffer = EMPTY;
    if (offset < upTo) {
      for (let i = this.segmentFor(offset); i < this.segments.length; i++) {
        const found = readSegment(this.segments[i], offset, maxBytes, minOne, upTo);
        if (found) {
          records = found;
          break;
        }
      }
    }
    return Promise.resolve({ records, highWatermark: this.highWatermark, logStartOffset: this.logStartOffset });
  }

  private segmentFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid].baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  batchForTimestamp(ts: number): Promise<Buffer | undefined> {
    for (const seg of this.segments) {
      if (seg.maxTimestamp < ts) continue;
      for (const b of seg.batches) {
        if (b.baseOffset >= this.highWatermark) return Promise.resolve(undefined);
        if (b.maxTimestamp >= ts && b.lastOffset >= this.logStartOffset) return Promise.resolve(bytesOf(b));
      }
    }
    return Promise.resolve(undefined);
  }

  maxTimestampBatch(): { timestamp: number } | undefined {
    let best = -1;
    for (const s of this.segments) if (s.maxTimestamp > best) best = s.maxTimestamp;
    return best >= 0 ? { timestamp: best } : undefined;
  }

  // ---------------------------------------------------------------- retention, truncation

  deleteRecordsBefore(offset: number): Promise<number> {
    if (offset > this.highWatermark || offset < 0)
      return Promise.reject(new StorageError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${offset} is beyond the high watermark ${this.highWatermark}`));
    if (offset > this.logStartOffset) this.logStartOffset = offset;
    this.txns.trim(this.logStartOffset);
    while (this.segments.length > 1 && this.segments[1].baseOffset <= this.logStartOffset) this.segments.shift();
    this.epochs.truncateFromStart(this.logStartOffset);
    return Promise.resolve(this.logStartOffset);
  }

  /** As the file log: whole segments past retention.ms (by largest timestamp) or beyond retention.bytes. */
  applyRetention(now = Date.now()): Promise<RetentionResult> {
    const cfg = this.config();
    if (!cfg.cleanupPolicy.includes('delete')) return Promise.resolve({ segments: 0, bytes: 0 });
    const expired = (s: MemorySegment): boolean =>
      cfg.retentionMs >= 0 && Number.isFinite(cfg.retentionMs) && now - (s.maxTimestamp >= 0 ? s.maxTimestamp : s.lastModified) > cfg.retentionMs;
    if (this.active.size > 0 && this.segments.every(expired)) this.roll(this.logEndOffset, now);
    let deleted = 0;
    let bytes = 0;
    let excess = cfg.retentionBytes >= 0 ? this.size - cfg.retentionBytes : -Infinity;
    while (this.segments.length > 1) {
      const seg = this.segments[0];
      if (!expired(seg) && excess - seg.size < 0) break;
      this.segments.shift();
      excess -= seg.size;
      bytes += seg.size;
      deleted++;
      this.logStartOffset = Math.max(this.logStartOffset, this.segments[0].baseOffset);
    }
    this.txns.trim(this.logStartOffset);
    this.epochs.truncateFromStart(this.logStartOffset);
    return Promise.resolve({ segments: deleted, bytes });
  }

  /** As the file log: batches holding `offset` or later go, and epochs starting there or later; the log ends where what is left ends. */
  truncateTo(offset: number): Promise<void> {
    if (offset >= this.logEndOffset) return Promise.resolve();
    while (this.segments.length > 1 && this.active.baseOffset >= offset) this.segments.pop();
    const seg = this.active;
    const keep = seg.batches.findIndex((b) => b.lastOffset >= offset);
    if (keep >= 0) {
      const cut = seg.batches.splice(keep);
      for (const b of cut) seg.size -= b.size;
    }
    const last = seg.batches[seg.batches.length - 1];
    seg.nextOffset = last ? last.lastOffset + 1 : seg.baseOffset;
    seg.maxTimestamp = -1;
    for (const b of seg.batches) if (b.maxTimestamp > seg.maxTimestamp) seg.maxTimestamp = b.maxTimestamp;
    if (seg.batches.length === 0) seg.firstBatchTimestamp = -1;
    this.logEndOffset = seg.nextOffset;
    this.epochs.truncateFromEnd(this.logEndOffset);
    // As the file log: the producer state and open transactions are replayed from what is left.
    this.producers.producers.clear();
    this.txns.load(undefined);
    for (const s of this.segments)
      for (const b of s.batches) {
        const buf = bytesOf(b);
        trackBatch(this.producers, this.txns, buf, producerFields(buf), b.baseOffset, b.maxTimestamp);
      }
    return Promise.resolve();
  }

  /** As the file log: one empty segment at `offset`; no epochs, producers or transactions remembered. */
  truncateFullyAndStartAt(offset: number): Promise<void> {
    this.segments = [newSegment(offset)];
    // Slices handed out keep their chunk; new batches go to a fresh one.
    this.chunk = undefined;
    this.logStartOffset = this.logEndOffset = offset;
    this.epochs.clear();
    this.producers.producers.clear();
    this.txns.load(undefined);
    this.waiters.notify();
    return Promise.resolve();
  }
}

const EMPTY: Buffer = Buffer.alloc(0);

/** Whole batches of `seg` from the one holding `offset`, contiguous in one chunk, as one slice. */
function readSegment(seg: MemorySegment, offset: number, maxBytes: number, minOne: boolean, upTo: number): Buffer | undefined {
  const batches = seg.batches;
  let lo = 0;
  let hi = batches.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (batches[mid].lastOffset < offset) lo = mid + 1;
    else hi = mid;
  }
  if (lo >= batches.length || batches[lo].baseOffset >= upTo) return undefined;
  const first = batches[lo];
  if (first.size > maxBytes && !minOne) return EMPTY;
  let end = first.position + first.size;
  for (let i = lo + 1; i < batches.length; i++) {
    const b = batches[i];
    if (b.baseOffset >= upTo || b.chunk !== first.chunk || b.position !== end || end + b.size - first.position > maxBytes) break;
    end += b.size;
  }
  return first.chunk.buf.subarray(first.position, end);
}

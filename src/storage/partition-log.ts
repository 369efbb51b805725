/**
 * The log of one partition: an ordered list of segments, of which the last is active.
 *
 * Appends assign offsets synchronously (so they are ordered and never reused) and are written by a
 * single writer loop that coalesces whatever has queued into one writev: under load many produce
 * requests share one system call (and one fsync when fsync-on-ack is on). The high watermark moves
 * when bytes are in the file, and readers never look past it. Reads return whole stored batches,
 * from the one containing the requested offset, without decoding them.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Segment, type BatchMeta } from './segment.js';
import type { FileCache } from './file-cache.js';
import type { LogConfig } from './log-config.js';
import { writevAll, writevAllSync, fsync } from './fs-ops.js';
import { writeFileAtomic } from '../util/fs.js';
import { LOG_OVERHEAD, patchBatch, readInt64, setLogAppendTime, type BatchInfo } from '../protocol/record-batch.js';
import { ErrorCode } from '../protocol/errors.js';
import type { Logger } from '../util/logger.js';
import { ProducerStateTable, type ProducerSnapshot } from '../producers/producer-state.js';
import { PartitionTxns, markerRecord, type PartitionTxnsSnapshot } from '../producers/partition-txns.js';
import { createBatch, decodeRecords } from '../protocol/records.js';
import { readBatchHeader } from '../protocol/record-batch.js';
import { readFile } from 'node:fs/promises';
import { Attr } from '../protocol/record-batch.js';

export class StorageError extends Error {
  constructor(readonly errorCode: number, message: string) {
    super(message);
  }
}

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** Broker time stamped into the batch with LogAppendTime, else -1. */
  logAppendTime: number;
  logStartOffset: number;
}

export interface ReadResult {
  /** Whole batches, or an empty buffer when there is nothing at or after the offset yet. */
  records: Buffer;
  highWatermark: number;
  logStartOffset: number;
}

interface PendingWrite {
  seg: Segment;
  buf: Buffer;
  position: number;
  lastOffset: number;
  records: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

const SCAN_SLACK = 16 * 1024;
/** Write groups up to this size are written synchronously (see drain). */
const SYNC_WRITE_MAX = 256 * 1024;

export class PartitionLog {
  segments: Segment[] = [];
  logStartOffset = 0;
  /** Next offset to assign (log end offset). */
  nextOffset = 0;
  /** Offset below which every batch is in the file and may be read. */
  highWatermark = 0;
  /** Offset below which every batch has been fsynced. */
  recoveryPoint = 0;
  leaderEpoch = 0;
  private pending: PendingWrite[] = [];
  private writing = false;
  private failed: Error | undefined;
  private messagesSinceFlush = 0;
  lastFlushMs = Date.now();
  /** Told how long each fsync of this log took (the broker's metrics). */
  onFsync?: (seconds: number) => void;
  private readonly waiters = new Set<() => void>();
  private sealQueue: Segment[] = [];
  /** Idempotent producers' sequence state (src/producers/producer-state.ts). */
  readonly producers = new ProducerStateTable();
  /** Open and aborted transactions, for the last stable offset and read_committed fetches. */
  readonly txns = new PartitionTxns();
  /** Set while compaction swaps a segment; reads wait for it. */
  private swapping: Promise<unknown> | undefined;

  private constructor(
    readonly topic: string,
    readonly partition: number,
    readonly dir: string,
    readonly config: () => LogConfig,
    private readonly files: FileCache,
    private readonly log: Logger,
  ) {}

  get active(): Segment {
    return this.segments[this.segments.length - 1];
  }

  get size(): number {
    let s = 0;
    for (const seg of this.segments) s += seg.size;
    return s;
  }

  /** A new, empty partition directory. */
  static async create(
    dir: string,
    topic: string,
    partition: number,
    topicId: string,
    config: () => LogConfig,
    files: FileCache,
    log: Logger,
  ): Promise<PartitionLog> {
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, 'partition.metadata'), `version: 0\ntopic_id: ${topicId}\n`);
    await writeFileAtomic(join(dir, 'leader-epoch-checkpoint'), '0\n1\n0 0\n');
    const p = new PartitionLog(topic, partition, dir, config, files, log);
    p.segments = [new Segment(dir, 0, files)];
    await files.with(p.active.logPath, async () => undefined);
    return p;
  }

  /**
   * Opens an existing partition directory. With `clean` (the broker shut down cleanly) segments are
   * trusted and only the tail of the active one is read; otherwise every segment from the one
   * holding the recovery point is scanned, the first damaged batch and all after it are cut off,
   * and indexes are rebuilt.
   */
  static async open(
    dir: string,
    topic: string,
    partition: number,
    opts: { clean: boolean; recoveryPoint: number; logStartOffset: number },
    config: () => LogConfig,
    files: FileCache,
    log: Logger,
  ): Promise<PartitionLog> {
    const p = new PartitionLog(topic, partition, dir, config, files, log);
    const names = await readdir(dir);
    // Leftovers of an interrupted atomic write or compaction: the originals are intact.
    for (const n of names) if (n.endsWith('.tmp') || n.endsWith('.cleaned')) await rm(join(dir, n), { force: true });
    const bases = names
      .filter((n) => /^\d{20}\.log$/.test(n))
      .map((n) => Number(n.slice(0, 20)))
      .sort((a, b) => a - b);
    if (bases.length === 0) bases.push(0);
    for (const base of bases) {
      try {
        p.segments.push(await Segment.openTrusted(dir, base, files));
      } catch {
        p.segments.push(new Segment(dir, base, files));
      }
    }
    for (let i = 0; i < p.segments.length - 1; i++) p.segments[i].nextOffset = p.segments[i + 1].baseOffset;
    const interval = config().indexIntervalBytes;
    if (opts.clean) {
      // Only the active segment's end offset is unknown: read it from its last index entry on.
      await p.active.scanTail();
    } else {
      let from = p.segments.findIndex((s, i) => i === p.segments.length - 1 || p.segments[i + 1].baseOffset > opts.recoveryPoint);
      if (from < 0) from = 0;
      for (let i = from; i < p.segments.length; i++) {
        const seg = p.segments[i];
        const expected = i > 0 ? p.segments[i - 1].nextOffset : seg.baseOffset;
        const intact = await seg.scan(0, interval, Math.max(seg.baseOffset, expected));
        if (!intact) {
          log.warn({ topic, partition, segment: seg.baseOffset, validBytes: seg.written }, 'truncated a damaged log tail');
          for (const later of p.segments.splice(i + 1)) await later.delete();
          break;
        }
      }
      for (let i = 0; i < p.segments.length - 1; i++) p.segments[i].sealed = true;
    }
    const active = p.active;
    active.sealed = false;
    p.nextOffset = Math.max(active.nextOffset, active.baseOffset);
    p.highWatermark = p.nextOffset;
    p.recoveryPoint = opts.clean ? p.nextOffset : Math.min(opts.recoveryPoint, p.nextOffset);
    p.logStartOffset = Math.min(Math.max(opts.logStartOffset, p.segments[0].baseOffset), p.nextOffset);
    await p.rebuildProducerState();
    return p;
  }

  // ---------------------------------------------------------------- producer state

  private get snapshotPath(): string {
    return join(this.dir, 'producer-state.snapshot');
  }

  /**
   * The snapshot left by a clean close covers the log up to its offset; batch headers after it are
   * replayed. A snapshot beyond the log end (the tail was cut in recovery) is ignored, and the
   * whole log is replayed instead. Snapshots are only written by a clean close, when every batch
   * they mention is durable, so they never vouch for a batch a crash lost.
   */
  private async rebuildProducerState(): Promise<void> {
    let from = this.logStartOffset;
    try {
      const snap = JSON.parse(await readFile(this.snapshotPath, 'utf8')) as ProducerSnapshot & { txns?: PartitionTxnsSnapshot };
      if (snap.version === 1 && snap.offset <= this.nextOffset && snap.offset >= this.logStartOffset) {
        this.producers.load(snap);
        this.txns.load(snap.txns);
        from = snap.offset;
      }
    } catch {
      // no snapshot: replay from the start
    }
    await rm(this.snapshotPath, { force: true });
    for (let i = this.segmentFor(from); i < this.segments.length; i++) {
      const seg = this.segments[i];
      let pos = seg.baseOffset >= from ? 0 : await seg.positionFor(from);
      while (pos + 61 <= seg.written) {
        const head = await seg.read(61, pos);
        if (head.length < 61) break;
        const base = readInt64(head, 0);
        const pid = head.readBigInt64BE(43);
        const attrs = head.readInt16BE(21);
        const size = head.readInt32BE(8) + LOG_OVERHEAD;
        if (base >= from && pid >= 0n) {
          if (attrs & Attr.CONTROL) {
            const marker = parseMarker(await seg.read(size, pos));
            if (marker !== undefined) this.txns.end(pid, marker.commit, base);
            this.producers.recordMarker(pid, head.readInt16BE(51), readInt64(head, 35), marker?.coordinatorEpoch);
          } else {
            this.producers.record({ producerId: pid, producerEpoch: head.readInt16BE(51), baseSequence: head.readInt32BE(53), lastOffsetDelta: head.readInt32BE(23) }, base, readInt64(head, 35));
            if (attrs & Attr.TRANSACTIONAL) this.txns.begin(pid, base);
          }
        }
        pos += size;
      }
    }
  }

  // ---------------------------------------------------------------- writes

  /**
   * Appends one validated batch: stamps its offset (and LogAppendTime if configured), queues it for
   * the writer loop, and resolves once it is in the file (and fsynced, with fsync-on-ack).
   */
  append(buf: Buffer, info: BatchInfo, now = Date.now()): Promise<AppendResult> {
    if (this.failed) return Promise.reject(new StorageError(ErrorCode.KAFKA_STORAGE_ERROR, `log of ${this.topic}-${this.partition} is offline: ${this.failed.message}`));
    // A batch with a producer id but no sequence (-1) is a coordinator's own transactional write
    // (offsets committed in a transaction, into __consumer_offsets), never a client's:
    // validateProducedBatch refuses those. As Kafka's AppendOrigin.COORDINATOR, no sequence check.
    const idempotent = info.producerId >= 0n && (info.attributes & Attr.CONTROL) === 0 && info.baseSequence >= 0;
    if (idempotent) {
      const seq = this.producers.check(info);
      if (seq.kind === 'error') return Promise.reject(new StorageError(seq.errorCode, seq.message));
      if (seq.kind === 'duplicate') return this.duplicate(seq.batch.firstOffset, seq.batch.lastOffset);
    }
    const cfg = this.config();
    const baseOffset = this.nextOffset;
    const lastOffset = baseOffset + info.lastOffsetDelta;
    patchBatch(buf, BigInt(baseOffset), this.leaderEpoch);
    let logAppendTime = -1;
    let maxTimestamp = Number(info.maxTimestamp);
    if (cfg.messageTimestampType === 'LogAppendTime') {
      setLogAppendTime(buf, BigInt(now));
      logAppendTime = maxTimestamp = now;
    }
    let seg = this.active;
    if (this.shouldRoll(seg, buf.length, maxTimestamp, now, cfg)) seg = this.roll(baseOffset);
    const position = seg.size;
    seg.track({ baseOffset, lastOffset, maxTimestamp, recordCount: info.recordCount } satisfies BatchMeta, position, cfg.indexIntervalBytes);
    seg.addBytes(buf.length);
    seg.size += buf.length;
    this.nextOffset = lastOffset + 1;
    if (idempotent) this.producers.record(info, baseOffset, maxTimestamp);
    if (info.attributes & Attr.TRANSACTIONAL && info.producerId >= 0n) {
      if (info.attributes & Attr.CONTROL) {
        const marker = parseMarker(buf);
        if (marker !== undefined) this.txns.end(info.producerId, marker.commit, baseOffset);
        this.producers.recordMarker(info.producerId, info.producerEpoch, maxTimestamp, marker?.coordinatorEpoch);
      } else this.txns.begin(info.producerId, baseOffset);
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ seg, buf, position, lastOffset, records: info.recordCount, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        void this.drain();
      }
    }).then(() => ({ baseOffset, lastOffset, logAppendTime, logStartOffset: this.logStartOffset }));
  }

  /**
   * As Kafka's LogSegment.shouldRoll: by size, or by segment.ms measured between the first batch's
   * timestamp and the incoming one's (the wall clock only when there are no timestamps), so that
   * old timestamps do not roll a segment per batch and future ones do not prevent rolling.
   */
  /** The last stable offset: below it no transaction is open (read_committed reads up to here). */
  get lastStableOffset(): number {
    const first = this.txns.firstUnstableOffset();
    return first === undefined ? this.highWatermark : Math.min(first, this.highWatermark);
  }

  /**
   * Writes a transaction marker (control batch) for `producerId`; resolves once it is in the log.
   * The transaction coordinator and WriteTxnMarkers both come here. A marker of an older producer
   * epoch or coordinator epoch is refused (producer-state.ts checkMarker); `transactionVersion` 2
   * asks for the strict epoch check of markers that carry a bumped epoch.
   */
  appendMarker(producerId: bigint, producerEpoch: number, commit: boolean, coordinatorEpoch = 0, transactionVersion = 0): Promise<AppendResult> {
    const refused = this.producers.checkMarker({ producerId, producerEpoch, coordinatorEpoch, strictEpoch: transactionVersion >= 2 });
    if (refused) return Promise.reject(new StorageError(refused.errorCode, refused.message));
    const { key, value } = markerRecord(commit, coordinatorEpoch);
    const batch = createBatch([{ key, value }], { producerId, producerEpoch, baseSequence: -1, transactional: true, control: true });
    return this.append(batch, readBatchHeader(batch));
  }

  /** A retried batch: answered with the offsets it got the first time, once those are written. */
  private async duplicate(firstOffset: number, lastOffset: number): Promise<AppendResult> {
    while (this.highWatermark <= lastOffset) {
      if (this.failed) throw new StorageError(ErrorCode.KAFKA_STORAGE_ERROR, `log of ${this.topic}-${this.partition} is offline`);
      await new Promise<void>((resolve) => this.onAppend(resolve));
    }
    return { baseOffset: firstOffset, lastOffset, logAppendTime: -1, logStartOffset: this.logStartOffset };
  }

  private shouldRoll(seg: Segment, incoming: number, incomingTimestamp: number, now: number, cfg: LogConfig): boolean {
    if (seg.size === 0) return false;
    if (seg.size + incoming > cfg.segmentBytes) return true;
    if (!Number.isFinite(cfg.rollMs)) return false;
    const waited = seg.firstBatchTimestamp >= 0 && incomingTimestamp >= 0 ? incomingTimestamp - seg.firstBatchTimestamp : now - seg.created;
    return waited > cfg.rollMs;
  }

  /** Starts a new active segment at `baseOffset`; the old one is sealed once its writes land. */
  private roll(baseOffset: number): Segment {
    const old = this.active;
    const seg = new Segment(this.dir, baseOffset, this.files);
    this.segments.push(seg);
    this.sealQueue.push(old);
    this.log.debug({ topic: this.topic, partition: this.partition, segment: baseOffset }, 'rolled segment');
    if (!this.writing) {
      this.writing = true;
      void this.drain();
    }
    return seg;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0 || this.sealQueue.length > 0) {
        if (this.pending.length > 0) {
          const seg = this.pending[0].seg;
          let n = 0;
          let bytes = 0;
          while (n < this.pending.length && this.pending[n].seg === seg && n < 1024 && bytes < 16 * 1024 * 1024) bytes += this.pending[n++].buf.length;
          const group = this.pending.splice(0, n);
          try {
            await this.files.with(seg.logPath, async (fd) => {
              // Small groups are written inline: a page-cache write of a few KiB is cheaper than a
              // threadpool round trip. Large ones go through the threadpool so the loop never stalls.
              if (bytes <= SYNC_WRITE_MAX) writevAllSync(fd, group.map((g) => g.buf), group[0].position);
              else await writevAll(fd, group.map((g) => g.buf), group[0].position);
              seg.written = group[group.length - 1].position + group[group.length - 1].buf.length;
              seg.lastModified = Date.now();
              let records = 0;
              for (const g of group) records += g.records;
              this.messagesSinceFlush += records;
              const cfg = this.config();
              if (cfg.fsyncOnAck || this.messagesSinceFlush >= cfg.flushIntervalMessages) {
                const t = performance.now();
                await fsync(fd);
                this.onFsync?.((performance.now() - t) / 1000);
                this.markFlushed(group[group.length - 1].lastOffset + 1);
              }
            });
          } catch (err) {
            this.fail(err as Error, group);
            return;
          }
          this.highWatermark = group[group.length - 1].lastOffset + 1;
          for (const g of group) g.resolve();
          this.notify();
        }
        // Seal rolled segments whose writes have all landed.
        while (this.sealQueue.length > 0 && !this.pending.some((p) => p.seg === this.sealQueue[0])) {
          const old = this.sealQueue.shift()!;
          try {
            await old.seal();
            this.markFlushed(old.nextOffset);
          } catch (err) {
            this.fail(err as Error, []);
            return;
          }
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private markFlushed(offset: number): void {
    if (offset > this.recoveryPoint) this.recoveryPoint = offset;
    this.messagesSinceFlush = 0;
    this.lastFlushMs = Date.now();
  }

  private fail(err: Error, group: PendingWrite[]): void {
    this.failed = err;
    this.log.error({ topic: this.topic, partition: this.partition, err: err.message }, 'log write failed; partition is offline until restart');
    const e = new StorageError(ErrorCode.KAFKA_STORAGE_ERROR, `write failed: ${err.message}`);
    for (const g of [...group, ...this.pending]) g.reject(e);
    this.pending = [];
  }

  /** fsyncs the active segment (log.flush.interval.ms, shutdown). */
  async flush(): Promise<void> {
    const target = this.highWatermark;
    if (target <= this.recoveryPoint && this.messagesSinceFlush === 0) return;
    const seg = this.active;
    const t = performance.now();
    await this.files.with(seg.logPath, (fd) => fsync(fd));
    this.onFsync?.((performance.now() - t) / 1000);
    this.markFlushed(target);
  }

  /** Resolves when nothing is queued for writing. */
  async settle(): Promise<void> {
    while (this.writing || this.pending.length > 0) await new Promise((r) => setTimeout(r, 1));
  }

  // ---------------------------------------------------------------- reads

  /** Calls `fn` once after the next advance of the high watermark; returns an unsubscribe. */
  onAppend(fn: () => void): () => void {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }

  private notify(): void {
    if (this.waiters.size === 0) return;
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }

  segmentFor(offset: number): number {
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

  /**
   * Whole batches from the one containing `offset`, up to `maxBytes` (at least one whole batch
   * when `minOneBatch`, as Kafka does), never past `upTo` (the high watermark by default).
   */
  async read(offset: number, maxBytes: number, opts: { minOneBatch?: boolean; upTo?: number } = {}): Promise<ReadResult> {
    for (let attempt = 0; ; attempt++) {
      if (this.swapping) await this.swapping;
      const used: Segment[] = [];
      const r = await this.readOnce(offset, maxBytes, opts, used);
      // A segment replaced by compaction during the read may have served bytes at stale positions.
      if (!used.some((s) => s.retired) || attempt >= 5) return r;
    }
  }

  private async readOnce(offset: number, maxBytes: number, opts: { minOneBatch?: boolean; upTo?: number }, used: Segment[]): Promise<ReadResult> {
    const upTo = Math.min(opts.upTo ?? this.highWatermark, this.highWatermark);
    const minOne = opts.minOneBatch ?? true;
    const result = (records: Buffer): ReadResult => ({ records, highWatermark: this.highWatermark, logStartOffset: this.logStartOffset });
    if (offset < this.logStartOffset || offset > this.highWatermark)
      throw new StorageError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${offset} is outside [${this.logStartOffset}, ${this.highWatermark}] of ${this.topic}-${this.partition}`);
    if (offset >= upTo) return result(Buffer.alloc(0));
    for (let i = this.segmentFor(offset); i < this.segments.length; i++) {
      const seg = this.segments[i];
      if (seg.baseOffset >= upTo) break;
      used.push(seg);
      const found = await this.readSegment(seg, offset, maxBytes, minOne, upTo);
      if (found) return result(found);
    }
    return result(Buffer.alloc(0));
  }

  /**
   * Swaps in a rewritten segment (compaction). The old one is retired first, so that a read which
   * used it retries; its descriptor is dropped so the new file is opened from now on.
   */
  async replaceSegment(old: Segment, build: (files: FileCache) => Promise<Segment>): Promise<Segment> {
    let done!: () => void;
    this.swapping = new Promise<void>((resolve) => (done = resolve));
    try {
      old.retired = true;
      await this.files.forget(old.logPath);
      const fresh = await build(this.files);
      const i = this.segments.indexOf(old);
      if (i >= 0) this.segments[i] = fresh;
      return fresh;
    } finally {
      this.swapping = undefined;
      done();
    }
  }

  private async readSegment(seg: Segment, offset: number, maxBytes: number, minOne: boolean, upTo: number): Promise<Buffer | undefined> {
    let pos = await seg.positionFor(offset);
    const limit = seg.written;
    while (pos < limit) {
      const want = Math.min(limit - pos, Math.max(maxBytes, 0) + SCAN_SLACK);
      const buf = await seg.read(want, pos);
      let p = 0;
      let start = -1;
      let end = -1;
      while (p + 61 <= buf.length) {
        const size = buf.readInt32BE(p + 8) + LOG_OVERHEAD;
        const base = readInt64(buf, p);
        if (base >= upTo) break;
        const last = base + buf.readInt32BE(p + 23);
        if (last < offset) {
          p += size;
          continue;
        }
        if (start < 0) start = p;
        const endIfTaken = p + size;
        const first = start === p;
        if (endIfTaken - start > maxBytes && !(first && minOne)) break;
        if (endIfTaken > buf.length) {
          // The batch is cut by the read: a first batch is read alone, whole; otherwise stop here.
          if (first) return seg.read(size, pos + p);
          break;
        }
        p = end = endIfTaken;
        if (end - start >= maxBytes) break;
      }
      if (start >= 0) return end > start ? buf.subarray(start, end) : Buffer.alloc(0);
      if (p === 0) return undefined;
      pos += p;
      if (buf.length < want) break;
    }
    return undefined;
  }

  /** The first batch whose max timestamp is >= ts, with its offset, or undefined. */
  async batchForTimestamp(ts: number): Promise<Buffer | undefined> {
    for (const seg of this.segments) {
      if ((await seg.largestTimestamp()) < ts) continue;
      let pos = Math.max(await seg.positionForTimestamp(ts), 0);
      const limit = seg.written;
      while (pos < limit) {
        const head = await seg.read(61, pos);
        if (head.length < 61) break;
        const base = readInt64(head, 0);
        if (base >= this.highWatermark) return undefined;
        const size = head.readInt32BE(8) + LOG_OVERHEAD;
        if (readInt64(head, 35) >= ts && base + head.readInt32BE(23) >= this.logStartOffset) return seg.read(size, pos);
        pos += size;
      }
    }
    return undefined;
  }

  /** Largest timestamp in the log and the offset of the batch that holds it (ListOffsets -3). */
  maxTimestampBatch(): { timestamp: number; segment: Segment } | undefined {
    let best: Segment | undefined;
    for (const s of this.segments) if (s.maxTimestamp >= 0 && (!best || s.maxTimestamp > best.maxTimestamp)) best = s;
    return best ? { timestamp: best.maxTimestamp, segment: best } : undefined;
  }

  // ---------------------------------------------------------------- retention

  /** DeleteRecords: moves the log start offset forward and drops the segments wholly below it. */
  async deleteRecordsBefore(offset: number): Promise<number> {
    if (offset > this.highWatermark || offset < 0)
      throw new StorageError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${offset} is beyond the high watermark ${this.highWatermark}`);
    if (offset > this.logStartOffset) this.logStartOffset = offset;
    this.txns.trim(this.logStartOffset);
    await this.dropSegmentsBelow(this.logStartOffset);
    return this.logStartOffset;
  }

  private async dropSegmentsBelow(offset: number): Promise<void> {
    while (this.segments.length > 1 && this.segments[1].baseOffset <= offset && this.segments[0].sealed) {
      const seg = this.segments.shift()!;
      await seg.delete();
    }
  }

  /**
   * Deletes closed segments past retention.ms (by their largest timestamp, or file time when they
   * have none) or beyond retention.bytes. If even the active segment has expired, it is rolled
   * first so that it can go too: offsets continue from where they were.
   */
  async applyRetention(now = Date.now()): Promise<{ segments: number; bytes: number }> {
    const cfg = this.config();
    if (!cfg.cleanupPolicy.includes('delete')) return { segments: 0, bytes: 0 };
    for (const s of this.segments) await s.largestTimestamp();
    const expired = (s: Segment): boolean =>
      cfg.retentionMs >= 0 && Number.isFinite(cfg.retentionMs) && now - (s.maxTimestamp >= 0 ? s.maxTimestamp : s.lastModified) > cfg.retentionMs;
    if (this.active.size > 0 && expired(this.active) && this.segments.every(expired)) {
      this.roll(this.nextOffset);
      await this.settle();
    }
    let deleted = 0;
    let bytes = 0;
    let excess = cfg.retentionBytes >= 0 ? this.size - cfg.retentionBytes : -Infinity;
    while (this.segments.length > 1 && this.segments[0].sealed) {
      const seg = this.segments[0];
      const bySize = excess - seg.size >= 0;
      if (!expired(seg) && !bySize) break;
      this.segments.shift();
      excess -= seg.size;
      bytes += seg.size;
      deleted++;
      this.logStartOffset = Math.max(this.logStartOffset, this.segments[0].baseOffset);
      await seg.delete();
    }
    this.txns.trim(this.logStartOffset);
    return { segments: deleted, bytes };
  }

  /** Cuts the log back to end before `offset` (for a follower diverging from its leader). */
  async truncateTo(offset: number): Promise<void> {
    await this.settle();
    if (offset >= this.nextOffset) return;
    while (this.segments.length > 1 && this.active.baseOffset >= offset) {
      const seg = this.segments.pop()!;
      await seg.delete();
    }
    await this.active.truncateTo(offset, this.config().indexIntervalBytes);
    this.active.sealed = false;
    this.nextOffset = Math.max(this.active.nextOffset, this.active.baseOffset);
    this.highWatermark = Math.min(this.highWatermark, this.nextOffset);
    this.recoveryPoint = Math.min(this.recoveryPoint, this.nextOffset);
  }

  /** Clean close: every write landed, fsynced, active segment indexes written. */
  async close(): Promise<void> {
    await this.settle();
    await this.flush();
    await this.active.writeIndexes();
    if (this.producers.producers.size > 0 || this.txns.ongoing.size > 0 || this.txns.aborted.length > 0)
      await writeFileAtomic(this.snapshotPath, JSON.stringify({ ...this.producers.snapshot(this.nextOffset), txns: this.txns.snapshot() }));
    for (const s of this.segments) await this.files.forget(s.logPath);
  }
}

/** The marker type of a control batch: true for commit, false for abort, undefined if unreadable. */
function parseMarker(batch: Buffer): { commit: boolean; coordinatorEpoch: number } | undefined {
  try {
    const [r] = decodeRecords(batch.subarray(61, batch.readInt32BE(8) + LOG_OVERHEAD), 0n, 0n, 1);
    if (!r?.key || r.key.length < 4) return undefined;
    const coordinatorEpoch = r.value && r.value.length >= 6 ? r.value.readInt32BE(2) : -1;
    return { commit: r.key.readInt16BE(2) === 1, coordinatorEpoch };
  } catch {
    return undefined;
  }
}

/**
 * The file log of one partition (Kafka's UnifiedLog over LocalLog): an ordered list of segments,
 * of which the last is active. This module holds the state and the append path; the jobs around
 * it are in their own modules: the writer loop (log-writer.ts), loading and recovery
 * (log-loader.ts), reads (log-reader.ts), time lookups (log-time.ts), DeleteRecords and retention
 * (log-retention.ts), truncation (log-truncate.ts), producer state (log-producers.ts).
 *
 * Appends assign offsets synchronously (so they are ordered and never reused) and are queued for
 * the writer. The high watermark moves when bytes are in the file, and readers never look past
 * it. Reads return whole stored batches, from the one containing the requested offset, without
 * decoding them.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Segment, type BatchMeta } from './segment.js';
import type { FileCache } from './file-cache.js';
import type { LogConfig } from './log-config.js';
import { writeFileAtomic } from '../util/fs.js';
import { readLeaderEpochs, writeLeaderEpochs } from './leader-epochs.js';
import { LeaderEpochCache } from './epoch-cache.js';
import { EpochLog } from './epoch-log.js';
import { readInt64, type BatchInfo, HeaderOffset } from '../protocol/record-batch.js';
import { AppendWaiters, checkFollowerBatches, forEachBatch, shouldRoll, stampLeaderBatch, totalSize } from './log-append.js';
import { ErrorCode } from '../protocol/errors.js';
import type { Logger } from '../util/logger.js';
import { ProducerStateTable } from '../producers/producer-state.js';
import { PartitionTxns } from '../producers/partition-txns.js';
import { StorageError, type AppendResult, type Log, type ReadOptions, type ReadResult, type RetentionResult } from './log.js';
import { LogWriter } from './log-writer.js';
import { fileCleanTarget } from './clean-file.js';
import type { CleanTarget } from './clean-target.js';
import { loadSegments, rebuildProducerState, snapshotPath, type LoadOptions } from './log-loader.js';
import { readSegments, segmentFor } from './log-reader.js';
import { batchForTimestamp, maxTimestampSegment } from './log-time.js';
import { applyRetention, deleteRecordsBefore } from './log-retention.js';
import { truncateFullyAndStartAt, truncateTo } from './log-truncate.js';
import { FullDiskRecovery } from './full-disk.js';
import { appendMarker, checkSequence, duplicateResult, producerFields, trackBatch } from './log-producers.js';

export { StorageError, type AppendResult, type ReadResult } from './log.js';

export class PartitionLog extends EpochLog implements Log {
  segments: Segment[] = [];
  logStartOffset = 0;
  /** Next offset to assign (log end offset). */
  nextOffset = 0;
  /** Offset below which every batch is in the file and may be read. */
  highWatermark = 0;
  /** The checkpoint write in progress, if any: the writer waits for it, so no batch lands before its epoch. */
  private epochWrite: Promise<void> | undefined;
  /** A checkpoint write is queued behind epochWrite (it writes the entries as they are when it starts). */
  private epochWriteQueued = false;
  private readonly waiters = new AppendWaiters();
  /** Idempotent producers' sequence state (src/producers/producer-state.ts). */
  readonly producers = new ProducerStateTable();
  /** Open and aborted transactions, for the last stable offset and read_committed fetches. */
  readonly txns = new PartitionTxns();
  /** Set while compaction swaps a segment; reads wait for it. */
  private swapping: Promise<unknown> | undefined;
  private readonly writer: LogWriter;
  private readonly fullDisk: FullDiskRecovery;

  private constructor(
    readonly topic: string,
    readonly partition: number,
    readonly dir: string,
    readonly config: () => LogConfig,
    readonly files: FileCache,
    private readonly log: Logger,
  ) {
    super();
    this.writer = new LogWriter(
      {
        topic,
        partition,
        config,
        written: (offset) => {
          this.highWatermark = offset;
          this.waiters.notify();
        },
        barrier: () => this.epochWrite,
        writeFailed: (err, cutFrom) => this.fullDisk.onWriteFailed(err, cutFrom),
      },
      files,
      log,
    );
    this.fullDisk = new FullDiskRecovery(
      {
        topic,
        partition,
        logEnd: () => this.nextOffset,
        settle: () => this.settle(),
        truncateTo: (offset) => truncateTo(this, offset),
        probeWrite: () => writeLeaderEpochs(this.dir, this.epochs.entries()),
        clearWriteFailure: () => {
          const err = this.writer.failed;
          this.writer.failed = undefined;
          return err;
        },
        wake: () => this.waiters.notify(),
      },
      log,
    );
  }

  get active(): Segment {
    return this.segments[this.segments.length - 1];
  }

  get size(): number {
    return totalSize(this.segments);
  }

  get numberOfSegments(): number {
    return this.segments.length;
  }

  get logEndOffset(): number {
    return this.nextOffset;
  }

  /** Offset below which every batch has been fsynced. */
  get recoveryPoint(): number {
    return this.writer.recoveryPoint;
  }

  get lastFlushMs(): number {
    return this.writer.lastFlushMs;
  }

  /**
   * The error of a failed write: the log is neither read nor written (until restart, or until a
   * write that failed on a full disk is cut back: full-disk.ts). Tests simulate one by setting it.
   */
  get failed(): Error | undefined {
    return this.writer.failed;
  }

  set failed(err: Error | undefined) {
    this.writer.failed = err;
  }

  /** Told how long each fsync of this log took (the broker's metrics). */
  set onFsync(fn: ((seconds: number) => void) | undefined) {
    this.writer.onFsync = fn;
  }

  /** A new, empty partition directory. */
  static async create(dir: string, topic: string, partition: number, topicId: string, config: () => LogConfig, files: FileCache, log: Logger): Promise<PartitionLog> {
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, 'partition.metadata'), `version: 0\ntopic_id: ${topicId}\n`);
    await writeLeaderEpochs(dir, [{ epoch: 0, startOffset: 0 }]);
    const p = new PartitionLog(topic, partition, dir, config, files, log);
    p.segments = [new Segment(dir, 0, files)];
    await files.with(p.active.logPath, async () => undefined);
    return p;
  }

  /** Opens an existing partition directory, recovering it after an unclean shutdown (log-loader.ts). */
  static async open(dir: string, topic: string, partition: number, opts: LoadOptions, config: () => LogConfig, files: FileCache, log: Logger): Promise<PartitionLog> {
    const p = new PartitionLog(topic, partition, dir, config, files, log);
    const loaded = await loadSegments(dir, opts, config().indexIntervalBytes, files, log, { topic, partition });
    p.segments = loaded.segments;
    p.nextOffset = p.highWatermark = loaded.nextOffset;
    p.writer.recoveryPoint = loaded.recoveryPoint;
    p.logStartOffset = loaded.logStartOffset;
    await rebuildProducerState(dir, p.segments, p, p.producers, p.txns);
    const epochs = new LeaderEpochCache(readLeaderEpochs(dir));
    // Recovery may have cut batches whose epochs the checkpoint names; entries beyond the end go
    // (Kafka's LogLoader cuts at the end itself: an epoch a leader took with nothing written yet
    // stays here, it ends at the log end either way). The first epoch moves up to the log start.
    const cut = epochs.truncateFromEnd(p.nextOffset + 1);
    const moved = epochs.truncateFromStart(p.logStartOffset);
    if (cut || moved) await writeLeaderEpochs(dir, epochs.entries());
    p.epochs = epochs;
    p.leaderEpoch = Math.max(0, epochs.latestEpoch());
    return p;
  }

  /** The cache is the leader-epoch-checkpoint's entries. */
  protected override epochsChanged(): Promise<void> {
    return this.persistEpochs();
  }

  /**
   * Writes the epoch checkpoint as it will be when the write starts; one write at a time and at
   * most one queued. A failed write takes the log offline, as a failed segment write does.
   */
  private persistEpochs(): Promise<void> {
    if (this.epochWriteQueued && this.epochWrite) return this.epochWrite;
    const before = this.epochWrite ?? Promise.resolve();
    this.epochWriteQueued = true;
    const write = before
      .catch(() => undefined)
      .then(() => {
        this.epochWriteQueued = false;
        return writeLeaderEpochs(this.dir, this.epochs.entries());
      });
    this.epochWrite = write;
    write.then(
      () => {
        if (this.epochWrite === write) this.epochWrite = undefined;
      },
      (err: Error) => {
        if (this.epochWrite === write) this.epochWrite = undefined;
        if (!this.failed) {
          this.log.error({ topic: this.topic, partition: this.partition, err: err.message }, 'leader-epoch-checkpoint write failed; partition refuses writes');
          this.failed = err;
          this.fullDisk.onWriteFailed(err, undefined);
        }
      },
    );
    return write;
  }

  /** After truncation to `end` or a new log start offset: the epochs follow (persisted when they change). */
  epochsCut(end: number): Promise<void> {
    return this.epochs.truncateFromEnd(end) ? this.persistEpochs() : Promise.resolve();
  }

  logStartMoved(): Promise<void> {
    return this.epochs.truncateFromStart(this.logStartOffset) ? this.persistEpochs() : Promise.resolve();
  }

  // ---------------------------------------------------------------- writes

  private offline(): StorageError | undefined {
    const failed = this.failed ?? this.fullDisk.refusal;
    return failed && new StorageError(ErrorCode.KAFKA_STORAGE_ERROR, `log of ${this.topic}-${this.partition} is offline: ${failed.message}`);
  }

  /**
   * Appends one validated batch: stamps its offset (and LogAppendTime if configured), queues it for
   * the writer loop, and resolves once it is in the file (and fsynced, with fsync-on-ack).
   */
  append(buf: Buffer, info: BatchInfo, now = Date.now()): Promise<AppendResult> {
    const offline = this.offline();
    if (offline) return Promise.reject(offline);
    const seq = checkSequence(this.producers, info);
    if (seq instanceof StorageError) return Promise.reject(seq);
    if (seq) return duplicateResult(this, () => this.writer.failed ?? this.fullDisk.refusal, seq.firstOffset, seq.lastOffset);
    const cfg = this.config();
    const baseOffset = this.nextOffset;
    const { lastOffset, maxTimestamp, logAppendTime } = stampLeaderBatch(buf, info, baseOffset, this.leaderEpoch, cfg, now);
    // Only after a truncation cut the current epoch's entry (Kafka assigns per batch on every append).
    if (this.epochs.assign(this.leaderEpoch, baseOffset)) void this.persistEpochs().catch(() => undefined);
    const written = this.place(buf, { baseOffset, lastOffset, maxTimestamp, recordCount: info.recordCount }, now, cfg);
    trackBatch(this.producers, this.txns, buf, info, baseOffset, maxTimestamp);
    return written.then(() => ({ baseOffset, lastOffset, logAppendTime, logStartOffset: this.logStartOffset }));
  }

  /** Gives a batch whose offsets are set its place in the active segment (rolling first if due) and queues the write. */
  private place(buf: Buffer, meta: BatchMeta, now: number, cfg: LogConfig): Promise<void> {
    let seg = this.active;
    if (shouldRoll(seg, buf.length, meta.maxTimestamp, now, cfg)) seg = this.roll(meta.baseOffset);
    const position = seg.size;
    seg.track(meta, position, cfg.indexIntervalBytes);
    seg.addBytes(buf.length);
    seg.size += buf.length;
    this.nextOffset = meta.lastOffset + 1;
    return this.writer.write(seg, buf, position, meta.lastOffset, meta.recordCount);
  }

  /**
   * Batches carrying their offsets (a replica's fetch from its leader), stored as they are after
   * checking that each is intact and that offsets continue the log. Their leader epochs go into the
   * epoch cache (one header read per batch); the checkpoint is written before the batches.
   */
  appendAsFollower(records: Buffer): Promise<AppendResult> {
    const offline = this.offline();
    if (offline) return Promise.reject(offline);
    const refused = checkFollowerBatches(records, this.nextOffset);
    if (refused) return Promise.reject(refused);
    const cfg = this.config();
    const now = Date.now();
    const baseOffset = readInt64(records, HeaderOffset.BASE_OFFSET);
    let lastOffset = baseOffset;
    let written: Promise<void> = Promise.resolve();
    let epochs: Promise<void> = Promise.resolve();
    forEachBatch(records, (batch, base, last, maxTimestamp) => {
      lastOffset = last;
      const epoch = batch.readInt32BE(HeaderOffset.PARTITION_LEADER_EPOCH);
      if (this.epochs.assign(epoch, base)) epochs = this.persistEpochs().catch((err: Error) => Promise.reject(new StorageError(ErrorCode.KAFKA_STORAGE_ERROR, `leader-epoch-checkpoint write failed: ${err.message}`)));
      if (epoch > this.leaderEpoch) this.leaderEpoch = epoch;
      written = this.place(batch, { baseOffset: base, lastOffset: last, maxTimestamp, recordCount: batch.readInt32BE(HeaderOffset.RECORDS_COUNT) }, now, cfg);
      trackBatch(this.producers, this.txns, batch, producerFields(batch), base, maxTimestamp);
    });
    return Promise.all([written, epochs]).then(() => ({ baseOffset, lastOffset, logAppendTime: -1, logStartOffset: this.logStartOffset }));
  }

  /** The last stable offset: below it no transaction is open (read_committed reads up to here). */
  get lastStableOffset(): number {
    return this.txns.lastStableOffset(this.highWatermark);
  }

  /**
   * Writes a transaction marker (control batch) for `producerId`; resolves once it is in the log.
   * The transaction coordinator and WriteTxnMarkers both come here. A marker of an older producer
   * epoch or coordinator epoch is refused (producer-state.ts checkMarker); `transactionVersion` 2
   * asks for the strict epoch check of markers that carry a bumped epoch.
   */
  appendMarker(producerId: bigint, producerEpoch: number, commit: boolean, coordinatorEpoch = 0, transactionVersion = 0): Promise<AppendResult> {
    return appendMarker(this, this.producers, producerId, producerEpoch, commit, coordinatorEpoch, transactionVersion);
  }


  /** Starts a new active segment at `baseOffset`; the old one is sealed once its writes land. */
  roll(baseOffset: number): Segment {
    const old = this.active;
    const seg = new Segment(this.dir, baseOffset, this.files);
    this.segments.push(seg);
    this.log.debug({ topic: this.topic, partition: this.partition, segment: baseOffset }, 'rolled segment');
    this.writer.seal(old);
    return seg;
  }

  /** fsyncs the active segment (log.flush.interval.ms, shutdown). */
  flush(): Promise<void> {
    return this.writer.flush(this.active, this.highWatermark);
  }

  /** Resolves when nothing is queued for writing (segments and the epoch checkpoint). */
  async settle(): Promise<void> {
    await this.writer.settle();
    while (this.epochWrite) await this.epochWrite.catch(() => undefined);
  }

  // ---------------------------------------------------------------- reads

  onAppend(fn: () => void): () => void {
    return this.waiters.add(fn);
  }

  segmentFor(offset: number): number {
    return segmentFor(this.segments, offset);
  }

  /**
   * Whole batches from the one containing `offset`, up to `maxBytes` (at least one whole batch
   * when `minOneBatch`, as Kafka does), never past `upTo` (the high watermark by default).
   */
  async read(offset: number, maxBytes: number, opts: ReadOptions = {}): Promise<ReadResult> {
    for (let attempt = 0; ; attempt++) {
      if (this.swapping) await this.swapping;
      const upTo = Math.min(opts.upTo ?? this.highWatermark, this.highWatermark);
      if (offset < this.logStartOffset || offset > this.highWatermark)
        throw new StorageError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${offset} is outside [${this.logStartOffset}, ${this.highWatermark}] of ${this.topic}-${this.partition}`);
      const used: Segment[] = [];
      const records = offset >= upTo ? Buffer.alloc(0) : await readSegments(this.segments, offset, maxBytes, opts.minOneBatch ?? true, upTo, used);
      // A segment replaced by compaction during the read may have served bytes at stale positions.
      if (!used.some((s) => s.retired) || attempt >= 5) return { records, highWatermark: this.highWatermark, logStartOffset: this.logStartOffset };
    }
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

  cleanable(): CleanTarget {
    return fileCleanTarget(this);
  }

  /** The first batch whose max timestamp is >= ts, or undefined. */
  batchForTimestamp(ts: number): Promise<Buffer | undefined> {
    return batchForTimestamp(this.segments, ts, this.logStartOffset, this.highWatermark);
  }

  /** Largest timestamp in the log and the segment that holds it (ListOffsets -3). */
  maxTimestampBatch(): { timestamp: number; segment: Segment } | undefined {
    return maxTimestampSegment(this.segments);
  }

  // ---------------------------------------------------------------- retention, truncation

  deleteRecordsBefore(offset: number): Promise<number> {
    return deleteRecordsBefore(this, offset);
  }

  applyRetention(now = Date.now()): Promise<RetentionResult> {
    return applyRetention(this, now);
  }

  truncateTo(offset: number): Promise<void> {
    return truncateTo(this, offset);
  }

  truncateFullyAndStartAt(offset: number): Promise<void> {
    return truncateFullyAndStartAt(this, offset);
  }

  /**
   * After a full truncation: the log is one empty segment at `offset`. Nothing of the old log is
   * remembered: producers, transactions, and the epochs (Kafka clears the cache; the leader's
   * batches assign their epochs again).
   */
  async startedAt(offset: number): Promise<void> {
    this.logStartOffset = this.nextOffset = this.highWatermark = offset;
    this.writer.recoveryPoint = offset;
    this.producers.producers.clear();
    this.txns.load(undefined);
    if (this.epochs.clear()) await this.persistEpochs();
    this.waiters.notify();
  }

  /** After truncation: the log now ends at `end`; nothing may stay above it, epochs included. */
  async truncated(end: number): Promise<void> {
    this.nextOffset = end;
    this.highWatermark = Math.min(this.highWatermark, end);
    this.writer.recoveryPoint = Math.min(this.writer.recoveryPoint, end);
    // The producer state and open transactions must not remember cut batches: a retry of one
    // would be answered as a duplicate at offsets that now hold other records (Kafka's truncateTo
    // rebuilds the producer state too). Replayed from what is left, as at recovery.
    this.producers.producers.clear();
    this.txns.load(undefined);
    await rebuildProducerState(this.dir, this.segments, this, this.producers, this.txns);
    await this.epochsCut(end);
  }

  /** Clean close: every write landed, fsynced, active segment indexes written. */
  async close(): Promise<void> {
    this.fullDisk.close();
    await this.settle();
    await this.flush();
    await this.active.writeIndexes();
    if (this.producers.producers.size > 0 || this.txns.ongoing.size > 0 || this.txns.aborted.length > 0)
      await writeFileAtomic(snapshotPath(this.dir), JSON.stringify({ ...this.producers.snapshot(this.nextOffset), txns: this.txns.snapshot() }));
    for (const s of this.segments) await this.files.forget(s.logPath);
  }
}

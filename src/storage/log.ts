/**
 * The log of one partition as the rest of the broker sees it (Kafka's UnifiedLog): what handlers,
 * coordinators and the log manager's background work may do with a partition, whatever keeps its
 * bytes. Two implementations: the file log (partition-log.ts, segments on disk) and the in-memory
 * log (memory-log.ts, for `startBroker({ storage: 'memory' })`); test/storage/log-conformance.ts
 * holds both to the same behaviour.
 *
 * Offsets: the log end offset is the next offset to assign; the high watermark is the end of what
 * may be read (with a single replica, what has been written); the log start offset is the first
 * offset still readable (raised by DeleteRecords and retention). Offsets are never reused, except
 * that truncateTo() moves the end back for a follower that diverged from its leader (and
 * truncateFullyAndStartAt() empties a follower's log to restart it at its leader's log start).
 *
 * Leader epochs (Kafka's LeaderEpochFileCache, epoch-cache.ts): where each epoch of the log starts.
 * A leader's appends stamp its epoch and a follower's record the epochs their batches carry;
 * truncateTo() drops the epochs it cuts off and a rising log start offset moves the first one up.
 * The file log keeps them in its leader-epoch-checkpoint, written before the data that needs them.
 *
 * Producer state (idempotent sequences) and the transaction index (open and aborted transactions)
 * live at this layer, as Kafka's ProducerStateManager does under UnifiedLog: append checks
 * sequences and records markers in the same step that assigns offsets, and the file log rebuilds
 * both from its batches at start-up. Higher layers only read them (DescribeProducers, Fetch in
 * read_committed) or expire idle producers.
 */
import type { BatchInfo } from '../protocol/record-batch.js';
import type { LogConfig } from './log-config.js';
import type { ProducerStateTable } from '../producers/producer-state.js';
import type { PartitionTxns } from '../producers/partition-txns.js';
import type { EpochEntry } from './leader-epochs.js';
import type { EpochEndOffset } from './epoch-cache.js';
import type { CleanTarget } from './clean-target.js';

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

export interface ReadOptions {
  /** Return the first batch even when it is larger than maxBytes (default true, as Kafka). */
  minOneBatch?: boolean;
  /** Read no batch at or past this offset (default and upper bound: the high watermark). */
  upTo?: number;
}

export interface RetentionResult {
  segments: number;
  bytes: number;
}

export interface Log {
  readonly topic: string;
  readonly partition: number;
  /** The partition's directory, undefined for a log that keeps nothing on disk. */
  readonly dir: string | undefined;
  /** The topic's log settings now (dynamic: AlterConfigs changes apply at once). */
  config(): LogConfig;

  readonly logStartOffset: number;
  /** Next offset to assign (Kafka's logEndOffset). */
  readonly logEndOffset: number;
  readonly highWatermark: number;
  /** Below it no transaction is open: read_committed reads up to here. */
  readonly lastStableOffset: number;
  /**
   * The epoch a leader's batches are stamped with: the partition's leader epoch in the metadata
   * image, and never below an epoch a follower's batches brought.
   */
  readonly leaderEpoch: number;
  /**
   * Told by the metadata owner that this log leads in a newer epoch, which starts at the log end
   * offset (persisted; Kafka's maybeAssignEpochStartOffset on becoming leader). Older ones are ignored.
   */
  assignLeaderEpoch(epoch: number): Promise<void>;
  /**
   * Kafka's endOffsetFor: the largest epoch <= `epoch` and its end offset (the start of the next
   * epoch, or the log end offset for the latest one); (-1, -1) for -1, an epoch above the latest or
   * no epochs at all. An epoch below the first ends where the first starts.
   */
  endOffsetForEpoch(epoch: number): EpochEndOffset;
  /** The newest epoch with an entry in the epoch cache, -1 when there is none. */
  latestEpoch(): number;
  /** The epoch cache, oldest first (a copy). */
  epochEntries(): EpochEntry[];
  /** Bytes held (on disk, or in memory). */
  readonly size: number;
  readonly numberOfSegments: number;
  /** The error of a failed write: the log is offline (appends refused) until restart; undefined while online. */
  readonly failed: Error | undefined;

  /** Idempotent producers' sequence state. */
  readonly producers: ProducerStateTable;
  /** Open and aborted transactions. */
  readonly txns: PartitionTxns;

  /**
   * Kafka's appendAsLeader: one validated produced batch gets the next offsets (stamped into its
   * header in place, with LogAppendTime if configured). Sequences of idempotent producers are
   * checked first; a duplicate resolves with the offsets of the first append. Resolves once the
   * batch may be read (and is fsynced, with fsync-on-ack).
   */
  append(batch: Buffer, info: BatchInfo, now?: number): Promise<AppendResult>;
  /** A transaction marker (control batch) for `producerId`, appended as a leader. */
  appendMarker(producerId: bigint, producerEpoch: number, commit: boolean, coordinatorEpoch?: number, transactionVersion?: number): Promise<AppendResult>;
  /**
   * Kafka's appendAsFollower: batches that already carry their offsets (a replica fetching from its
   * leader), stored as they are. The first must start at or after the log end offset and each must
   * start after the previous one; otherwise nothing is appended and the promise rejects. The
   * partition leader epoch of each batch (when >= 0) is assigned at its base offset.
   */
  appendAsFollower(records: Buffer): Promise<AppendResult>;

  /**
   * Whole batches from the one containing `offset`, up to `maxBytes` (at least one whole batch
   * with minOneBatch), as a slice of the stored bytes where that is possible. An offset outside
   * [logStartOffset, highWatermark] is OFFSET_OUT_OF_RANGE.
   */
  read(offset: number, maxBytes: number, opts?: ReadOptions): Promise<ReadResult>;
  /** Calls `fn` once after the next advance of the high watermark; returns an unsubscribe. */
  onAppend(fn: () => void): () => void;

  /** The first batch whose max timestamp is >= ts and which ends at or after the log start. */
  batchForTimestamp(ts: number): Promise<Buffer | undefined>;
  /** Largest timestamp in the log (ListOffsets MAX_TIMESTAMP), undefined when none. */
  maxTimestampBatch(): { timestamp: number } | undefined;

  /** DeleteRecords: raises the log start offset (never past the high watermark); returns it. */
  deleteRecordsBefore(offset: number): Promise<number>;
  /** The log as the cleaner works on it (cleanup.policy compact: cleaner.ts); the same object every time. */
  cleanable(): CleanTarget;
  /** Drops whole segments past retention.ms / retention.bytes (cleanup.policy delete). */
  applyRetention(now?: number): Promise<RetentionResult>;
  /** Cuts the log back to end before `offset` (a follower diverging from its leader), and the epochs starting there or later. */
  truncateTo(offset: number): Promise<void>;
  /**
   * Kafka's truncateFullyAndStartAt: everything goes and the log starts, empty, at `offset` (log
   * start = log end = high watermark): a follower whose log ends below its leader's log start
   * (retention or DeleteRecords removed what it lacks) starts over there. The epoch cache is
   * cleared (the leader's batches bring their epochs in again) and the producer state and
   * transactions are forgotten. The leader epoch stays.
   */
  truncateFullyAndStartAt(offset: number): Promise<void>;
  /** Makes everything appended durable (a no-op without a disk). */
  flush(): Promise<void>;
  /** Resolves when every append so far has landed. */
  settle(): Promise<void>;
  /** Clean close: everything written and flushed; the log is not used afterwards. */
  close(): Promise<void>;
}

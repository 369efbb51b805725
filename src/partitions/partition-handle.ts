/**
 * One partition as request handlers see it (in the spirit of Redpanda's partition_proxy): the
 * offsets a response reports, a two-phase append, reads at an isolation level, time and epoch
 * queries, DeleteRecords and producer state. Nothing else: no segments, no files, no writer.
 * Handlers get one from the PartitionManager (partition-manager.ts) or a Kafka error instead.
 */
import type { BatchInfo } from '../protocol/record-batch.js';
import type { LogConfig } from '../storage/log-config.js';
import type { AbortedTxn } from '../producers/partition-txns.js';

/** The topic's settings as they apply to this partition now (AlterConfigs applies at once). */
export type PartitionConfig = LogConfig;

export interface AppendedOffsets {
  baseOffset: number;
  lastOffset: number;
  /** Broker time stamped into the batch with LogAppendTime, else -1. */
  logAppendTime: number;
  logStartOffset: number;
}

/**
 * An append in its two phases. `written`: in the local log (and fsynced with fsync-on-ack).
 * `committed`: below the high watermark, so readers see it and acks=-1 may be answered. With one
 * replica both are the same moment; with replication `committed` waits for the in-sync replicas.
 * Both reject with the same error when the append fails.
 */
export interface PendingAppend {
  written: Promise<AppendedOffsets>;
  committed: Promise<AppendedOffsets>;
}

export type IsolationLevel = 'read_uncommitted' | 'read_committed';

export interface PartitionReadOptions {
  /** Return the first batch even when it is larger than maxBytes (Fetch's first partition with data). */
  minOneBatch: boolean;
  isolation: IsolationLevel;
}

export interface PartitionRead {
  /** Whole batches, or empty when there is nothing at or after the offset (up to the isolation's bound). */
  records: Buffer;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  /** read_committed: the aborted transactions overlapping the range read (Kafka's list); else null. */
  abortedTransactions: AbortedTxn[] | null;
}

export interface EpochEndOffset {
  leaderEpoch: number;
  endOffset: number;
}

/** One producer a partition knows (DescribeProducers). */
export interface ProducerDescription {
  producerId: bigint;
  producerEpoch: number;
  lastSequence: number;
  lastTimestamp: number;
  /** Of the producer's last transaction marker, -1 before any. */
  coordinatorEpoch: number;
  /** Where its open transaction starts, -1 when none is open. */
  currentTxnStartOffset: number;
}

export interface PartitionHandle {
  readonly topic: string;
  readonly partition: number;
  readonly leaderEpoch: number;
  readonly highWatermark: number;
  /** Below it no transaction is open: read_committed reads up to here. */
  readonly lastStableOffset: number;
  readonly logStartOffset: number;
  /** Where the partition's data lives (DescribeLogDirs): its directory (undefined in memory) and bytes held. */
  readonly dir: string | undefined;
  readonly size: number;
  config(): PartitionConfig;

  /**
   * A validated produced batch, as the leader (offsets are stamped into it in place). With acks -1
   * (the default) `committed` waits for every in-sync replica, and fewer in-sync replicas than
   * min.insync.replicas refuse the write (NOT_ENOUGH_REPLICAS).
   */
  append(batch: Buffer, info: BatchInfo, now?: number, acks?: number): PendingAppend;
  /** A COMMIT or ABORT marker for `producerId`, with Kafka's producer and coordinator epoch checks. */
  appendMarker(producerId: bigint, producerEpoch: number, commit: boolean, coordinatorEpoch: number, transactionVersion: number): PendingAppend;

  /**
   * Whole batches from the one containing `offset`, bounded by maxBytes and by the high watermark
   * (read_uncommitted) or the last stable offset (read_committed). An offset outside
   * [logStartOffset, highWatermark] is OFFSET_OUT_OF_RANGE.
   */
  read(offset: number, maxBytes: number, opts: PartitionReadOptions): Promise<PartitionRead>;
  /**
   * A follower's fetch (Fetch with a replica id): batches up to the log end, and the follower's
   * progress recorded (its log end offset is `offset`), which may move the high watermark and the
   * ISR. NOT_LEADER_OR_FOLLOWER unless this is the leader and `replicaId` a follower.
   */
  readAsReplica(replicaId: number, offset: number, maxBytes: number): Promise<PartitionRead>;
  /** Calls `fn` once after the next local append (a follower's long poll); returns an unsubscribe. */
  onLogEnd(fn: () => void): () => void;
  /** Calls `fn` once after the next advance of the high watermark (Fetch's long poll); returns an unsubscribe. */
  onHighWatermark(fn: () => void): () => void;

  /** The first record whose timestamp is >= ts, at or after the log start; undefined when none. */
  offsetForTimestamp(ts: number): Promise<{ offset: number; timestamp: number } | undefined>;
  /** The first record with the largest timestamp in the log (ListOffsets MAX_TIMESTAMP). */
  offsetOfMaxTimestamp(): Promise<{ offset: number; timestamp: number } | undefined>;
  /** Where `epoch` ends (Kafka's LeaderEpochFileCache.endOffsetFor); epoch -1 and offset -1 when unknown. */
  endOffsetForEpoch(epoch: number): EpochEndOffset;

  /** Raises the log start offset to `offset` (not past the high watermark); returns the new one. */
  deleteRecordsBefore(offset: number): Promise<number>;
  /** The idempotent and transactional producers this partition knows. */
  producers(): ProducerDescription[];
}

/**
 * The partition manager over this broker's logs (LogStore): every partition has one replica, here,
 * so an append is committed when it is written and the leader epoch is the log's. A handle is made
 * once per log and kept, so that handles compare equal across requests.
 */
import { ErrorCode } from '../protocol/errors.js';
import { Attr, HeaderOffset } from '../protocol/record-batch.js';
import { batchRecords } from '../protocol/batch-records.js';
import type { BatchInfo } from '../protocol/record-batch.js';
import type { TopicCatalog } from '../cluster/topics.js';
import { StorageError, type Log } from '../storage/log.js';
import type { LogStore } from '../storage/log-store.js';
import type { PartitionManager, PartitionLookup } from './partition-manager.js';
import type {
  AppendedOffsets,
  EpochEndOffset,
  PartitionConfig,
  PartitionHandle,
  PartitionRead,
  PartitionReadOptions,
  PendingAppend,
  ProducerDescription,
} from './partition-handle.js';

/** One replica: written is committed. */
function singleReplica(p: Promise<AppendedOffsets>): PendingAppend {
  return { written: p, committed: p };
}

/** What a partition handle reports as its log does, whatever the replication. */
const LOG_FIGURES = ['topic', 'partition', 'logStartOffset', 'dir', 'size'] as const;

export interface LogPartition extends Readonly<Pick<Log, (typeof LOG_FIGURES)[number]>> {}

export class LogPartition implements PartitionHandle {
  static {
    for (const name of LOG_FIGURES) {
      Object.defineProperty(LogPartition.prototype, name, {
        get(this: LogPartition) {
          return this.log[name];
        },
        configurable: true,
      });
    }
  }

  constructor(protected readonly log: Log) {}

  // A single replica's view: a replicated partition (ReplicatedPartition) has its own.
  get leaderEpoch(): number {
    return this.log.leaderEpoch;
  }
  get highWatermark(): number {
    return this.log.highWatermark;
  }
  get lastStableOffset(): number {
    return this.log.lastStableOffset;
  }

  config(): PartitionConfig {
    return this.log.config();
  }

  append(batch: Buffer, info: BatchInfo, now?: number): PendingAppend {
    return singleReplica(this.log.append(batch, info, now));
  }

  appendMarker(producerId: bigint, producerEpoch: number, commit: boolean, coordinatorEpoch: number, transactionVersion: number): PendingAppend {
    return singleReplica(this.log.appendMarker(producerId, producerEpoch, commit, coordinatorEpoch, transactionVersion));
  }

  async read(offset: number, maxBytes: number, opts: PartitionReadOptions): Promise<PartitionRead> {
    const committed = opts.isolation === 'read_committed';
    // The bounds are taken before reading, so the records and the offsets reported agree.
    const highWatermark = this.highWatermark;
    const lastStableOffset = this.lastStableOffset;
    const upTo = committed ? lastStableOffset : highWatermark;
    const r = await this.log.read(offset, maxBytes, { minOneBatch: opts.minOneBatch, upTo });
    return {
      records: r.records,
      highWatermark,
      lastStableOffset,
      logStartOffset: r.logStartOffset,
      abortedTransactions: committed ? this.log.txns.abortedIn(offset, upTo) : null,
    };
  }

  /** A single replica has no followers to serve. */
  readAsReplica(replicaId: number, _offset: number, _maxBytes: number): Promise<PartitionRead> {
    return Promise.reject(new StorageError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `broker ${replicaId} is not a replica of ${this.topic}-${this.partition}`));
  }

  onLogEnd(fn: () => void): () => void {
    return this.log.onAppend(fn);
  }

  onHighWatermark(fn: () => void): () => void {
    return this.log.onAppend(fn);
  }

  async offsetForTimestamp(ts: number): Promise<{ offset: number; timestamp: number } | undefined> {
    const batch = await this.log.batchForTimestamp(ts);
    if (!batch) return undefined;
    const logAppendTime = (batch.readInt16BE(HeaderOffset.ATTRIBUTES) & Attr.TIMESTAMP_LOG_APPEND) !== 0;
    const maxTs = batch.readBigInt64BE(HeaderOffset.MAX_TIMESTAMP);
    for (const r of await batchRecords(batch)) {
      const t = logAppendTime ? maxTs : r.timestamp;
      if (t >= BigInt(ts) && r.offset >= BigInt(this.log.logStartOffset)) return { offset: Number(r.offset), timestamp: Number(t) };
    }
    return undefined;
  }

  async offsetOfMaxTimestamp(): Promise<{ offset: number; timestamp: number } | undefined> {
    const max = this.log.maxTimestampBatch();
    return max && this.offsetForTimestamp(max.timestamp);
  }

  /**
   * The log's epoch cache answers (Kafka's endOffsetFor). With one replica an end offset never
   * passes the high watermark: offsets of appends still being written are not in the log yet.
   */
  endOffsetForEpoch(epoch: number): EpochEndOffset {
    const end = this.log.endOffsetForEpoch(epoch);
    return end.endOffset > this.log.highWatermark ? { leaderEpoch: end.leaderEpoch, endOffset: this.log.highWatermark } : end;
  }

  deleteRecordsBefore(offset: number): Promise<number> {
    return this.log.deleteRecordsBefore(offset);
  }

  producers(): ProducerDescription[] {
    return [...this.log.producers.producers].map(([id, e]) => ({
      producerId: BigInt(id),
      producerEpoch: e.epoch,
      lastSequence: e.batches.at(-1)?.lastSeq ?? -1,
      lastTimestamp: Math.round(e.lastTimestamp),
      coordinatorEpoch: e.coordinatorEpoch ?? -1,
      currentTxnStartOffset: this.log.txns.ongoing.get(id) ?? -1,
    }));
  }
}

export class LogPartitionManager implements PartitionManager {
  private readonly handles = new WeakMap<Log, LogPartition>();

  constructor(
    private readonly logs: LogStore,
    private readonly topics: Pick<TopicCatalog, 'get'>,
  ) {}

  private handle(log: Log): LogPartition {
    let h = this.handles.get(log);
    if (!h) this.handles.set(log, (h = new LogPartition(log)));
    return h;
  }

  getPartitionOrError(topic: string, index: number): PartitionLookup {
    const t = this.topics.get(topic);
    if (!t || index < 0 || index >= t.partitions) return { partition: undefined, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    const log = this.logs.partition(topic, index);
    if (!log) return { partition: undefined, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
    const failed = log.failed;
    if (failed) return { partition: undefined, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: `log of ${topic}-${index} is offline: ${failed.message}` };
    return { partition: this.handle(log), errorCode: 0 };
  }

  partitions(topic: string): PartitionHandle[] {
    return this.logs.partitions(topic).map((l) => this.handle(l));
  }

  checkpointLogStartOffsets(): Promise<void> {
    return this.logs.checkpointLogStartOffsets();
  }
}

/**
 * A key/value log on an internal compacted topic (__consumer_offsets, __transaction_state): keys and
 * values are bytes (Kafka's coordinator records, encoded by the stores above), a null value
 * deletes the key. The partition written to is a function of a routing key (a group or
 * transactional id), as Kafka's String.hashCode partitioning, so the state of one id stays in one
 * partition in order. A partition is replayed when this broker becomes its coordinator (its
 * leader); compaction keeps it small.
 *
 * Writes go through the partition's handle, as Kafka's coordinators append with acks=-1: a write
 * resolves once it is committed (every in-sync replica has it; on one node, once written). Replay
 * reads the local log up to its end, as Kafka's coordinator loader does: a new leader's records past
 * its replicated high watermark are its own and become committed as followers catch up.
 *
 * Transactional writes (offsets committed inside a transaction) are batches carrying the
 * producer's id and epoch and no sequence numbers, as Kafka's coordinator writes them; a COMMIT or
 * ABORT marker on the partition completes them. Replay hands both to the store in log order.
 */
import { createBatch } from '../protocol/records.js';
import { readBatchHeader, Attr, HeaderOffset, LOG_OVERHEAD } from '../protocol/record-batch.js';
import { batchRecords } from '../protocol/batch-records.js';
import { ErrorCode } from '../protocol/errors.js';
import { StorageError, type Log } from '../storage/log.js';
import type { PartitionHandle } from '../partitions/partition-handle.js';
import { LogPartition } from '../partitions/log-partitions.js';

export function partitionFor(id: string, partitions: number): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (Math.imul(31, h) + id.charCodeAt(i)) | 0;
  return Math.abs(h === -2147483648 ? 0 : h) % partitions;
}

/** The partitions of an internal topic as a coordinator reaches them. */
export interface KvPartitions {
  /** How many partitions the topic has (0 before it exists: nothing is stored). */
  count(): number;
  /** The handle to write `partition` through (this broker leads it), else undefined. */
  handle(partition: number): PartitionHandle | undefined;
  /** The local log of `partition`, read to its end when this broker loads it. */
  log(partition: number): Log | undefined;
}

/** One broker holding every partition: each log written through a single-replica handle. */
export function localKvPartitions(logs: Log[]): KvPartitions {
  const handles = logs.map((l) => new LogPartition(l));
  return { count: () => logs.length, handle: (p) => handles[p], log: (p) => logs[p] };
}
export interface KvEntry {
  key: Buffer;
  value: Buffer | null;
}

export interface TxnWriter {
  producerId: bigint;
  producerEpoch: number;
}

export type ReplayItem =
  | { kind: 'record'; partition: number; key: Buffer; value: Buffer | null; txn?: TxnWriter }
  | { kind: 'marker'; partition: number; producerId: bigint; commit: boolean }
  /** Every batch of this partition has been handed out. */
  | { kind: 'end'; partition: number };

export class KvLog {
  private readonly partitions: KvPartitions;

  constructor(partitions: KvPartitions | Log[]) {
    this.partitions = Array.isArray(partitions) ? localKvPartitions(partitions) : partitions;
  }

  get partitionCount(): number {
    return this.partitions.count();
  }

  partitionOf(routingKey: string): number {
    return partitionFor(routingKey, this.partitions.count());
  }

  /** Appends the entries in one batch to the routing key's partition; resolves once committed. */
  write(routingKey: string, entries: KvEntry[], txn?: TxnWriter): Promise<void> {
    if (this.partitions.count() === 0) return Promise.resolve();
    return this.writeTo(this.partitionOf(routingKey), entries, txn);
  }

  async writeTo(partition: number, entries: KvEntry[], txn?: TxnWriter): Promise<void> {
    if (entries.length === 0) return;
    const handle = this.leader(partition);
    // No sequence numbers: the coordinator's own transactional writes (Kafka's NO_SEQUENCE).
    const opts = txn ? { producerId: txn.producerId, producerEpoch: txn.producerEpoch, baseSequence: -1, transactional: true } : {};
    const batch = createBatch(entries, opts);
    await handle.append(batch, readBatchHeader(batch)).committed;
  }

  /** A COMMIT or ABORT marker for the producer on the routing key's partition; resolves once committed. */
  async marker(routingKey: string, producerId: bigint, producerEpoch: number, commit: boolean): Promise<void> {
    if (this.partitions.count() === 0) return;
    const handle = this.leader(this.partitionOf(routingKey));
    await handle.appendMarker(producerId, producerEpoch, commit, 0, 0).committed;
  }

  /** The handle to write through; NOT_LEADER_OR_FOLLOWER when this broker does not lead the partition. */
  private leader(partition: number): PartitionHandle {
    const handle = this.partitions.handle(partition);
    if (!handle) throw new StorageError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `this broker does not lead partition ${partition} of the coordinator's topic`);
    return handle;
  }

  /** Every record and marker of every partition, in log order per partition. */
  async *replay(): AsyncGenerator<ReplayItem> {
    for (let partition = 0; partition < this.partitions.count(); partition++) yield* this.replayPartition(partition);
  }

  /** Every record and marker of one partition, in log order, then its 'end'. */
  async *replayPartition(partition: number): AsyncGenerator<ReplayItem> {
    const log = this.partitions.log(partition);
    if (log) {
      let offset = log.logStartOffset;
      // The Log's own high watermark is its local written end (a replica's committed one is the handle's):
      // Kafka's coordinator loader reads to the log end too.
      while (offset < log.highWatermark) {
        const { records } = await log.read(offset, 4 * 1024 * 1024);
        if (records.length === 0) break;
        for (let p = 0; p < records.length; ) {
          const size = records.readInt32BE(p + HeaderOffset.LENGTH) + LOG_OVERHEAD;
          const batch = records.subarray(p, p + size);
          const h = readBatchHeader(batch);
          const rs = await batchRecords(batch);
          if (h.attributes & Attr.CONTROL) {
            const key = rs[0]?.key;
            if (key && key.length >= 4) yield { kind: 'marker', partition, producerId: h.producerId, commit: key.readInt16BE(2) === 1 };
          } else {
            const txn = h.attributes & Attr.TRANSACTIONAL ? { producerId: h.producerId, producerEpoch: h.producerEpoch } : undefined;
            for (const r of rs) if (r.key) yield { kind: 'record', partition, key: r.key, value: r.value, txn };
          }
          offset = Number(h.baseOffset) + h.lastOffsetDelta + 1;
          p += size;
        }
      }
    }
    yield { kind: 'end', partition };
  }
}

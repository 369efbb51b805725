/**
 * A key/value log on an internal compacted topic (__consumer_offsets, __transaction_state): keys and
 * values are bytes (Kafka's coordinator records, encoded by the stores above), a null value
 * deletes the key. The partition written to is a function of a routing key (a group or
 * transactional id), as Kafka's String.hashCode partitioning, so the state of one id stays in one
 * partition in order. Replayed in full at start-up; compaction keeps it small.
 *
 * Transactional writes (offsets committed inside a transaction) are batches carrying the
 * producer's id and epoch and no sequence numbers, as Kafka's coordinator writes them; a COMMIT or
 * ABORT marker on the partition completes them. Replay hands both to the store in log order.
 */
import { createBatch } from '../protocol/records.js';
import { readBatchHeader, Attr, HeaderOffset, LOG_OVERHEAD } from '../protocol/record-batch.js';
import { batchRecords } from '../protocol/batch-records.js';
import type { Log } from '../storage/log.js';

export function partitionFor(id: string, partitions: number): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (Math.imul(31, h) + id.charCodeAt(i)) | 0;
  return Math.abs(h === -2147483648 ? 0 : h) % partitions;
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
  constructor(private readonly partitions: Log[]) {}

  get partitionCount(): number {
    return this.partitions.length;
  }

  partitionOf(routingKey: string): number {
    return partitionFor(routingKey, this.partitions.length);
  }

  /** Appends the entries in one batch to the routing key's partition; resolves once in the log. */
  write(routingKey: string, entries: KvEntry[], txn?: TxnWriter): Promise<void> {
    if (this.partitions.length === 0) return Promise.resolve();
    return this.writeTo(this.partitionOf(routingKey), entries, txn);
  }

  async writeTo(partition: number, entries: KvEntry[], txn?: TxnWriter): Promise<void> {
    const log = this.partitions[partition];
    if (entries.length === 0 || !log) return;
    // No sequence numbers: the coordinator's own transactional writes (Kafka's NO_SEQUENCE).
    const opts = txn ? { producerId: txn.producerId, producerEpoch: txn.producerEpoch, baseSequence: -1, transactional: true } : {};
    const batch = createBatch(entries, opts);
    await log.append(batch, readBatchHeader(batch));
  }

  /** A COMMIT or ABORT marker for the producer on the routing key's partition. */
  async marker(routingKey: string, producerId: bigint, producerEpoch: number, commit: boolean): Promise<void> {
    if (this.partitions.length === 0) return;
    await this.partitions[this.partitionOf(routingKey)].appendMarker(producerId, producerEpoch, commit);
  }

  /** Every record and marker, in log order per partition. */
  async *replay(): AsyncGenerator<ReplayItem> {
    for (let partition = 0; partition < this.partitions.length; partition++) {
      const log = this.partitions[partition];
      let offset = log.logStartOffset;
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
      yield { kind: 'end', partition };
    }
  }
}

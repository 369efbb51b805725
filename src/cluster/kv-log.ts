/**
 * A key/value log on an internal compacted topic (__consumer_offsets, __transaction_state): text
 * keys, JSON values, a null value deleting the key. The partition written to is a function of a
 * routing key (a group or transactional id), as Kafka's String.hashCode partitioning, so the state
 * of one id stays in one partition in order. Replayed in full at start-up; compaction keeps it small.
 */
import { createBatch } from '../protocol/records.js';
import { validateProducedBatch, Attr } from '../protocol/record-batch.js';
import { batchRecords } from '../protocol/batch-records.js';
import type { Log } from '../storage/log.js';

export function partitionFor(id: string, partitions: number): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (Math.imul(31, h) + id.charCodeAt(i)) | 0;
  return Math.abs(h === -2147483648 ? 0 : h) % partitions;
}

export class KvLog {
  constructor(private readonly partitions: Log[]) {}

  /** Appends the entries in one batch to the routing key's partition; resolves once in the log. */
  async write(routingKey: string, entries: Array<{ key: string; value: unknown }>): Promise<void> {
    if (entries.length === 0 || this.partitions.length === 0) return;
    const log = this.partitions[partitionFor(routingKey, this.partitions.length)];
    const batch = createBatch(entries.map((e) => ({ key: Buffer.from(e.key), value: e.value === null ? null : Buffer.from(JSON.stringify(e.value)) })));
    await log.append(batch, validateProducedBatch(batch));
  }

  /** Every entry, in log order per partition. Unreadable values are skipped. */
  async *replay(): AsyncGenerator<{ key: string; value: unknown }> {
    for (const log of this.partitions) {
      let offset = log.logStartOffset;
      while (offset < log.highWatermark) {
        const { records } = await log.read(offset, 4 * 1024 * 1024);
        if (records.length === 0) break;
        for (let p = 0; p < records.length; ) {
          const size = records.readInt32BE(p + 8) + 12;
          const batch = records.subarray(p, p + size);
          if ((batch.readInt16BE(21) & Attr.CONTROL) === 0) {
            for (const r of await batchRecords(batch)) {
              if (!r.key) continue;
              try {
                yield { key: r.key.toString(), value: r.value === null ? null : JSON.parse(r.value.toString()) };
              } catch {
                // a damaged value: skip it
              }
            }
          }
          offset = Number(batch.readBigInt64BE(0)) + batch.readInt32BE(23) + 1;
          p += size;
        }
      }
    }
  }
}

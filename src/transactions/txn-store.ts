/**
 * Durable transaction state: one record per transactional id in the internal, compacted topic
 * __transaction_state, in Kafka's own format (txn-log-records.ts); a tombstone forgets the id.
 * A partition is replayed when this broker becomes its leader (its transaction coordinator); writes
 * resolve once committed on the in-sync replicas, as Kafka's acks=-1. Records of the former JSON format (a data directory of an earlier release)
 * are read too and migrated once: the state they still hold is written again in Kafka's format and
 * their keys get tombstones, so compaction removes them.
 */
import { KvLog, type KvEntry, type KvPartitions } from '../cluster/kv-log.js';
import type { Log } from '../storage/log.js';
import { decodeLegacyTxnRecord, decodeTxnRecord, txnKey, txnValue, type StoredTxn } from './txn-log-records.js';

export class TxnStore {
  private readonly kv: KvLog;

  /** `offsetsPartitions`: the partitions of __consumer_offsets, where a group's offsets go. */
  constructor(
    partitions: KvPartitions | Log[],
    private readonly offsetsPartitions: number,
  ) {
    this.kv = new KvLog(partitions);
  }

  /** Partitions of __transaction_state (0 while it does not exist). */
  get partitionCount(): number {
    return this.kv.partitionCount;
  }

  write(t: StoredTxn): Promise<void> {
    return this.kv.write(t.transactionalId, [{ key: txnKey(t.transactionalId), value: txnValue(t, this.offsetsPartitions) }]);
  }

  delete(transactionalId: string): Promise<void> {
    return this.kv.write(transactionalId, [{ key: txnKey(transactionalId), value: null }]);
  }

  /** Every transaction record in log order (null: the id was forgotten); then the migration. */
  async *replay(): AsyncGenerator<{ transactionalId: string; value: StoredTxn | null }> {
    for (let p = 0; p < this.kv.partitionCount; p++) yield* this.replayPartition(p);
  }

  /** The transaction records of one partition (loading it as its new coordinator); then its migration. */
  async *replayPartition(partition: number): AsyncGenerator<{ transactionalId: string; value: StoredTxn | null }> {
    // Per partition: legacy keys still live, and the latest legacy state per id not replaced since.
    let live = new Map<string, Buffer>();
    let legacy = new Map<string, StoredTxn | null>();
    const migrations: Array<{ partition: number; entries: KvEntry[] }> = [];
    for await (const item of this.kv.replayPartition(partition)) {
      if (item.kind === 'marker') continue;
      if (item.kind === 'end') {
        const keep = [...legacy.values()].filter((v): v is StoredTxn => v !== null);
        for (const value of keep) yield { transactionalId: value.transactionalId, value };
        if (live.size > 0)
          migrations.push({
            partition: item.partition,
            entries: [...[...live.values()].map((key) => ({ key, value: null })), ...keep.map((t) => ({ key: txnKey(t.transactionalId), value: txnValue(t, this.offsetsPartitions) }))],
          });
        live = new Map();
        legacy = new Map();
        continue;
      }
      const old = decodeLegacyTxnRecord(item.key, item.value);
      if (old) {
        const k = item.key.toString('latin1');
        if (item.value === null) live.delete(k);
        else live.set(k, item.key);
        legacy.set(old.transactionalId, old.value);
        continue;
      }
      let rec;
      try {
        rec = decodeTxnRecord(item.key, item.value);
      } catch {
        continue; // a damaged record: skipped
      }
      if (!rec) continue;
      legacy.delete(rec.transactionalId);
      yield rec;
    }
    for (const m of migrations) await this.kv.writeTo(m.partition, m.entries);
  }
}

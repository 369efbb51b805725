/**
 * Offsets committed inside a transaction (TxnOffsetCommit). As in Kafka, they are offset records
 * in a transactional batch of the producer in the group's __consumer_offsets partition, pending
 * until the transaction's COMMIT or ABORT marker lands there; replay (offsets-replay.ts) reads them
 * the same way. In memory they wait in the group's pendingTxnOffsets (offsets-manager.ts), keyed "producerId\0topic\0partition".
 *
 * Deviation: a committed transactional offset replaces the group's committed offset even when a
 * plain commit of the same partition came between its offset record and its marker; Kafka keeps
 * whichever record is later in the log (here a replay after compaction finds the plain commit).
 */
import type { GroupStore, StoreRecord } from './group-store.js';
import { offsetKey, type GroupOffsets, type OffsetCommitEntry } from './offsets-manager.js';

export class TxnOffsets {
  constructor(private readonly store: GroupStore) {}

  async commit(g: GroupOffsets, producerId: bigint, producerEpoch: number, entries: OffsetCommitEntry[]): Promise<void> {
    const now = Date.now();
    const value = (e: OffsetCommitEntry) => ({ offset: e.offset.toString(), leaderEpoch: e.leaderEpoch, metadata: e.metadata ?? '', commitTimestamp: now, expireTimestamp: -1 });
    await this.store.write(g.groupId, entries.map((e) => ({ kind: 'pending', group: g.groupId, producerId: producerId.toString(), producerEpoch, topic: e.topic, partition: e.partition, value: value(e) })));
    for (const e of entries) g.pendingTxnOffsets.set(`${producerId}\u0000${offsetKey(e.topic, e.partition)}`, { offset: e.offset, leaderEpoch: e.leaderEpoch, metadata: e.metadata ?? '', commitTimestamp: now, expireTimestamp: -1 });
  }

  /** The transaction ended: the marker on the group's partition, then the pending offsets end. */
  async complete(g: GroupOffsets, producerId: bigint, commit: boolean, producerEpoch: number): Promise<void> {
    const prefix = `${producerId}\u0000`;
    if (![...g.pendingTxnOffsets.keys()].some((k) => k.startsWith(prefix))) return;
    await this.store.completeTxn(g.groupId, producerId, producerEpoch, commit);
    await this.end(g, producerId, commit);
  }

  /**
   * Applies a transaction's end to the group's pending offsets (its marker is in the log). After an
   * abort, the committed offsets of the partitions it touched are written again: the aborted
   * records share their keys, and Runnel's compaction (unlike Kafka's cleaner) does not drop
   * aborted records first, so the committed value must stay the latest record of its key.
   */
  async end(g: GroupOffsets, producerId: bigint, commit: boolean): Promise<void> {
    const prefix = `${producerId}\u0000`;
    const restate: StoreRecord[] = [];
    for (const [k, o] of [...g.pendingTxnOffsets]) {
      if (!k.startsWith(prefix)) continue;
      g.pendingTxnOffsets.delete(k);
      const key = k.slice(prefix.length);
      if (commit) g.offsets.set(key, o);
      else {
        const kept = g.offsets.get(key);
        const [topic, partition] = key.split('\u0000');
        if (kept) restate.push({ kind: 'offset', group: g.groupId, topic, partition: Number(partition), value: { offset: kept.offset.toString(), leaderEpoch: kept.leaderEpoch, metadata: kept.metadata, commitTimestamp: kept.commitTimestamp, expireTimestamp: kept.expireTimestamp } });
      }
    }
    if (restate.length > 0) await this.store.write(g.groupId, restate);
  }

  /** Whether an open transaction has a pending commit for this partition (OffsetFetch requireStable). */
  static hasPending(g: GroupOffsets, topic: string, partition: number): boolean {
    const suffix = `\u0000${offsetKey(topic, partition)}`;
    for (const k of g.pendingTxnOffsets.keys()) if (k.endsWith(suffix)) return true;
    return false;
  }
}

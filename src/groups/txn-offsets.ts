/**
 * Offsets committed inside a transaction (TxnOffsetCommit). As in Kafka, they are offset records
 * in a transactional batch of the producer in the group's __consumer_offsets partition, pending
 * until the transaction's COMMIT or ABORT marker lands there; replay (offsets-replay.ts) reads them
 * the same way. In memory they wait in the group's pendingTxnOffsets (offsets-manager.ts), per producer id and partition.
 *
 * Deviation: a committed transactional offset replaces the group's committed offset even when a
 * plain commit of the same partition came between its offset record and its marker; Kafka keeps
 * whichever record is later in the log (here a replay after compaction finds the plain commit).
 */
import type { GroupStore } from './group-store.js';
import type { CommittedOffset } from './classic-group.js';
import type { GroupOffsets, OffsetCommitEntry } from './offsets-manager.js';
import { TopicPartitionMap } from '../util/topic-partition.js';

export class TxnOffsets {
  constructor(private readonly store: GroupStore) {}

  async commit(g: GroupOffsets, producerId: bigint, producerEpoch: number, entries: OffsetCommitEntry[]): Promise<void> {
    const now = Date.now();
    const value = (e: OffsetCommitEntry) => ({ offset: e.offset.toString(), leaderEpoch: e.leaderEpoch, metadata: e.metadata ?? '', commitTimestamp: now, expireTimestamp: -1 });
    await this.store.write(g.groupId, entries.map((e) => ({ kind: 'pending', group: g.groupId, producerId: producerId.toString(), producerEpoch, topic: e.topic, partition: e.partition, value: value(e) })));
    for (const e of entries) TxnOffsets.setPending(g, String(producerId), e.topic, e.partition, { offset: e.offset, leaderEpoch: e.leaderEpoch, metadata: e.metadata ?? '', commitTimestamp: now, expireTimestamp: -1 });
  }

  /** The transaction ended: the marker on the group's partition, then the pending offsets end. */
  async complete(g: GroupOffsets, producerId: bigint, commit: boolean, producerEpoch: number): Promise<void> {
    if (!g.pendingTxnOffsets.has(String(producerId))) return;
    await this.store.completeTxn(g.groupId, producerId, producerEpoch, commit);
    await this.end(g, producerId, commit);
  }

  /**
   * Applies a transaction's end to the group's pending offsets (its marker is in the log): a
   * commit makes them the committed offsets, an abort drops them. The aborted records stay in the
   * log until the cleaner removes them (it drops aborted transactional records, as Kafka's does),
   * and replay skips them, so the committed value survives both.
   */
  async end(g: GroupOffsets, producerId: bigint, commit: boolean): Promise<void> {
    const pending = g.pendingTxnOffsets.get(String(producerId));
    g.pendingTxnOffsets.delete(String(producerId));
    if (commit) for (const [{ topic, partition }, o] of pending ?? []) g.offsets.set(topic, partition, o);
  }

  /** Whether an open transaction has a pending commit for this partition (OffsetFetch requireStable). */
  static hasPending(g: GroupOffsets, topic: string, partition: number): boolean {
    for (const m of g.pendingTxnOffsets.values()) if (m.has(topic, partition)) return true;
    return false;
  }

  static setPending(g: GroupOffsets, producerId: string, topic: string, partition: number, o: CommittedOffset): void {
    let m = g.pendingTxnOffsets.get(producerId);
    if (!m) g.pendingTxnOffsets.set(producerId, (m = new TopicPartitionMap()));
    m.set(topic, partition, o);
  }

  static deletePending(g: GroupOffsets, producerId: string, topic: string, partition: number): void {
    const m = g.pendingTxnOffsets.get(producerId);
    if (m?.delete(topic, partition) && m.size === 0) g.pendingTxnOffsets.delete(producerId);
  }
}

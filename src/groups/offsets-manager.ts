/**
 * Committed offsets and offsets pending in open transactions, for every group of either kind
 * (Kafka's OffsetMetadataManager). They are written to __consumer_offsets before they count and
 * replayed at start-up; TxnOffsetCommit's pending offsets end with their transaction's marker
 * (txn-offsets.ts). Which groups exist, and when they are empty, is the group coordinators' call.
 */
import type { CommittedOffset } from './classic-group.js';
import type { GroupStore, StoreRecord, StoredOffset } from './group-store.js';
import { partitionFor } from '../cluster/kv-log.js';
import { TxnOffsets } from './txn-offsets.js';
import { TopicPartitionMap, type TopicPartition } from '../util/topic-partition.js';

export interface OffsetCommitEntry {
  topic: string;
  partition: number;
  offset: bigint;
  leaderEpoch: number;
  metadata: string | null;
}


/** One group's offsets. */
export class GroupOffsets {
  readonly offsets = new TopicPartitionMap<CommittedOffset>();
  /** Offsets committed in open transactions, per producer id (decimal); a producer with none has no entry. */
  readonly pendingTxnOffsets = new Map<string, TopicPartitionMap<CommittedOffset>>();
  constructor(readonly groupId: string) {}
}

const committed = (v: StoredOffset): CommittedOffset => ({ ...v, offset: BigInt(v.offset), metadata: v.metadata ?? '' });

export class OffsetsManager {
  private readonly byGroup = new Map<string, GroupOffsets>();
  private readonly txn: TxnOffsets;

  constructor(private readonly store: GroupStore) {
    this.txn = new TxnOffsets(store);
  }

  private entry(groupId: string): GroupOffsets {
    let e = this.byGroup.get(groupId);
    if (!e) this.byGroup.set(groupId, (e = new GroupOffsets(groupId)));
    return e;
  }

  /** A committed or pending offset record read back at start-up. */
  replay(r: Extract<StoreRecord, { kind: 'offset' | 'pending' }>): void {
    const e = this.entry(r.group);
    if (r.kind === 'pending') {
      if (r.value === null) TxnOffsets.deletePending(e, r.producerId, r.topic, r.partition);
      else TxnOffsets.setPending(e, r.producerId, r.topic, r.partition, committed(r.value));
    } else if (r.value === null) e.offsets.delete(r.topic, r.partition);
    else e.offsets.set(r.topic, r.partition, committed(r.value));
  }

  offsets(groupId: string): TopicPartitionMap<CommittedOffset> {
    return this.byGroup.get(groupId)?.offsets ?? new TopicPartitionMap();
  }

  /** Whether the group has committed offsets (pending ones too, when `withPending`). */
  has(groupId: string, withPending = false): boolean {
    const e = this.byGroup.get(groupId);
    return !!e && (e.offsets.size > 0 || (withPending && e.pendingTxnOffsets.size > 0));
  }

  /** Every group's committed offsets (for the lag metric). */
  *all(): IterableIterator<GroupOffsets> {
    yield* this.byGroup.values();
  }

  async commit(groupId: string, entries: OffsetCommitEntry[], retentionMs = -1): Promise<void> {
    const e = this.entry(groupId);
    const now = Date.now();
    // A retention near 2^63 ms (OffsetCommit v2-v4 lets the client choose it) would overflow the
    // record's int64 expiry; the largest safe integer is ~285,000 years away: never, in effect.
    const expireTimestamp = retentionMs > 0 ? Math.min(now + retentionMs, Number.MAX_SAFE_INTEGER) : -1;
    const value = (x: OffsetCommitEntry): CommittedOffset => ({ offset: x.offset, leaderEpoch: x.leaderEpoch, metadata: x.metadata ?? '', commitTimestamp: now, expireTimestamp });
    await this.store.write(groupId, entries.map((x) => ({ kind: 'offset', group: groupId, topic: x.topic, partition: x.partition, value: { ...value(x), offset: x.offset.toString() } })));
    for (const x of entries) e.offsets.set(x.topic, x.partition, value(x));
  }

  commitPending(groupId: string, producerId: bigint, producerEpoch: number, entries: OffsetCommitEntry[]): Promise<void> {
    return this.txn.commit(this.entry(groupId), producerId, producerEpoch, entries);
  }

  async completeTxn(groupId: string, producerId: bigint, commit: boolean, producerEpoch: number): Promise<void> {
    const e = this.byGroup.get(groupId);
    if (e) await this.txn.complete(e, producerId, commit, producerEpoch);
  }

  /** A transaction marker on __consumer_offsets partition `partition` ends the producer's pending offsets of every group stored there. */
  async completeTxnOnPartition(partition: number, partitions: number, producerId: bigint, commit: boolean): Promise<void> {
    for (const e of [...this.byGroup.values()]) if (partitionFor(e.groupId, partitions) === partition) await this.txn.end(e, producerId, commit);
  }

  hasPendingTxnOffset(groupId: string, topic: string, partition: number): boolean {
    const e = this.byGroup.get(groupId);
    return !!e && TxnOffsets.hasPending(e, topic, partition);
  }

  async delete(groupId: string, parts: TopicPartition[]): Promise<void> {
    const e = this.byGroup.get(groupId);
    if (!e) return;
    await this.store.write(groupId, parts.map((p) => ({ kind: 'offset', group: groupId, topic: p.topic, partition: p.partition, value: null })));
    for (const p of parts) e.offsets.delete(p.topic, p.partition);
  }

  /** Tombstones of all the group's committed offsets, for deleting the group. */
  tombstones(groupId: string): StoreRecord[] {
    return [...this.offsets(groupId).keys()].map((tp) => ({ kind: 'offset', group: groupId, ...tp, value: null }));
  }

  /** This broker no longer coordinates these groups: their offsets are forgotten here (they stay in the log). */
  unload(which: (groupId: string) => boolean): void {
    for (const id of [...this.byGroup.keys()]) if (which(id)) this.byGroup.delete(id);
  }

  /** The group is gone: its offsets (committed and pending) with it. */
  forget(groupId: string): void {
    this.byGroup.delete(groupId);
  }

  /**
   * offsets.retention.minutes: the offsets of an empty group (empty since `emptySince`) that have
   * expired, deleted durably; how many there were.
   */
  async expire(groupId: string, emptySince: number, retentionMs: number, now: number): Promise<number> {
    const expired = [...this.offsets(groupId).entries()].filter(([, o]) => (o.expireTimestamp > 0 ? o.expireTimestamp <= now : emptySince + retentionMs <= now && o.commitTimestamp + retentionMs <= now));
    if (expired.length > 0) await this.delete(groupId, expired.map(([tp]) => tp));
    return expired.length;
  }
}

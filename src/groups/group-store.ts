/**
 * Durable group state: committed offsets and group metadata are records in the internal, compacted
 * topic __consumer_offsets, in Kafka's own record format (offsets-records.ts), a null value
 * deleting the key. The partition a group writes to is a function of its id, so groups are spread
 * over coordinators: a partition is replayed (offsets-replay.ts) when this broker becomes its leader.
 * Writes are acknowledged once committed (replicated to the in-sync replicas), as Kafka's acks=-1.
 *
 * Offsets committed inside a transaction are written as Kafka writes them: offset records in a
 * transactional batch of the producer, made committed or discarded by the COMMIT or ABORT marker
 * the transaction's end writes on the group's partition.
 *
 * A data directory of an earlier release holds the former JSON records (legacy-records.ts): they are
 * read, and migrated once at start-up: what they still say is written again in Kafka's format and
 * the legacy keys get tombstones, so compaction removes them.
 */
import { KvLog, type KvEntry, type KvPartitions } from '../cluster/kv-log.js';
import type { Log } from '../storage/log.js';
import { encodeStoreRecord } from './offsets-records.js';
import { OffsetsReplay, type LegacyLeftover } from './offsets-replay.js';
import type { ClassicMemberIdentity } from './classic-group.js';
import type { ConsumerMemberIdentity } from './consumer-group.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

export interface StoredOffset {
  offset: string; // bigint as text
  leaderEpoch: number;
  metadata: string | null;
  commitTimestamp: number;
  expireTimestamp: number;
}

export interface StoredMember extends ClassicMemberIdentity {
  protocols: Array<{ name: string; metadata: string }>; // base64
  assignment: string; // base64
}

export interface StoredGroup {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  members: StoredMember[];
  stateTimestamp: number;
}

/** A consumer-protocol (KIP-848) group: its epochs and the topics its members subscribe to. */
export interface StoredConsumerGroup {
  groupEpoch: number;
  assignmentEpoch: number;
  subscriptionMetadata: Array<{ name: string; id: string; partitions: number }>;
}

/** Partitions by topic id. */
export type StoredAssignment = Record<string, number[]>;

/** A member of a consumer-protocol group: subscription, current assignment and target assignment. */
export interface StoredConsumerMember extends ConsumerMemberIdentity {
  memberEpoch: number;
  previousMemberEpoch: number;
  state: string;
  assigned: StoredAssignment;
  pendingRevocation: StoredAssignment;
  target: StoredAssignment;
  /** A classic member inside the consumer group: its session timeout and protocols (metadata base64). */
  classic?: { sessionTimeoutMs: number; protocols: Array<{ name: string; metadata: string }> } | null;
}

export type StoreRecord =
  | { kind: 'offset'; group: string; topic: string; partition: number; value: StoredOffset | null }
  | { kind: 'group'; group: string; value: StoredGroup | null }
  /** An offset committed inside a transaction, waiting for its commit or abort. */
  | { kind: 'pending'; group: string; producerId: string; producerEpoch: number; topic: string; partition: number; value: StoredOffset | null }
  | { kind: 'consumer-group'; group: string; value: StoredConsumerGroup | null }
  | { kind: 'consumer-member'; group: string; memberId: string; value: StoredConsumerMember | null };

export { partitionFor } from '../cluster/kv-log.js';

export class GroupStore {
  private readonly kv: KvLog;

  constructor(partitions: KvPartitions | Log[]) {
    this.kv = new KvLog(partitions);
  }

  /** Partitions of __consumer_offsets (0 while it does not exist). */
  get partitionCount(): number {
    return this.kv.partitionCount;
  }

  /**
   * Appends records of one group; resolves once they are in the log. Pending (transactional)
   * offsets go in a batch of their producer, everything else in one plain batch.
   */
  async write(group: string, records: StoreRecord[]): Promise<void> {
    const plain = records.filter((r) => r.kind !== 'pending');
    if (plain.length > 0) await this.kv.write(group, plain.flatMap(encodeStoreRecord));
    for (const [pid, epoch, pending] of byProducer(records)) await this.kv.write(group, pending.flatMap(encodeStoreRecord), { producerId: pid, producerEpoch: epoch });
  }

  /** Ends a producer's transactional offsets of this group's partition: a COMMIT or ABORT marker. */
  completeTxn(group: string, producerId: bigint, producerEpoch: number, commit: boolean): Promise<void> {
    return this.kv.marker(group, producerId, producerEpoch, commit);
  }

  /** Every record in the log, in order, for replay; then former-format records are migrated. */
  async *replay(): AsyncGenerator<StoreRecord> {
    for (let p = 0; p < this.kv.partitionCount; p++) yield* this.replayPartition(p);
  }

  /** The records of one partition, in order (loading it as its new coordinator); then its migration. */
  async *replayPartition(partition: number): AsyncGenerator<StoreRecord> {
    const replay = new OffsetsReplay();
    for await (const item of this.kv.replayPartition(partition)) yield* replay.apply(item);
    for (const l of replay.leftovers) await this.migrate(l);
  }

  /** Former-format records: their state again in Kafka's format, and tombstones for their keys. */
  private async migrate(l: LegacyLeftover): Promise<void> {
    // Pending offsets first: the tombstone of their legacy key must not come before their new record.
    for (const [pid, epoch, pending] of byProducer(l.records)) await this.kv.writeTo(l.partition, pending.flatMap(encodeStoreRecord), { producerId: pid, producerEpoch: epoch });
    const entries: KvEntry[] = l.keys.map((key) => ({ key, value: null }));
    for (const r of l.records) if (r.kind !== 'pending') entries.push(...encodeStoreRecord(r));
    await this.kv.writeTo(l.partition, entries);
  }
}

function byProducer(records: StoreRecord[]): Array<[bigint, number, StoreRecord[]]> {
  const out = new Map<string, [bigint, number, StoreRecord[]]>();
  for (const r of records) {
    if (r.kind !== 'pending') continue;
    const e = out.get(r.producerId) ?? [BigInt(r.producerId), r.producerEpoch, []];
    e[2].push(r);
    out.set(r.producerId, e);
  }
  return [...out.values()];
}

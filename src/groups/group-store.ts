/**
 * Durable group state: committed offsets and group metadata are records in the internal, compacted
 * topic __consumer_offsets (as in Kafka, though in Runnel's own record format: a text key and a
 * JSON value, a null value deleting the key). The partition a group writes to is a function of its
 * id, so groups can later be spread over coordinators. Everything is replayed at start-up.
 */
import { KvLog } from '../cluster/kv-log.js';
import type { Log } from '../storage/log.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

export interface StoredOffset {
  offset: string; // bigint as text
  leaderEpoch: number;
  metadata: string | null;
  commitTimestamp: number;
  expireTimestamp: number;
}

export interface StoredMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
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
export interface StoredConsumerMember {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
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
  | { kind: 'pending'; group: string; producerId: string; topic: string; partition: number; value: StoredOffset | null }
  | { kind: 'consumer-group'; group: string; value: StoredConsumerGroup | null }
  | { kind: 'consumer-member'; group: string; memberId: string; value: StoredConsumerMember | null };

const SEP = '\u0000';

export { partitionFor } from '../cluster/kv-log.js';

function keyOf(r: StoreRecord): string {
  if (r.kind === 'offset') return ['o', r.group, r.topic, String(r.partition)].join(SEP);
  if (r.kind === 'pending') return ['p', r.group, r.producerId, r.topic, String(r.partition)].join(SEP);
  // Consumer-protocol records: the group id is length-prefixed, as member ids come from clients.
  if (r.kind === 'consumer-group') return `c${SEP}${r.group}`;
  if (r.kind === 'consumer-member') return `m${SEP}${r.group.length}${SEP}${r.group}${SEP}${r.memberId}`;
  return ['g', r.group].join(SEP);
}

function parseKey(key: string, value: unknown): StoreRecord | undefined {
  if (key.startsWith(`c${SEP}`)) return { kind: 'consumer-group', group: key.slice(2), value: value as StoredConsumerGroup | null };
  const member = /^m\u0000(\d+)\u0000/.exec(key);
  if (member) {
    const start = member[0].length;
    const group = key.slice(start, start + Number(member[1]));
    if (key[start + group.length] !== SEP) return undefined;
    return { kind: 'consumer-member', group, memberId: key.slice(start + group.length + 1), value: value as StoredConsumerMember | null };
  }
  const parts = key.split(SEP);
  if (parts[0] === 'o' && parts.length === 4) return { kind: 'offset', group: parts[1], topic: parts[2], partition: Number(parts[3]), value: value as StoredOffset | null };
  if (parts[0] === 'p' && parts.length === 5) return { kind: 'pending', group: parts[1], producerId: parts[2], topic: parts[3], partition: Number(parts[4]), value: value as StoredOffset | null };
  if (parts[0] === 'g' && parts.length === 2) return { kind: 'group', group: parts[1], value: value as StoredGroup | null };
  return undefined;
}

export class GroupStore {
  private readonly kv: KvLog;

  constructor(partitions: Log[]) {
    this.kv = new KvLog(partitions);
  }

  /** Appends records of one group in one batch; resolves once they are in the log. */
  write(group: string, records: StoreRecord[]): Promise<void> {
    return this.kv.write(group, records.map((r) => ({ key: keyOf(r), value: r.value })));
  }

  /** Every record in the log, in order, for replay. */
  async *replay(): AsyncGenerator<StoreRecord> {
    for await (const { key, value } of this.kv.replay()) {
      const rec = parseKey(key, value);
      if (rec) yield rec;
    }
  }
}

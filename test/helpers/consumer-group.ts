/**
 * Helpers for the consumer group protocol tests (KIP-848): a member speaking ConsumerGroupHeartbeat
 * over a raw wire connection the way a Kafka 4 client does (it owns what it was last told to own,
 * unless told to hold on to partitions), and small admin requests.
 */
import { randomUUID } from 'node:crypto';
import { KafkaWire } from './kafka-wire.js';

export const API = { OFFSET_COMMIT: 8, OFFSET_FETCH: 9, JOIN_GROUP: 11, DESCRIBE_GROUPS: 15, LIST_GROUPS: 16, CREATE_TOPICS: 19, CREATE_PARTITIONS: 37, DELETE_GROUPS: 42, OFFSET_DELETE: 47, HEARTBEAT: 68, DESCRIBE: 69 } as const;

export const E = {
  NONE: 0,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  UNSUPPORTED_VERSION: 35,
  INVALID_REQUEST: 42,
  NON_EMPTY_GROUP: 68,
  GROUP_ID_NOT_FOUND: 69,
  GROUP_MAX_SIZE_REACHED: 81,
  FENCED_INSTANCE_ID: 82,
  GROUP_SUBSCRIBED_TO_TOPIC: 86,
  FENCED_MEMBER_EPOCH: 110,
  UNRELEASED_INSTANCE_ID: 111,
  UNSUPPORTED_ASSIGNOR: 112,
  STALE_MEMBER_EPOCH: 113,
  INVALID_REGULAR_EXPRESSION: 128,
} as const;

export type Owned = Array<{ topicId: string; partitions: number[] }>;

/** Sorted "topicId:partition" list, for comparisons. */
export const flat = (o: Owned | null | undefined): string[] => (o ?? []).flatMap((t) => t.partitions.map((p) => `${t.topicId}:${p}`)).sort();

export interface MemberOptions {
  memberId?: string;
  instanceId?: string | null;
  topics?: string[] | null;
  regex?: string | null;
  assignor?: string | null;
  rebalanceTimeoutMs?: number;
  version?: number;
}

export class Member {
  memberId: string;
  epoch = 0;
  /** What the member owns (and reports). */
  owned: Owned = [];
  last: any;

  constructor(
    readonly wire: KafkaWire,
    readonly groupId: string,
    readonly opts: MemberOptions = {},
  ) {
    this.memberId = opts.memberId ?? ((opts.version ?? 1) >= 1 ? randomUUID() : '');
  }

  static async connect(port: number, groupId: string, opts: MemberOptions = {}): Promise<Member> {
    return new Member(await KafkaWire.connect(port), groupId, opts);
  }

  /** Sends a heartbeat and returns the raw response; the member adopts the epoch, id and assignment. */
  async send(body: Record<string, unknown>, adopt = true): Promise<any> {
    const res = await this.wire.request(API.HEARTBEAT, this.opts.version ?? 1, {
      groupId: this.groupId,
      memberId: this.memberId,
      memberEpoch: this.epoch,
      instanceId: null,
      rackId: null,
      rebalanceTimeoutMs: -1,
      subscribedTopicNames: null,
      subscribedTopicRegex: null,
      serverAssignor: null,
      topicPartitions: null,
      ...body,
    });
    this.last = res;
    if (adopt && res.errorCode === 0) {
      if (res.memberId) this.memberId = res.memberId;
      this.epoch = res.memberEpoch;
      if (res.assignment) this.owned = res.assignment.topicPartitions.map((t: any) => ({ topicId: t.topicId, partitions: [...t.partitions] }));
    }
    return res;
  }

  /** The full first heartbeat (epoch 0). */
  join(extra: Record<string, unknown> = {}): Promise<any> {
    this.epoch = 0;
    this.owned = [];
    return this.send({
      memberEpoch: 0,
      instanceId: this.opts.instanceId ?? null,
      rebalanceTimeoutMs: this.opts.rebalanceTimeoutMs ?? 30_000,
      subscribedTopicNames: this.opts.topics === undefined ? [] : this.opts.topics,
      subscribedTopicRegex: this.opts.regex ?? null,
      serverAssignor: this.opts.assignor ?? null,
      topicPartitions: [],
      ...extra,
    });
  }

  /** A regular heartbeat reporting what it owns (or `owned` when given: a member slow to revoke). */
  beat(owned: Owned | null = this.owned, extra: Record<string, unknown> = {}): Promise<any> {
    return this.send({ topicPartitions: owned, ...extra });
  }

  leave(epoch = -1): Promise<any> {
    return this.send({ memberEpoch: epoch, instanceId: epoch === -2 ? (this.opts.instanceId ?? null) : null });
  }

  close(): Promise<void> {
    return this.wire.close();
  }
}

export async function createTopic(c: KafkaWire, name: string, numPartitions: number): Promise<string> {
  const res = await c.request(API.CREATE_TOPICS, 7, { topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
  const t = res.topics[0];
  if (t.errorCode !== 0) throw new Error(`creating ${name}: error ${t.errorCode}`);
  return t.topicId;
}

export async function addPartitions(c: KafkaWire, name: string, count: number): Promise<void> {
  const res = await c.request(API.CREATE_PARTITIONS, 3, { topics: [{ name, count, assignments: null }], timeoutMs: 1000, validateOnly: false });
  if (res.results[0].errorCode !== 0) throw new Error(`growing ${name}: error ${res.results[0].errorCode}`);
}

export async function describeGroup(c: KafkaWire, groupId: string, version = 1): Promise<any> {
  const res = await c.request(API.DESCRIBE, version, { groupIds: [groupId], includeAuthorizedOperations: false });
  return res.groups[0];
}

/** Heartbeats every member (reporting what it owns) until none of them changes, at most `rounds` rounds. */
export async function settle(members: Member[], rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const before = members.map((m) => `${m.epoch}|${flat(m.owned).join()}`).join(';');
    for (const m of members) await m.beat();
    const after = members.map((m) => `${m.epoch}|${flat(m.owned).join()}`).join(';');
    if (before === after) return;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

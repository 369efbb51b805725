/**
 * A member of a classic consumer group (JoinGroup/SyncGroup/Heartbeat/OffsetCommit/OffsetFetch/
 * LeaveGroup) with the "range" assignor, for one subscribed topic list.
 */
import * as m from '../protocol/messages/index.js';
import { Reader } from '../protocol/primitives/reader.js';
import { ApiKey, type Connection } from './connection.js';
import type { Client } from './client.js';
import { check, KafkaError } from './errors.js';

const MEMBER_ID_REQUIRED = 79;
const REBALANCE_IN_PROGRESS = 27;
const UNKNOWN_MEMBER_ID = 25;
const ILLEGAL_GENERATION = 22;

/** Partitions per topic. */
export type Assignment = Map<string, number[]>;

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const out = Buffer.alloc(2 + b.length);
  out.writeInt16BE(b.length, 0);
  b.copy(out, 2);
  return out;
}

function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n, 0);
  return b;
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n, 0);
  return b;
}

/** ConsumerProtocolSubscription v0: the topics a member wants. */
export function encodeSubscription(topics: string[]): Buffer {
  return Buffer.concat([int16(0), int32(topics.length), ...topics.map(str), int32(-1)]);
}

export function decodeSubscription(b: Buffer): string[] {
  const r = new Reader(b);
  r.int16();
  const n = r.int32();
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(r.string(false));
  return out;
}

/** ConsumerProtocolAssignment v0. */
export function encodeAssignment(a: Assignment): Buffer {
  const parts: Buffer[] = [int16(0), int32(a.size)];
  for (const [topic, partitions] of a) parts.push(str(topic), int32(partitions.length), ...partitions.map(int32));
  parts.push(int32(-1));
  return Buffer.concat(parts);
}

export function decodeAssignment(b: Buffer): Assignment {
  const out: Assignment = new Map();
  if (b.length === 0) return out;
  const r = new Reader(b);
  r.int16();
  const n = r.int32();
  for (let i = 0; i < n; i++) {
    const topic = r.string(false);
    const count = r.int32();
    const ps: number[] = [];
    for (let j = 0; j < count; j++) ps.push(r.int32());
    out.set(topic, ps);
  }
  return out;
}

/**
 * Kafka's RangeAssignor: per topic, members subscribed to it sorted by id, partitions in order,
 * each member a contiguous range, the first (partitions % members) one partition more.
 */
export function rangeAssign(subscriptions: Map<string, string[]>, partitionCounts: Map<string, number>): Map<string, Assignment> {
  const out = new Map<string, Assignment>();
  for (const member of subscriptions.keys()) out.set(member, new Map());
  const topics = new Set([...subscriptions.values()].flat());
  for (const topic of topics) {
    const count = partitionCounts.get(topic) ?? 0;
    const members = [...subscriptions].filter(([, ts]) => ts.includes(topic)).map(([id]) => id).sort();
    const per = Math.floor(count / members.length);
    const extra = count % members.length;
    members.forEach((id, i) => {
      const start = per * i + Math.min(i, extra);
      const len = per + (i < extra ? 1 : 0);
      if (len > 0) out.get(id)!.set(topic, Array.from({ length: len }, (_, k) => start + k));
    });
  }
  return out;
}

export interface GroupOptions {
  groupId: string;
  topics: string[];
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
}

export class GroupMember {
  memberId = '';
  generationId = -1;
  assignment: Assignment = new Map();
  private conn!: Connection;

  constructor(
    private readonly client: Client,
    private readonly opts: GroupOptions,
  ) {}

  /** Joins (or rejoins) the group and syncs; afterwards `assignment` holds this member's partitions. */
  async join(): Promise<Assignment> {
    this.conn = await this.client.coordinator(this.opts.groupId);
    for (let attempt = 0; ; attempt++) {
      const res = await this.conn.request<m.JoinGroupResponse>(ApiKey.JoinGroup, {
        groupId: this.opts.groupId,
        sessionTimeoutMs: this.opts.sessionTimeoutMs ?? 45_000,
        rebalanceTimeoutMs: this.opts.rebalanceTimeoutMs ?? 60_000,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ ...m.defaultJoinGroupRequestProtocol(), name: 'range', metadata: encodeSubscription(this.opts.topics) }],
        reason: null,
      });
      if (res.errorCode === MEMBER_ID_REQUIRED) {
        this.memberId = res.memberId;
        continue;
      }
      if ((res.errorCode === UNKNOWN_MEMBER_ID || res.errorCode === ILLEGAL_GENERATION) && attempt < 5) {
        this.memberId = '';
        continue;
      }
      check(res.errorCode, `join group '${this.opts.groupId}'`);
      this.memberId = res.memberId;
      this.generationId = res.generationId;
      let assignments: Array<{ memberId: string; assignment: Buffer }> = [];
      if (res.leader === res.memberId) {
        const subs = new Map(res.members.map((x) => [x.memberId, decodeSubscription(x.metadata)]));
        const topics = [...new Set([...subs.values()].flat())];
        const md = await this.client.metadata(topics);
        const counts = new Map(md.topics.map((t) => [t.name ?? '', t.partitions.length]));
        assignments = [...rangeAssign(subs, counts)].map(([memberId, a]) => ({ memberId, assignment: encodeAssignment(a) }));
      }
      const sync = await this.conn.request<m.SyncGroupResponse>(ApiKey.SyncGroup, {
        groupId: this.opts.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName: 'range',
        assignments,
      });
      if (sync.errorCode === REBALANCE_IN_PROGRESS && attempt < 20) continue;
      check(sync.errorCode, `sync group '${this.opts.groupId}'`);
      this.assignment = decodeAssignment(sync.assignment);
      return this.assignment;
    }
  }

  /** Heartbeat; false when the group is rebalancing (or forgot this member) and it must rejoin. */
  async heartbeat(): Promise<boolean> {
    const res = await this.conn.request<m.HeartbeatResponse>(ApiKey.Heartbeat, {
      groupId: this.opts.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: null,
    });
    if (res.errorCode === REBALANCE_IN_PROGRESS || res.errorCode === ILLEGAL_GENERATION) return false;
    if (res.errorCode === UNKNOWN_MEMBER_ID) {
      this.memberId = '';
      return false;
    }
    check(res.errorCode, `heartbeat to group '${this.opts.groupId}'`);
    return true;
  }

  /** Committed offsets of `partitions` of `topic` (-1 where none is). */
  async committed(topic: string, partitions: number[]): Promise<Map<number, bigint>> {
    const v = this.conn.version(ApiKey.OffsetFetch);
    const body =
      v >= 8
        ? { groups: [{ ...m.defaultOffsetFetchRequestGroup(), groupId: this.opts.groupId, topics: [{ name: topic, partitionIndexes: partitions }] }], requireStable: true }
        : { groupId: this.opts.groupId, topics: [{ name: topic, partitionIndexes: partitions }], requireStable: true };
    const res = await this.conn.request<m.OffsetFetchResponse>(ApiKey.OffsetFetch, body, v);
    const out = new Map<number, bigint>();
    const topics = v >= 8 ? (res.groups[0]?.topics ?? []) : res.topics;
    if (v >= 8) check(res.groups[0]?.errorCode ?? 0, `fetch offsets of group '${this.opts.groupId}'`);
    else check(res.errorCode, `fetch offsets of group '${this.opts.groupId}'`);
    for (const t of topics)
      for (const p of t.partitions) {
        check(p.errorCode, `fetch offset of ${topic}-${p.partitionIndex}`);
        out.set(p.partitionIndex, p.committedOffset);
      }
    return out;
  }

  async commit(topic: string, offsets: Map<number, bigint>): Promise<void> {
    if (offsets.size === 0) return;
    const res = await this.conn.request<m.OffsetCommitResponse>(ApiKey.OffsetCommit, {
      groupId: this.opts.groupId,
      generationIdOrMemberEpoch: this.generationId,
      memberId: this.memberId,
      groupInstanceId: null,
      retentionTimeMs: -1n,
      topics: [
        {
          ...m.defaultOffsetCommitRequestTopic(),
          name: topic,
          partitions: [...offsets].map(([partitionIndex, committedOffset]) => ({
            ...m.defaultOffsetCommitRequestPartition(),
            partitionIndex,
            committedOffset,
            committedMetadata: '',
          })),
        },
      ],
    });
    for (const t of res.topics) for (const p of t.partitions) check(p.errorCode, `commit offset of ${topic}-${p.partitionIndex}`);
  }

  async leave(): Promise<void> {
    if (!this.memberId) return;
    const v = this.conn.version(ApiKey.LeaveGroup);
    const body =
      v >= 3
        ? { groupId: this.opts.groupId, members: [{ ...m.defaultLeaveGroupRequestMemberIdentity(), memberId: this.memberId, reason: 'console consumer exits' }] }
        : { groupId: this.opts.groupId, memberId: this.memberId };
    const res = await this.conn.request<m.LeaveGroupResponse>(ApiKey.LeaveGroup, body, v);
    if (res.errorCode !== 0 && res.errorCode !== UNKNOWN_MEMBER_ID) throw new KafkaError(res.errorCode, `leave group '${this.opts.groupId}'`);
  }
}

/**
 * A classic consumer-group member over a raw wire connection (JoinGroup v5, SyncGroup v5, Heartbeat
 * v4, LeaveGroup v4), eager like kafkajs: it owns what its last SyncGroup gave it and gives it all
 * up when it rejoins. The leader assigns with the range assignor.
 */
import { KafkaWire } from './kafka-wire.js';
import { decodeAssignment, encodeAssignment, encodeSubscription, rangeAssign, decodeSubscription } from '../../src/client/group.js';

const JOIN = 11;
const HEARTBEAT = 12;
const LEAVE = 13;
const SYNC = 14;

export class ClassicMember {
  memberId = '';
  generation = -1;
  /** "topic:partition" it owns. */
  owned: string[] = [];
  protocolName = 'range';
  lastJoin: any;

  constructor(
    readonly wire: KafkaWire,
    readonly groupId: string,
    readonly topics: string[],
    readonly partitions: Map<string, number>,
    readonly opts: { sessionTimeoutMs?: number; rebalanceTimeoutMs?: number; instanceId?: string | null; protocolType?: string } = {},
  ) {}

  static async connect(port: number, groupId: string, topics: string[], partitions: Map<string, number>, opts: ClassicMember['opts'] = {}): Promise<ClassicMember> {
    return new ClassicMember(await KafkaWire.connect(port), groupId, topics, partitions, opts);
  }

  /** One JoinGroup (the member first drops what it owns, as an eager client does); resolves with the raw response. */
  async joinOnce(): Promise<any> {
    this.owned = [];
    const res = await this.wire.request(JOIN, 5, {
      groupId: this.groupId,
      sessionTimeoutMs: this.opts.sessionTimeoutMs ?? 10_000,
      rebalanceTimeoutMs: this.opts.rebalanceTimeoutMs ?? 10_000,
      memberId: this.memberId,
      groupInstanceId: this.opts.instanceId ?? null,
      protocolType: this.opts.protocolType ?? 'consumer',
      protocols: [{ name: 'range', metadata: encodeSubscription(this.topics) }],
      reason: null,
    });
    this.lastJoin = res;
    if (res.memberId) this.memberId = res.memberId;
    if (res.errorCode === 0) {
      this.generation = res.generationId;
      this.protocolName = res.protocolName;
    }
    return res;
  }

  /** JoinGroup (again after MEMBER_ID_REQUIRED) and SyncGroup; returns the SyncGroup error code. */
  async join(): Promise<number> {
    let res = await this.joinOnce();
    if (res.errorCode === 79) res = await this.joinOnce();
    if (res.errorCode !== 0) return res.errorCode;
    let assignments: Array<{ memberId: string; assignment: Buffer }> = [];
    if (res.leader === this.memberId) {
      const subs = new Map<string, string[]>(res.members.map((m: any) => [m.memberId, decodeSubscription(m.metadata)]));
      assignments = [...rangeAssign(subs, this.partitions)].map(([memberId, a]) => ({ memberId, assignment: encodeAssignment(a) }));
    }
    return this.sync(assignments);
  }

  async sync(assignments: Array<{ memberId: string; assignment: Buffer }> = []): Promise<number> {
    const res = await this.wire.request(SYNC, 5, { groupId: this.groupId, generationId: this.generation, memberId: this.memberId, groupInstanceId: this.opts.instanceId ?? null, protocolType: 'consumer', protocolName: this.protocolName, assignments });
    if (res.errorCode === 0) this.owned = [...decodeAssignment(res.assignment)].flatMap(([t, ps]) => ps.map((p) => `${t}:${p}`)).sort();
    return res.errorCode;
  }

  async heartbeat(): Promise<number> {
    return (await this.wire.request(HEARTBEAT, 4, { groupId: this.groupId, generationId: this.generation, memberId: this.memberId, groupInstanceId: this.opts.instanceId ?? null })).errorCode;
  }

  async leave(): Promise<any> {
    this.owned = [];
    return this.wire.request(LEAVE, 4, { groupId: this.groupId, members: [{ memberId: this.memberId, groupInstanceId: this.opts.instanceId ?? null, reason: null }] });
  }

  close(): Promise<void> {
    return this.wire.close();
  }
}

/**
 * The group coordinator for classic groups: JoinGroup, SyncGroup, Heartbeat and LeaveGroup drive
 * each group's state machine; OffsetCommit/OffsetFetch/OffsetDelete keep committed offsets; both
 * are written to __consumer_offsets before they are acknowledged and replayed at start-up, so a
 * restart loses no commit and no group. One object owns all group state; handlers only call it.
 *
 * Timers (Kafka's): a member's session expires after session.timeout.ms without a heartbeat (or a
 * join/sync), which removes it and rebalances, except while it waits in JoinGroup or SyncGroup:
 * waiting for the group satisfies its heartbeats. A member added by a JoinGroup that has not
 * completed yet is bounded by the new-member join timeout (5 min) instead. A rebalance completes as
 * soon as every member and every member told MEMBER_ID_REQUIRED has (re)joined, and waits at most
 * the largest rebalance timeout, then goes on without the others; members that do not send
 * SyncGroup within the rebalance timeout after it are removed. The first rebalance of an empty
 * group waits group.initial.rebalance.delay.ms (extended as members arrive, up to the rebalance
 * timeout).
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../protocol/errors.js';
import type { BrokerConfig } from '../config/config.js';
import type { Logger } from '../util/logger.js';
import { ClassicGroup, type CommittedOffset, type JoinResult, type Member, type SyncResult } from './classic-group.js';
import type { GroupStore, StoreRecord, StoredGroup } from './group-store.js';
import type { TopicCatalog } from '../cluster/topics.js';
import { ConsumerGroupCoordinator } from './consumer-coordinator.js';
import { classicCommitError, type CommitIdentity } from './commit-rules.js';

import { partitionFor } from '../cluster/kv-log.js';

import { storedGroup } from './migration.js';
import { TxnOffsets } from './txn-offsets.js';
import type { GroupCoordinatorPort } from '../ports/groups.js';

export interface JoinRequest {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Array<{ name: string; metadata: Buffer }>;
  reason: string | null;
  /** JoinGroup v4+: a new dynamic member first gets MEMBER_ID_REQUIRED with its id. */
  requireKnownMemberId: boolean;
  /** JoinGroup v9+: a rejoining static leader may skip assignment. */
  supportsSkipAssignment: boolean;
}

export interface OffsetCommitEntry {
  topic: string;
  partition: number;
  offset: bigint;
  leaderEpoch: number;
  metadata: string | null;
}

const joinError = (errorCode: number, memberId = ''): JoinResult => ({
  errorCode,
  generationId: -1,
  protocolType: null,
  protocolName: null,
  leader: '',
  memberId,
  members: [],
  skipAssignment: false,
});
const syncError = (errorCode: number): SyncResult => ({ errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) });

/** Kafka's classic new-member join timeout: how long a member may wait in its first JoinGroup. */
export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60_000;

export class GroupCoordinator implements GroupCoordinatorPort {
  readonly groups = new Map<string, ClassicGroup>();
  private readonly txnOffsets: TxnOffsets;
  private expiryTimer?: NodeJS.Timeout;

  /**
   * Consumer-protocol groups (KIP-848, consumer-coordinator.ts). A group id is either classic or
   * consumer; a consumer group's committed offsets are still kept here, in an empty classic group.
   */
  readonly consumer: ConsumerGroupCoordinator;

  constructor(
    private readonly config: BrokerConfig,
    private readonly store: GroupStore,
    private readonly log: Logger,
    topics: Pick<TopicCatalog, 'list' | 'get'> = { list: () => [], get: () => undefined },
  ) {
    this.consumer = new ConsumerGroupCoordinator(config, store, topics, log, this);
    this.txnOffsets = new TxnOffsets(store);
  }

  /** Rebuilds groups and offsets from the log. Members come back with fresh session timers. */
  async load(): Promise<void> {
    for await (const r of this.store.replay()) {
      if (r.kind === 'consumer-group' || r.kind === 'consumer-member') {
        this.consumer.replay(r);
        continue;
      }
      if (r.kind === 'pending') {
        const g = this.group(r.group, true)!;
        const k = `${r.producerId}\u0000${ClassicGroup.offsetKey(r.topic, r.partition)}`;
        if (r.value === null) g.pendingTxnOffsets.delete(k);
        else g.pendingTxnOffsets.set(k, { ...r.value, offset: BigInt(r.value.offset), metadata: r.value.metadata ?? '' });
      } else if (r.kind === 'offset') {
        const g = this.group(r.group, true)!;
        const k = ClassicGroup.offsetKey(r.topic, r.partition);
        if (r.value === null) g.offsets.delete(k);
        else g.offsets.set(k, { ...r.value, offset: BigInt(r.value.offset), metadata: r.value.metadata ?? '' });
      } else if (r.value === null) {
        const g = this.groups.get(r.group);
        if (g) {
          g.members.clear();
          g.staticMembers.clear();
          g.transition('Empty');
          g.generation = 0;
          if (g.offsets.size === 0) this.groups.delete(r.group);
        }
      } else {
        const g = this.group(r.group, true)!;
        const v = r.value;
        g.protocolType = v.protocolType;
        g.protocolName = v.protocol;
        g.generation = v.generation;
        g.leaderId = v.leader;
        g.members.clear();
        g.staticMembers.clear();
        for (const m of v.members) {
          g.members.set(m.memberId, {
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            sessionTimeoutMs: m.sessionTimeoutMs,
            rebalanceTimeoutMs: m.rebalanceTimeoutMs,
            protocolType: v.protocolType,
            protocols: m.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata, 'base64') })),
            assignment: Buffer.from(m.assignment, 'base64'),
          });
          if (m.groupInstanceId) g.staticMembers.set(m.groupInstanceId, m.memberId);
        }
        g.state = g.members.size > 0 ? 'Stable' : 'Empty';
        g.stateTimestamp = v.stateTimestamp;
      }
    }
    for (const g of this.groups.values()) for (const m of g.members.values()) this.touch(g, m);
    this.consumer.onLoaded();
  }

  start(): void {
    const every = Math.min(this.config.num('offsets.retention.check.interval.ms'), 2 ** 31 - 1);
    this.expiryTimer = setInterval(() => void this.expireOffsets(), every).unref();
  }

  close(): void {
    clearInterval(this.expiryTimer);
    this.consumer.close();
    for (const g of this.groups.values()) {
      clearTimeout(g.joinTimer);
      clearTimeout(g.syncTimer);
      for (const t of g.pending.values()) clearTimeout(t);
      for (const m of g.members.values()) clearTimeout(m.sessionTimer);
    }
  }

  group(id: string, create = false): ClassicGroup | undefined {
    let g = this.groups.get(id);
    if (!g && create) {
      g = new ClassicGroup(id);
      this.groups.set(id, g);
    }
    return g;
  }

  /** A consumer group just became this classic group (migration.ts): fresh sessions, then a rebalance so the leader assigns again. */
  resumeConverted(g: ClassicGroup, reason: string): void {
    for (const m of g.members.values()) this.touch(g, m);
    this.prepareRebalance(g, reason);
  }

  // ------------------------------------------------------------------ membership

  join(req: JoinRequest): Promise<JoinResult> {
    const min = this.config.int('group.min.session.timeout.ms');
    const max = this.config.int('group.max.session.timeout.ms');
    if (req.sessionTimeoutMs < min || req.sessionTimeoutMs > max) return Promise.resolve(joinError(ErrorCode.INVALID_SESSION_TIMEOUT, req.memberId));
    // A consumer group with members serves classic members itself (classic-members.ts); an empty one becomes classic.
    const consumerGroup = this.consumer.servingClassic(req.groupId);
    if (consumerGroup) return this.consumer.classicMembers.join(consumerGroup, req);
    this.consumer.yieldToClassic(req.groupId);
    const g = this.group(req.groupId, true)!;
    if (g.state === 'Dead') return Promise.resolve(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, req.memberId));
    if (req.memberId === '') return this.joinNew(g, req);
    return this.joinKnown(g, req);
  }

  private protocolMismatch(g: ClassicGroup, req: JoinRequest): boolean {
    if (req.protocolType === '' || req.protocols.length === 0) return true;
    if (g.members.size === 0) return false;
    return g.protocolType !== req.protocolType || g.commonProtocols(req.protocols).size === 0;
  }

  private joinNew(g: ClassicGroup, req: JoinRequest): Promise<JoinResult> {
    if (this.protocolMismatch(g, req)) return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    const memberId = `${req.clientId}-${randomUUID()}`;
    if (req.groupInstanceId !== null) {
      const existing = g.staticMembers.get(req.groupInstanceId);
      if (existing && g.members.has(existing)) return this.replaceStatic(g, existing, memberId, req);
    }
    if (g.members.size + g.pending.size >= this.config.int('group.max.size')) return Promise.resolve(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED));
    if (req.requireKnownMemberId && req.groupInstanceId === null) {
      // The member must come back with this id before its session times out.
      g.pending.set(memberId, setTimeout(() => this.expirePending(g, memberId), req.sessionTimeoutMs).unref());
      return Promise.resolve(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId));
    }
    return this.addMemberAndRebalance(g, memberId, req);
  }

  private expirePending(g: ClassicGroup, memberId: string): void {
    if (!g.pending.delete(memberId)) return;
    if (g.state === 'PreparingRebalance' && g.allJoined()) this.completeJoin(g);
  }

  private addMemberAndRebalance(g: ClassicGroup, memberId: string, req: JoinRequest): Promise<JoinResult> {
    const m: Member = {
      memberId,
      groupInstanceId: req.groupInstanceId,
      clientId: req.clientId,
      clientHost: req.clientHost,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols,
      assignment: Buffer.alloc(0),
    };
    if (g.members.size === 0) g.protocolType = req.protocolType;
    g.members.set(memberId, m);
    if (req.groupInstanceId !== null) g.staticMembers.set(req.groupInstanceId, memberId);
    const result = new Promise<JoinResult>((resolve) => (m.joinWaiter = resolve));
    m.isNew = true;
    this.touch(g, m, NEW_MEMBER_JOIN_TIMEOUT_MS);
    if (g.state === 'PreparingRebalance') {
      // The last of the members awaited completes the join (the initial delay, if any, runs its course).
      if (g.allJoined() && !g.initialDelay) this.completeJoin(g);
      else this.maybeExtendInitialDelay(g);
    } else {
      this.prepareRebalance(g, `member ${memberId} joined${req.reason ? ` (${req.reason})` : ''}`);
    }
    return result;
  }

  /** A static member rejoining under a new member id: the old id is fenced. */
  private replaceStatic(g: ClassicGroup, oldId: string, newId: string, req: JoinRequest): Promise<JoinResult> {
    const old = g.members.get(oldId)!;
    clearTimeout(old.sessionTimer);
    old.joinWaiter?.(joinError(ErrorCode.FENCED_INSTANCE_ID, oldId));
    old.syncWaiter?.(syncError(ErrorCode.FENCED_INSTANCE_ID));
    g.members.delete(oldId);
    const m: Member = { ...old, memberId: newId, joinWaiter: undefined, syncWaiter: undefined, sessionTimer: undefined, clientId: req.clientId, clientHost: req.clientHost, sessionTimeoutMs: req.sessionTimeoutMs, rebalanceTimeoutMs: req.rebalanceTimeoutMs };
    g.members.set(newId, m);
    g.staticMembers.set(req.groupInstanceId!, newId);
    if (g.leaderId === oldId) g.leaderId = newId;
    this.touch(g, m);
    const unchanged = g.sameProtocols(old, req.protocols);
    if (g.state === 'Stable' && unchanged) {
      const isLeader = g.leaderId === newId;
      return this.persistGroup(g).then(
        () => ({
          errorCode: 0,
          generationId: g.generation,
          protocolType: g.protocolType,
          protocolName: g.protocolName,
          leader: g.leaderId ?? '',
          memberId: newId,
          members: isLeader && req.supportsSkipAssignment ? this.memberList(g) : [],
          skipAssignment: isLeader && req.supportsSkipAssignment,
        }),
        () => joinError(ErrorCode.UNKNOWN_SERVER_ERROR, newId),
      );
    }
    m.protocols = req.protocols;
    const result = new Promise<JoinResult>((resolve) => (m.joinWaiter = resolve));
    if (g.state !== 'PreparingRebalance') this.prepareRebalance(g, `static member ${req.groupInstanceId} rejoined`);
    else if (g.allJoined()) this.completeJoin(g);
    return result;
  }

  private joinKnown(g: ClassicGroup, req: JoinRequest): Promise<JoinResult> {
    if (g.pending.has(req.memberId)) {
      clearTimeout(g.pending.get(req.memberId));
      g.pending.delete(req.memberId);
      if (this.protocolMismatch(g, req)) return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
      return this.addMemberAndRebalance(g, req.memberId, req);
    }
    if (this.fenced(g, req.groupInstanceId, req.memberId)) return Promise.resolve(joinError(ErrorCode.FENCED_INSTANCE_ID, req.memberId));
    const m = g.members.get(req.memberId);
    if (!m) return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
    if (this.protocolMismatch(g, req)) return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
    this.touch(g, m);
    const unchanged = g.sameProtocols(m, req.protocols);
    if ((g.state === 'CompletingRebalance' && unchanged) || (g.state === 'Stable' && unchanged && g.leaderId !== m.memberId)) {
      // Nothing changed: the member gets the current generation again.
      return Promise.resolve(this.joinResultFor(g, m));
    }
    m.protocols = req.protocols;
    m.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    m.sessionTimeoutMs = req.sessionTimeoutMs;
    m.joinWaiter?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, m.memberId)); // a duplicate join replaces the older one
    const result = new Promise<JoinResult>((resolve) => (m.joinWaiter = resolve));
    if (g.state === 'PreparingRebalance') {
      if (g.allJoined() && !g.initialDelay) this.completeJoin(g);
    } else {
      this.prepareRebalance(g, `member ${m.memberId} rejoined${req.reason ? ` (${req.reason})` : ''}`);
    }
    return result;
  }

  private memberList(g: ClassicGroup): JoinResult['members'] {
    return [...g.members.values()].map((x) => ({ memberId: x.memberId, groupInstanceId: x.groupInstanceId, metadata: x.protocols.find((p) => p.name === g.protocolName)?.metadata ?? Buffer.alloc(0) }));
  }

  private joinResultFor(g: ClassicGroup, m: Member): JoinResult {
    return {
      errorCode: 0,
      generationId: g.generation,
      protocolType: g.protocolType,
      protocolName: g.protocolName,
      leader: g.leaderId ?? '',
      memberId: m.memberId,
      members: g.leaderId === m.memberId ? this.memberList(g) : [],
      skipAssignment: false,
    };
  }

  private prepareRebalance(g: ClassicGroup, reason: string): void {
    clearTimeout(g.syncTimer);
    g.syncTimer = undefined;
    g.pendingSync.clear();
    if (g.state === 'CompletingRebalance') {
      for (const m of g.members.values()) {
        m.assignment = Buffer.alloc(0);
        m.syncWaiter?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        m.syncWaiter = undefined;
      }
    }
    const wasEmpty = g.state === 'Empty';
    g.transition('PreparingRebalance');
    this.log.info({ group: g.groupId, generation: g.generation, members: g.members.size, reason }, 'group rebalancing');
    clearTimeout(g.joinTimer);
    const rebalanceTimeout = Math.max(g.rebalanceTimeoutMs(), 0);
    const delay = this.config.int('group.initial.rebalance.delay.ms');
    if (wasEmpty && delay > 0) {
      g.initialDelay = { deadline: Date.now() + rebalanceTimeout, delay };
      g.joinTimer = setTimeout(() => this.onJoinTimeout(g), Math.min(delay, rebalanceTimeout)).unref();
    } else {
      g.initialDelay = undefined;
      g.joinTimer = setTimeout(() => this.onJoinTimeout(g), rebalanceTimeout).unref();
      if (g.allJoined()) this.completeJoin(g);
    }
  }

  /** During the initial delay each new member pushes the end out by another delay, up to the rebalance timeout. */
  private maybeExtendInitialDelay(g: ClassicGroup): void {
    const d = g.initialDelay;
    if (!d) return;
    clearTimeout(g.joinTimer);
    const wait = Math.min(d.delay, Math.max(0, d.deadline - Date.now()));
    g.joinTimer = setTimeout(() => this.onJoinTimeout(g), wait).unref();
  }

  private onJoinTimeout(g: ClassicGroup): void {
    g.joinTimer = undefined;
    if (g.state !== 'PreparingRebalance') return;
    if (g.initialDelay && !g.allJoined() && Date.now() < g.initialDelay.deadline) {
      // Still inside the initial delay's overall bound but someone has not joined: wait for the rebalance timeout.
      g.initialDelay = undefined;
      g.joinTimer = setTimeout(() => this.onJoinTimeout(g), Math.max(0, g.rebalanceTimeoutMs())).unref();
      return;
    }
    this.completeJoin(g);
  }

  private completeJoin(g: ClassicGroup): void {
    clearTimeout(g.joinTimer);
    g.joinTimer = undefined;
    g.initialDelay = undefined;
    for (const m of [...g.members.values()]) {
      if (!m.joinWaiter) this.removeMember(g, m, 'did not rejoin within the rebalance timeout', false);
    }
    for (const [id, t] of g.pending) {
      clearTimeout(t);
      g.pending.delete(id);
    }
    g.generation++;
    if (g.members.size === 0) {
      g.transition('Empty');
      g.protocolName = null;
      g.leaderId = null;
      void this.persistGroup(g).catch(() => undefined);
      this.log.info({ group: g.groupId, generation: g.generation }, 'group is empty');
      return;
    }
    g.protocolName = g.selectProtocol();
    if (!g.leaderId || !g.members.has(g.leaderId)) g.leaderId = g.members.keys().next().value!;
    g.transition('CompletingRebalance');
    this.log.info({ group: g.groupId, generation: g.generation, members: g.members.size, protocol: g.protocolName, leader: g.leaderId }, 'group rebalanced');
    for (const m of g.members.values()) {
      const waiter = m.joinWaiter!;
      m.joinWaiter = undefined;
      m.isNew = false;
      this.touch(g, m);
      g.pendingSync.add(m.memberId);
      waiter(this.joinResultFor(g, m));
    }
    this.schedulePendingSync(g);
  }

  /** Kafka's pending-sync expiry: members that never send SyncGroup for this generation are removed. */
  private schedulePendingSync(g: ClassicGroup): void {
    clearTimeout(g.syncTimer);
    const generation = g.generation;
    g.syncTimer = setTimeout(() => {
      g.syncTimer = undefined;
      if (g.generation !== generation || (g.state !== 'CompletingRebalance' && g.state !== 'Stable') || g.pendingSync.size === 0) return;
      const late = [...g.pendingSync];
      for (const id of late) {
        const m = g.members.get(id);
        if (m) this.removeMember(g, m, 'did not send SyncGroup within the rebalance timeout', false);
      }
      g.pendingSync.clear();
      this.prepareRebalance(g, `members ${late.join(', ')} did not sync`);
    }, Math.min(Math.max(g.rebalanceTimeoutMs(), 0), 2 ** 31 - 1)).unref();
  }

  sync(req: { groupId: string; generationId: number; memberId: string; groupInstanceId: string | null; protocolType: string | null; protocolName: string | null; assignments: Array<{ memberId: string; assignment: Buffer }> }): Promise<SyncResult> {
    const consumerGroup = this.consumer.groups.get(req.groupId);
    if (consumerGroup) return Promise.resolve(this.consumer.classicMembers.sync(consumerGroup, req));
    const g = this.groups.get(req.groupId);
    if (g && this.fenced(g, req.groupInstanceId, req.memberId)) return Promise.resolve(syncError(ErrorCode.FENCED_INSTANCE_ID));
    const m = g?.members.get(req.memberId);
    if (!g || !m) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (req.generationId !== g.generation) return Promise.resolve(syncError(ErrorCode.ILLEGAL_GENERATION));
    if ((req.protocolType !== null && req.protocolType !== g.protocolType) || (req.protocolName !== null && req.protocolName !== g.protocolName))
      return Promise.resolve(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    this.touch(g, m);
    g.pendingSync.delete(m.memberId);
    const ok = (a: Buffer): SyncResult => ({ errorCode: 0, protocolType: g.protocolType, protocolName: g.protocolName, assignment: a });
    switch (g.state) {
      case 'PreparingRebalance':
        return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case 'Stable':
        return Promise.resolve(ok(m.assignment));
      case 'CompletingRebalance': {
        const result = new Promise<SyncResult>((resolve) => (m.syncWaiter = resolve));
        if (m.memberId === g.leaderId) {
          const given = new Map(req.assignments.map((a) => [a.memberId, a.assignment]));
          for (const x of g.members.values()) x.assignment = given.get(x.memberId) ?? Buffer.alloc(0);
          const generation = g.generation;
          this.persistGroup(g).then(
            () => {
              if (g.state !== 'CompletingRebalance' || g.generation !== generation) return;
              g.transition('Stable');
              for (const x of g.members.values()) {
                if (!x.syncWaiter) continue;
                x.syncWaiter(ok(x.assignment));
                x.syncWaiter = undefined;
                this.touch(g, x); // its heartbeats were satisfied while it waited; now they count again
              }
            },
            (err: Error) => {
              this.log.error({ group: g.groupId, err: err.message }, 'could not store the group assignment');
              for (const x of g.members.values()) {
                x.syncWaiter?.(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
                x.syncWaiter = undefined;
              }
              this.prepareRebalance(g, 'storing the assignment failed');
            },
          );
        }
        return result;
      }
      default:
        return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  heartbeat(req: { groupId: string; generationId: number; memberId: string; groupInstanceId: string | null }): number {
    const consumerGroup = this.consumer.groups.get(req.groupId);
    if (consumerGroup) return this.consumer.classicMembers.heartbeat(consumerGroup, req);
    const g = this.groups.get(req.groupId);
    if (g && this.fenced(g, req.groupInstanceId, req.memberId)) return ErrorCode.FENCED_INSTANCE_ID;
    const m = g?.members.get(req.memberId);
    if (!g || !m) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (req.generationId !== g.generation) return ErrorCode.ILLEGAL_GENERATION;
    this.touch(g, m);
    return g.state === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  leave(groupId: string, members: Array<{ memberId: string; groupInstanceId: string | null; reason: string | null }>): { errorCode: number; members: Array<{ memberId: string; groupInstanceId: string | null; errorCode: number }> } {
    const consumerGroup = this.consumer.groups.get(groupId);
    if (consumerGroup) return this.consumer.classicMembers.leave(consumerGroup, members);
    const g = this.groups.get(groupId);
    if (!g) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, members: members.map((x) => ({ ...x, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) };
    const results = members.map((x) => {
      let id = x.memberId;
      if (x.groupInstanceId !== null) {
        const current = g.staticMembers.get(x.groupInstanceId);
        if (!current) return { memberId: x.memberId, groupInstanceId: x.groupInstanceId, errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
        if (id !== '' && id !== current) return { memberId: x.memberId, groupInstanceId: x.groupInstanceId, errorCode: ErrorCode.FENCED_INSTANCE_ID };
        id = current;
      }
      if (g.pending.has(id)) {
        clearTimeout(g.pending.get(id));
        g.pending.delete(id);
        return { memberId: x.memberId, groupInstanceId: x.groupInstanceId, errorCode: 0 };
      }
      const m = g.members.get(id);
      if (!m) return { memberId: x.memberId, groupInstanceId: x.groupInstanceId, errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
      this.removeMember(g, m, `left the group${x.reason ? ` (${x.reason})` : ''}`, true);
      return { memberId: x.memberId, groupInstanceId: x.groupInstanceId, errorCode: 0 };
    });
    return { errorCode: 0, members: results };
  }

  /** A static member's instance id now belongs to another member id: this one was replaced. */
  private fenced(g: ClassicGroup, groupInstanceId: string | null, memberId: string): boolean {
    if (groupInstanceId === null) return false;
    const current = g.staticMembers.get(groupInstanceId);
    return current !== undefined && current !== memberId;
  }

  /**
   * Resets a member's heartbeat deadline. When it passes, Kafka's hasSatisfiedHeartbeat decides: a
   * member waiting in JoinGroup or SyncGroup is kept (its wait is bounded by the rebalance and sync
   * timers, and it is touched again when answered), unless it is new to the group.
   */
  private touch(g: ClassicGroup, m: Member, timeoutMs = m.sessionTimeoutMs): void {
    clearTimeout(m.sessionTimer);
    m.sessionTimer = setTimeout(() => {
      if (g.members.get(m.memberId) !== m) return;
      if (!m.isNew && (m.joinWaiter || m.syncWaiter)) return;
      const why = m.isNew ? `join timeout (${timeoutMs} ms) of a new member expired` : `session timeout (${m.sessionTimeoutMs} ms) expired`;
      this.removeMember(g, m, why, true);
    }, Math.min(timeoutMs, 2 ** 31 - 1)).unref();
  }

  private removeMember(g: ClassicGroup, m: Member, why: string, rebalance: boolean): void {
    clearTimeout(m.sessionTimer);
    g.members.delete(m.memberId);
    g.pendingSync.delete(m.memberId);
    if (m.groupInstanceId && g.staticMembers.get(m.groupInstanceId) === m.memberId) g.staticMembers.delete(m.groupInstanceId);
    m.joinWaiter?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, m.memberId));
    m.syncWaiter?.(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    m.joinWaiter = m.syncWaiter = undefined;
    this.log.info({ group: g.groupId, member: m.memberId, why }, 'member removed');
    if (!rebalance) return;
    if (g.state === 'Stable' || g.state === 'CompletingRebalance') this.prepareRebalance(g, `member ${m.memberId} ${why}`);
    else if (g.state === 'PreparingRebalance' && g.allJoined() && !g.initialDelay) this.completeJoin(g);
  }

  private persistGroup(g: ClassicGroup): Promise<void> {
    return this.store.write(g.groupId, [{ kind: 'group', group: g.groupId, value: storedGroup(g) }]);
  }

  // ------------------------------------------------------------------ offsets

  /** Whether a commit may be made now (Kafka's order of checks, commit-rules.ts); a member's commit keeps its session alive. */
  commitError(c: CommitIdentity & { groupId: string }): number {
    const consumerError = this.consumer.commitError(c.groupId, c.memberId, c.generationId, c.apiVersion, c.transactional); // generation = member epoch there
    if (consumerError !== undefined) return consumerError;
    const g = this.groups.get(c.groupId);
    const error = classicCommitError(g, c);
    const m = g?.members.get(c.memberId);
    if (error === ErrorCode.NONE && m && !c.transactional && (g!.state === 'Stable' || g!.state === 'PreparingRebalance')) this.touch(g!, m);
    return error;
  }

  async commit(groupId: string, entries: OffsetCommitEntry[], retentionMs = -1): Promise<void> {
    const g = this.group(groupId, true)!;
    const now = Date.now();
    const records: StoreRecord[] = entries.map((e) => ({
      kind: 'offset',
      group: groupId,
      topic: e.topic,
      partition: e.partition,
      value: { offset: e.offset.toString(), leaderEpoch: e.leaderEpoch, metadata: e.metadata ?? '', commitTimestamp: now, expireTimestamp: retentionMs > 0 ? now + retentionMs : -1 },
    }));
    await this.store.write(groupId, records);
    for (const e of entries) {
      const v: CommittedOffset = { offset: e.offset, leaderEpoch: e.leaderEpoch, metadata: e.metadata ?? '', commitTimestamp: now, expireTimestamp: retentionMs > 0 ? now + retentionMs : -1 };
      g.offsets.set(ClassicGroup.offsetKey(e.topic, e.partition), v);
    }
  }

  /** TxnOffsetCommit: offsets that become committed only if the producer's transaction commits. */
  async commitPending(groupId: string, producerId: bigint, producerEpoch: number, entries: OffsetCommitEntry[]): Promise<void> {
    await this.txnOffsets.commit(this.group(groupId, true)!, producerId, producerEpoch, entries);
  }

  /** The transaction ended: its pending offsets become committed (commit) or vanish (abort). */
  async completeTxnOffsets(groupId: string, producerId: bigint, commit: boolean, producerEpoch: number): Promise<void> {
    const g = this.groups.get(groupId);
    if (g) await this.txnOffsets.complete(g, producerId, commit, producerEpoch);
  }

  /**
   * A transaction marker written by WriteTxnMarkers to __consumer_offsets partition `partition` (of
   * `partitions`): the producer's pending offsets of every group stored there end with it, as
   * Kafka's group coordinator completes them when the marker lands (the marker is the record).
   */
  async completeTxnOffsetsOnPartition(partition: number, partitions: number, producerId: bigint, commit: boolean): Promise<void> {
    for (const g of [...this.groups.values()]) if (partitionFor(g.groupId, partitions) === partition) await this.txnOffsets.end(g, producerId, commit);
  }

  /** Whether an open transaction has a pending commit for this partition (OffsetFetch requireStable). */
  hasPendingTxnOffset(groupId: string, topic: string, partition: number): boolean {
    const g = this.groups.get(groupId);
    return !!g && TxnOffsets.hasPending(g, topic, partition);
  }

  offsets(groupId: string): Map<string, CommittedOffset> {
    return this.groups.get(groupId)?.offsets ?? new Map();
  }

  async deleteOffsets(groupId: string, parts: Array<{ topic: string; partition: number }>): Promise<void> {
    const g = this.groups.get(groupId);
    if (!g) return;
    await this.store.write(groupId, parts.map((p) => ({ kind: 'offset', group: groupId, topic: p.topic, partition: p.partition, value: null })));
    for (const p of parts) g.offsets.delete(ClassicGroup.offsetKey(p.topic, p.partition));
  }

  /** DeleteGroups: only groups without members. */
  async deleteGroup(groupId: string): Promise<number> {
    const consumer = await this.consumer.deleteGroup(groupId);
    if (consumer !== undefined && consumer !== ErrorCode.NONE) return consumer;
    const g = this.groups.get(groupId);
    if (consumer === ErrorCode.NONE && !g) return ErrorCode.NONE;
    if (!g || g.state === 'Dead') return ErrorCode.GROUP_ID_NOT_FOUND;
    if (g.members.size > 0 || g.pending.size > 0 || g.state !== 'Empty') return ErrorCode.NON_EMPTY_GROUP;
    const records: StoreRecord[] = [...g.offsets.keys()].map((k) => {
      const [topic, partition] = k.split('\u0000');
      return { kind: 'offset', group: groupId, topic, partition: Number(partition), value: null };
    });
    records.push({ kind: 'group', group: groupId, value: null });
    g.transition('Dead');
    await this.store.write(groupId, records);
    this.groups.delete(groupId);
    this.log.info({ group: groupId }, 'group deleted');
    return ErrorCode.NONE;
  }

  /** offsets.retention.minutes: an empty group's offsets expire that long after it became empty. */
  async expireOffsets(now = Date.now()): Promise<void> {
    const retention = this.config.int('offsets.retention.minutes') * 60_000;
    for (const g of [...this.groups.values()]) {
      if (g.state !== 'Empty' || (this.consumer.groups.get(g.groupId)?.members.size ?? 0) > 0) continue;
      const expired = [...g.offsets.entries()].filter(([, o]) => (o.expireTimestamp > 0 ? o.expireTimestamp <= now : g.stateTimestamp + retention <= now && o.commitTimestamp + retention <= now));
      if (expired.length === 0) continue;
      await this.deleteOffsets(g.groupId, expired.map(([k]) => ({ topic: k.split('\u0000')[0], partition: Number(k.split('\u0000')[1]) })));
      this.log.info({ group: g.groupId, partitions: expired.length }, 'expired committed offsets');
      if (g.offsets.size === 0) {
        await this.store.write(g.groupId, [{ kind: 'group', group: g.groupId, value: null }]);
        this.groups.delete(g.groupId);
      }
    }
    await this.consumer.removeEmpty((id) => (this.groups.get(id)?.offsets.size ?? 0) > 0);
  }
}

/**
 * Classic groups (JoinGroup, SyncGroup, Heartbeat, LeaveGroup): each group's membership and state
 * machine; the rebalance and its timers are in classic-rebalance.ts. A member added by a JoinGroup
 * that has not completed yet is bounded by the new-member join timeout (5 min) instead of its
 * session. Groups are written to __consumer_offsets before they are acknowledged and replayed at
 * start-up. Committed offsets are not here (offsets-manager.ts); a group that holds offsets but no
 * members is an Empty classic group, as in Kafka. The consumer-group coordinator reaches classic
 * groups only through ClassicSide (migration.ts).
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../protocol/errors.js';
import { groupErrorCode } from './group-errors.js';
import type { BrokerConfig } from '../config/config.js';
import type { Logger } from '../util/logger.js';
import { ClassicGroup, joinError, memberIdentity, syncError, type HeartbeatRequest, type JoinRequest, type JoinResult, type LeaveResult, type LeavingMember, type Member, type SyncRequest, type SyncResult } from './classic-group.js';
import type { GroupStore, StoreRecord } from './group-store.js';
import { classicCommitError, type CommitIdentity } from './commit-rules.js';
import { retireClassicMembers, type ClassicSide } from './migration.js';
import { ClassicRebalancer } from './classic-rebalance.js';

function stopTimers(g: ClassicGroup): void {
  clearTimeout(g.joinTimer);
  clearTimeout(g.syncTimer);
  for (const t of g.pending.values()) clearTimeout(t);
  for (const m of g.members.values()) clearTimeout(m.sessionTimer);
}

/** Kafka's classic new-member join timeout: how long a member may wait in its first JoinGroup. */
export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60_000;

/** Whether a group holds offsets (offsets-manager.ts), and forgetting them with the group. */
export interface OffsetHolders {
  has(groupId: string, withPending?: boolean): boolean;
  forget(groupId: string): void;
}

export class ClassicGroupCoordinator extends ClassicRebalancer implements ClassicSide {
  readonly groups = new Map<string, ClassicGroup>();

  constructor(config: BrokerConfig, store: GroupStore, log: Logger, private readonly offsets: OffsetHolders) {
    super(config, store, log);
  }

  group(id: string, create = false): ClassicGroup | undefined {
    let g = this.groups.get(id);
    if (!g && create) {
      g = new ClassicGroup(id);
      this.groups.set(id, g);
    }
    return g;
  }

  /** A group record read back at start-up; members come back with fresh session timers once all is read (onLoaded). */
  replay(r: Extract<StoreRecord, { kind: 'group' }>): void {
    if (r.value === null) {
      const g = this.groups.get(r.group);
      if (g) {
        g.members.clear();
        g.staticMembers.clear();
        g.transition('Empty');
        g.generation = 0;
        if (!this.offsets.has(r.group)) {
          this.groups.delete(r.group);
          this.offsets.forget(r.group);
        }
      }
      return;
    }
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
        ...memberIdentity(m),
        protocolType: v.protocolType,
        protocols: m.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata, 'base64') })),
        assignment: Buffer.from(m.assignment, 'base64'),
      });
      if (m.groupInstanceId) g.staticMembers.set(m.groupInstanceId, m.memberId);
    }
    g.state = g.members.size > 0 ? 'Stable' : 'Empty';
    g.stateTimestamp = v.stateTimestamp;
  }

  /** After replay: members of the groups loaded (those `which` selects) get fresh session timers. */
  onLoaded(which: (groupId: string) => boolean = () => true): void {
    for (const g of this.groups.values()) if (which(g.groupId)) for (const m of g.members.values()) this.touch(g, m);
  }

  close(): void {
    for (const g of this.groups.values()) stopTimers(g);
  }

  /**
   * Kafka's onGroupUnloaded: this broker no longer coordinates these groups. Their timers stop,
   * members waiting in JoinGroup or SyncGroup are answered NOT_COORDINATOR (they find the new
   * coordinator), and the groups are forgotten here; their offsets too (`which` is the same test).
   */
  unload(which: (groupId: string) => boolean): void {
    for (const g of [...this.groups.values()]) {
      if (!which(g.groupId)) continue;
      stopTimers(g);
      for (const m of g.members.values()) {
        m.joinWaiter?.(joinError(ErrorCode.NOT_COORDINATOR, m.memberId));
        m.syncWaiter?.(syncError(ErrorCode.NOT_COORDINATOR));
        m.joinWaiter = m.syncWaiter = undefined;
      }
      g.transition('Dead');
      this.groups.delete(g.groupId);
    }
  }

  // ------------------------------------------------------------------ ClassicSide (migration.ts)

  get(groupId: string): ClassicGroup | undefined {
    return this.groups.get(groupId);
  }

  obtain(groupId: string): ClassicGroup {
    return this.group(groupId, true)!;
  }

  retire(g: ClassicGroup): void {
    retireClassicMembers(g);
    if (!this.offsets.has(g.groupId, true)) {
      this.groups.delete(g.groupId);
      this.offsets.forget(g.groupId);
    }
  }

  resumeConverted(g: ClassicGroup, reason: string): void {
    for (const m of g.members.values()) this.touch(g, m);
    this.prepareRebalance(g, reason);
  }

  consumerGroupEmptied(groupId: string): void {
    this.groups.get(groupId)?.transition('Empty');
  }

  // ------------------------------------------------------------------ membership

  /** JoinGroup of a classic group (the facade has settled that the id is not a consumer group's). */
  join(req: JoinRequest): Promise<JoinResult> {
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
      ...memberIdentity(req),
      memberId,
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
        (err: unknown) => joinError(groupErrorCode(err, this.log, { group: g.groupId, member: newId }), newId),
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


  sync(req: SyncRequest): Promise<SyncResult> {
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
            (err: unknown) => {
              const code = groupErrorCode(err, this.log, { group: g.groupId, generation: g.generation });
              for (const x of g.members.values()) {
                x.syncWaiter?.(syncError(code));
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

  heartbeat(req: HeartbeatRequest): number {
    const g = this.groups.get(req.groupId);
    if (g && this.fenced(g, req.groupInstanceId, req.memberId)) return ErrorCode.FENCED_INSTANCE_ID;
    const m = g?.members.get(req.memberId);
    if (!g || !m) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (req.generationId !== g.generation) return ErrorCode.ILLEGAL_GENERATION;
    this.touch(g, m);
    return g.state === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  leave(groupId: string, members: LeavingMember[]): LeaveResult {
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

  /** Whether a commit may be made now (Kafka's order of checks, commit-rules.ts); a member's commit keeps its session alive. */
  commitError(c: CommitIdentity & { groupId: string }): number {
    const g = this.groups.get(c.groupId);
    const error = classicCommitError(g, c);
    const m = g?.members.get(c.memberId);
    if (error === ErrorCode.NONE && m && !c.transactional && (g!.state === 'Stable' || g!.state === 'PreparingRebalance')) this.touch(g!, m);
    return error;
  }
}

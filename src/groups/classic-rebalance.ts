/**
 * The rebalance of a classic group (Kafka's classic protocol timers): a rebalance completes as soon
 * as every member and every member told MEMBER_ID_REQUIRED has (re)joined, and waits at most the
 * largest rebalance timeout, then goes on without the others; members that do not send SyncGroup
 * within the rebalance timeout after it are removed. The first rebalance of an empty group waits
 * group.initial.rebalance.delay.ms (extended as members arrive, up to the rebalance timeout).
 * A member's session expires after session.timeout.ms without a heartbeat (or a join/sync), which
 * removes it and rebalances, except while it waits in JoinGroup or SyncGroup: waiting for the
 * group satisfies its heartbeats. The request paths are in classic-coordinator.ts.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { BrokerConfig } from '../config/config.js';
import type { Logger } from '../util/logger.js';
import { groupErrorCode } from './group-errors.js';
import { joinError, syncError, type ClassicGroup, type JoinResult, type Member } from './classic-group.js';
import type { GroupStore } from './group-store.js';
import { storedGroup } from './migration.js';

export class ClassicRebalancer {
  constructor(
    protected readonly config: BrokerConfig,
    protected readonly store: GroupStore,
    protected readonly log: Logger,
  ) {}

  protected memberList(g: ClassicGroup): JoinResult['members'] {
    return [...g.members.values()].map((x) => ({ memberId: x.memberId, groupInstanceId: x.groupInstanceId, metadata: x.protocols.find((p) => p.name === g.protocolName)?.metadata ?? Buffer.alloc(0) }));
  }

  protected joinResultFor(g: ClassicGroup, m: Member): JoinResult {
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

  protected prepareRebalance(g: ClassicGroup, reason: string): void {
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
  protected maybeExtendInitialDelay(g: ClassicGroup): void {
    const d = g.initialDelay;
    if (!d) return;
    clearTimeout(g.joinTimer);
    const wait = Math.min(d.delay, Math.max(0, d.deadline - Date.now()));
    g.joinTimer = setTimeout(() => this.onJoinTimeout(g), wait).unref();
  }

  protected onJoinTimeout(g: ClassicGroup): void {
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

  protected completeJoin(g: ClassicGroup): void {
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
      // No request waits on this write: a failure is only logged (the next change writes the group again).
      this.persistGroup(g).catch((err: unknown) => groupErrorCode(err, this.log, { group: g.groupId, generation: g.generation }));
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
  protected schedulePendingSync(g: ClassicGroup): void {
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


  /**
   * Resets a member's heartbeat deadline. When it passes, Kafka's hasSatisfiedHeartbeat decides: a
   * member waiting in JoinGroup or SyncGroup is kept (its wait is bounded by the rebalance and sync
   * timers, and it is touched again when answered), unless it is new to the group.
   */
  protected touch(g: ClassicGroup, m: Member, timeoutMs = m.sessionTimeoutMs): void {
    clearTimeout(m.sessionTimer);
    m.sessionTimer = setTimeout(() => {
      if (g.members.get(m.memberId) !== m) return;
      if (!m.isNew && (m.joinWaiter || m.syncWaiter)) return;
      const why = m.isNew ? `join timeout (${timeoutMs} ms) of a new member expired` : `session timeout (${m.sessionTimeoutMs} ms) expired`;
      this.removeMember(g, m, why, true);
    }, Math.min(timeoutMs, 2 ** 31 - 1)).unref();
  }

  protected removeMember(g: ClassicGroup, m: Member, why: string, rebalance: boolean): void {
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

  protected persistGroup(g: ClassicGroup): Promise<void> {
    return this.store.write(g.groupId, [{ kind: 'group', group: g.groupId, value: storedGroup(g) }]);
  }
}

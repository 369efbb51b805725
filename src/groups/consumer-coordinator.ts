/**
 * The coordinator of consumer-protocol groups (KIP-848, ConsumerGroupHeartbeat): members join with
 * epoch 0, heartbeat with their epoch and owned partitions, and leave with -1 (-2: a static member
 * that will be back). The broker computes the target assignment with a server-side assignor when
 * the group epoch moves past the assignment epoch, and reconciles each member towards it on its
 * heartbeats (reconcile.ts). Changes are written to __consumer_offsets before the answer and
 * replayed at start-up. Kafka's rules and error codes are followed (GroupMetadataManager).
 * Classic members (JoinGroup/SyncGroup) may share a consumer group with consumer-protocol members
 * (classic-members.ts), and groups in use change kind online under group.consumer.migration.policy
 * (migration.ts).
 *
 * Timers: a member that does not heartbeat within its group's session timeout (the group's
 * consumer.session.timeout.ms config, else group.consumer.session.timeout.ms) is fenced
 * (removed, group epoch bumped); one that does not revoke partitions within its rebalance timeout
 * too. Subscribed topics are looked up on every heartbeat, so a new or grown topic bumps the epoch
 * at the next heartbeat of any member; regexes are resolved again at most once a second.
 *
 * Deviations from Kafka 4: a known member rejoining with epoch 0 gets its partitions back (as later
 * Kafka, KAFKA-19233); regexes are JavaScript RegExp with RE2-only constructs translated and
 * backtracking-prone ones refused; assignments are balanced and sticky like Kafka's but may split
 * differently; OffsetCommit needs the exact member epoch (Kafka 4.0).
 */
import { ErrorCode } from '../protocol/errors.js';
import { groupErrorCode } from './group-errors.js';
import type { BrokerConfig } from '../config/config.js';
import type { Logger } from '../util/logger.js';
import type { TopicCatalog } from '../cluster/topics.js';
import { randomClusterId } from '../cluster/uuid.js';
import type { ClassicGroup } from './classic-group.js';
import type { GroupStore, StoreRecord } from './group-store.js';
import { configuredAssignors } from './assignors.js';
import { ConsumerGroup, LEAVE_EPOCH, STATIC_LEAVE_EPOCH, compileRegex, sameMetadata, sameNames, sortedUnique, type ConsumerMember } from './consumer-group.js';
import { reconcile, sameAssignment } from './reconcile.js';
import { Refused, memberFor, validateHeartbeat, type ConsumerHeartbeat, type ConsumerHeartbeatResult, type MemberChange } from './heartbeat-rules.js';
import { ConsumerTargets } from './consumer-assign.js';
import { consumerCommitError, consumerFetchError } from './commit-rules.js';
import { MemberTimers } from './member-timers.js';
import { groupRecord, memberRecord, memberTombstone, replayRecord, storedMember, wireAssignment } from './consumer-records.js';
import { upgradeOrRefuse, fillClassicFromConsumer, migrationPolicy, shouldDowngrade, storedGroup, type ClassicSide } from './migration.js';
import { ClassicMembers } from './classic-members.js';

export type { ConsumerHeartbeat, ConsumerHeartbeatResult, MemberChange } from './heartbeat-rules.js';

export class ConsumerGroupCoordinator {
  readonly groups = new Map<string, ConsumerGroup>();
  /** Internal to the group modules (classic-members.ts uses them). */
  readonly timers = new MemberTimers();
  readonly assignors: string[];
  /** Per-group session timeout and heartbeat interval (GROUP configs); the broker's keys by default. */
  private settings = (_groupId: string) => ({
    sessionTimeoutMs: this.config.int('group.consumer.session.timeout.ms'),
    heartbeatIntervalMs: this.config.int('group.consumer.heartbeat.interval.ms'),
  });
  /** JoinGroup, SyncGroup, Heartbeat and LeaveGroup of classic members inside consumer groups. */
  readonly classicMembers: ClassicMembers;
  private readonly targets: ConsumerTargets;

  constructor(
    readonly config: BrokerConfig,
    readonly store: GroupStore,
    private readonly topics: Pick<TopicCatalog, 'list' | 'get'>,
    readonly log: Logger,
    private readonly classic: ClassicSide,
  ) {
    this.assignors = configuredAssignors(config.list('group.consumer.assignors'));
    this.classicMembers = new ClassicMembers(this);
    this.targets = new ConsumerTargets(topics, this.assignors, log);
  }

  /** Where per-group configs come from (src/config/dynamic-configs.ts); read on every heartbeat. */
  useGroupSettings(lookup: (groupId: string) => { sessionTimeoutMs: number; heartbeatIntervalMs: number }): void {
    this.settings = lookup;
  }

  private policy() {
    return migrationPolicy(this.config.get('group.consumer.migration.policy'));
  }

  /** A topic's id by name, and its name by id (for the classic members' embedded protocol). */
  topicId = (name: string): string | undefined => this.topics.get(name)?.id;
  topicName = (id: string): string | undefined => this.topics.list().find((t) => t.id === id)?.name;

  // ------------------------------------------------------------------ heartbeat

  async heartbeat(req: ConsumerHeartbeat): Promise<ConsumerHeartbeatResult> {
    let work: { result: ConsumerHeartbeatResult; write: Promise<void> };
    try {
      validateHeartbeat(req, this.assignors);
      work = req.memberEpoch === LEAVE_EPOCH || req.memberEpoch === STATIC_LEAVE_EPOCH ? this.leave(req) : this.beat(req);
    } catch (err) {
      if (err instanceof Refused) return refusal(err.errorCode, err.message);
      throw err;
    }
    try {
      await work.write;
    } catch (err) {
      return refusal(groupErrorCode(err, this.log, { group: req.groupId, member: req.memberId }), 'The group state could not be written.');
    }
    return work.result;
  }

  private notFound(groupId: string): Refused {
    const classic = this.classic.get(groupId) !== undefined;
    return new Refused(ErrorCode.GROUP_ID_NOT_FOUND, classic ? `Group ${groupId} is not a consumer group.` : `Consumer group ${groupId} not found.`);
  }

  private beat(req: ConsumerHeartbeat): { result: ConsumerHeartbeatResult; write: Promise<void> } {
    // 1. The group and the member, refusing before anything changes.
    let g = this.groups.get(req.groupId);
    const created = !g;
    let upgradedFrom: ClassicGroup | undefined;
    if (!g) {
      const classic = this.classic.get(req.groupId);
      const classicInUse = classic !== undefined && (classic.members.size > 0 || classic.pending.size > 0 || classic.state !== 'Empty');
      if (req.memberEpoch !== 0) throw this.notFound(req.groupId);
      if (classicInUse) {
        g = upgradeOrRefuse(classic, this.policy(), this.config.int('group.consumer.max.size'), this.topicId, this.log);
        upgradedFrom = classic;
      } else g = new ConsumerGroup(req.groupId);
    }
    const max = this.config.int('group.consumer.max.size');
    if (g.members.size >= max && (req.memberId === '' || !g.members.has(req.memberId)))
      throw new Refused(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${max} members.`);
    const memberId = req.memberId === '' ? randomClusterId() : req.memberId;
    const { previous, base, replaced } = memberFor(g, memberId, req);
    const updated: ConsumerMember = {
      ...base,
      instanceId: req.instanceId ?? base.instanceId,
      rackId: req.rackId ?? base.rackId,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs !== -1 ? req.rebalanceTimeoutMs : base.rebalanceTimeoutMs,
      serverAssignor: req.serverAssignor ?? base.serverAssignor,
      subscribedTopicNames: req.subscribedTopicNames !== null ? sortedUnique(req.subscribedTopicNames) : base.subscribedTopicNames,
      subscribedTopicRegex: req.subscribedTopicRegex ?? base.subscribedTopicRegex,
      clientId: req.clientId,
      clientHost: req.clientHost,
      classic: undefined, // it speaks the consumer protocol now
    };
    const regexChanged = (updated.subscribedTopicRegex ?? '') !== (base.subscribedTopicRegex ?? '');
    if (regexChanged && updated.subscribedTopicRegex) {
      try {
        compileRegex(updated.subscribedTopicRegex);
      } catch (err) {
        throw new Refused(ErrorCode.INVALID_REGULAR_EXPRESSION, `SubscribedTopicRegex \`${updated.subscribedTopicRegex}\` is not a valid regular expression: ${(err as Error).message}.`);
      }
    }
    const namesChanged = !sameNames(updated.subscribedTopicNames, base.subscribedTopicNames);

    // 2. From here on nothing is refused: apply.
    const upgradeRecords = upgradedFrom ? this.commitUpgrade(upgradedFrom, g) : [];
    const { current, records } = this.applyMember(g, { created: created && !upgradedFrom, previous, updated, replaced, owned: req.topicPartitions, regexChanged, namesChanged });
    records.unshift(...upgradeRecords);
    this.scheduleSession(g.groupId, memberId);

    const full = req.rebalanceTimeoutMs !== -1 && (req.subscribedTopicNames !== null || req.subscribedTopicRegex !== null) && req.topicPartitions !== null;
    const changed = !previous || !sameAssignment(previous.assigned, current.assigned);
    const result: ConsumerHeartbeatResult = {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId,
      memberEpoch: current.memberEpoch,
      heartbeatIntervalMs: this.settings(g.groupId).heartbeatIntervalMs,
      assignment: req.memberEpoch === 0 || full || changed ? wireAssignment(current.assigned) : null,
    };
    return { result, write: this.store.write(g.groupId, records) };
  }

  /**
   * Applies a member's new state: the group epoch (bumped when subscriptions or the subscribed
   * topics changed), a new target assignment when due, and the member's reconciliation towards its
   * target. Returns the member as it now is and the records to write. Shared by heartbeats and by
   * classic members' JoinGroup.
   */
  applyMember(g: ConsumerGroup, change: MemberChange): { current: ConsumerMember; records: StoreRecord[] } {
    const { created, previous, updated, replaced, owned, regexChanged, namesChanged } = change;
    const memberId = updated.memberId;
    const now = Date.now();
    const records: StoreRecord[] = [];
    const epochsBefore = `${g.groupEpoch}/${g.assignmentEpoch}`;
    if (created) {
      this.groups.set(g.groupId, g);
      this.log.info({ group: g.groupId }, 'consumer group created');
    }
    if (replaced) {
      const target = g.targets.get(replaced.memberId);
      g.removeMember(replaced.memberId);
      this.timers.cancel(g.groupId, replaced.memberId);
      if (target) g.targets.set(memberId, target);
      records.push(memberTombstone(g.groupId, replaced.memberId));
      this.log.info({ group: g.groupId, instanceId: updated.instanceId, member: memberId, replaced: replaced.memberId }, 'static member rejoined');
    } else if (!previous) this.log.info({ group: g.groupId, member: memberId, protocol: updated.classic ? 'classic' : 'consumer' }, 'member joined the consumer group');
    g.setMember(updated);
    this.targets.resolveRegexes(g, now, regexChanged);
    const metadata = this.targets.metadataFor(g);
    const metadataChanged = !sameMetadata(metadata, g.subscriptionMetadata);
    if (g.groupEpoch === 0 || namesChanged || regexChanged || metadataChanged) {
      g.subscriptionMetadata = metadata;
      g.groupEpoch++;
      this.log.info({ group: g.groupId, groupEpoch: g.groupEpoch }, 'consumer group epoch bumped');
    }
    const dirty = new Set(g.groupEpoch > g.assignmentEpoch ? this.targets.assign(g) : []);

    // 3. Reconcile the member towards its target.
    const reconciled = reconcile(updated, {
      targetEpoch: g.assignmentEpoch,
      target: g.targets.get(memberId) ?? new Map(),
      owned,
      subscribedTopicIds: g.memberTopicIds(updated),
      ownedByOther: (t, p) => g.ownedByOther(memberId, t, p),
    });
    if (reconciled !== updated) g.setMember({ ...updated, ...reconciled });
    const current = g.members.get(memberId)!;
    // Classic members have join and sync timeouts instead (classic-members.ts).
    if (current.state === 'unrevoked_partitions' && !current.classic) {
      if (previous?.state !== 'unrevoked_partitions' || previous.memberEpoch !== current.memberEpoch) this.scheduleRebalanceTimeout(g, current);
    } else this.timers.cancelRebalance(g.groupId, memberId);
    if (!previous || JSON.stringify(storedMember(previous, undefined)) !== JSON.stringify(storedMember(current, undefined))) dirty.add(memberId);
    for (const id of dirty) records.push(memberRecord(g, g.members.get(id)!));
    if (created || `${g.groupEpoch}/${g.assignmentEpoch}` !== epochsBefore || metadataChanged) records.push(groupRecord(g));
    return { current, records };
  }

  /** Makes the upgrade happen: the classic group gives up its members (keeping its offsets), the consumer group takes them. */
  private commitUpgrade(classic: ClassicGroup, g: ConsumerGroup): StoreRecord[] {
    this.classic.retire(classic);
    this.groups.set(g.groupId, g);
    this.log.info({ group: g.groupId, members: g.members.size, groupEpoch: g.groupEpoch }, 'classic group upgraded to a consumer group');
    for (const m of g.members.values()) this.scheduleSession(g.groupId, m.memberId);
    return [{ kind: 'group', group: g.groupId, value: null }, groupRecord(g), ...[...g.members.values()].map((m) => memberRecord(g, m))];
  }

  // ------------------------------------------------------------------ leaving and fencing

  private leave(req: ConsumerHeartbeat): { result: ConsumerHeartbeatResult; write: Promise<void> } {
    const g = this.groups.get(req.groupId);
    if (!g) throw this.notFound(req.groupId);
    const done = (memberId: string, memberEpoch: number): ConsumerHeartbeatResult => ({ errorCode: 0, errorMessage: null, memberId, memberEpoch, heartbeatIntervalMs: 0, assignment: null });
    if (req.instanceId === null) {
      const m = g.members.get(req.memberId);
      if (!m) throw new Refused(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of group ${g.groupId}.`);
      return { result: done(req.memberId, req.memberEpoch), write: this.fence(g, m, 'left the group') };
    }
    const m = g.staticMember(req.instanceId);
    if (!m) throw new Refused(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${req.instanceId} is unknown.`);
    if (m.memberId !== req.memberId) throw new Refused(ErrorCode.FENCED_INSTANCE_ID, `Static member ${req.memberId} with instance id ${req.instanceId} was fenced by member ${m.memberId}.`);
    if (req.memberEpoch === LEAVE_EPOCH) return { result: done(req.memberId, req.memberEpoch), write: this.fence(g, m, 'left the group') };
    // A static member that will be back: it keeps its partitions until its session expires.
    const left: ConsumerMember = { ...m, memberEpoch: STATIC_LEAVE_EPOCH, pendingRevocation: new Map() };
    g.setMember(left);
    this.timers.cancelRebalance(g.groupId, m.memberId);
    this.log.info({ group: g.groupId, member: m.memberId, instanceId: req.instanceId }, 'static member temporarily left the consumer group');
    return { result: done(m.memberId, STATIC_LEAVE_EPOCH), write: this.store.write(g.groupId, [memberRecord(g, left)]) };
  }

  /**
   * Removes a member and bumps the group epoch: the others are reassigned at their next heartbeat.
   * When only classic members remain, the group may become a classic group again (downgrade).
   */
  fence(g: ConsumerGroup, m: ConsumerMember, why: string): Promise<void> {
    if (shouldDowngrade(g, m.memberId, this.policy(), this.config.int('group.max.size'))) return this.downgrade(g, m, why);
    this.log.info({ group: g.groupId, member: m.memberId, groupEpoch: g.groupEpoch + 1, why }, 'member removed from the consumer group');
    return this.store.write(g.groupId, this.removeMembers(g, [m]));
  }

  /** Removes members, refreshes the subscribed topics and bumps the group epoch once; the records to write. */
  removeMembers(g: ConsumerGroup, members: ConsumerMember[]): StoreRecord[] {
    for (const m of members) {
      g.removeMember(m.memberId);
      this.timers.cancel(g.groupId, m.memberId);
    }
    this.targets.resolveRegexes(g, Date.now(), false);
    g.subscriptionMetadata = this.targets.metadataFor(g);
    g.groupEpoch++;
    if (g.members.size === 0) this.classic.consumerGroupEmptied(g.groupId);
    return [...members.map((m) => memberTombstone(g.groupId, m.memberId)), groupRecord(g)];
  }

  /** The last consumer-protocol member left: the classic members carry on in a classic group, which rebalances. */
  private downgrade(g: ConsumerGroup, leaving: ConsumerMember, why: string): Promise<void> {
    const classic = this.classic.obtain(g.groupId);
    fillClassicFromConsumer(classic, g, leaving.memberId, this.topicName);
    for (const m of g.members.values()) this.timers.cancel(g.groupId, m.memberId);
    this.groups.delete(g.groupId);
    this.log.info({ group: g.groupId, member: leaving.memberId, why, members: classic.members.size, generation: classic.generation }, 'last consumer-protocol member left: consumer group downgraded to a classic group');
    const records: StoreRecord[] = [...[...g.members.keys()].map((id) => memberTombstone(g.groupId, id)), { kind: 'consumer-group', group: g.groupId, value: null }, { kind: 'group', group: g.groupId, value: storedGroup(classic) }];
    this.classic.resumeConverted(classic, `downgrade of group ${g.groupId} from consumer to classic`);
    return this.store.write(g.groupId, records);
  }

  fenceLater(groupId: string, memberId: string, why: string, still: (m: ConsumerMember) => boolean = () => true): void {
    const g = this.groups.get(groupId);
    const m = g?.members.get(memberId);
    if (!g || !m || !still(m)) return;
    this.fence(g, m, why).catch((err: Error) => this.log.error({ group: groupId, err: err.message }, 'could not store the consumer group'));
  }

  /** A classic member keeps the session timeout of its JoinGroup; others take the group's (GROUP configs, else the broker's). */
  scheduleSession(groupId: string, memberId: string): void {
    const ms = this.groups.get(groupId)?.members.get(memberId)?.classic?.sessionTimeoutMs ?? this.settings(groupId).sessionTimeoutMs;
    this.timers.session(groupId, memberId, ms, () => this.fenceLater(groupId, memberId, `its session (${ms} ms) expired`));
  }

  private scheduleRebalanceTimeout(g: ConsumerGroup, m: ConsumerMember): void {
    const epoch = m.memberEpoch;
    this.timers.rebalance(g.groupId, m.memberId, m.rebalanceTimeoutMs, () =>
      this.fenceLater(g.groupId, m.memberId, `it did not revoke partitions within its rebalance timeout (${m.rebalanceTimeoutMs} ms)`, (x) => x.memberEpoch === epoch && x.state === 'unrevoked_partitions'),
    );
  }

  // ------------------------------------------------------------------ offsets, admin, life cycle

  /** OffsetCommit into a consumer group (commit-rules.ts); undefined when the id is not one. */
  commitError(groupId: string, memberId: string, memberEpoch: number, apiVersion: number, transactional = false): number | undefined {
    const g = this.groups.get(groupId);
    return g && consumerCommitError(g, memberId, memberEpoch, apiVersion, transactional);
  }

  fetchError(groupId: string, memberId: string | null, memberEpoch: number): number {
    const g = this.groups.get(groupId);
    return g ? consumerFetchError(g, memberId, memberEpoch) : ErrorCode.NONE;
  }

  /** DeleteGroups: undefined when the id is not a consumer group; NON_EMPTY_GROUP while it has members. */
  async deleteGroup(groupId: string): Promise<number | undefined> {
    const g = this.groups.get(groupId);
    if (!g) return undefined;
    if (g.members.size > 0) return ErrorCode.NON_EMPTY_GROUP;
    this.groups.delete(groupId);
    await this.store.write(groupId, [{ kind: 'consumer-group', group: groupId, value: null }]);
    this.log.info({ group: groupId }, 'consumer group deleted');
    return ErrorCode.NONE;
  }

  /** The consumer group with members that serves classic JoinGroups for this id, if there is one. */
  servingClassic(groupId: string): ConsumerGroup | undefined {
    const g = this.groups.get(groupId);
    return g && g.members.size > 0 ? g : undefined;
  }

  /** A classic JoinGroup for this id: an empty consumer group gives way (one with members serves it instead, servingClassic). */
  yieldToClassic(groupId: string): number {
    const g = this.groups.get(groupId);
    if (!g) return ErrorCode.NONE;
    if (g.members.size > 0) return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    this.groups.delete(groupId);
    this.store.write(groupId, [{ kind: 'consumer-group', group: groupId, value: null }]).catch((err: Error) => this.log.error({ group: groupId, err: err.message }, 'could not store the consumer group'));
    this.log.info({ group: groupId }, 'empty consumer group converted to a classic group');
    return ErrorCode.NONE;
  }

  /** Empty consumer groups without committed offsets are removed (Kafka's group metadata clean-up). */
  async removeEmpty(hasOffsets: (groupId: string) => boolean): Promise<void> {
    for (const g of [...this.groups.values()]) if (g.members.size === 0 && !hasOffsets(g.groupId)) await this.deleteGroup(g.groupId);
  }

  describe(groupId: string): { errorCode: number; errorMessage: string | null; group?: ConsumerGroup; assignor: string } {
    const g = this.groups.get(groupId);
    if (!g) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: this.classic.get(groupId) !== undefined ? `Group ${groupId} is not a consumer group.` : `Group ${groupId} not found.`, assignor: '' };
    return { errorCode: 0, errorMessage: null, group: g, assignor: g.preferredAssignor() ?? this.assignors[0] };
  }

  replay(r: Extract<StoreRecord, { kind: 'consumer-group' | 'consumer-member' }>): void {
    replayRecord(this.groups, r);
  }

  /** After replay: every member gets a fresh session, and one revoking partitions a fresh rebalance timeout. */
  onLoaded(which: (groupId: string) => boolean = () => true): void {
    for (const g of this.groups.values()) {
      if (!which(g.groupId)) continue;
      for (const m of g.members.values()) {
        this.scheduleSession(g.groupId, m.memberId);
        if (m.state === 'unrevoked_partitions' && !m.classic) this.scheduleRebalanceTimeout(g, m);
      }
    }
  }

  close(): void {
    this.timers.clear();
  }

  /** This broker no longer coordinates these groups (Kafka's onResignation): timers stop, the groups are forgotten here. */
  unload(which: (groupId: string) => boolean): void {
    for (const g of [...this.groups.values()]) {
      if (!which(g.groupId)) continue;
      for (const m of g.members.values()) this.timers.cancel(g.groupId, m.memberId);
      this.groups.delete(g.groupId);
    }
  }
}

function refusal(errorCode: number, errorMessage: string): ConsumerHeartbeatResult {
  return { errorCode, errorMessage, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null };
}

/**
 * The group coordinator as the handlers see it: one facade over the classic-group coordinator
 * (classic-coordinator.ts, JoinGroup/SyncGroup/Heartbeat/LeaveGroup of classic groups), the
 * consumer-group coordinator (consumer-coordinator.ts, KIP-848) and the offsets manager
 * (offsets-manager.ts, committed and transactional offsets of every group). A group id belongs to
 * one kind of group at a time: classic requests for a consumer group with members are served by
 * it (classic-members.ts), and groups in use change kind online (migration.ts, through the narrow
 * ClassicSide). Everything is written to __consumer_offsets before it is acknowledged (committed
 * on its in-sync replicas), so a restart or a new coordinator loses no commit and no group.
 *
 * As Kafka's GroupCoordinator.onElection / onResignation, this broker serves only the groups whose
 * __consumer_offsets partition it leads: the partition is replayed when it becomes leader (requests
 * for its groups answer COORDINATOR_LOAD_IN_PROGRESS meanwhile) and its groups are dropped when it
 * stops; requests for any other group answer NOT_COORDINATOR (coordinatorError, checked by every
 * group handler). On one node every partition is elected at start (load()).
 */
import { ErrorCode } from '../protocol/errors.js';
import type { BrokerConfig } from '../config/config.js';
import type { Logger } from '../util/logger.js';
import type { TopicPartitionMap } from '../util/topic-partition.js';
import type { ClassicGroup, CommittedOffset, HeartbeatRequest, JoinRequest, JoinResult, LeaveResult, LeavingMember, SyncRequest, SyncResult } from './classic-group.js';
import { joinError } from './classic-group.js';
import type { GroupStore, StoreRecord } from './group-store.js';
import type { TopicCatalog } from '../cluster/topics.js';
import { ConsumerGroupCoordinator } from './consumer-coordinator.js';
import type { CommitIdentity } from './commit-rules.js';
import { ClassicGroupCoordinator } from './classic-coordinator.js';
import { OffsetsManager, type OffsetCommitEntry } from './offsets-manager.js';
import type { GroupCoordinatorPort } from '../ports/groups.js';
import { CoordinatorPartitions } from '../cluster/coordinator-partitions.js';

export type { JoinRequest } from './classic-group.js';
export type { OffsetCommitEntry } from './offsets-manager.js';

export class GroupCoordinator implements GroupCoordinatorPort {
  readonly classic: ClassicGroupCoordinator;
  /** Consumer-protocol groups (KIP-848). A consumer group's committed offsets live in an Empty classic group of its id. */
  readonly consumer: ConsumerGroupCoordinator;
  readonly offsetsManager: OffsetsManager;
  /** The __consumer_offsets partitions this broker coordinates. */
  readonly ownership: CoordinatorPartitions;
  private expiryTimer?: NodeJS.Timeout;

  constructor(
    private readonly config: BrokerConfig,
    private readonly store: GroupStore,
    private readonly log: Logger,
    topics: Pick<TopicCatalog, 'list' | 'get'> = { list: () => [], get: () => undefined },
  ) {
    this.offsetsManager = new OffsetsManager(store);
    this.classic = new ClassicGroupCoordinator(config, store, log, this.offsetsManager);
    this.consumer = new ConsumerGroupCoordinator(config, store, topics, log, this.classic);
    this.ownership = new CoordinatorPartitions(() => store.partitionCount);
  }

  /** 0 when this broker coordinates the group now; NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS otherwise. */
  coordinatorError(groupId: string): number {
    return this.ownership.errorFor(groupId);
  }

  /** Whether a __consumer_offsets partition is being loaded (ListGroups answers COORDINATOR_LOAD_IN_PROGRESS). */
  loadInProgress(): boolean {
    return this.ownership.anyLoading();
  }

  /** The classic groups (those holding only offsets included). */
  get groups(): Map<string, ClassicGroup> {
    return this.classic.groups;
  }

  group(id: string, create = false): ClassicGroup | undefined {
    return this.classic.group(id, create);
  }

  /** One node: every partition of __consumer_offsets is this broker's; each is loaded in turn. */
  async load(): Promise<void> {
    for (let p = 0; p < this.store.partitionCount; p++) await this.onElection(p);
  }

  /**
   * This broker became leader of __consumer_offsets partition `partition`: its groups and offsets
   * are rebuilt from the log; members come back with fresh session timers. Resolves once loaded.
   */
  onElection(partition: number): Promise<void> {
    return this.ownership.elect(partition, (token) => this.loadPartition(partition, token));
  }

  /** Leadership of `partition` moved away: its groups are refused at once and dropped here. */
  onResignation(partition: number): Promise<void> {
    return this.ownership.resign(partition, () => this.unloadPartition(partition));
  }

  private inPartition(partition: number): (groupId: string) => boolean {
    return (id) => this.ownership.partitionOf(id) === partition;
  }

  private async loadPartition(partition: number, token: number): Promise<void> {
    const started = Date.now();
    this.unloadPartition(partition); // nothing of an earlier term survives
    for await (const r of this.store.replayPartition(partition)) {
      if (!this.ownership.current(partition, token)) break;
      if (r.kind === 'consumer-group' || r.kind === 'consumer-member') this.consumer.replay(r);
      else if (r.kind === 'group') this.classic.replay(r);
      else {
        this.classic.group(r.group, true); // offsets belong to a group, Empty if nothing else
        this.offsetsManager.replay(r);
      }
    }
    const mine = this.inPartition(partition);
    if (!this.ownership.current(partition, token)) {
      this.unloadPartition(partition); // resigned while loading
      return;
    }
    this.classic.onLoaded(mine);
    this.consumer.onLoaded(mine);
    this.log.debug({ partition, ms: Date.now() - started }, 'loaded the groups of a __consumer_offsets partition');
  }

  private unloadPartition(partition: number): void {
    const mine = this.inPartition(partition);
    this.classic.unload(mine);
    this.consumer.unload(mine);
    this.offsetsManager.unload(mine);
  }

  start(): void {
    const every = Math.min(this.config.num('offsets.retention.check.interval.ms'), 2 ** 31 - 1);
    this.expiryTimer = setInterval(() => void this.expireOffsets(), every).unref();
  }

  close(): void {
    clearInterval(this.expiryTimer);
    this.consumer.close();
    this.classic.close();
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
    return this.classic.join(req);
  }

  sync(req: SyncRequest): Promise<SyncResult> {
    const consumerGroup = this.consumer.groups.get(req.groupId);
    if (consumerGroup) return Promise.resolve(this.consumer.classicMembers.sync(consumerGroup, req));
    return this.classic.sync(req);
  }

  heartbeat(req: HeartbeatRequest): number {
    const consumerGroup = this.consumer.groups.get(req.groupId);
    if (consumerGroup) return this.consumer.classicMembers.heartbeat(consumerGroup, req);
    return this.classic.heartbeat(req);
  }

  leave(groupId: string, members: LeavingMember[]): LeaveResult {
    const consumerGroup = this.consumer.groups.get(groupId);
    if (consumerGroup) return this.consumer.classicMembers.leave(consumerGroup, members);
    return this.classic.leave(groupId, members);
  }

  // ------------------------------------------------------------------ offsets

  /** Whether a commit may be made now (commit-rules.ts; a consumer group checks its member epoch, which stands in the generation). */
  commitError(c: CommitIdentity & { groupId: string }): number {
    return this.consumer.commitError(c.groupId, c.memberId, c.generationId, c.apiVersion, c.transactional) ?? this.classic.commitError(c);
  }

  async commit(groupId: string, entries: OffsetCommitEntry[], retentionMs = -1): Promise<void> {
    this.classic.group(groupId, true);
    await this.offsetsManager.commit(groupId, entries, retentionMs);
  }

  /** TxnOffsetCommit: offsets that become committed only if the producer's transaction commits. */
  async commitPending(groupId: string, producerId: bigint, producerEpoch: number, entries: OffsetCommitEntry[]): Promise<void> {
    this.classic.group(groupId, true);
    await this.offsetsManager.commitPending(groupId, producerId, producerEpoch, entries);
  }

  /** The transaction ended: its pending offsets become committed (commit) or vanish (abort). */
  completeTxnOffsets(groupId: string, producerId: bigint, commit: boolean, producerEpoch: number): Promise<void> {
    return this.offsetsManager.completeTxn(groupId, producerId, commit, producerEpoch);
  }

  /**
   * A transaction marker written by WriteTxnMarkers to __consumer_offsets partition `partition` (of
   * `partitions`): the producer's pending offsets of every group stored there end with it, as
   * Kafka's group coordinator completes them when the marker lands (the marker is the record).
   */
  completeTxnOffsetsOnPartition(partition: number, partitions: number, producerId: bigint, commit: boolean): Promise<void> {
    return this.offsetsManager.completeTxnOnPartition(partition, partitions, producerId, commit);
  }

  /** Whether an open transaction has a pending commit for this partition (OffsetFetch requireStable). */
  hasPendingTxnOffset(groupId: string, topic: string, partition: number): boolean {
    return this.offsetsManager.hasPendingTxnOffset(groupId, topic, partition);
  }

  offsets(groupId: string): TopicPartitionMap<CommittedOffset> {
    return this.offsetsManager.offsets(groupId);
  }

  deleteOffsets(groupId: string, parts: Array<{ topic: string; partition: number }>): Promise<void> {
    return this.offsetsManager.delete(groupId, parts);
  }

  /** DeleteGroups: only groups without members. */
  async deleteGroup(groupId: string): Promise<number> {
    const consumer = await this.consumer.deleteGroup(groupId);
    if (consumer !== undefined && consumer !== ErrorCode.NONE) return consumer;
    const g = this.classic.groups.get(groupId);
    if (consumer === ErrorCode.NONE && !g) return ErrorCode.NONE;
    if (!g || g.state === 'Dead') return ErrorCode.GROUP_ID_NOT_FOUND;
    if (g.members.size > 0 || g.pending.size > 0 || g.state !== 'Empty') return ErrorCode.NON_EMPTY_GROUP;
    const records: StoreRecord[] = [...this.offsetsManager.tombstones(groupId), { kind: 'group', group: groupId, value: null }];
    g.transition('Dead');
    await this.store.write(groupId, records);
    this.classic.groups.delete(groupId);
    this.offsetsManager.forget(groupId);
    this.log.info({ group: groupId }, 'group deleted');
    return ErrorCode.NONE;
  }

  /** offsets.retention.minutes: an empty group's offsets expire that long after it became empty. */
  async expireOffsets(now = Date.now()): Promise<void> {
    const retention = this.config.int('offsets.retention.minutes') * 60_000;
    for (const g of [...this.classic.groups.values()]) {
      if (this.ownership.loading(g.groupId)) continue;
      if (g.state !== 'Empty' || (this.consumer.groups.get(g.groupId)?.members.size ?? 0) > 0) continue;
      const expired = await this.offsetsManager.expire(g.groupId, g.stateTimestamp, retention, now);
      if (expired === 0) continue;
      this.log.info({ group: g.groupId, partitions: expired }, 'expired committed offsets');
      if (!this.offsetsManager.has(g.groupId)) {
        await this.store.write(g.groupId, [{ kind: 'group', group: g.groupId, value: null }]);
        this.classic.groups.delete(g.groupId);
        this.offsetsManager.forget(g.groupId);
      }
    }
    await this.consumer.removeEmpty((id) => this.ownership.loading(id) || this.offsetsManager.has(id));
  }
}

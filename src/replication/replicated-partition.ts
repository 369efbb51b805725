/**
 * One local replica of a replicated partition (Kafka's Partition): the leader's view of its
 * followers, the high watermark, the ISR changes, and the follower's side of fetching.
 *
 * The high watermark is the smallest log end offset of the ISR, counting the leader's written end,
 * and it never goes back. The ISR used for it is Kafka's "maximal" ISR: a replica being added counts
 * at once, and a replica being removed counts until the store has committed its removal, so the
 * high watermark never passes what a replica the store still calls in sync lacks. ISR changes are
 * compare-and-swaps on the partition's state (ClusterControl.alterPartition), one at a time.
 *
 * acks=-1 appends resolve `committed` once the high watermark passes them; with fewer in-sync
 * replicas than min.insync.replicas they are refused before writing (NOT_ENOUGH_REPLICAS), and a
 * write that reached the high watermark after the ISR shrank below it is
 * NOT_ENOUGH_REPLICAS_AFTER_APPEND, as Kafka's Partition.checkEnoughReplicasReachOffset answers.
 * Losing leadership fails the waiting appends with NOT_LEADER_OR_FOLLOWER.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { BatchInfo } from '../protocol/record-batch.js';
import { StorageError, type AppendResult, type Log } from '../storage/log.js';
import { LogPartition } from '../partitions/log-partitions.js';
import type { PartitionRead, PendingAppend } from '../partitions/partition-handle.js';
import type { PartitionImage } from '../cluster/metadata-image.js';
import type { ClusterControl } from '../cluster/control.js';
import type { Logger } from '../util/logger.js';
import type { ThrottleSide } from './replication-throttle.js';

export interface ReplicaSettings {
  nodeId: number;
  control: Pick<ClusterControl, 'alterPartition'>;
  /** min.insync.replicas of the topic now. */
  minInsyncReplicas(topic: string): number;
  /** replica.lag.time.max.ms */
  lagTimeMaxMs(): number;
  log: Logger;
  /** ISR shrinks and expansions (metrics). */
  onIsrChange?(kind: 'shrink' | 'expand'): void;
  /** The leader side of the replication throttle (src/replication/replication-throttle.ts). */
  leaderThrottle?: Pick<ThrottleSide, 'isThrottled' | 'isQuotaExceeded' | 'record'>;
}

interface FollowerState {
  /** Its log end offset as its last fetch told; -1 before any fetch to this leader. */
  leo: number;
  lastCaughtUpMs: number;
  lastFetchLeaderEndOffset: number;
  lastFetchMs: number;
}

interface HwWaiter {
  offset: number;
  resolve(): void;
  reject(err: Error): void;
}

export type Role = 'leader' | 'follower' | 'none';

function notLeader(topic: string, partition: number, why: string): StorageError {
  return new StorageError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `this broker is not the leader of ${topic}-${partition}: ${why}`);
}

export class ReplicatedPartition extends LogPartition {
  private roleNow: Role = 'none';
  private state: PartitionImage | undefined;
  private hw: number;
  private readonly followers = new Map<number, FollowerState>();
  private waiters: HwWaiter[] = [];
  private hwListeners = new Set<() => void>();
  /** The ISR being written to the store, while a change is in flight. */
  private pendingIsr: readonly number[] | undefined;
  /** Where the current leader epoch starts: a follower joins the ISR only at or past it. */
  private epochStartOffset = 0;

  constructor(
    log: Log,
    private readonly settings: ReplicaSettings,
    highWatermark?: number,
  ) {
    super(log);
    this.hw = Math.max(log.logStartOffset, Math.min(highWatermark ?? log.logStartOffset, log.highWatermark));
  }

  get role(): Role {
    return this.roleNow;
  }
  get partitionState(): PartitionImage | undefined {
    return this.state;
  }
  get underlyingLog(): Log {
    return this.log;
  }
  override get leaderEpoch(): number {
    return this.state?.leaderEpoch ?? this.log.leaderEpoch;
  }
  override get highWatermark(): number {
    return this.hw;
  }
  override get lastStableOffset(): number {
    return Math.min(this.log.lastStableOffset, this.hw);
  }
  /** The next offset this replica expects (a follower fetches from here). */
  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  // ------------------------------------------------------------------ roles

  /** Kafka's makeLeader: this broker leads `state`'s epoch from its log end. */
  async makeLeader(state: PartitionImage, now = Date.now()): Promise<void> {
    const fresh = this.roleNow !== 'leader' || !this.state || state.leaderEpoch !== this.state.leaderEpoch;
    if (fresh) {
      // Batches of the new epoch must carry it: the epoch is assigned before any append is taken.
      this.roleNow = 'none';
      if (state.leaderEpoch > this.log.leaderEpoch) await this.log.assignLeaderEpoch(state.leaderEpoch);
      this.epochStartOffset = this.log.logEndOffset;
      this.followers.clear();
      this.pendingIsr = undefined;
    }
    this.state = state;
    for (const r of state.replicas) {
      if (r === this.settings.nodeId || this.followers.has(r)) continue;
      // A replica the store calls in sync is given a full lag time to show it is (Kafka does the same).
      this.followers.set(r, { leo: -1, lastCaughtUpMs: state.isr.includes(r) ? now : 0, lastFetchLeaderEndOffset: -1, lastFetchMs: 0 });
    }
    for (const r of this.followers.keys()) if (!state.replicas.includes(r)) this.followers.delete(r);
    this.roleNow = 'leader';
    this.maybeAdvanceHw();
  }

  /** Kafka's makeFollower: appends waiting here fail, the leader's state is dropped. */
  makeFollower(state: PartitionImage): void {
    this.state = state;
    this.resign('leadership moved to broker ' + state.leader, 'follower');
  }

  /** Stops leading (fenced, or no longer a replica); waiting appends fail. */
  resign(why: string, role: Role = 'none'): void {
    this.roleNow = role;
    this.followers.clear();
    this.pendingIsr = undefined;
    const waiters = this.waiters;
    this.waiters = [];
    const err = notLeader(this.topic, this.partition, why);
    for (const w of waiters) w.reject(err);
  }

  /** A newer state of the same leader epoch (an ISR change the controller made, say). */
  updateState(state: PartitionImage): void {
    if (this.state && state.partitionEpoch <= this.state.partitionEpoch) return;
    this.state = state;
    if (this.roleNow === 'leader') this.maybeAdvanceHw();
  }

  // ------------------------------------------------------------------ leader: produce

  override append(batch: Buffer, info: BatchInfo, now?: number, acks = -1): PendingAppend {
    const refused = this.appendRefusal(acks);
    if (refused) {
      const failed = Promise.reject(refused);
      failed.catch(() => undefined);
      return { written: failed, committed: failed };
    }
    return this.twoPhase(this.log.append(batch, info, now), acks);
  }

  override appendMarker(producerId: bigint, producerEpoch: number, commit: boolean, coordinatorEpoch: number, transactionVersion: number): PendingAppend {
    const refused = this.appendRefusal(-1);
    if (refused) {
      const failed = Promise.reject(refused);
      failed.catch(() => undefined);
      return { written: failed, committed: failed };
    }
    return this.twoPhase(this.log.appendMarker(producerId, producerEpoch, commit, coordinatorEpoch, transactionVersion), -1);
  }

  private appendRefusal(acks: number): StorageError | undefined {
    if (this.roleNow !== 'leader' || !this.state) return notLeader(this.topic, this.partition, `its role is ${this.roleNow}`);
    if (acks !== -1) return undefined;
    const min = this.settings.minInsyncReplicas(this.topic);
    if (this.state.isr.length < min)
      return new StorageError(ErrorCode.NOT_ENOUGH_REPLICAS, `${this.topic}-${this.partition} has ${this.state.isr.length} in-sync replica(s), min.insync.replicas is ${min}`);
    return undefined;
  }

  private twoPhase(written: Promise<AppendResult>, acks: number): PendingAppend {
    written.catch(() => undefined);
    const committed = written.then(async (r) => {
      this.maybeAdvanceHw();
      await this.highWatermarkReaches(r.lastOffset + 1);
      const min = this.settings.minInsyncReplicas(this.topic);
      const isr = this.state?.isr.length ?? 0;
      if (acks === -1 && isr < min)
        throw new StorageError(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, `${this.topic}-${this.partition} has ${isr} in-sync replica(s) after the append, min.insync.replicas is ${min}`);
      return r;
    });
    committed.catch(() => undefined);
    return { written, committed };
  }

  private highWatermarkReaches(offset: number): Promise<void> {
    if (this.hw >= offset) return Promise.resolve();
    if (this.roleNow !== 'leader') return Promise.reject(notLeader(this.topic, this.partition, 'leadership was lost while the append waited'));
    return new Promise((resolve, reject) => {
      const w = { offset, resolve, reject };
      const last = this.waiters[this.waiters.length - 1];
      this.waiters.push(w);
      if (last && last.offset > offset) this.waiters.sort((a, b) => a.offset - b.offset);
    });
  }

  override onHighWatermark(fn: () => void): () => void {
    this.hwListeners.add(fn);
    return () => this.hwListeners.delete(fn);
  }

  override async deleteRecordsBefore(offset: number): Promise<number> {
    if (offset > this.hw) throw new StorageError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${offset} is past the high watermark ${this.hw}`);
    return this.log.deleteRecordsBefore(offset);
  }

  // ------------------------------------------------------------------ leader: followers

  override async readAsReplica(replicaId: number, offset: number, maxBytes: number, now = Date.now()): Promise<PartitionRead> {
    if (this.roleNow !== 'leader') throw notLeader(this.topic, this.partition, `its role is ${this.roleNow}`);
    const f = this.followers.get(replicaId);
    if (!f) throw notLeader(this.topic, this.partition, `broker ${replicaId} is not one of its followers`);
    const leaderEnd = this.log.highWatermark;
    if (offset >= this.log.logStartOffset && offset <= leaderEnd) this.recordFollowerFetch(replicaId, f, offset, leaderEnd, now);
    // Kafka's shouldLeaderThrottle: a throttled partition serves nothing to a follower outside the ISR while the leader rate is exceeded.
    const throttle = this.settings.leaderThrottle?.isThrottled(this.topic, this.partition) ? this.settings.leaderThrottle : undefined;
    const held = throttle !== undefined && !this.state!.isr.includes(replicaId) && throttle.isQuotaExceeded(now);
    const r = held ? { records: Buffer.alloc(0), logStartOffset: this.log.logStartOffset } : await this.log.read(offset, maxBytes, { minOneBatch: true, upTo: leaderEnd });
    throttle?.record(r.records.length, now);
    return { records: r.records, highWatermark: this.hw, lastStableOffset: this.lastStableOffset, logStartOffset: r.logStartOffset, abortedTransactions: null };
  }

  /**
   * Metrics: how many offsets the furthest-behind follower lacks of this leader's log (0 when not
   * leading). A follower not heard from since this broker became leader lacks at least every
   * record of this leader epoch, which only this broker has handed out.
   */
  maxFollowerLag(): number {
    if (this.roleNow !== 'leader') return 0;
    const end = this.log.logEndOffset;
    let lag = 0;
    for (const f of this.followers.values()) lag = Math.max(lag, end - (f.leo >= 0 ? f.leo : this.epochStartOffset));
    return lag;
  }

  /**
   * KIP-392: the followers a consumer at `fetchOffset` may be sent to (Kafka's
   * findPreferredReadReplica): in sync, and holding that offset. A follower's log start is taken
   * to be the leader's (it follows the leader's DeleteRecords and retention).
   */
  readReplicaCandidates(fetchOffset: number, now = Date.now()): Array<{ id: number; logEndOffset: number; timeSinceLastCaughtUpMs: number }> {
    if (this.roleNow !== 'leader' || !this.state) return [];
    const out = [];
    for (const [id, f] of this.followers) {
      if (!this.state.isr.includes(id) || f.leo < fetchOffset || this.log.logStartOffset > fetchOffset) continue;
      out.push({ id, logEndOffset: f.leo, timeSinceLastCaughtUpMs: Math.max(0, now - f.lastCaughtUpMs) });
    }
    return out;
  }

  /** Kafka's Replica.updateFetchState and Partition.maybeExpandIsr. */
  private recordFollowerFetch(replicaId: number, f: FollowerState, offset: number, leaderEnd: number, now: number): void {
    if (offset >= leaderEnd) f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, now);
    else if (offset >= f.lastFetchLeaderEndOffset && f.lastFetchLeaderEndOffset >= 0) f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, f.lastFetchMs);
    f.leo = offset;
    f.lastFetchLeaderEndOffset = leaderEnd;
    f.lastFetchMs = now;
    const state = this.state!;
    if (!state.isr.includes(replicaId) && !this.pendingIsr && offset >= this.hw && offset >= this.epochStartOffset) {
      void this.changeIsr([...state.isr, replicaId], 'expand');
    }
    this.maybeAdvanceHw();
  }

  /** Followers behind for longer than replica.lag.time.max.ms leave the ISR (Kafka's maybeShrinkIsr). */
  maybeShrinkIsr(now = Date.now()): void {
    if (this.roleNow !== 'leader' || !this.state || this.pendingIsr) return;
    const lag = this.settings.lagTimeMaxMs();
    const leaderEnd = this.log.highWatermark;
    const out = this.state.isr.filter((r) => {
      if (r === this.settings.nodeId) return false;
      const f = this.followers.get(r);
      // A follower at the leader's end is in sync however long ago it fetched (nothing was written since).
      return !f || (now - f.lastCaughtUpMs > lag && f.leo < leaderEnd);
    });
    if (out.length > 0) void this.changeIsr(this.state.isr.filter((r) => !out.includes(r)), 'shrink');
  }

  private async changeIsr(isr: number[], kind: 'shrink' | 'expand'): Promise<void> {
    const state = this.state!;
    this.pendingIsr = isr;
    try {
      const res = await this.settings.control.alterPartition(this.topic, this.partition, state.partitionEpoch, { leader: this.settings.nodeId, isr });
      if (res.ok) {
        this.settings.log.info({ topic: this.topic, partition: this.partition, from: state.isr, to: isr, epoch: res.state.partitionEpoch }, kind === 'shrink' ? 'ISR shrunk' : 'ISR expanded');
        this.settings.onIsrChange?.(kind);
        if (this.roleNow === 'leader' && res.state.leaderEpoch === this.state?.leaderEpoch) this.updateState(res.state);
      } else {
        this.settings.log.info({ topic: this.topic, partition: this.partition, to: isr, reason: res.reason }, 'ISR change not accepted; waiting for the newer partition state');
      }
    } catch (err) {
      this.settings.log.warn({ topic: this.topic, partition: this.partition, err }, 'ISR change failed');
    } finally {
      if (this.pendingIsr === isr) this.pendingIsr = undefined;
    }
    this.maybeAdvanceHw();
  }

  /** The smallest log end offset of the maximal ISR; the high watermark moves up to it. */
  private maybeAdvanceHw(): void {
    if (this.roleNow !== 'leader' || !this.state) return;
    let min = this.log.highWatermark;
    const counted = this.pendingIsr ? new Set([...this.state.isr, ...this.pendingIsr]) : this.state.isr;
    for (const r of counted) {
      if (r === this.settings.nodeId) continue;
      const f = this.followers.get(r);
      min = Math.min(min, f ? f.leo : -1);
    }
    if (min <= this.hw) return;
    this.hw = min;
    let n = 0;
    while (n < this.waiters.length && this.waiters[n].offset <= min) n++;
    if (n > 0) for (const w of this.waiters.splice(0, n)) w.resolve();
    this.notifyHighWatermark();
  }

  private notifyHighWatermark(): void {
    const listeners = this.hwListeners;
    this.hwListeners = new Set();
    for (const fn of listeners) fn();
  }

  // ------------------------------------------------------------------ follower

  /** Batches fetched from the leader, stored as they are; the high watermark follows the leader's. */
  async appendFromLeader(records: Buffer, leaderHighWatermark: number, leaderLogStartOffset: number): Promise<void> {
    if (records.length > 0) await this.log.appendAsFollower(records);
    const hw = Math.min(leaderHighWatermark, this.log.logEndOffset);
    if (hw > this.hw) {
      this.hw = hw;
      // Consumers long-polling this follower (KIP-392) read up to its high watermark.
      this.notifyHighWatermark();
    }
    // The leader's DeleteRecords and retention reach the follower (Kafka's maybeIncrementLogStartOffset).
    const start = Math.min(leaderLogStartOffset, this.hw);
    if (start > this.log.logStartOffset) await this.log.deleteRecordsBefore(start);
  }

  /**
   * A follower whose log ends below its leader's log start (it was away while retention or
   * DeleteRecords removed what it lacks) starts over, empty, at that offset (Kafka's
   * truncateFullyAndStartAt); its high watermark is there too.
   */
  async truncateFullyAndStartAt(offset: number): Promise<void> {
    await this.log.truncateFullyAndStartAt(offset);
    this.hw = this.log.logEndOffset;
  }

  /** Cuts the log back to end before `offset` (divergence from the new leader); the HW follows. */
  async truncateTo(offset: number): Promise<void> {
    if (offset >= this.log.logEndOffset) return;
    await this.log.truncateTo(offset);
    this.hw = Math.min(this.hw, this.log.logEndOffset);
  }
}

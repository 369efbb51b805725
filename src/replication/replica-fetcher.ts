/**
 * A follower's fetching from one leader broker (Kafka's ReplicaFetcherThread): one connection over
 * the inter-broker listener, Fetch with this broker's replica id for every partition it follows
 * there, batches appended as they are. A partition that has just become a follower is first
 * truncated to where its log agrees with the leader's (OffsetForLeaderEpoch with its latest epoch,
 * Kafka's getOffsetTruncationState), so no divergent records survive a change of leader. A
 * follower that fell behind the leader's log start starts over there (resolveOutOfRange).
 */
import { Connection, type Address } from '../client/connection.js';
import type { ClientSecurity } from '../client/security/client-security.js';
import { ErrorCode } from '../protocol/errors.js';
import { ZERO_UUID } from '../protocol/primitives/values.js';
import { defaultFetchRequestFetchPartition, type FetchResponse, type OffsetForLeaderEpochResponse } from '../protocol/messages/index.js';
import type { Logger } from '../util/logger.js';
import type { ReplicatedPartition } from './replicated-partition.js';
import type { ThrottleSide } from './replication-throttle.js';

const FETCH = 1;
const OFFSET_FOR_LEADER_EPOCH = 23;

export interface FetcherSettings {
  nodeId: number;
  maxWaitMs: number;
  minBytes: number;
  partitionMaxBytes: number;
  responseMaxBytes: number;
  backoffMs: number;
  log: Logger;
  /** TLS/SASL of the inter-broker listener (plaintext when left out). */
  security?: ClientSecurity;
  /** The follower side of the replication throttle (src/replication/replication-throttle.ts). */
  throttle?: Pick<ThrottleSide, 'isThrottled' | 'isQuotaExceeded' | 'record'>;
}

interface Followed {
  replica: ReplicatedPartition;
  /** The leader epoch this follower follows (fences fetches of an older leader). */
  leaderEpoch: number;
  truncated: boolean;
  /** Caught up with the leader's high watermark at the last fetch (Kafka's PartitionFetchState.isReplicaInSync). */
  inSync: boolean;
}

/**
 * What a follower does when its leader answers OFFSET_OUT_OF_RANGE (Kafka's handleOutOfRangeError):
 * if its log ends below the leader's log start, the records it lacks are gone from the leader, so
 * it empties its log and starts at the leader's log start ('reset', fetching goes on from there);
 * otherwise it is ahead of the leader's end (a leader that lost records) and truncates by leader
 * epochs again ('truncate').
 */
export async function resolveOutOfRange(
  replica: Pick<ReplicatedPartition, 'logEndOffset' | 'truncateFullyAndStartAt'>,
  leaderLogStartOffset: number,
): Promise<'reset' | 'truncate'> {
  if (leaderLogStartOffset < 0 || replica.logEndOffset >= leaderLogStartOffset) return 'truncate';
  await replica.truncateFullyAndStartAt(leaderLogStartOffset);
  return 'reset';
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref?.());

export class LeaderFetcher {
  private readonly followed = new Map<ReplicatedPartition, Followed>();
  private conn: Connection | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  private readonly done: Promise<void>;

  constructor(
    readonly leaderId: number,
    readonly address: Address,
    private readonly s: FetcherSettings,
  ) {
    this.done = this.run();
  }

  get size(): number {
    return this.followed.size;
  }

  /** Follows `replica` at `leaderEpoch`, truncating it first. */
  add(replica: ReplicatedPartition, leaderEpoch: number): void {
    this.followed.set(replica, { replica, leaderEpoch, truncated: false, inSync: false });
    this.wake?.();
  }

  remove(replica: ReplicatedPartition): void {
    this.followed.delete(replica);
  }

  has(replica: ReplicatedPartition): boolean {
    return this.followed.has(replica);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.conn?.close().catch(() => undefined);
    await this.done;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (this.followed.size === 0) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        continue;
      }
      try {
        this.conn ??= await Connection.open(this.address, { clientId: `runnel-replica-${this.s.nodeId}`, requestTimeoutMs: this.s.maxWaitMs + 30_000, security: this.s.security });
        if (this.stopped) break;
        for (const f of [...this.followed.values()]) if (!f.truncated) await this.truncate(f);
        await this.fetchOnce();
      } catch (err) {
        if (this.stopped) break;
        this.s.log.warn({ leader: this.leaderId, err: (err as Error).message }, 'replica fetch failed; retrying');
        await this.conn?.close().catch(() => undefined);
        this.conn = undefined;
        await sleep(this.s.backoffMs);
      }
    }
    // stop() may have come while the connection was opening: it would keep the process alive.
    await this.conn?.close().catch(() => undefined);
  }

  /** Truncation to the leader's log by leader epochs, in rounds until the epochs agree. */
  private async truncate(f: Followed): Promise<void> {
    const r = f.replica;
    for (let round = 0; round < 20 && this.followed.get(r) === f; round++) {
      const latest = r.underlyingLog.leaderEpoch;
      const res = await this.conn!.request<OffsetForLeaderEpochResponse>(OFFSET_FOR_LEADER_EPOCH, {
        replicaId: this.s.nodeId,
        topics: [{ topic: r.topic, partitions: [{ partition: r.partition, currentLeaderEpoch: f.leaderEpoch, leaderEpoch: latest }] }],
      });
      const p = res.topics[0]?.partitions[0];
      if (!p || p.errorCode !== ErrorCode.NONE) {
        this.s.log.info({ topic: r.topic, partition: r.partition, leader: this.leaderId, errorCode: p?.errorCode }, 'leader cannot answer OffsetForLeaderEpoch yet');
        await sleep(this.s.backoffMs);
        continue;
      }
      const leaderEnd = Number(p.endOffset);
      if (p.leaderEpoch < 0 || leaderEnd < 0) {
        // The leader knows no such epoch: what is below the high watermark is safe (Kafka's fallback).
        await r.truncateTo(r.highWatermark);
        f.truncated = true;
        return;
      }
      const mine = r.endOffsetForEpoch(p.leaderEpoch);
      if (mine.leaderEpoch === p.leaderEpoch || mine.leaderEpoch < 0) {
        await r.truncateTo(Math.min(leaderEnd, r.logEndOffset));
        f.truncated = true;
        this.s.log.debug({ topic: r.topic, partition: r.partition, epoch: p.leaderEpoch, endOffset: r.logEndOffset }, 'follower truncated to its leader');
        return;
      }
      // The follower never had the leader's epoch: cut back to where its own earlier epoch ends and ask again.
      await r.truncateTo(Math.min(mine.endOffset, r.logEndOffset));
    }
  }

  private async fetchOnce(): Promise<void> {
    // Kafka's shouldFollowerThrottle: a throttled partition not caught up sits out while the follower rate is exceeded.
    const throttle = this.s.throttle;
    const throttled = (f: Followed): boolean => throttle?.isThrottled(f.replica.topic, f.replica.partition) ?? false;
    const exceeded = throttle?.isQuotaExceeded() ?? false;
    const ready = [...this.followed.values()].filter((f) => f.truncated && !(exceeded && !f.inSync && throttled(f)));
    if (ready.length === 0) {
      await sleep(this.s.backoffMs);
      return;
    }
    const byTopic = new Map<string, Followed[]>();
    for (const f of ready) {
      const list = byTopic.get(f.replica.topic) ?? [];
      list.push(f);
      byTopic.set(f.replica.topic, list);
    }
    const res = await this.conn!.request<FetchResponse>(
      FETCH,
      {
        replicaId: this.s.nodeId,
        maxWaitMs: this.s.maxWaitMs,
        minBytes: this.s.minBytes,
        maxBytes: this.s.responseMaxBytes,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [...byTopic].map(([topic, list]) => ({
          topic,
          topicId: ZERO_UUID,
          partitions: list.map((f) => ({
            ...defaultFetchRequestFetchPartition(),
            partition: f.replica.partition,
            currentLeaderEpoch: f.leaderEpoch,
            fetchOffset: BigInt(f.replica.logEndOffset),
            logStartOffset: BigInt(f.replica.logStartOffset),
            partitionMaxBytes: this.s.partitionMaxBytes,
          })),
        })),
        forgottenTopicsData: [],
        rackId: '',
      },
      12,
    );
    let backoff = false;
    for (const t of res.responses) {
      const list = byTopic.get(t.topic) ?? [];
      for (const d of t.partitions) {
        const f = list.find((x) => x.replica.partition === d.partitionIndex);
        if (!f || this.followed.get(f.replica) !== f) continue;
        if (d.errorCode === ErrorCode.NONE) {
          const records = d.records ?? Buffer.alloc(0);
          await f.replica.appendFromLeader(records, Number(d.highWatermark), Number(d.logStartOffset));
          f.inSync = f.replica.logEndOffset >= Number(d.highWatermark);
          if (throttle && throttled(f)) throttle.record(records.length);
        } else if (d.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
          const fetchOffset = f.replica.logEndOffset;
          const action = await resolveOutOfRange(f.replica, Number(d.logStartOffset));
          this.s.log.warn({ topic: t.topic, partition: d.partitionIndex, fetchOffset, leaderLogStart: String(d.logStartOffset), action }, 'follower fetch offset out of range');
          if (action === 'truncate') {
            f.truncated = false;
            backoff = true;
          }
        } else {
          // Not (yet) the leader, or a leader epoch that does not match: wait for the metadata to settle.
          backoff = true;
        }
      }
    }
    if (backoff) await sleep(this.s.backoffMs);
  }
}

/**
 * The partition manager of a broker in a cluster (Kafka's ReplicaManager): on every metadata image
 * it makes each partition hosted here the leader or a follower of its current leader epoch
 * (makeLeaders / makeFollowers), runs one fetcher per leader broker, and shrinks the ISR of the
 * partitions it leads on a timer. Handlers reach only the partitions it leads; elsewhere they are
 * told NOT_LEADER_OR_FOLLOWER and who leads (KIP-951).
 *
 * Images are applied one at a time, in order. A broker that is not registered (its etcd lease
 * lapsed) leads nothing: every partition it led resigns until an image after its return says
 * otherwise, so two brokers never both accept writes for one partition.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { ClusterControl } from '../cluster/control.js';
import { interBrokerEndpoint, type MetadataImage, type PartitionImage, type TopicImage } from '../cluster/metadata-image.js';
import type { BrokerLogs } from '../storage/log-store.js';
import type { PartitionHandle } from '../partitions/partition-handle.js';
import type { PartitionLookup, PartitionManager } from '../partitions/partition-manager.js';
import { TopicPartitionMap } from '../util/topic-partition.js';
import type { Logger } from '../util/logger.js';
import { ReplicatedPartition, type ReplicaSettings } from './replicated-partition.js';
import { LeaderFetcher, type FetcherSettings } from './replica-fetcher.js';
import type { ReplicationThrottle } from './replication-throttle.js';
import { preferredReadReplica, type ReplicaSelector } from './replica-selector.js';
import { dirname } from 'node:path';
import { highWatermarkOf, readHighWatermarks, writeHighWatermarks, type HighWatermark, type HighWatermarks } from '../storage/hw-checkpoint.js';

/** Kafka's replica.high.watermark.checkpoint.interval.ms. */
const HW_CHECKPOINT_INTERVAL_MS = 5000;

export interface ReplicaManagerOptions {
  nodeId: number;
  logs: BrokerLogs;
  control: ClusterControl;
  /** Listener name brokers use to reach each other; undefined: each broker's first endpoint. */
  interBrokerListener: string | undefined;
  minInsyncReplicas(topic: string): number;
  lagTimeMaxMs(): number;
  fetcher: Omit<FetcherSettings, 'nodeId' | 'log'>;
  log: Logger;
  /** Told when a hosted partition becomes leader here or stops being (coordinators follow this). */
  onLeadership?(topic: string, partition: number, leader: boolean): void;
  onIsrChange?(kind: 'shrink' | 'expand'): void;
  /** The replication throttle: its leader side for the partitions led here, its follower side for the fetchers. */
  throttle?: ReplicationThrottle;
  /** replica.selector.class (KIP-392); undefined: consumers are never sent to a follower. */
  replicaSelector?: ReplicaSelector;
}

export class ReplicaManager implements PartitionManager {
  private readonly replicas = new TopicPartitionMap<ReplicatedPartition>();
  private readonly fetchers = new Map<number, LeaderFetcher>();
  private queue: Promise<void> = Promise.resolve();
  private image: MetadataImage | undefined;
  private readonly settings: ReplicaSettings;
  private timer: NodeJS.Timeout | undefined;
  private hwTimer: NodeJS.Timeout | undefined;
  /** High watermarks checkpointed by the previous run, by log dir (read once at start). */
  private readonly checkpointed = new Map<string, HighWatermarks>();
  private readonly unsubscribe: Array<() => void> = [];
  private closed = false;

  constructor(private readonly o: ReplicaManagerOptions) {
    this.settings = { nodeId: o.nodeId, control: o.control, minInsyncReplicas: o.minInsyncReplicas, lagTimeMaxMs: o.lagTimeMaxMs, log: o.log, onIsrChange: o.onIsrChange, leaderThrottle: o.throttle?.leader };
  }

  /** Applies the current image and follows the next ones; shrinks ISRs every half lag time. */
  async start(): Promise<void> {
    for (const dir of this.logDirs()) this.checkpointed.set(dir, await readHighWatermarks(dir));
    this.hwTimer = setInterval(() => void this.checkpointHighWatermarks(), HW_CHECKPOINT_INTERVAL_MS);
    this.hwTimer.unref();
    this.unsubscribe.push(this.o.control.onImage((next) => void this.enqueue(next)));
    this.unsubscribe.push(
      this.o.control.onRegistration((registered) => {
        if (!registered) this.resignAll('this broker lost its registration (fenced)');
        else void this.enqueue(this.o.control.image());
      }),
    );
    await this.enqueue(this.o.control.image());
    const every = Math.max(100, Math.floor(this.o.lagTimeMaxMs() / 2));
    this.timer = setInterval(() => {
      for (const r of this.replicas.values()) r.maybeShrinkIsr();
    }, every);
    this.timer.unref();
  }

  /** Resolves once every image handed over so far has been applied. */
  settled(): Promise<void> {
    return this.queue;
  }

  private enqueue(image: MetadataImage): Promise<void> {
    const run = this.queue.then(() => (this.closed ? undefined : this.apply(image)));
    this.queue = run.catch((err) => this.o.log.error({ err }, 'applying a metadata image to the replicas failed'));
    return this.queue;
  }

  private async apply(image: MetadataImage): Promise<void> {
    this.image = image;
    const me = this.o.nodeId;
    const seen = new Set<string>();
    for (const t of image.topics()) {
      const hosted = t.partitionStates.filter((p) => p.replicas.includes(me));
      if (hosted.length === 0) continue;
      seen.add(t.name);
      const indexes = new Set(hosted.map((p) => p.partition));
      await this.o.logs.ensureTopic(t, (i) => indexes.has(i));
      for (const p of hosted) await this.applyPartition(t, p);
      // Replicas a reassignment moved away: stopped, and their logs deleted (Kafka's StopReplica with delete).
      for (const partition of this.replicas.partitionsOf(t.name)) if (!indexes.has(partition)) await this.dropPartition(t.name, partition, true);
    }
    for (const name of [...this.replicas.topics()]) if (!seen.has(name)) await this.dropTopic(name, image.topic(name) === undefined);
    for (const [id, f] of this.fetchers) {
      if (f.size === 0) {
        this.fetchers.delete(id);
        await f.stop();
      }
    }
  }

  private async applyPartition(t: TopicImage, p: PartitionImage): Promise<void> {
    let r = this.replicas.get(t.name, p.partition);
    if (!r) {
      const log = this.o.logs.partition(t.name, p.partition);
      if (!log) return;
      // The high watermark of the previous run, so that it does not start from the log start again.
      const hws = log.dir ? this.checkpointed.get(dirname(log.dir)) : undefined;
      r = new ReplicatedPartition(log, this.settings, hws && highWatermarkOf(hws, t.name, p.partition));
      this.replicas.set(t.name, p.partition, r);
    }
    const wasLeader = r.role === 'leader';
    const current = r.partitionState;
    if (p.leader === this.o.nodeId) {
      if (!this.o.control.registered) return;
      this.unfollow(r);
      await r.makeLeader(p);
    } else if (p.leader < 0 || !this.image?.broker(p.leader)) {
      // Offline, or its leader is not registered: nobody to follow until the controller elects one.
      this.unfollow(r);
      if (wasLeader || !current || current.leaderEpoch !== p.leaderEpoch) r.resign(`no leader (${p.leader})`, 'none');
      r.updateState(p);
    } else if (r.role !== 'follower' || !current || current.leaderEpoch !== p.leaderEpoch || current.leader !== p.leader || !this.fetcherOf(r)) {
      this.unfollow(r);
      r.makeFollower(p);
      this.fetcherFor(p.leader)?.add(r, p.leaderEpoch);
    } else {
      r.updateState(p);
    }
    const isLeader = r.role === 'leader';
    if (isLeader !== wasLeader) this.o.onLeadership?.(t.name, p.partition, isLeader);
  }

  private fetcherOf(r: ReplicatedPartition): LeaderFetcher | undefined {
    for (const f of this.fetchers.values()) if (f.has(r)) return f;
    return undefined;
  }

  private unfollow(r: ReplicatedPartition): void {
    for (const f of this.fetchers.values()) f.remove(r);
  }

  private fetcherFor(leader: number): LeaderFetcher | undefined {
    const broker = this.image?.broker(leader);
    const ep = interBrokerEndpoint(broker, this.o.interBrokerListener);
    if (!ep) return undefined;
    const existing = this.fetchers.get(leader);
    if (existing && existing.address.host === ep.host && existing.address.port === ep.port) return existing;
    if (existing) {
      this.fetchers.delete(leader);
      void existing.stop();
    }
    const f = new LeaderFetcher(leader, { host: ep.host, port: ep.port }, { ...this.o.fetcher, nodeId: this.o.nodeId, log: this.o.log, throttle: this.o.throttle?.follower });
    this.fetchers.set(leader, f);
    return f;
  }

  private async dropTopic(name: string, deleted: boolean): Promise<void> {
    for (const partition of this.replicas.partitionsOf(name)) await this.dropPartition(name, partition, !deleted);
    if (deleted) await this.o.logs.deleteTopic(name);
  }

  /** Stops the local replica; `deleteLog` when the topic stays but this broker is no longer one of its replicas. */
  private async dropPartition(topic: string, partition: number, deleteLog: boolean): Promise<void> {
    const r = this.replicas.get(topic, partition);
    if (!r) return;
    this.unfollow(r);
    const wasLeader = r.role === 'leader';
    r.resign(deleteLog ? 'no longer a replica here' : 'the topic was deleted');
    this.replicas.delete(topic, partition);
    if (wasLeader) this.o.onLeadership?.(topic, partition, false);
    if (deleteLog) {
      this.o.log.info({ topic, partition }, 'replica removed from this broker; deleting its log');
      await this.o.logs.deletePartition(topic, partition);
    }
  }

  private resignAll(why: string): void {
    for (const [{ topic, partition }, r] of this.replicas.entries()) {
      if (r.role !== 'leader') continue;
      r.resign(why);
      this.o.onLeadership?.(topic, partition, false);
    }
  }

  /** The local replica, led or followed (coordinators and tests). */
  replica(topic: string, partition: number): ReplicatedPartition | undefined {
    return this.replicas.get(topic, partition);
  }

  private logDirs(): string[] {
    return [...new Set(this.o.logs.all().flatMap((l) => (l.dir ? [dirname(l.dir)] : [])))];
  }

  /** Kafka's replication-offset-checkpoint: every local replica's high watermark, per log dir. */
  async checkpointHighWatermarks(): Promise<void> {
    const byDir = new Map<string, HighWatermark[]>();
    for (const [{ topic, partition }, r] of this.replicas.entries()) {
      if (!r.dir) continue;
      const dir = dirname(r.dir);
      const list = byDir.get(dir) ?? [];
      list.push({ topic, partition, offset: r.highWatermark });
      byDir.set(dir, list);
    }
    for (const [dir, entries] of byDir) await writeHighWatermarks(dir, entries).catch((err) => this.o.log.warn({ err, dir }, 'writing the high watermark checkpoint failed'));
  }

  // ------------------------------------------------------------------ PartitionManager

  getPartitionOrError(topic: string, index: number): PartitionLookup {
    const image = this.image ?? this.o.control.image();
    const t = image.topic(topic);
    const state = t?.partitionStates[index];
    if (!t || !state) return { partition: undefined, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    const r = this.replicas.get(topic, index);
    if (r && r.role === 'leader') {
      const failed = r.underlyingLog.failed;
      if (failed) return { partition: undefined, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: `log of ${topic}-${index} is offline: ${failed.message}` };
      return { partition: r, errorCode: 0 };
    }
    const leader = { leaderId: state.leader, leaderEpoch: state.leaderEpoch };
    if (state.leader < 0) return { partition: undefined, errorCode: ErrorCode.LEADER_NOT_AVAILABLE, message: `${topic}-${index} has no leader`, leader };
    return { partition: undefined, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, message: `broker ${state.leader} leads ${topic}-${index}`, leader };
  }

  /** Kafka's fetchOnlyFromLeader=false: a follower serves consumers too, up to its high watermark. */
  getReadableOrError(topic: string, index: number): PartitionLookup & { follower?: boolean } {
    const lookup = this.getPartitionOrError(topic, index);
    if (lookup.errorCode !== ErrorCode.NOT_LEADER_OR_FOLLOWER) return lookup;
    const r = this.replicas.get(topic, index);
    if (!r || r.role !== 'follower') return lookup;
    const failed = r.underlyingLog.failed;
    if (failed) return { partition: undefined, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: `log of ${topic}-${index} is offline: ${failed.message}` };
    return { partition: r, errorCode: 0, follower: true };
  }

  /** Kafka's ReplicaManager.findPreferredReadReplica, for a partition led here. */
  preferredReadReplica(topic: string, index: number, clientRack: string, fetchOffset: number): number {
    const selector = this.o.replicaSelector;
    const r = this.replicas.get(topic, index);
    if (!selector || !r || r.role !== 'leader') return -1;
    const image = this.image ?? this.o.control.image();
    const rackOf = (id: number): string | null => image.broker(id)?.rack ?? null;
    const leader = { id: this.o.nodeId, rack: rackOf(this.o.nodeId), logEndOffset: r.logEndOffset, timeSinceLastCaughtUpMs: 0 };
    // A follower that is not registered has no endpoint to send the client to (Kafka's Node.noNode()).
    const followers = r.readReplicaCandidates(fetchOffset).filter((c) => image.broker(c.id) !== undefined).map((c) => ({ ...c, rack: rackOf(c.id) }));
    return preferredReadReplica(selector, clientRack, { leader, replicas: [leader, ...followers] });
  }

  partitions(topic: string): PartitionHandle[] {
    return this.replicas
      .partitionsOf(topic)
      .sort((a, b) => a - b)
      .map((i) => this.replicas.get(topic, i)!);
  }

  checkpointLogStartOffsets(): Promise<void> {
    return this.o.logs.checkpointLogStartOffsets();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const u of this.unsubscribe) u();
    if (this.timer) clearInterval(this.timer);
    if (this.hwTimer) clearInterval(this.hwTimer);
    await this.queue;
    for (const f of this.fetchers.values()) await f.stop();
    this.fetchers.clear();
    this.resignAll('the broker is stopping');
    await this.checkpointHighWatermarks();
  }
}

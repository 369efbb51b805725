/**
 * Replication and controller metrics of a broker in a cluster, after Kafka's ReplicaManager and
 * KafkaController gauges (UnderReplicatedPartitions, UnderMinIsrPartitionCount,
 * AtMinIsrPartitionCount, OfflinePartitionsCount, ActiveControllerCount, IsrShrinksPerSec,
 * IsrExpandsPerSec, LeaderElectionRateAndTimeMs). Gauges are computed when Prometheus scrapes from
 * what the broker already keeps; events (ISR changes, elections) are plain counts bumped by the
 * replica manager and the controller, read at scrape time as well, so nothing here depends on the
 * registry existing when the cluster node starts.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface LedPartitionStats {
  topic: string;
  partition: number;
  replicas: number;
  isr: number;
  minIsr: number;
  /** Offsets the furthest-behind follower lacks (0 when every follower is caught up). */
  maxFollowerLag: number;
}

/** Counts of events since the broker started. */
export class ClusterEventCounts {
  isrShrinks = 0;
  isrExpands = 0;
  leaderElections = 0;
}

export interface ClusterMetricsSource {
  /** The partitions this broker leads now. */
  ledPartitions(): LedPartitionStats[];
  /** Whether this broker is the active controller. */
  activeController(): boolean;
  /** Partitions with no live leader, as the controller sees them (0 unless it is the active controller). */
  offlinePartitions(): number;
  readonly events: ClusterEventCounts;
  /** Bytes/s of throttled replication measured on each side (Kafka's LeaderReplication/FollowerReplication byte-rate). */
  replicationThrottledRate?(side: 'leader' | 'follower'): number;
}

function gauge(r: Registry, name: string, help: string, value: () => number): void {
  new Gauge({
    name,
    help,
    registers: [r],
    collect() {
      this.set(value());
    },
  });
}

/** A counter that reports a count kept elsewhere (counters only go up, and so does the count). */
function countedCounter(r: Registry, name: string, help: string, value: () => number): void {
  new Counter({
    name,
    help,
    registers: [r],
    collect() {
      this.reset();
      this.inc(value());
    },
  });
}

export function registerClusterMetrics(r: Registry, src: ClusterMetricsSource): void {
  // One pass over the led partitions per scrape, shared by the gauges below.
  let cached: { at: number; led: LedPartitionStats[] } | undefined;
  const led = (): LedPartitionStats[] => {
    const now = Date.now();
    if (!cached || now - cached.at > 100) cached = { at: now, led: src.ledPartitions() };
    return cached.led;
  };
  gauge(r, 'runnel_leader_partitions', 'Partitions this broker leads', () => led().length);
  gauge(r, 'runnel_under_replicated_partitions', 'Partitions led here with fewer in-sync replicas than replicas', () => led().filter((p) => p.isr < p.replicas).length);
  gauge(r, 'runnel_under_min_isr_partitions', 'Partitions led here with fewer in-sync replicas than min.insync.replicas', () => led().filter((p) => p.isr < p.minIsr).length);
  gauge(r, 'runnel_at_min_isr_partitions', 'Partitions led here with exactly min.insync.replicas in-sync replicas', () => led().filter((p) => p.isr === p.minIsr).length);
  gauge(r, 'runnel_replica_max_lag', 'Largest lag, in offsets, of a follower behind its leader, over the partitions led here', () => led().reduce((m, p) => Math.max(m, p.maxFollowerLag), 0));
  new Gauge({
    name: 'runnel_partition_replica_lag',
    help: 'Lag, in offsets, of the furthest-behind follower of each partition led here',
    labelNames: ['topic', 'partition'],
    registers: [r],
    collect() {
      this.reset();
      for (const p of led()) this.set({ topic: p.topic, partition: String(p.partition) }, p.maxFollowerLag);
    },
  });
  if (src.replicationThrottledRate) {
    const rate = src.replicationThrottledRate.bind(src);
    new Gauge({
      name: 'runnel_replication_throttled_byte_rate',
      help: 'Bytes/s of throttled replication as the replication throttle measures it (side: leader serving, follower fetching)',
      labelNames: ['side'],
      registers: [r],
      collect() {
        for (const side of ['leader', 'follower'] as const) this.set({ side }, rate(side));
      },
    });
  }
  gauge(r, 'runnel_active_controller', '1 on the active controller, 0 elsewhere', () => (src.activeController() ? 1 : 0));
  gauge(r, 'runnel_offline_partitions', 'Partitions without a live leader (reported by the active controller; 0 elsewhere)', () => (src.activeController() ? src.offlinePartitions() : 0));
  countedCounter(r, 'runnel_isr_shrinks_total', 'ISR shrinks made by this broker as leader', () => src.events.isrShrinks);
  countedCounter(r, 'runnel_isr_expands_total', 'ISR expansions made by this broker as leader', () => src.events.isrExpands);
  countedCounter(r, 'runnel_leader_elections_total', 'Leader elections made by this broker as controller', () => src.events.leaderElections);
}

/**
 * The replication throttle, as Kafka's ReplicationQuotaManager applies it: a partition is throttled
 * on a broker when its topic's `leader.replication.throttled.replicas` (leader side) or
 * `follower.replication.throttled.replicas` (follower side) names "partition:thisBroker", or is "*".
 * Each side has one byte rate for all its throttled partitions, the broker config
 * `leader.replication.throttled.rate` / `follower.replication.throttled.rate` (bytes/s, unlimited
 * by default), measured over `replication.quota.window.num` windows of
 * `replication.quota.window.size.seconds` (Kafka's sampled Rate).
 *
 * Where it acts (Kafka's ReplicaManager.readFromLog / ReplicaFetcherThread): the leader returns no
 * records to a follower outside the ISR for a throttled partition while the leader rate is
 * exceeded; the follower leaves a throttled partition it is not caught up on out of its fetch while
 * the follower rate is exceeded. Both sides count the bytes of every throttled partition they
 * move, in sync or not. Values are read on each use, so a change at run time applies at once.
 */

/** Kafka's Long.MAX_VALUE: no throttle. */
export const UNLIMITED_RATE = '9223372036854775807';

/**
 * A rate over `windows` sampled windows of `windowMs` (Kafka's SampledStat + Rate): the bytes of
 * the windows not yet expired, over the time they cover, counted as at least windows - 1 full
 * windows so that a first burst does not read as an enormous rate.
 */
export class SampledRate {
  private readonly samples: Array<{ start: number; bytes: number }> = [];

  constructor(
    private readonly windows: () => number,
    private readonly windowMs: () => number,
  ) {}

  record(bytes: number, now = Date.now()): void {
    const size = this.windowMs();
    const last = this.samples[this.samples.length - 1];
    if (last && now - last.start < size) last.bytes += bytes;
    else this.samples.push({ start: now, bytes });
    this.purge(now);
  }

  /** Bytes per second. */
  rate(now = Date.now()): number {
    this.purge(now);
    const size = this.windowMs();
    const n = Math.max(1, this.windows());
    const oldest = this.samples[0]?.start ?? now;
    let elapsed = now - oldest;
    const full = Math.floor(elapsed / size);
    if (full < n - 1) elapsed += (n - 1 - full) * size;
    const bytes = this.samples.reduce((s, x) => s + x.bytes, 0);
    return elapsed <= 0 ? 0 : (bytes * 1000) / elapsed;
  }

  /** Windows that started `windows` windows ago or earlier no longer count (Kafka's purgeObsoleteSamples). */
  private purge(now: number): void {
    const expireAge = Math.max(1, this.windows()) * this.windowMs();
    while (this.samples.length > 0 && now - this.samples[0].start >= expireAge) this.samples.shift();
    while (this.samples.length > Math.max(1, this.windows())) this.samples.shift();
  }
}

/** Partitions a throttled-replicas value names for `brokerId`: all ('*'), or a set (maybe empty). */
export function throttledPartitions(value: string | undefined, brokerId: number): '*' | ReadonlySet<number> {
  const v = (value ?? '').trim();
  if (v === '*') return '*';
  const out = new Set<number>();
  if (v === '') return out;
  for (const entry of v.split(',')) {
    const [p, b] = entry.trim().split(':');
    if (Number(b) === brokerId && /^\d+$/.test(p ?? '')) out.add(Number(p));
  }
  return out;
}

export interface ThrottleConfig {
  /** The broker setting now (a dynamic config may change it). */
  brokerValue(key: string): string | undefined;
  /** A topic's config overrides now ({} for an unknown topic). */
  topicConfigs(topic: string): Readonly<Record<string, string>>;
}

/** One side (leader or follower) of the throttle on this broker. */
export class ThrottleSide {
  private readonly rate: SampledRate;
  private readonly cache = new Map<string, { value: string; partitions: '*' | ReadonlySet<number> }>();

  constructor(
    readonly side: 'leader' | 'follower',
    private readonly brokerId: number,
    private readonly config: ThrottleConfig,
  ) {
    const num = (key: string, fallback: number): number => {
      const n = Number(config.brokerValue(key));
      return Number.isFinite(n) && n > 0 ? n : fallback;
    };
    this.rate = new SampledRate(
      () => num('replication.quota.window.num', 11),
      () => num('replication.quota.window.size.seconds', 1) * 1000,
    );
  }

  /** The configured limit in bytes/s (Infinity when unlimited). */
  limit(): number {
    const raw = this.config.brokerValue(`${this.side}.replication.throttled.rate`) ?? UNLIMITED_RATE;
    if (raw === UNLIMITED_RATE) return Infinity;
    const n = Number(raw);
    return Number.isFinite(n) && n >= 0 ? n : Infinity;
  }

  /** Whether this side throttles `topic`-`partition` on this broker (Kafka's isThrottled). */
  isThrottled(topic: string, partition: number): boolean {
    if (this.limit() === Infinity) return false;
    const value = this.config.topicConfigs(topic)[`${this.side}.replication.throttled.replicas`] ?? '';
    let entry = this.cache.get(topic);
    if (!entry || entry.value !== value) {
      entry = { value, partitions: throttledPartitions(value, this.brokerId) };
      // Deleted topics' entries would stay: start over past a bound instead of tracking deletions.
      if (this.cache.size >= 4096) this.cache.clear();
      this.cache.set(topic, entry);
    }
    return entry.partitions === '*' || entry.partitions.has(partition);
  }

  /** Kafka's isQuotaExceeded: the measured rate is above the limit. */
  isQuotaExceeded(now = Date.now()): boolean {
    const limit = this.limit();
    return limit !== Infinity && this.rate.rate(now) > limit;
  }

  record(bytes: number, now = Date.now()): void {
    if (bytes > 0) this.rate.record(bytes, now);
  }

  /** The measured rate in bytes/s (metrics, tests). */
  measured(now = Date.now()): number {
    return this.rate.rate(now);
  }
}

/** Both sides of a broker's replication throttle. */
export class ReplicationThrottle {
  readonly leader: ThrottleSide;
  readonly follower: ThrottleSide;

  constructor(brokerId: number, config: ThrottleConfig) {
    this.leader = new ThrottleSide('leader', brokerId, config);
    this.follower = new ThrottleSide('follower', brokerId, config);
  }
}

/**
 * Consumer lag, in messages (high watermark minus committed offset) and in time (now minus the
 * timestamp of the next record the group would read), per partition, sampled for every group on a
 * timer into a history bounded by the configured window, so that a chart opened later still shows
 * whether a group is catching up or falling behind.
 *
 * The sampler reads as the console's internal client (ConsoleAdmin.internal: no ACL check), so the
 * history exists whoever looks at it later; each user is shown a group's history only when that
 * user may describe the group (checked by the API, through the handlers), and of it only the
 * partitions of topics that user may describe, with the totals recomputed over those (visibleSample).
 *
 * In a cluster the groups and their offsets come from their coordinators and the end offsets and
 * timestamps of partitions led by other brokers from those leaders (ConsoleAdmin and remote.ts):
 * ListOffsets once per leader and sample, a Fetch only when a committed offset moved.
 */
import type { BrokerServices } from '../handlers/types.js';
import type { ConsoleAdmin } from './admin.js';
import { timestampAt, type RecordSource } from './records.js';
import { partitionKey, type ClusterLink, type PartitionRef } from './remote.js';

export interface PartitionLag {
  topic: string;
  partition: number;
  committed: number;
  logStart: number;
  end: number;
  /** Messages behind; -1 when the partition's leader cannot be asked now. */
  lag: number;
  /** Milliseconds behind: now minus the timestamp of the next unread record; 0 when caught up. */
  timeLagMs: number;
}

export interface LagSample {
  t: number;
  lag: number;
  timeLagMs: number;
  /** "topic-partition" to [messages, ms]. */
  partitions: Record<string, [number, number]>;
}

/** The sample with only the partitions of topics `mayDescribe` allows, and its totals over those. */
export function visibleSample(s: LagSample, mayDescribe: (topic: string) => boolean): LagSample {
  const out: LagSample = { t: s.t, lag: 0, timeLagMs: 0, partitions: {} };
  for (const [key, [lag, timeLagMs]] of Object.entries(s.partitions)) {
    if (!mayDescribe(key.slice(0, key.lastIndexOf('-')))) continue;
    out.partitions[key] = [lag, timeLagMs];
    out.lag += lag;
    out.timeLagMs = Math.max(out.timeLagMs, timeLagMs);
  }
  return out;
}

export class LagTracker {
  private readonly history = new Map<string, LagSample[]>();
  /** Timestamps of records at committed offsets: a group that does not move costs no read. */
  private readonly tsCache = new Map<string, { offset: number; ts: number | undefined }>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly listeners = new Set<(group: string, sample: LagSample, lags: PartitionLag[]) => void>();

  constructor(
    private readonly broker: BrokerServices,
    private readonly admin: ConsoleAdmin,
    private readonly link: ClusterLink,
    readonly sampleMs: number,
    private readonly windowMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sampleAll()
        .catch((err: unknown) => this.broker.log.debug({ err }, 'console: lag sampling failed'))
        .finally(() => (this.running = undefined));
    }, this.sampleMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Called with every new sample of every group. */
  onSample(fn: (group: string, sample: LagSample, lags: PartitionLag[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  samples(group: string): LagSample[] {
    return this.history.get(group) ?? [];
  }

  forget(group: string): void {
    this.history.delete(group);
  }

  async sampleAll(now = Date.now()): Promise<void> {
    const groups = await this.admin.listGroups();
    const alive = new Set(groups.map((g) => g.groupId));
    for (const g of this.history.keys()) if (!alive.has(g)) this.history.delete(g);
    // Entries of deleted groups and partitions would pile up: start over now and then (the next sample reads again).
    if (this.tsCache.size > 100_000) this.tsCache.clear();
    for (const g of groups) {
      const lags = await this.lag(g.groupId, now);
      if (lags.length === 0 && !this.history.has(g.groupId)) continue;
      this.record(g.groupId, lags, now);
    }
  }

  private record(group: string, lags: PartitionLag[], now: number): void {
    const sample: LagSample = { t: now, lag: 0, timeLagMs: 0, partitions: {} };
    for (const l of lags) {
      if (l.lag < 0) continue;
      sample.lag += l.lag;
      sample.timeLagMs = Math.max(sample.timeLagMs, l.timeLagMs);
      sample.partitions[`${l.topic}-${l.partition}`] = [l.lag, l.timeLagMs];
    }
    const list = this.history.get(group) ?? [];
    list.push(sample);
    const keep = Math.max(2, Math.ceil(this.windowMs / this.sampleMs));
    if (list.length > keep) list.splice(0, list.length - keep);
    this.history.set(group, list);
    for (const fn of this.listeners) fn(group, sample, lags);
  }

  /** The group's lag per committed partition now; `as` reads the offsets as the console's user (default: the tracker's own client). */
  async lag(group: string, now = Date.now(), as: ConsoleAdmin = this.admin): Promise<PartitionLag[]> {
    const out: PartitionLag[] = [];
    const committed = await as.committedOffsets(group);
    const remote: PartitionRef[] = committed.filter((c) => !this.link.local(c.topic, c.partition));
    const offsets = remote.length > 0 ? await this.link.offsets(remote) : undefined;
    for (const c of committed) {
      let p: RecordSource | undefined = this.link.local(c.topic, c.partition);
      if (!p) {
        const o = offsets?.get(partitionKey(c.topic, c.partition));
        if (o) p = this.link.remotePartition(c.topic, c.partition, o);
      }
      if (!p) {
        out.push({ topic: c.topic, partition: c.partition, committed: c.offset, logStart: -1, end: -1, lag: -1, timeLagMs: -1 });
        continue;
      }
      const end = p.highWatermark;
      // A committed offset below the log start reads from the log start, as auto.offset.reset does not apply there.
      const next = Math.max(c.offset, p.logStartOffset);
      const lag = Math.max(0, end - next);
      let timeLagMs = 0;
      if (lag > 0) {
        const key = `${group}\u0000${c.topic}\u0000${c.partition}`;
        let cached = this.tsCache.get(key);
        if (!cached || cached.offset !== next) {
          // A leader that does not answer now is asked again at the next sample.
          const ts = await timestampAt(p, next).catch(() => null);
          cached = ts === null ? undefined : { offset: next, ts };
          if (cached) this.tsCache.set(key, cached);
        }
        if (cached?.ts !== undefined) timeLagMs = Math.max(0, now - cached.ts);
      }
      out.push({ topic: c.topic, partition: c.partition, committed: c.offset, logStart: p.logStartOffset, end, lag, timeLagMs });
    }
    return out;
  }
}

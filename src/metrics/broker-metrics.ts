/**
 * What the broker reports to its metrics, without the metrics library: prom-client and what it
 * loads take ~45 ms to import, so the broker listens first and imports them after
 * (DeferredMetrics keeps what happens meanwhile and hands it over).
 */
import type { ServedAs } from './consumer-fetch-metrics.js';

export interface BrokerMetrics {
  request(api: string, version: number, seconds: number): void;
  produced(topic: string, bytes: number, records: number): void;
  fetched(topic: string, bytes: number): void;
  /** Batches served to a consumer, as leader or follower (src/metrics/consumer-fetch-metrics.ts). */
  servedToConsumer?(topic: string, as: ServedAs, batches: Buffer): void;
  /** A Fetch response named a follower as preferred read replica. */
  preferredReadReplica?(topic: string): void;
  partitionError(api: string, code: number): void;
  connectionOpened(): void;
  connectionClosed(): void;
}

export const noMetrics: BrokerMetrics = {
  request() {},
  produced() {},
  fetched() {},
  partitionError() {},
  connectionOpened() {},
  connectionClosed() {},
};

type Call = (m: BrokerMetrics) => void;

/**
 * Metrics whose implementation arrives later: calls made before `attach` are kept, in order, and
 * replayed into it, so that no request, byte or connection of the first moments goes uncounted.
 * The window is the import of the metrics modules (tens of ms), so the queue stays short; it is
 * capped all the same, and what goes past the cap is counted and reported by `attach`.
 */
export class DeferredMetrics implements BrokerMetrics {
  private target: BrokerMetrics | undefined;
  private pending: Call[] = [];
  private dropped = 0;

  constructor(private readonly maxPending = 100_000) {}

  /** Replays the calls kept so far into `target` and passes every later one straight on; returns how many were dropped. */
  attach(target: BrokerMetrics): number {
    for (const call of this.pending) call(target);
    this.pending = [];
    this.target = target;
    return this.dropped;
  }

  private keep(c: Call): void {
    if (this.pending.length < this.maxPending) this.pending.push(c);
    else this.dropped++;
  }

  request(api: string, version: number, seconds: number): void {
    if (this.target) this.target.request(api, version, seconds);
    else this.keep((m) => m.request(api, version, seconds));
  }
  produced(topic: string, bytes: number, records: number): void {
    if (this.target) this.target.produced(topic, bytes, records);
    else this.keep((m) => m.produced(topic, bytes, records));
  }
  fetched(topic: string, bytes: number): void {
    if (this.target) this.target.fetched(topic, bytes);
    else this.keep((m) => m.fetched(topic, bytes));
  }
  servedToConsumer(topic: string, as: ServedAs, batches: Buffer): void {
    if (this.target) this.target.servedToConsumer?.(topic, as, batches);
    else this.keep((m) => m.servedToConsumer?.(topic, as, batches));
  }
  preferredReadReplica(topic: string): void {
    if (this.target) this.target.preferredReadReplica?.(topic);
    else this.keep((m) => m.preferredReadReplica?.(topic));
  }
  partitionError(api: string, code: number): void {
    if (this.target) this.target.partitionError(api, code);
    else this.keep((m) => m.partitionError(api, code));
  }
  connectionOpened(): void {
    if (this.target) this.target.connectionOpened();
    else this.keep((m) => m.connectionOpened());
  }
  connectionClosed(): void {
    if (this.target) this.target.connectionClosed();
    else this.keep((m) => m.connectionClosed());
  }
}

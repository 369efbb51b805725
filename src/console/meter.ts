/**
 * Live traffic for the console: a BrokerMetrics that passes every call on to the broker's own
 * metrics and keeps running totals (bytes and records in, bytes out, per topic and overall, open
 * connections), sampled once a second into a bounded history for the overview's charts. The hot
 * path only adds to numbers; rates are differences of the samples.
 */
import type { BrokerMetrics } from '../metrics/broker-metrics.js';

export interface TrafficSample {
  /** Unix ms. */
  t: number;
  bytesIn: number;
  recordsIn: number;
  bytesOut: number;
  connections: number;
}

interface TopicTotals {
  bytesIn: number;
  recordsIn: number;
  bytesOut: number;
}

export class TrafficMeter {
  private bytesIn = 0;
  private recordsIn = 0;
  private bytesOut = 0;
  private connections = 0;
  private readonly topics = new Map<string, TopicTotals>();
  /** Per-second rates, oldest first, at most `capacity`. */
  readonly history: TrafficSample[] = [];
  private last: { t: number; bytesIn: number; recordsIn: number; bytesOut: number; topics: Map<string, TopicTotals> } | undefined;
  private topicRates = new Map<string, TopicTotals>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly capacity = 600) {}

  /** The broker's metrics with this meter listening in. */
  wrap(inner: BrokerMetrics): BrokerMetrics {
    const self = this;
    const wrapped: BrokerMetrics = {
      request: (api, version, seconds) => inner.request(api, version, seconds),
      produced(topic, bytes, records) {
        inner.produced(topic, bytes, records);
        self.bytesIn += bytes;
        self.recordsIn += records;
        const t = self.topic(topic);
        t.bytesIn += bytes;
        t.recordsIn += records;
      },
      fetched(topic, bytes) {
        inner.fetched(topic, bytes);
        self.bytesOut += bytes;
        self.topic(topic).bytesOut += bytes;
      },
      partitionError: (api, code) => inner.partitionError(api, code),
      connectionOpened() {
        inner.connectionOpened();
        self.connections++;
      },
      connectionClosed() {
        inner.connectionClosed();
        self.connections--;
      },
    };
    if (inner.servedToConsumer) wrapped.servedToConsumer = inner.servedToConsumer.bind(inner);
    if (inner.preferredReadReplica) wrapped.preferredReadReplica = inner.preferredReadReplica.bind(inner);
    return wrapped;
  }

  private topic(name: string): TopicTotals {
    let t = this.topics.get(name);
    if (!t) this.topics.set(name, (t = { bytesIn: 0, recordsIn: 0, bytesOut: 0 }));
    return t;
  }

  start(periodMs = 1000): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), periodMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  openConnections(): number {
    return this.connections;
  }

  /** Per-second rates of a topic over the last sample period (zeros when it had no traffic). */
  topicRate(name: string): TopicTotals {
    return this.topicRates.get(name) ?? { bytesIn: 0, recordsIn: 0, bytesOut: 0 };
  }

  /** Takes one sample now (also called by tests instead of waiting for the timer). */
  sample(now = Date.now()): void {
    const snapshot = new Map<string, TopicTotals>();
    for (const [k, v] of this.topics) snapshot.set(k, { ...v });
    const prev = this.last;
    this.last = { t: now, bytesIn: this.bytesIn, recordsIn: this.recordsIn, bytesOut: this.bytesOut, topics: snapshot };
    if (!prev) return;
    const secs = Math.max(0.001, (now - prev.t) / 1000);
    const rate = (a: number, b: number): number => Math.max(0, (a - b) / secs);
    this.history.push({ t: now, bytesIn: rate(this.bytesIn, prev.bytesIn), recordsIn: rate(this.recordsIn, prev.recordsIn), bytesOut: rate(this.bytesOut, prev.bytesOut), connections: this.connections });
    if (this.history.length > this.capacity) this.history.splice(0, this.history.length - this.capacity);
    const rates = new Map<string, TopicTotals>();
    for (const [k, v] of snapshot) {
      const p = prev.topics.get(k) ?? { bytesIn: 0, recordsIn: 0, bytesOut: 0 };
      if (v.bytesIn !== p.bytesIn || v.bytesOut !== p.bytesOut) rates.set(k, { bytesIn: rate(v.bytesIn, p.bytesIn), recordsIn: rate(v.recordsIn, p.recordsIn), bytesOut: rate(v.bytesOut, p.bytesOut) });
    }
    this.topicRates = rates;
  }

  /** A deleted topic's totals go (a recreated one starts from zero). */
  forget(topic: string): void {
    this.topics.delete(topic);
  }
}

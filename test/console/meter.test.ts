/** The console's traffic meter: it passes every call on and turns running totals into per-second rates. */
import { describe, expect, it } from 'vitest';
import { TrafficMeter } from '../../src/console/meter.js';
import type { BrokerMetrics } from '../../src/metrics/broker-metrics.js';

describe('TrafficMeter', () => {
  it('passes calls on to the broker’s metrics and samples rates per second, overall and per topic, in a bounded history', () => {
    const calls: string[] = [];
    const inner: BrokerMetrics = {
      request: () => calls.push('request'),
      produced: (t, b, r) => calls.push(`produced ${t} ${b} ${r}`),
      fetched: (t, b) => calls.push(`fetched ${t} ${b}`),
      partitionError: () => calls.push('error'),
      connectionOpened: () => calls.push('open'),
      connectionClosed: () => calls.push('close'),
    };
    const meter = new TrafficMeter(3);
    const m = meter.wrap(inner);
    meter.sample(1_000);
    m.connectionOpened();
    m.produced('a', 1000, 10);
    m.produced('b', 500, 5);
    m.fetched('a', 4000);
    meter.sample(3_000); // two seconds later
    expect(calls).toEqual(['open', 'produced a 1000 10', 'produced b 500 5', 'fetched a 4000']);
    expect(meter.history).toEqual([{ t: 3_000, bytesIn: 750, recordsIn: 7.5, bytesOut: 2000, connections: 1 }]);
    expect(meter.topicRate('a')).toEqual({ bytesIn: 500, recordsIn: 5, bytesOut: 2000 });
    expect(meter.topicRate('c')).toEqual({ bytesIn: 0, recordsIn: 0, bytesOut: 0 });
    meter.sample(4_000);
    expect(meter.topicRate('a')).toEqual({ bytesIn: 0, recordsIn: 0, bytesOut: 0 });
    for (let t = 5_000; t <= 9_000; t += 1000) meter.sample(t);
    expect(meter.history.map((s) => s.t)).toEqual([7_000, 8_000, 9_000]);
    m.connectionClosed();
    expect(meter.openConnections()).toBe(0);
  });
});

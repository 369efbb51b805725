import { describe, expect, it } from 'vitest';
import { DeferredMetrics, type BrokerMetrics } from '../../src/metrics/broker-metrics.js';

function recorder(): { m: BrokerMetrics; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    m: {
      request: (api, v, s) => calls.push(`request ${api} ${v} ${s}`),
      produced: (t, b, r) => calls.push(`produced ${t} ${b} ${r}`),
      fetched: (t, b) => calls.push(`fetched ${t} ${b}`),
      servedToConsumer: (t, as, batches) => calls.push(`served ${t} ${as} ${batches.length}`),
      preferredReadReplica: (t) => calls.push(`preferred ${t}`),
      partitionError: (api, code) => calls.push(`error ${api} ${code}`),
      connectionOpened: () => calls.push('opened'),
      connectionClosed: () => calls.push('closed'),
    },
  };
}

describe('DeferredMetrics', () => {
  it('replays what happened before the metrics arrived, in order, then passes calls straight on', () => {
    const d = new DeferredMetrics();
    d.connectionOpened();
    d.request('Produce', 11, 0.002);
    d.produced('orders', 1024, 3);
    d.fetched('orders', 512);
    d.servedToConsumer('orders', 'leader', Buffer.alloc(61));
    d.preferredReadReplica('orders');
    d.partitionError('Produce', 3);
    d.connectionClosed();
    const r = recorder();
    expect(d.attach(r.m)).toBe(0);
    expect(r.calls).toEqual(['opened', 'request Produce 11 0.002', 'produced orders 1024 3', 'fetched orders 512', 'served orders leader 61', 'preferred orders', 'error Produce 3', 'closed']);
    d.request('Fetch', 17, 0.5);
    expect(r.calls.at(-1)).toBe('request Fetch 17 0.5');
    expect(r.calls).toHaveLength(9);
  });

  it('keeps at most its cap before attach and reports how many calls went past it', () => {
    const d = new DeferredMetrics(3);
    for (let i = 0; i < 5; i++) d.connectionOpened();
    const r = recorder();
    expect(d.attach(r.m)).toBe(2);
    expect(r.calls).toEqual(['opened', 'opened', 'opened']);
  });
});

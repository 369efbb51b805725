/**
 * The replication throttle (src/replication/replication-throttle.ts): Kafka's sampled rate, the
 * throttled-replicas lists, a transfer that only moves while the quota is not exceeded moving at
 * about the limit, and the leader side in ReplicatedPartition.readAsReplica (nothing for a
 * throttled follower outside the ISR while the rate is exceeded; in-sync followers and other
 * partitions unaffected).
 */
import { describe, it, expect } from 'vitest';
import { SampledRate, ThrottleSide, throttledPartitions, UNLIMITED_RATE } from '../../src/replication/replication-throttle.js';
import { MemoryLog } from '../../src/storage/memory-log.js';
import { validateProducedBatch } from '../../src/protocol/record-batch.js';
import { ReplicatedPartition } from '../../src/replication/replicated-partition.js';
import type { PartitionImage } from '../../src/cluster/metadata-image.js';
import { silentLogger } from '../../src/util/logger.js';
import { baseConfig, batch } from '../storage/helpers.js';

function side(name: 'leader' | 'follower', broker: Record<string, string>, topics: Record<string, Record<string, string>>, brokerId = 1): ThrottleSide {
  return new ThrottleSide(name, brokerId, { brokerValue: (k) => broker[k], topicConfigs: (t) => topics[t] ?? {} });
}

describe('SampledRate', () => {
  it('divides by at least windows - 1 windows, and forgets windows older than all of them', () => {
    const r = new SampledRate(() => 3, () => 1000);
    r.record(3000, 0);
    expect(r.rate(0)).toBe(1500); // 3000 bytes over the minimum of 2 windows
    r.record(3000, 2500); // a new window
    expect(r.rate(2500)).toBe(6000 / 2.5);
    // At 3000 the window of time 0 is 3 windows old: only the 3000 bytes of 2500 remain, over 0.5 s + 2 windows.
    expect(r.rate(3000)).toBe(3000 / 2.5);
    expect(r.rate(5500)).toBe(0);
  });
});

describe('throttledPartitions', () => {
  it("reads '*', '' and partition:broker lists for one broker", () => {
    expect(throttledPartitions('*', 1)).toBe('*');
    expect([...(throttledPartitions('', 1) as Set<number>)]).toEqual([]);
    expect([...(throttledPartitions('0:1, 1:2,2:1', 1) as Set<number>)]).toEqual([0, 2]);
    expect([...(throttledPartitions('0:1,1:2', 2) as Set<number>)]).toEqual([1]);
  });
});

describe('ThrottleSide', () => {
  it('throttles only named partitions, only with a rate set; the rate is read on each use', () => {
    const broker: Record<string, string> = {};
    const s = side('follower', broker, { t: { 'follower.replication.throttled.replicas': '0:1,1:2' }, all: { 'follower.replication.throttled.replicas': '*' } });
    expect(s.isThrottled('t', 0)).toBe(false); // no rate: Long.MAX
    broker['follower.replication.throttled.rate'] = UNLIMITED_RATE;
    expect(s.isThrottled('t', 0)).toBe(false);
    broker['follower.replication.throttled.rate'] = '1000';
    expect([s.isThrottled('t', 0), s.isThrottled('t', 1), s.isThrottled('all', 7), s.isThrottled('other', 0)]).toEqual([true, false, true, false]);
    // The leader side reads its own key.
    expect(side('leader', broker, { t: { 'follower.replication.throttled.replicas': '*' } }).isThrottled('t', 0)).toBe(false);
    s.record(20_000, 0);
    expect(s.isQuotaExceeded(0)).toBe(true);
    broker['follower.replication.throttled.rate'] = '1000000';
    expect(s.isQuotaExceeded(0)).toBe(false);
  });

  for (const [limit, windows] of [
    [100_000, 11],
    [1_000_000, 3],
  ] as const) {
    it(`a transfer that moves only while under the quota averages about the limit (${limit} B/s, ${windows} windows)`, () => {
      const s = side('follower', { 'follower.replication.throttled.rate': String(limit), 'replication.quota.window.num': String(windows) }, {});
      const chunk = 64 * 1024;
      let moved = 0;
      const seconds = 120;
      for (let now = 0; now < seconds * 1000; now += 10) {
        if (s.isQuotaExceeded(now)) continue;
        s.record(chunk, now);
        moved += chunk;
      }
      // The first windows allow a burst of up to (windows - 1) seconds of the limit; then the limit holds.
      const allowance = (windows - 1) * limit + 2 * chunk;
      expect(moved).toBeGreaterThan(seconds * limit * 0.85);
      expect(moved).toBeLessThan(seconds * limit + allowance);
    });
  }
});

describe('leader side in readAsReplica', () => {
  const state: PartitionImage = { partition: 0, replicas: [1, 2, 3], isr: [1, 2], leader: 1, leaderEpoch: 0, partitionEpoch: 0 };
  const control = { alterPartition: () => Promise.resolve({ ok: false as const, reason: 'unknown' as const }) };

  async function leaderWith(topicConfigs: Record<string, string>) {
    const leaderThrottle = side('leader', { 'leader.replication.throttled.rate': '1000' }, { t: topicConfigs });
    const leader = new ReplicatedPartition(new MemoryLog('t', 0, () => baseConfig), { nodeId: 1, control, minInsyncReplicas: () => 1, lagTimeMaxMs: () => 10_000, log: silentLogger, leaderThrottle });
    await leader.makeLeader(state);
    for (let i = 0; i < 5; i++) {
      const b = batch(10);
      await leader.append(b, validateProducedBatch(b), undefined, 1).written;
    }
    return { leader, leaderThrottle };
  }

  it('serves nothing to a throttled follower outside the ISR once the rate is exceeded, and counts what it served', async () => {
    const { leader, leaderThrottle } = await leaderWith({ 'leader.replication.throttled.replicas': '0:1' });
    const first = await leader.readAsReplica(3, 0, 1 << 20);
    expect(first.records.length).toBeGreaterThan(0);
    expect(leaderThrottle.measured()).toBeGreaterThan(0);
    leaderThrottle.record(1_000_000);
    expect(leaderThrottle.isQuotaExceeded()).toBe(true);
    expect((await leader.readAsReplica(3, 0, 1 << 20)).records.length).toBe(0);
    // Follower 2 is in the ISR: never held back.
    expect((await leader.readAsReplica(2, 0, 1 << 20)).records.length).toBeGreaterThan(0);
  });

  it('a partition the list does not name for this broker is not throttled', async () => {
    const { leader, leaderThrottle } = await leaderWith({ 'leader.replication.throttled.replicas': '0:2' });
    leaderThrottle.record(1_000_000);
    expect((await leader.readAsReplica(3, 0, 1 << 20)).records.length).toBeGreaterThan(0);
  });
});

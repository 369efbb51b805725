/**
 * Fetch from follower (KIP-392): Kafka's RackAwareReplicaSelector as Runnel applies it, the
 * candidates a leader offers it (ReplicaManager.findPreferredReadReplica: in-sync followers holding
 * the fetch offset), and a follower serving a consumer up to the high watermark it has.
 */
import { describe, expect, it } from 'vitest';
import { preferredReadReplica, rackAwareReplicaSelector, replicaSelectorFor, RACK_AWARE_REPLICA_SELECTOR, type ReplicaView } from '../../src/replication/replica-selector.js';
import { ReplicatedPartition } from '../../src/replication/replicated-partition.js';
import { MemoryLog } from '../../src/storage/memory-log.js';
import { validateProducedBatch } from '../../src/protocol/record-batch.js';
import type { AlterResult, PartitionStateChange } from '../../src/cluster/control.js';
import type { PartitionImage } from '../../src/cluster/metadata-image.js';
import { silentLogger } from '../../src/util/logger.js';
import { BrokerConfig } from '../../src/config/config.js';
import { baseConfig, batch } from '../storage/helpers.js';

const view = (id: number, rack: string | null, logEndOffset = 10, timeSinceLastCaughtUpMs = 0): ReplicaView => ({ id, rack, logEndOffset, timeSinceLastCaughtUpMs });

describe('RackAwareReplicaSelector', () => {
  const leader = view(1, 'r1');
  const replicas = [leader, view(2, 'r2', 10, 50), view(3, 'r3'), view(4, 'r2', 10, 10), view(5, 'r2', 8, 0)];

  it('sends a client in a follower-only rack to its most caught-up replica (log end, then time since caught up)', () => {
    expect(rackAwareReplicaSelector('r2', { leader, replicas })?.id).toBe(4);
    expect(rackAwareReplicaSelector('r3', { leader, replicas })?.id).toBe(3);
  });

  it('keeps the leader for a client in its rack, with no rack, or in a rack with no replica', () => {
    expect(rackAwareReplicaSelector('r1', { leader, replicas: [...replicas, view(6, 'r1', 11)] })?.id).toBe(1);
    expect(rackAwareReplicaSelector('', { leader, replicas })?.id).toBe(1);
    expect(rackAwareReplicaSelector('nowhere', { leader, replicas })?.id).toBe(1);
    expect(rackAwareReplicaSelector('x'.repeat(10_000), { leader, replicas })?.id).toBe(1);
  });

  it('compares racks exactly (as Kafka 4 does) and never matches a broker without a rack', () => {
    expect(rackAwareReplicaSelector('R2', { leader, replicas })?.id).toBe(1);
    expect(rackAwareReplicaSelector('', { leader, replicas: [leader, view(7, null)] })?.id).toBe(1);
  });

  it('names no preferred read replica when the leader is chosen or there is no selector', () => {
    expect(preferredReadReplica(rackAwareReplicaSelector, 'r2', { leader, replicas })).toBe(4);
    expect(preferredReadReplica(rackAwareReplicaSelector, 'r1', { leader, replicas })).toBe(-1);
    expect(preferredReadReplica(undefined, 'r2', { leader, replicas })).toBe(-1);
  });

  it('is what replica.selector.class names; other class names are refused at start-up', () => {
    expect(replicaSelectorFor(undefined)).toBeUndefined();
    expect(replicaSelectorFor(RACK_AWARE_REPLICA_SELECTOR)).toBe(rackAwareReplicaSelector);
    expect(() => replicaSelectorFor('com.example.Mine')).toThrow(/replica.selector.class/);
    expect(new BrokerConfig({ 'replica.selector.class': RACK_AWARE_REPLICA_SELECTOR }).get('replica.selector.class')).toBe(RACK_AWARE_REPLICA_SELECTOR);
    expect(() => new BrokerConfig({ 'replica.selector.class': 'com.example.Mine' })).toThrow();
  });
});

class FakeControl {
  state: PartitionImage = { partition: 0, replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1, leaderEpoch: 4, partitionEpoch: 0 };
  alterPartition(_t: string, _p: number, partitionEpoch: number, change: PartitionStateChange): Promise<AlterResult> {
    if (partitionEpoch !== this.state.partitionEpoch) return Promise.resolve({ ok: false, reason: 'stale' });
    this.state = { ...this.state, isr: change.isr, partitionEpoch: this.state.partitionEpoch + 1 };
    return Promise.resolve({ ok: true, state: this.state });
  }
}

describe('read replica candidates on the leader', () => {
  it('are the in-sync followers whose log end has reached the fetch offset', async () => {
    const control = new FakeControl();
    const leader = new ReplicatedPartition(new MemoryLog('t', 0, () => baseConfig), { nodeId: 1, control, minInsyncReplicas: () => 1, lagTimeMaxMs: () => 60_000, log: silentLogger });
    await leader.makeLeader(control.state);
    const b = batch(5);
    await leader.append(b, validateProducedBatch(b), undefined, 1).written;
    expect(leader.readReplicaCandidates(0)).toEqual([]); // no follower has fetched yet
    await leader.readAsReplica(2, 5, 1 << 20);
    await leader.readAsReplica(3, 2, 1 << 20);
    expect(leader.readReplicaCandidates(0).map((c) => [c.id, c.logEndOffset])).toEqual([[2, 5], [3, 2]]);
    expect(leader.readReplicaCandidates(3).map((c) => c.id)).toEqual([2]);
    expect(leader.readReplicaCandidates(6)).toEqual([]);
    leader.updateState({ ...control.state, isr: [1, 3], partitionEpoch: 7 });
    expect(leader.readReplicaCandidates(0).map((c) => c.id)).toEqual([3]);
  });
});

describe('a follower serving a consumer', () => {
  it('reads up to the high watermark it has from its leader, empty between it and its log end, out of range past the end', async () => {
    const control = new FakeControl();
    const leaderLog = new MemoryLog('t', 0, () => baseConfig);
    const leader = new ReplicatedPartition(leaderLog, { nodeId: 1, control, minInsyncReplicas: () => 1, lagTimeMaxMs: () => 60_000, log: silentLogger });
    await leader.makeLeader(control.state);
    const follower = new ReplicatedPartition(new MemoryLog('t', 0, () => baseConfig), { nodeId: 2, control, minInsyncReplicas: () => 1, lagTimeMaxMs: () => 60_000, log: silentLogger });
    follower.makeFollower(control.state);
    for (const n of [3, 2]) {
      const b = batch(n);
      await leader.append(b, validateProducedBatch(b), undefined, 1).written;
    }
    // First fetch: the follower gets both batches and the leader's high watermark of then (0).
    const first = await leader.readAsReplica(2, 0, 1 << 20);
    await follower.appendFromLeader(first.records, first.highWatermark, first.logStartOffset);
    expect(follower.logEndOffset).toBe(5);
    expect(follower.highWatermark).toBe(0);
    const read = (offset: number) => follower.read(offset, 1 << 20, { minOneBatch: true, isolation: 'read_uncommitted' });
    expect((await read(0)).records.length).toBe(0);
    let woken = false;
    follower.onHighWatermark(() => (woken = true));
    // Broker 3 is in the ISR too: the high watermark moves once both have fetched to the end.
    await leader.readAsReplica(3, 0, 1 << 20);
    await leader.readAsReplica(3, 5, 1 << 20);
    const second = await leader.readAsReplica(2, 5, 1 << 20);
    expect(second.highWatermark).toBe(5);
    await follower.appendFromLeader(second.records, second.highWatermark, second.logStartOffset);
    expect(woken).toBe(true); // a consumer's long poll on the follower wakes
    const all = await read(0);
    expect(all.highWatermark).toBe(5);
    expect(all.records.length).toBeGreaterThan(0);
    expect((await read(5)).records.length).toBe(0);
    await expect(read(6)).rejects.toMatchObject({ errorCode: 1 }); // OFFSET_OUT_OF_RANGE past its log end
  });
});

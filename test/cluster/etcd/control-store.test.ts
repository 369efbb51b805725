/** Partition compare-and-swap, topic transactions and producer id blocks against a real etcd. */
import { describe, expect, it } from 'vitest';
import type { EtcdControl } from '../../../src/cluster/etcd/etcd-control.js';
import { randomTopicId } from '../../../src/cluster/uuid.js';
import { newPrefix, openBroker, until, useTestEtcd } from './brokers.js';

const etcd = useTestEtcd();

async function brokers(...ids: number[]): Promise<EtcdControl[]> {
  const prefix = newPrefix();
  const out: EtcdControl[] = [];
  for (const id of ids) {
    const c = await openBroker(etcd.endpoints, prefix, id);
    etcd.closeAfterTest(c);
    out.push(c);
  }
  return out;
}

describe('partition compare-and-swap', () => {
  it('refuses a stale partition epoch and bumps the epochs on success', async () => {
    const [a, b] = await brokers(1, 2);
    await a.createTopic('t', randomTopicId(), {}, [[1, 2]]);
    const ok = await a.alterPartition('t', 0, 0, { leader: 1, isr: [1] });
    expect(ok).toMatchObject({ ok: true, state: { leader: 1, isr: [1], leaderEpoch: 0, partitionEpoch: 1 } });
    // The image of the writer has it when the call returns.
    expect(a.image().partition('t', 0)).toMatchObject({ isr: [1], partitionEpoch: 1 });
    expect(await a.alterPartition('t', 0, 0, { leader: 1, isr: [1, 2] })).toEqual({ ok: false, reason: 'stale' });
    // A broker whose cached revision is behind still succeeds with the right epoch (re-read), and a
    // new leader bumps the leader epoch.
    const moved = await b.alterPartition('t', 0, 1, { leader: 2, isr: [2] });
    expect(moved).toMatchObject({ ok: true, state: { leader: 2, isr: [2], leaderEpoch: 1, partitionEpoch: 2 } });
    expect(await a.alterPartition('t', 9, 0, { leader: 1, isr: [1] })).toEqual({ ok: false, reason: 'unknown' });
    expect(await a.alterPartition('nope', 0, 0, { leader: 1, isr: [1] })).toEqual({ ok: false, reason: 'unknown' });
  });

  it('of two concurrent changes from the same epoch exactly one wins', async () => {
    const [a, b] = await brokers(1, 2);
    await a.createTopic('t', randomTopicId(), {}, [[1, 2]]);
    await until(b, 'topic on b', (i) => i.topic('t') !== undefined);
    for (let round = 0; round < 5; round++) {
      const epoch = a.image().partition('t', 0)!.partitionEpoch;
      const results = await Promise.all([a.alterPartition('t', 0, epoch, { leader: 1, isr: [1] }), b.alterPartition('t', 0, epoch, { leader: 1, isr: [1, 2] })]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'stale' }]);
      await until(a, 'epoch moved by one', (i) => i.partition('t', 0)!.partitionEpoch === epoch + 1);
    }
  });

  it('refuses a change from a broker that is not registered (fenced)', async () => {
    const [a] = await brokers(1, 2);
    await a.createTopic('t', randomTopicId(), {}, [[1, 2]]);
    await a.crash();
    expect(await a.alterPartition('t', 0, 0, { leader: 1, isr: [1] })).toEqual({ ok: false, reason: 'fenced' });
  });

  it('a write guarded by a controller key that is no longer the one it created is fenced', async () => {
    const [a] = await brokers(1, 2);
    await a.createTopic('t', randomTopicId(), {}, [[1, 2]]);
    const key = a.keys.controller;
    await a.client.put(key).value(JSON.stringify({ brokerId: 1, epoch: 1 }));
    const created = String((await a.client.get(key).exec()).kvs[0].create_revision);
    const decide = () => ({ leader: 2, isr: [2] });
    // Re-created (another controller since): the old create revision no longer matches.
    await a.client.delete().key(key);
    await a.client.put(key).value(JSON.stringify({ brokerId: 2, epoch: 2 }));
    expect(await a.casPartition('t', 0, { key, target: 'Create', value: created }, decide)).toEqual({ ok: false, reason: 'fenced' });
    expect(a.image().partition('t', 0)).toMatchObject({ leader: 1, partitionEpoch: 0 });
    const current = String((await a.client.get(key).exec()).kvs[0].create_revision);
    expect(await a.casPartition('t', 0, { key, target: 'Create', value: current }, decide)).toMatchObject({ ok: true, state: { leader: 2, leaderEpoch: 1 } });
  });

  it('refuses a change that is not a valid partition state', async () => {
    const [a] = await brokers(1, 2);
    await a.createTopic('t', randomTopicId(), {}, [[1, 2]]);
    await expect(a.alterPartition('t', 0, 0, { leader: 3, isr: [3] })).rejects.toThrow(/not a replica/);
    await expect(a.alterPartition('t', 0, 0, { leader: 2, isr: [1] })).rejects.toThrow(/not in the ISR/);
    expect(a.image().partition('t', 0)!.partitionEpoch).toBe(0);
  });
});

describe('topics in etcd', () => {
  it('create, add partitions, configs and delete are seen by another broker', async () => {
    const [a, b] = await brokers(1, 2);
    const id = randomTopicId();
    expect(await a.createTopic('orders', id, { 'retention.ms': '1000' }, [[1, 2], [2, 1]])).toBe('created');
    expect(await b.createTopic('orders', randomTopicId(), {}, [[2]])).toBe('exists');
    const seen = await until(b, 'orders on b', (i) => i.topic('orders') !== undefined);
    expect(seen.topic('orders')).toMatchObject({ id, partitions: 2, configs: { 'retention.ms': '1000' } });
    expect(seen.partition('orders', 1)).toMatchObject({ replicas: [2, 1], leader: 2, isr: [2, 1], leaderEpoch: 0, partitionEpoch: 0 });
    expect(await b.addPartitions('orders', [[1], [2]])).toBe('added');
    expect(b.image().topic('orders')!.partitions).toBe(4);
    await until(a, 'four partitions on a', (i) => i.topic('orders')?.partitions === 4);
    expect(a.image().partition('orders', 3)).toMatchObject({ replicas: [2], leader: 2, isr: [2] });
    expect(await a.setTopicConfigs('orders', { 'cleanup.policy': 'compact' })).toBe(true);
    await until(b, 'configs on b', (i) => i.topic('orders')?.configs['cleanup.policy'] === 'compact');
    expect(b.image().topic('orders')!.configs).toEqual({ 'cleanup.policy': 'compact' });
    expect(await b.deleteTopic('orders')).toBe(true);
    expect(await b.deleteTopic('orders')).toBe(false);
    await until(a, 'orders gone on a', (i) => i.topic('orders') === undefined);
    // Recreated: a new id, fresh partition states (none left over from the deleted topic).
    expect(await a.createTopic('orders', randomTopicId(), {}, [[1]])).toBe('created');
    expect(a.image().topic('orders')).toMatchObject({ partitions: 1 });
    expect(a.image().topic('orders')!.id).not.toBe(id);
    expect(await a.addPartitions('missing', [[1]])).toBe('unknown');
    expect(await a.setTopicConfigs('missing', {})).toBe(false);
  });

  it('initial partition state: leader is the first live replica, ISR the live replicas', async () => {
    const [a] = await brokers(1, 3);
    await a.createTopic('t', randomTopicId(), {}, [[2, 3, 1], [2]]);
    expect(a.image().partition('t', 0)).toMatchObject({ replicas: [2, 3, 1], leader: 3, isr: [3, 1] });
    expect(a.image().partition('t', 1)).toMatchObject({ replicas: [2], leader: -1 });
  });
});

describe('producer id blocks', () => {
  it('never hands the same id to two brokers', async () => {
    const [a, b] = await brokers(1, 2);
    const blocks = await Promise.all([...Array(10)].map((_, i) => (i % 2 ? a : b).allocateProducerIdBlock(1000)));
    const sorted = blocks.map((x) => [x.start, x.end]).sort((x, y) => (x[0] < y[0] ? -1 : 1));
    expect(sorted[0][0]).toBe(0n);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i][0]).toBe(sorted[i - 1][1]);
    expect(sorted[sorted.length - 1][1]).toBe(10_000n);
  });
});

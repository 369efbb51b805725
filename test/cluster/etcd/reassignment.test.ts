/**
 * Partition reassignment against a real etcd (control stores and controllers, no broker
 * processes): a reassignment is stored with its adding/removing replicas, survives the leader's
 * ISR changes, completes when the controller sees every added replica in sync, and can be
 * cancelled back to the original replicas.
 */
import { describe, expect, it } from 'vitest';
import { randomTopicId } from '../../../src/cluster/uuid.js';
import { EtcdReassignments } from '../../../src/cluster/etcd/reassignment.js';
import { liveIds, newPrefix, openNode, until, type Node, useTestEtcd } from './brokers.js';

const etcd = useTestEtcd();

async function cluster(ids: number[]): Promise<Map<number, Node>> {
  const prefix = newPrefix();
  const byId = new Map<number, Node>();
  for (const id of ids) byId.set(id, etcd.closeAfterTest(await openNode(etcd.endpoints, prefix, id)));
  await until(byId.get(ids[0])!.control, 'all brokers and a controller', (i) => liveIds(i).join() === [...ids].sort().join() && i.controllerId !== -1);
  return byId;
}

describe('partition reassignment in etcd', () => {
  it('adds, catches up (ISR expansion by the leader), completes: replicas = target, ISR shrinks, the leader moves', async () => {
    const byId = await cluster([1, 2, 3]);
    const c2 = byId.get(2)!.control;
    const c1 = byId.get(1)!.control;
    await c2.createTopic('t', randomTopicId(), {}, [[1, 2]]);
    await until(c2, 'topic t', (i) => i.partition('t', 0)?.leader === 1);
    const reassign = new EtcdReassignments(c2, () => false);
    expect(await reassign.alter('t', 0, [2, 3])).toBeUndefined();
    const moving = await until(c1, 'reassignment seen by broker 1', (i) => (i.partition('t', 0)?.addingReplicas?.length ?? 0) > 0);
    expect(moving.partition('t', 0)).toMatchObject({ replicas: [2, 3, 1], isr: [1, 2], leader: 1, addingReplicas: [3], removingReplicas: [1] });
    // The leader's ISR expansion keeps the reassignment; the controller then completes it.
    const p = moving.partition('t', 0)!;
    const expanded = await c1.alterPartition('t', 0, p.partitionEpoch, { leader: 1, isr: [1, 2, 3] });
    expect(expanded.ok).toBe(true);
    const done = await until(c1, 'reassignment completed', (i) => i.partition('t', 0)?.addingReplicas === undefined && i.partition('t', 0)?.leader === 2);
    expect(done.partition('t', 0)).toMatchObject({ replicas: [2, 3], isr: [2, 3], leader: 2, leaderEpoch: 1 });
    expect(done.partition('t', 0)!.removingReplicas).toBeUndefined();
  });

  it('cancel reverts to the original replicas; a cancel with nothing in progress is NO_REASSIGNMENT_IN_PROGRESS', async () => {
    const byId = await cluster([1, 2, 3]);
    const c1 = byId.get(1)!.control;
    await c1.createTopic('t', randomTopicId(), {}, [[1, 2]]);
    await until(c1, 'topic t', (i) => i.partition('t', 0)?.leader === 1);
    const reassign = new EtcdReassignments(c1, () => false);
    expect(await reassign.alter('t', 0, null)).toEqual({ errorCode: 85, message: 'No partition reassignment is in progress.' });
    expect(await reassign.alter('t', 0, [3])).toBeUndefined();
    expect(c1.image().partition('t', 0)).toMatchObject({ replicas: [3, 1, 2], addingReplicas: [3], removingReplicas: [1, 2], isr: [1, 2] });
    // Not in sync: nothing completes however long it waits.
    await new Promise((r) => setTimeout(r, 1000));
    expect(c1.image().partition('t', 0)?.addingReplicas).toEqual([3]);
    expect(await reassign.alter('t', 0, null)).toBeUndefined();
    const back = c1.image().partition('t', 0)!;
    expect(back).toMatchObject({ replicas: [1, 2], isr: [1, 2], leader: 1 });
    expect(back.addingReplicas).toBeUndefined();
    expect(await reassign.alter('nope', 0, [1])).toMatchObject({ errorCode: 3 });
  });
});

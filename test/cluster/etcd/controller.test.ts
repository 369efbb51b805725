/**
 * The controller against a real etcd: one at a time, failover, leader election on a broker's
 * death, offline partitions and their recovery, unclean election, controlled shutdown.
 */
import { describe, expect, it } from 'vitest';
import { randomTopicId } from '../../../src/cluster/uuid.js';
import { liveIds, newPrefix, openNode, until, type Node, useTestEtcd } from './brokers.js';

const etcd = useTestEtcd();

async function cluster(ids: number[], unclean = false): Promise<{ prefix: string; byId: Map<number, Node> }> {
  const prefix = newPrefix();
  const byId = new Map<number, Node>();
  for (const id of ids) {
    const n = await openNode(etcd.endpoints, prefix, id, unclean);
    etcd.closeAfterTest(n);
    byId.set(id, n);
  }
  const any = byId.get(ids[0])!;
  await until(any.control, 'all brokers and a controller', (i) => liveIds(i).join() === [...ids].sort().join() && i.controllerId !== -1);
  return { prefix, byId };
}

async function rejoin(prefix: string, id: number, unclean = false): Promise<Node> {
  const n = await openNode(etcd.endpoints, prefix, id, unclean);
  etcd.closeAfterTest(n);
  return n;
}

const actives = (ns: Iterable<Node>) => [...ns].filter((n) => n.controller.active).map((n) => n.id);

describe('controller', () => {
  it('one controller at a time, and another takes over when it dies', async () => {
    const { byId } = await cluster([1, 2, 3]);
    await until(byId.get(1)!.control, 'controller elected', () => actives(byId.values()).length === 1);
    const first = actives(byId.values())[0];
    const epoch = byId.get(first)!.controller.controllerEpoch;
    expect(epoch).toBeGreaterThanOrEqual(1);
    for (const n of byId.values()) await until(n.control, `broker ${n.id} sees controller ${first}`, (i) => i.controllerId === first);
    // The invariant: never two active controllers. Sampled now and every 10 ms (a loaded machine may
    // not get a tick in before the crash or after the takeover, so the count seen may stay below 1).
    let maxActive = actives(byId.values()).length;
    const sampler = setInterval(() => (maxActive = Math.max(maxActive, actives(byId.values()).length)), 10);
    try {
      await byId.get(first)!.crash();
      const survivor = [...byId.values()].find((n) => n.id !== first)!;
      await until(survivor.control, 'a new controller', (i) => i.controllerId !== -1 && i.controllerId !== first, 15_000);
      await until(survivor.control, 'the new controller active', () => actives(byId.values()).length === 1);
      const second = actives(byId.values())[0];
      expect(second).not.toBe(first);
      expect(byId.get(second)!.controller.controllerEpoch).toBe(epoch + 1);
    } finally {
      clearInterval(sampler);
    }
    expect(maxActive).toBe(1); // one before the crash, and never two
  });

  it('elects a new leader from the ISR when the leader dies, and drops the dead broker from ISRs it followed', async () => {
    const { byId } = await cluster([1, 2, 3]);
    const c2 = byId.get(2)!.control;
    expect(await c2.createTopic('t', randomTopicId(), {}, [[1, 2, 3], [2, 1, 3], [3, 2]])).toBe('created');
    const before = await until(c2, 'topic t', (i) => i.topic('t') !== undefined);
    expect(before.partition('t', 0)).toMatchObject({ leader: 1, isr: [1, 2, 3], leaderEpoch: 0, partitionEpoch: 0 });
    await byId.get(1)!.crash();
    const after = await until(c2, 'partition 0 led by 2', (i) => i.partition('t', 0)?.leader === 2, 15_000);
    expect(after.partition('t', 0)).toMatchObject({ leader: 2, isr: [2, 3], leaderEpoch: 1 });
    const p1 = (await until(c2, 'broker 1 out of partition 1 ISR', (i) => !i.partition('t', 1)!.isr.includes(1))).partition('t', 1)!;
    expect(p1).toMatchObject({ leader: 2, isr: [2, 3], leaderEpoch: 0 });
    expect(p1.partitionEpoch).toBe(1);
    // A partition broker 1 had no part in is untouched.
    expect(c2.image().partition('t', 2)).toMatchObject({ leader: 3, isr: [3, 2], leaderEpoch: 0, partitionEpoch: 0 });
  });

  it('leaves a partition offline when its last ISR member dies, and elects it again when it returns', async () => {
    const { prefix, byId } = await cluster([1, 2]);
    const c1 = byId.get(1)!.control;
    const c2 = byId.get(2)!.control;
    await c1.createTopic('t', randomTopicId(), {}, [[1, 2]]);
    await until(c1, 'topic t', (i) => i.topic('t') !== undefined);
    // The leader shrinks the ISR to itself (broker 2 fell behind).
    const shrunk = await c1.alterPartition('t', 0, 0, { leader: 1, isr: [1] });
    expect(shrunk).toMatchObject({ ok: true, state: { leader: 1, isr: [1], leaderEpoch: 0, partitionEpoch: 1 } });
    await byId.get(1)!.crash();
    await until(c2, 'partition offline', (i) => i.partition('t', 0)?.leader === -1, 15_000);
    expect(c2.image().partition('t', 0)).toMatchObject({ leader: -1, isr: [1], leaderEpoch: 1 });
    // Not elected out of sync, however long it waits.
    await new Promise((r) => setTimeout(r, 1500));
    expect(c2.image().partition('t', 0)).toMatchObject({ leader: -1, isr: [1] });
    await rejoin(prefix, 1);
    const back = await until(c2, 'broker 1 leads again', (i) => i.partition('t', 0)?.leader === 1, 15_000);
    expect(back.partition('t', 0)).toMatchObject({ leader: 1, isr: [1], leaderEpoch: 2 });
  });

  it('elects an out-of-sync replica when the topic allows unclean election', async () => {
    const { byId } = await cluster([1, 2]);
    const c1 = byId.get(1)!.control;
    const c2 = byId.get(2)!.control;
    await c1.createTopic('clean', randomTopicId(), {}, [[1, 2]]);
    await c1.createTopic('unclean', randomTopicId(), { 'unclean.leader.election.enable': 'true' }, [[1, 2]]);
    await until(c1, 'topics', (i) => i.topics().length === 2);
    for (const t of ['clean', 'unclean']) expect((await c1.alterPartition(t, 0, 0, { leader: 1, isr: [1] })).ok).toBe(true);
    await byId.get(1)!.crash();
    const after = await until(c2, 'unclean partition led by 2', (i) => i.partition('unclean', 0)?.leader === 2, 15_000);
    expect(after.partition('unclean', 0)).toMatchObject({ leader: 2, isr: [2], leaderEpoch: 1 });
    await until(c2, 'clean partition offline', (i) => i.partition('clean', 0)?.leader === -1);
    expect(c2.image().partition('clean', 0)).toMatchObject({ leader: -1, isr: [1] });
  });

  it('the broker default allows unclean election when the topic does not say', async () => {
    const { byId } = await cluster([1, 2], true);
    const c1 = byId.get(1)!.control;
    await c1.createTopic('t', randomTopicId(), {}, [[1, 2]]);
    await c1.createTopic('strict', randomTopicId(), { 'unclean.leader.election.enable': 'false' }, [[1, 2]]);
    await until(c1, 'topics', (i) => i.topics().length === 2);
    for (const t of ['t', 'strict']) expect((await c1.alterPartition(t, 0, 0, { leader: 1, isr: [1] })).ok).toBe(true);
    await byId.get(1)!.crash();
    const c2 = byId.get(2)!.control;
    await until(c2, 'unclean election by default', (i) => i.partition('t', 0)?.leader === 2, 15_000);
    await until(c2, 'strict topic offline', (i) => i.partition('strict', 0)?.leader === -1);
  });

  it('controlled shutdown moves leaderships away and takes the broker out of ISRs', async () => {
    const { byId } = await cluster([1, 2, 3]);
    const c1 = byId.get(1)!.control;
    await c1.createTopic('t', randomTopicId(), {}, [[1, 2, 3], [2, 1, 3], [1]]);
    await until(c1, 'topic t', (i) => i.topic('t') !== undefined);
    const moved = await c1.requestControlledShutdown(15_000);
    expect(moved).toBe(true);
    const image = c1.image();
    expect(image.partition('t', 0)).toMatchObject({ leader: 2, isr: [2, 3], leaderEpoch: 1 });
    await until(c1, 'out of partition 1 ISR', (i) => i.partition('t', 1)!.isr.join() === '2,3');
    // Its only replica: it keeps leading until it stops.
    expect(image.partition('t', 2)).toMatchObject({ leader: 1, isr: [1] });
    expect(liveIds(image)).toEqual([1, 2, 3]);
  });
});

/** Brokers register under leases in a real etcd; the registration dies with the lease and comes back with etcd. */
import { describe, expect, it } from 'vitest';
import type { EtcdControl } from '../../../src/cluster/etcd/etcd-control.js';
import { NodeIdInUseError } from '../../../src/cluster/etcd/session.js';
import { liveIds, newPrefix, openBroker, until, useTestEtcd } from './brokers.js';

const etcd = useTestEtcd();

async function broker(prefix: string, id: number): Promise<EtcdControl> {
  const c = await openBroker(etcd.endpoints, prefix, id);
  etcd.closeAfterTest(c);
  return c;
}

describe('etcd registration', () => {
  it('one cluster id per prefix, and every broker sees every live registration', async () => {
    const prefix = newPrefix();
    const a = await broker(prefix, 1);
    const b = await broker(prefix, 2);
    expect(a.registered).toBe(true);
    expect(b.registered).toBe(true);
    expect(a.image().clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(b.image().clusterId).toBe(a.image().clusterId);
    await until(a, 'both brokers in broker 1 image', (i) => liveIds(i).join() === '1,2');
    expect(liveIds(b.image())).toEqual([1, 2]);
    expect(b.image().broker(1)?.endpoints[0]).toEqual({ listener: 'PLAINTEXT', host: '127.0.0.1', port: 9001 });
    const other = await broker(newPrefix(), 1);
    expect(other.image().clusterId).not.toBe(a.image().clusterId);
    expect(liveIds(other.image())).toEqual([1]);
  });

  it('refuses a node id a live broker holds, with a clear error', async () => {
    const prefix = newPrefix();
    await broker(prefix, 1);
    await expect(openBroker(etcd.endpoints, prefix, 1)).rejects.toBeInstanceOf(NodeIdInUseError);
    await expect(openBroker(etcd.endpoints, prefix, 1)).rejects.toThrow(/already registered/);
  });

  it('a broker restarted right after a crash waits for its previous incarnation\'s lease to expire, then registers', async () => {
    const prefix = newPrefix();
    const a = await broker(prefix, 1);
    const old = await openBroker(etcd.endpoints, prefix, 2);
    await until(a, 'two brokers', (i) => liveIds(i).join() === '1,2');
    const crashedAt = Date.now();
    await old.crash();
    const again = await broker(prefix, 2);
    expect(again.registered).toBe(true);
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(1000);
    await until(a, 'broker 2 registered again', (i) => liveIds(i).join() === '1,2');
  });

  it('a clean close removes the registration at once; a crash only when the lease expires', async () => {
    const prefix = newPrefix();
    const a = await broker(prefix, 1);
    const b = await openBroker(etcd.endpoints, prefix, 2);
    const c = await openBroker(etcd.endpoints, prefix, 3);
    await until(a, 'three brokers', (i) => liveIds(i).join() === '1,2,3');
    await b.close();
    await until(a, 'broker 2 gone after close', (i) => liveIds(i).join() === '1,3', 1000);
    const crashedAt = Date.now();
    await c.crash();
    // Still registered right after the crash: the lease lives on for the session timeout.
    await new Promise((r) => setTimeout(r, 300));
    expect(liveIds(a.image())).toEqual([1, 3]);
    await until(a, 'broker 3 gone when its lease expired', (i) => liveIds(i).join() === '1', 10_000);
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(1000);
    // The id is free again.
    const c2 = await broker(prefix, 3);
    expect(c2.registered).toBe(true);
  });

  it('re-registers under a new lease when etcd is restarted under a registered broker', async () => {
    const prefix = newPrefix();
    const a = await broker(prefix, 1);
    const events: boolean[] = [];
    a.onRegistration((r) => events.push(r));
    const leaseBefore = a.session.currentLeaseId;
    etcd.server.kill();
    // Away for longer than the session timeout: the broker must count itself unregistered.
    const deadline = Date.now() + 10_000;
    while (a.registered && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(a.registered).toBe(false);
    expect(events).toEqual([false]);
    await etcd.server.restart();
    const back = Date.now() + 15_000;
    while (!a.registered && Date.now() < back) await new Promise((r) => setTimeout(r, 50));
    expect(a.registered).toBe(true);
    expect(events).toEqual([false, true]);
    expect(a.session.currentLeaseId).not.toBe(leaseBefore);
    // The new registration is what etcd holds, and the watch delivers changes again.
    const b = await broker(prefix, 2);
    await until(a, 'broker 2 seen after the restart', (i) => liveIds(i).join() === '1,2');
    expect(liveIds(b.image())).toEqual([1, 2]);
  });
});

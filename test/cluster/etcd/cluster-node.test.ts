/** A cluster node wired from broker configuration, and a registration lost from under a running broker. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Etcd3 } from 'etcd3';
import { startEtcd, type TestEtcd } from '../../helpers/etcd.js';
import { BrokerConfig } from '../../../src/config/config.js';
import { clusterConfigured, openClusterNode } from '../../../src/cluster/etcd/cluster-node.js';
import { silentLogger } from '../../../src/util/logger.js';
import { liveIds, newPrefix, openBroker, until } from './brokers.js';

let etcd: TestEtcd;

beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.stop();
});

const broker = (id: number) => ({ id, endpoints: [{ listener: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + id }], rack: null });

describe('cluster node from configuration', () => {
  it('is configured only with etcd endpoints', () => {
    expect(clusterConfigured(new BrokerConfig({}))).toBe(false);
    expect(clusterConfigured(new BrokerConfig({ 'runnel.etcd.endpoints': '127.0.0.1:2379' }))).toBe(true);
  });

  it('joins under the configured prefix, places topics with the default replication factor, and leaves after a controlled shutdown', async () => {
    const prefix = newPrefix();
    const settings = { 'runnel.etcd.endpoints': etcd.endpoints, 'runnel.etcd.prefix': prefix, 'broker.session.timeout.ms': 3000, 'broker.heartbeat.interval.ms': 250, 'default.replication.factor': 2 };
    const n1 = await openClusterNode(new BrokerConfig({ ...settings, 'node.id': 1 }), broker(1), silentLogger);
    const n2 = await openClusterNode(new BrokerConfig({ ...settings, 'node.id': 2 }), broker(2), silentLogger);
    try {
      await until(n1.control, 'both and a controller', (i) => liveIds(i).join() === '1,2' && i.controllerId !== -1);
      const t = await n1.metadata.create('auto', 4);
      for (const p of n1.metadata.image().topic(t.name)!.partitionStates) expect(p.replicas).toHaveLength(2);
      await until(n2.control, 'auto on 2', (i) => i.topic('auto') !== undefined);
      // What broker 2 saw broker 1 lead in the last image that still had broker 1.
      let ledWhenLeaving: number[] | undefined;
      n2.control.onImage((next, prev) => {
        if (prev.broker(1) && !next.broker(1)) ledWhenLeaving = prev.topic('auto')!.partitionStates.filter((p) => p.leader === 1).map((p) => p.partition);
      });
      await n1.close({ controlledShutdownTimeoutMs: 10_000 });
      const after = await until(n2.control, 'broker 1 gone', (i) => liveIds(i).join() === '2', 2000);
      // Leaderships moved before it left: none was left to an election after its death.
      expect(ledWhenLeaving).toEqual([]);
      for (const p of after.topic('auto')!.partitionStates) expect(p.leader).toBe(2);
    } finally {
      await n1.close();
      await n2.close();
    }
  });

  it('a lease that ends under a running broker: unregistered, then registered again', async () => {
    const prefix = newPrefix();
    const a = await openBroker(etcd.endpoints, prefix, 1);
    const events: boolean[] = [];
    a.onRegistration((r) => events.push(r));
    const other = new Etcd3({ hosts: `http://${etcd.endpoints}` });
    try {
      const lease = a.session.currentLeaseId;
      await other.leaseClient.leaseRevoke({ ID: lease });
      await until(a, 'registered again', () => events.join() === 'false,true', 10_000);
      expect(a.registered).toBe(true);
      expect(a.session.currentLeaseId).not.toBe(lease);
      await until(a, 'in the image again', (i) => liveIds(i).join() === '1');
    } finally {
      other.close();
      await a.close();
    }
  });
});

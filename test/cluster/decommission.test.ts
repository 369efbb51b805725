/**
 * Decommissioning a broker in a three-broker cluster (real processes, real etcd), with the tools
 * as spawned processes: `runnel topics --create --replica-assignment` places partitions on chosen
 * brokers (and CreatePartitions/CreateTopics refuse a bad assignment with Kafka's messages);
 * `runnel cluster unregister` refuses a live broker and one still named as a replica, and once
 * the broker is stopped and its partitions gone, forgets it: DescribeCluster with
 * includeFencedBrokers listed it as fenced before and no longer does; a second unregister is
 * BROKER_ID_NOT_REGISTERED.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Admin } from 'kafkajs';
import type { TestCluster } from '../helpers/cluster.js';
import { startClusterWithAdmin, stopClusterWithAdmin } from '../helpers/cluster-client.js';
import { until } from '../helpers/until.js';
import { runnel } from '../cli/run-tool.js';
import { Connection } from '../../src/client/connection.js';
import type { CreatePartitionsResponse, CreateTopicsResponse, DescribeClusterResponse } from '../../src/protocol/messages/index.js';
import { defaultCreateTopicsRequestCreatableTopic } from '../../src/protocol/messages/index.js';

let cluster: TestCluster;
let admin: Admin;

beforeAll(async () => {
  ({ cluster, admin } = await startClusterWithAdmin('decommission-test'));
}, 90_000);

afterAll(() => stopClusterWithAdmin(cluster, admin));

async function withBroker<T>(id: number, fn: (c: Connection) => Promise<T>): Promise<T> {
  const c = await Connection.open({ host: '127.0.0.1', port: cluster.broker(id).port }, { clientId: 'decommission-test' });
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

const describeCluster = (id: number) =>
  withBroker(id, (c) => c.request<DescribeClusterResponse>(60, { includeClusterAuthorizedOperations: false, endpointType: 1, includeFencedBrokers: true }, 2));

async function tool(...args: string[]) {
  return runnel(args, '', 60_000);
}

async function replicas(topic: string): Promise<number[][]> {
  const md = await admin.fetchTopicMetadata({ topics: [topic] });
  return md.topics[0].partitions.sort((a, b) => a.partitionId - b.partitionId).map((p) => p.replicas);
}

describe('decommissioning a broker', () => {
  it('manual assignments place replicas where asked, and bad ones get Kafka\'s errors', async () => {
    const live = cluster.bootstrap;
    expect(await tool('topics', '--bootstrap-server', live, '--create', '--topic', 'dc-stay', '--replica-assignment', '1:2,2:1')).toMatchObject({ code: 0 });
    expect(await tool('topics', '--bootstrap-server', live, '--create', '--topic', 'dc-on3', '--replica-assignment', '3:1')).toMatchObject({ code: 0 });
    expect(await replicas('dc-stay')).toEqual([[1, 2], [2, 1]]);
    expect(await replicas('dc-on3')).toEqual([[3, 1]]);
    const grow = await tool('topics', '--bootstrap-server', live, '--alter', '--topic', 'dc-stay', '--partitions', '3', '--replica-assignment', '1:2,2:1,3:2');
    expect(grow, grow.stderr).toMatchObject({ code: 0 });
    expect(await replicas('dc-stay')).toEqual([[1, 2], [2, 1], [3, 2]]);

    // Kafka's checks, on any broker (each answers from the same control state).
    const ct = await withBroker(2, (c) =>
      c.request<CreateTopicsResponse>(19, {
        topics: [
          { ...defaultCreateTopicsRequestCreatableTopic(), name: 'dc-bad-size', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }, { partitionIndex: 1, brokerIds: [3] }] },
          { ...defaultCreateTopicsRequestCreatableTopic(), name: 'dc-bad-dup', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [3, 2, 3] }] },
          { ...defaultCreateTopicsRequestCreatableTopic(), name: 'dc-bad-unknown', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1, 7] }] },
          { ...defaultCreateTopicsRequestCreatableTopic(), name: 'dc-bad-both', numPartitions: 1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1] }] },
          { ...defaultCreateTopicsRequestCreatableTopic(), name: 'dc-bad-gap', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 1, brokerIds: [1] }] },
        ],
        timeoutMs: 10_000,
        validateOnly: false,
      }),
    );
    const by = new Map(ct.topics.map((t) => [t.name, [t.errorCode, t.errorMessage]]));
    expect(by.get('dc-bad-size')).toEqual([39, 'The manual partition assignment includes a partition with 1 replica(s), but this is not consistent with previous partitions, which have 2 replica(s).']);
    expect(by.get('dc-bad-dup')).toEqual([39, 'The manual partition assignment includes the broker 3 more than once.']);
    expect(by.get('dc-bad-unknown')).toEqual([39, 'The manual partition assignment includes broker 7, but no such broker is registered.']);
    expect(by.get('dc-bad-both')).toEqual([42, 'A manual partition assignment was specified, but numPartitions was not set to -1.']);
    expect(by.get('dc-bad-gap')).toEqual([39, 'partitions should be a consecutive 0-based integer sequence']);
    const cp = await withBroker(3, (c) =>
      c.request<CreatePartitionsResponse>(37, { topics: [{ name: 'dc-stay', count: 5, assignments: [{ brokerIds: [1, 3] }] }], timeoutMs: 10_000, validateOnly: false }),
    );
    expect(cp.results[0]).toMatchObject({ errorCode: 39, errorMessage: 'Attempted to add 2 additional partition(s), but only 1 assignment(s) were specified.' });
    expect((await replicas('dc-stay')).length).toBe(3);
  }, 180_000);

  it('unregisters a stopped broker once no partition names it', async () => {
    const b = '--bootstrap-server';
    const id = await tool('cluster', 'cluster-id', b, cluster.bootstrap);
    expect(id).toMatchObject({ code: 0, stdout: `Cluster ID: ${(await describeCluster(1)).clusterId}\n` });

    const alive = await tool('cluster', 'unregister', b, cluster.bootstrap, '--id', '3');
    expect(alive.code).toBe(1);
    expect(alive.stderr).toMatch(/INVALID_REQUEST \(Broker 3 is alive/);

    await cluster.broker(3).kill9();
    const rest = [cluster.broker(1).bootstrap, cluster.broker(2).bootstrap].join(',');
    await until('broker 3 fenced in DescribeCluster', async () => {
      const brokers = (await describeCluster(1)).brokers;
      return brokers.find((x) => x.brokerId === 3 && x.isFenced) ? brokers : undefined;
    }, 40_000);
    expect((await describeCluster(2)).brokers.map((x) => [x.brokerId, x.isFenced]).sort()).toEqual([[1, false], [2, false], [3, true]]);

    const hosting = await tool('cluster', 'unregister', b, rest, '--id', '3');
    expect(hosting.code).toBe(1);
    expect(hosting.stderr).toMatch(/INVALID_REQUEST \(Broker 3 is still a replica of (dc-stay-2, dc-on3-0|dc-on3-0, dc-stay-2); move these partitions away first/);

    // Its partitions go (a reassignment would move them; deleting them frees the broker as well).
    await admin.deleteTopics({ topics: ['dc-on3', 'dc-stay'] });
    await until('no partition on broker 3', async () => ((await admin.listTopics()).some((t) => t.startsWith('dc-')) ? undefined : true), 40_000);

    const done = await tool('cluster', 'unregister', b, rest, '--id', '3');
    expect(done).toMatchObject({ code: 0, stdout: 'Broker 3 is no longer registered.\n', stderr: '' });
    expect((await describeCluster(2)).brokers.map((x) => x.brokerId).sort()).toEqual([1, 2]);
    const again = await tool('cluster', 'unregister', b, rest, '--id', '3');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/BROKER_ID_NOT_REGISTERED \(Broker ID 3 is not currently registered\)/);

    // Started again, it registers anew (an operator who changed their mind).
    await cluster.broker(3).start();
    await until('broker 3 back', async () => ((await describeCluster(1)).brokers.some((x) => x.brokerId === 3 && !x.isFenced) ? true : undefined), 40_000);
  }, 240_000);
});

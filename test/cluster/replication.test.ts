/**
 * Three brokers as separate processes on a real etcd, driven by real clients (kafkajs to produce
 * and administer, kcat to read partitions back). The invariants are checked, not assumed: every
 * record a producer had acknowledged with acks=all is present exactly once at the offset it was
 * acknowledged at, offsets are never reused, and after kill -9 of a partition's leader a follower
 * from the ISR serves within the session timeout plus a few seconds.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Kafka, Admin, Producer } from 'kafkajs';
import type { TestCluster } from '../helpers/cluster.js';
import { startClusterWithAdmin, stopClusterWithAdmin } from '../helpers/cluster-client.js';
import { until } from '../helpers/until.js';
import { checkAcknowledged, partitionsOf as partitionsOfTopic, readPartition, type PartitionView, type ReadRecord, createReplicatedTopic } from '../helpers/ack-checker.js';

let cluster: TestCluster;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  ({ cluster, kafka, admin } = await startClusterWithAdmin('cluster-test'));
}, 90_000);

afterAll(() => stopClusterWithAdmin(cluster, admin));

const partitionsOf = (topic: string): Promise<PartitionView[]> => partitionsOfTopic(admin, topic);
const readAll = (topic: string, partition: number): Promise<ReadRecord[]> => readPartition(cluster.bootstrap, topic, partition);

describe('a three-broker cluster', () => {
  it('lists every broker, spreads leaders, and keeps three in-sync replicas of a replication-factor-3 topic', async () => {
    const md = await admin.describeCluster();
    expect(md.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3]);
    expect([1, 2, 3]).toContain(md.controller);
    await admin.createTopics({ topics: [{ topic: 'spread', numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
    const parts = await until('full ISRs', async () => {
      const p = await partitionsOf('spread');
      return p.every((x) => x.isr.length === 3 && x.leader >= 1) ? p : undefined;
    });
    expect(new Set(parts.map((p) => p.leader)).size).toBe(3);
    for (const p of parts) expect(p.replicas).toEqual([1, 2, 3]);
  });

  it('refuses a replication factor above the number of brokers', async () => {
    await expect(admin.createTopics({ topics: [{ topic: 'too-many', numPartitions: 1, replicationFactor: 4 }] })).rejects.toMatchObject({
      errors: [expect.objectContaining({ type: 'INVALID_REPLICATION_FACTOR' })],
    });
  });

  it('loses no acknowledged acks=all record when the leader is killed with kill -9, and the killed broker rejoins the ISR', async () => {
    const topic = 'failover';
    await createReplicatedTopic(admin, topic, 1);
    const leader = (await partitionsOf(topic))[0].leader;
    const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 50, initialRetryTime: 100, maxRetryTime: 1000 } });
    await producer.connect();
    const acked = new Map<string, number>();
    let n = 0;
    let stop = false;
    const load = (async () => {
      while (!stop) {
        const batch = Array.from({ length: 10 }, () => ({ value: `v${n++}` }));
        const res = await producer.send({ topic, acks: -1, timeout: 30_000, messages: batch });
        const base = Number(res[0].baseOffset);
        batch.forEach((m, i) => acked.set(m.value, base + i));
      }
    })();
    await until('some acknowledged records', async () => (acked.size >= 200 ? true : undefined));
    const killedAt = Date.now();
    await cluster.broker(leader).kill9();
    const before = acked.size;
    const newLeader = await until('a new leader', async () => {
      const p = (await partitionsOf(topic))[0];
      return p.leader >= 1 && p.leader !== leader ? p.leader : undefined;
    });
    await until('acknowledged writes after the failover', async () => (acked.size >= before + 200 ? true : undefined), 40_000);
    const failoverMs = Date.now() - killedAt;
    stop = true;
    await load;
    await producer.disconnect();
    expect(failoverMs).toBeLessThan(3000 + 15_000);
    expect(newLeader).not.toBe(leader);

    const problems = checkAcknowledged(acked, await readAll(topic, 0));
    expect(problems).toEqual([]);

    await cluster.broker(leader).start();
    await until('the restarted broker back in the ISR', async () => ((await partitionsOf(topic))[0].isr.includes(leader) ? true : undefined), 40_000);
  }, 150_000);
});

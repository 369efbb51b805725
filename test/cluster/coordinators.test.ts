/**
 * Consumer groups and transactions on three brokers (real processes, real etcd, kafkajs): the
 * internal topics are created with replication factor 3 on the first FindCoordinator, a group's
 * coordinator is the leader of its __consumer_offsets partition, and when that broker is killed
 * with kill -9 the group carries on with its committed offsets on the new leader (librdkafka looks
 * the coordinator up again at once; kafkajs only when it restarts after its retries, see below). A transaction
 * whose partitions are led by other brokers than its coordinator commits whole.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { logLevel, type Kafka, type Admin } from 'kafkajs';
import type { TestCluster } from '../helpers/cluster.js';
import { FAILOVER_RETRY, startClusterWithAdmin, stopClusterWithAdmin } from '../helpers/cluster-client.js';
import { until as poll } from '../helpers/until.js';
import { partitionFor } from '../../src/cluster/internal-topics.js';

let cluster: TestCluster;
let kafka: Kafka;
let admin: Admin;
const OFFSETS_PARTITIONS = 3; // FAST_CLUSTER's offsets.topic.num.partitions

beforeAll(async () => {
  const clientLog = process.env.RUNNEL_TEST_DUMP ? logLevel.INFO : logLevel.NOTHING;
  ({ cluster, kafka, admin } = await startClusterWithAdmin('cluster-groups', { logLevel: clientLog, retry: { ...FAILOVER_RETRY, retries: 40 } }));
}, 90_000);

afterAll(() => stopClusterWithAdmin(cluster, admin));

const CLIENT = fileURLToPath(new URL('./clients/group_consume.py', import.meta.url));

/** A confluent-kafka group member in its own process; `seen` fills as it prints values. */
function consume(group: string, topic: string): { seen: Set<string>; stop(): void } {
  const seen = new Set<string>();
  const p = spawn('/usr/bin/python3', [CLIENT, cluster.bootstrap, group, topic], { stdio: ['ignore', 'pipe', 'inherit'] });
  let buf = '';
  p.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) if (l) seen.add(l);
  });
  return { seen, stop: () => void p.kill('SIGKILL') };
}

/** until() with the brokers' logs printed on a timeout when RUNNEL_TEST_DUMP is set. */
function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 40_000): Promise<T> {
  return poll(what, fn, timeoutMs).catch((err: unknown) => {
    if (process.env.RUNNEL_TEST_DUMP) for (const b of cluster.brokers) console.log(`---- broker ${b.id}\n${b.output.slice(-6000)}`);
    throw err;
  });
}

describe('coordinators in a three-broker cluster', () => {
  it('runs a consumer group whose coordinator is killed with kill -9: committed offsets survive on the new leader', async () => {
    const topic = 'grouped';
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 60 }, (_, i) => ({ key: `k${i}`, value: `first-${i}` })) });

    const group = 'g-failover';
    // librdkafka's group member (confluent-kafka): it finds the new coordinator after the old one dies.
    const member = consume(group, topic);
    await until('the first 60 records consumed', async () => (member.seen.size >= 60 ? true : undefined));

    const md = await admin.fetchTopicMetadata({ topics: ['__consumer_offsets'] });
    const offsetsTopic = md.topics[0];
    expect(offsetsTopic.partitions.length).toBe(OFFSETS_PARTITIONS);
    for (const p of offsetsTopic.partitions) expect(p.replicas.length).toBe(3);
    const coordinator = offsetsTopic.partitions.find((p) => p.partitionId === partitionFor(group, OFFSETS_PARTITIONS))!.leader;
    // Offsets committed before the kill (autocommit every 100 ms).
    await until('offsets committed', async () => {
      const o = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      return o[0].partitions.reduce((n, p) => n + Number(p.offset), 0) >= 60 ? true : undefined;
    });
    await cluster.broker(coordinator).kill9();
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 60 }, (_, i) => ({ key: `k${i}`, value: `second-${i}` })) });
    await until('the next 60 records consumed after the coordinator died', async () => (member.seen.size >= 120 ? true : undefined), 60_000);
    member.stop();
    await producer.disconnect();

    // A new member of the group starts from the committed offsets: nothing from before the kill again.
    const next = consume(group, topic);
    const producer2 = kafka.producer();
    await producer2.connect();
    await producer2.send({ topic, acks: -1, messages: [{ key: 'k0', value: 'third' }] });
    await until('the record produced after the restart', async () => (next.seen.has('third') ? true : undefined));
    next.stop();
    await producer2.disconnect();
    const again = [...next.seen];
    expect(again.filter((v) => v.startsWith('first-'))).toEqual([]);
    await cluster.broker(coordinator).start();
    await until('three brokers again', async () => ((await admin.describeCluster()).brokers.length === 3 ? true : undefined));
  }, 180_000);

  it('a kafkajs group member moves to the new coordinator after kill -9 (by restarting itself)', async () => {
    // kafkajs 2.2.4 resolves the coordinator only when it joins (ConsumerGroup.coordinator); a
    // heartbeat or commit to the dead address fails with ECONNREFUSED, which its runner only
    // retries (consumer `retry.retries`, 5 by default) before it crashes and restarts, and the
    // restart asks FindCoordinator again. So it recovers after its own retries, whatever the broker
    // answers: with Kafka too. With `retries: 40` it keeps retrying the dead broker for minutes.
    const topic = 'grouped-kafkajs';
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `first-${i}` })) });

    const group = 'g-failover-kafkajs';
    const seen: string[] = [];
    let killed = false;
    const afterKill: string[] = [];
    let restarts = 0;
    const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 500, retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 } });
    consumer.on(consumer.events.CRASH, () => void restarts++);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const v = message.value!.toString();
        seen.push(v);
        if (killed) afterKill.push(v);
      },
    });
    await until('the first 30 records consumed', async () => (new Set(seen).size >= 30 ? true : undefined));
    await until('offsets committed', async () => {
      const o = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      return o[0].partitions.reduce((n, p) => n + Number(p.offset), 0) >= 30 ? true : undefined;
    });
    const md = await admin.fetchTopicMetadata({ topics: ['__consumer_offsets'] });
    const coordinator = md.topics[0].partitions.find((p) => p.partitionId === partitionFor(group, OFFSETS_PARTITIONS))!.leader;
    killed = true;
    await cluster.broker(coordinator).kill9();
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `second-${i}` })) });
    await until('the next 30 records consumed after the coordinator died', async () => (new Set(afterKill.filter((v) => v.startsWith('second-'))).size >= 30 ? true : undefined), 90_000);
    await consumer.disconnect();
    await producer.disconnect();
    // It went through kafkajs' crash-and-restart path, and the new coordinator had the offsets
    // committed before the kill: nothing from before the kill is read again.
    expect(restarts).toBeGreaterThan(0);
    expect(afterKill.filter((v) => v.startsWith('first-'))).toEqual([]);
    await cluster.broker(coordinator).start();
    await until('three brokers again', async () => ((await admin.describeCluster()).brokers.length === 3 ? true : undefined));
  }, 180_000);

  it('commits a transaction whose partitions are led by several brokers; read_committed sees all of it', async () => {
    const topic = 'txn-spread';
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true }).catch((e) => {
      throw new Error(JSON.stringify(e.errors ?? e.message));
    });
    const producer = kafka.producer({ transactionalId: 'tx-spread', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const txn = await producer.transaction();
    for (let p = 0; p < 3; p++) await txn.send({ topic, acks: -1, messages: Array.from({ length: 5 }, (_, i) => ({ partition: p, value: `c-${p}-${i}` })) });
    await txn.commit().catch((e) => {
      if (process.env.RUNNEL_TEST_DUMP) for (const b of cluster.brokers) console.log(`---- broker ${b.id}\n${b.output.slice(-20000)}`);
      throw e;
    });
    const aborted = await producer.transaction();
    await aborted.send({ topic, acks: -1, messages: [{ partition: 0, value: 'aborted' }, { partition: 1, value: 'aborted' }] });
    await aborted.abort();
    await producer.disconnect();

    const got: string[] = [];
    const consumer = kafka.consumer({ groupId: 'txn-reader', readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
    await until('15 committed records', async () => (got.length >= 15 ? true : undefined));
    await new Promise((r) => setTimeout(r, 1000));
    await consumer.disconnect();
    expect(got.sort()).toEqual(Array.from({ length: 3 }, (_, p) => Array.from({ length: 5 }, (_, i) => `c-${p}-${i}`)).flat().sort());
  }, 120_000);
});

/**
 * Racks on a three-broker cluster (broker.rack r1/r2/r3, replica.selector.class = Kafka's
 * RackAwareReplicaSelector): the racks reach Metadata and DescribeCluster through etcd, a kafkajs
 * consumer with rackId reads from the follower in its rack (KIP-392; seen on /metrics: that broker
 * served the records as follower, the leader only named it as preferred read replica), the data
 * read is the data written, and when that follower dies the consumer falls back to the leader.
 * Raw fetches check the edges: an absurd rack id, a follower's leader epoch checks (unknown and
 * fenced), its out-of-range answer, and no follower reads before Fetch v11.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { Etcd3 } from 'etcd3';
import { metricsPortOf, startCluster, type TestCluster } from '../helpers/cluster.js';
import { clusterClient } from '../helpers/cluster-client.js';
import { KafkaWire, fetchBody } from '../helpers/kafka-wire.js';
import { until } from '../helpers/until.js';

const SELECTOR = 'org.apache.kafka.common.replica.RackAwareReplicaSelector';
const TOPIC = 'racks-ffetch';
const OFFSET_OUT_OF_RANGE = 1;
const NOT_LEADER_OR_FOLLOWER = 6;
const FENCED_LEADER_EPOCH = 74;
const UNKNOWN_LEADER_EPOCH = 75;

let cluster: TestCluster;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  cluster = await startCluster({ brokers: 3, config: { 'replica.selector.class': SELECTOR }, brokerConfig: (id) => ({ 'broker.rack': `r${id}` }) });
  kafka = clusterClient('racks-test', cluster.bootstrap.split(','));
  admin = kafka.admin();
  await admin.connect();
}, 90_000);

afterAll(async () => {
  await admin?.disconnect().catch(() => undefined);
  await cluster?.stop();
});

async function scrape(brokerId: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${metricsPortOf(cluster, brokerId)}/metrics`, { signal: AbortSignal.timeout(10_000) });
  return res.text();
}

/** A sample's value (0 when the counter has no such series yet). */
async function metric(brokerId: number, name: string, labels: string): Promise<number> {
  for (const line of (await scrape(brokerId)).split('\n')) if (line.startsWith(`${name}${labels} `)) return Number(line.slice(name.length + labels.length + 1));
  return 0;
}
const served = (brokerId: number, as: 'leader' | 'follower', topic = TOPIC) => metric(brokerId, 'runnel_consumer_fetch_records_total', `{topic="${topic}",served_as="${as}"}`);

async function withWire<T>(brokerId: number, fn: (w: KafkaWire) => Promise<T>): Promise<T> {
  const w = await KafkaWire.connect(cluster.broker(brokerId).port);
  try {
    return await fn(w);
  } finally {
    w.destroy();
  }
}

async function partitionState(via: number, topic = TOPIC): Promise<{ leader: number; leaderEpoch: number; isr: number[]; replicas: number[] }> {
  const md = await withWire(via, (w) => w.request(3, 12, { topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: topic }], allowAutoTopicCreation: false }));
  const p = md.topics[0].partitions[0];
  return { leader: p.leaderId, leaderEpoch: p.leaderEpoch, isr: p.isrNodes, replicas: p.replicaNodes };
}

/** One partition's answer to a consumer Fetch sent to `brokerId`. */
async function rawFetch(brokerId: number, version: number, offset: bigint, opts: { rackId?: string; epoch?: number; topic?: string; wait?: { maxWaitMs: number; minBytes: number } } = {}) {
  const res = await withWire(brokerId, (w) => w.request(1, version, fetchBody(opts.topic ?? TOPIC, 0, offset, { rackId: opts.rackId ?? '', ...opts.wait }, { currentLeaderEpoch: opts.epoch ?? -1 }), 10_000));
  return res.responses[0].partitions[0] as { errorCode: number; highWatermark: bigint; preferredReadReplica: number; records: Buffer | null };
}

/**
 * A group id whose coordinator is not `brokerId`. A consumer whose coordinator dies with kill -9
 * restarts and reads again from its last commit (at-least-once, as with Kafka); this test is about
 * where records are read from, so its group keeps its coordinator while the follower dies.
 */
async function groupNotCoordinatedBy(brokerId: number, via: number): Promise<string> {
  for (let i = 0; ; i++) {
    const groupId = `racks-group-${i}`;
    const coordinator = await until(`the coordinator of ${groupId}`, async () => {
      const r = await withWire(via, (w) => w.request(10, 3, { key: groupId, keyType: 0 }));
      return r.errorCode === 0 ? (r.nodeId as number) : undefined;
    }, 30_000);
    if (coordinator !== brokerId) return groupId;
  }
}

async function consume(consumer: Consumer, into: string[]): Promise<void> {
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      into.push(message.value!.toString());
    },
  });
}

describe('racks', () => {
  it('registers each broker with its rack; Metadata and DescribeCluster show it on every broker', async () => {
    const etcd = new Etcd3({ hosts: `http://${cluster.etcd.endpoints}` });
    try {
      const all = await etcd.getAll().prefix('/runnel-test-').strings();
      const racks = Object.entries(all).flatMap(([k, v]) => (/\/brokers\/\d+$/.test(k) ? [[JSON.parse(v).id, JSON.parse(v).rack]] : []));
      expect(racks.sort()).toEqual([[1, 'r1'], [2, 'r2'], [3, 'r3']]);
    } finally {
      etcd.close();
    }
    for (const b of cluster.brokers) {
      const md = await withWire(b.id, (w) => w.request(3, 12, { topics: [], allowAutoTopicCreation: false }));
      expect(md.brokers.map((x: { nodeId: number; rack: string | null }) => [x.nodeId, x.rack]).sort()).toEqual([[1, 'r1'], [2, 'r2'], [3, 'r3']]);
      const dc = await withWire(b.id, (w) => w.request(60, 0, {}));
      expect(dc.brokers.map((x: { brokerId: number; rack: string | null }) => [x.brokerId, x.rack]).sort()).toEqual([[1, 'r1'], [2, 'r2'], [3, 'r3']]);
    }
  });

  it('a confluent-kafka (librdkafka) consumer with client.rack reads from the follower in its rack', async () => {
    const topic = 'racks-rdkafka';
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }], waitForLeaders: true });
    await until('a full ISR', async () => ((await partitionState(1, topic)).isr.length === 3 ? true : undefined), 40_000);
    const { leader, replicas } = await partitionState(1, topic);
    const follower = replicas.find((r) => r !== leader)!;
    const producer = kafka.producer();
    await producer.connect();
    const values = Array.from({ length: 300 }, (_, i) => `rd${i}`);
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
    await producer.disconnect();
    // The follower learns the high watermark with its next fetch: wait until it can serve everything.
    await until('the follower at the high watermark', async () => ((await rawFetch(follower, 12, 0n, { topic })).highWatermark === 300n ? true : undefined), 20_000);

    const script = fileURLToPath(new URL('./clients/rack_consume.py', import.meta.url));
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(process.env.RUNNEL_COMPAT_PYTHON ?? '/usr/bin/python3', [script, cluster.bootstrap, topic, `r${follower}`, String(values.length), '60'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      p.once('exit', (code) => resolve({ code, stdout, stderr }));
    });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.trim().split('\n')).toEqual(values);
    expect(await served(follower, 'follower', topic)).toBeGreaterThanOrEqual(values.length);
    expect(await served(leader, 'leader', topic)).toBe(0);
    expect(await metric(leader, 'runnel_preferred_read_replica_responses_total', `{topic="${topic}"}`)).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('a consumer with client.rack reads from the follower in its rack, and from the leader once that follower dies', async () => {
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 3 }], waitForLeaders: true });
    await until('a full ISR', async () => ((await partitionState(1)).isr.length === 3 ? true : undefined), 40_000);
    const { leader, leaderEpoch, replicas } = await partitionState(1);
    const follower = replicas.find((r) => r !== leader)!;
    const other = replicas.find((r) => r !== leader && r !== follower)!;

    const producer = kafka.producer();
    await producer.connect();
    const first = Array.from({ length: 200 }, (_, i) => `a${i}`);
    for (let i = 0; i < first.length; i += 50) await producer.send({ topic: TOPIC, acks: -1, messages: first.slice(i, i + 50).map((value) => ({ value })) });

    // ---- the leader's answer to a consumer in the follower's rack: that follower, no records, at once
    await until('the follower as preferred read replica', async () => ((await rawFetch(leader, 11, 0n, { rackId: `r${follower}` })).preferredReadReplica === follower ? true : undefined), 20_000);
    const redirect = await rawFetch(leader, 12, 0n, { rackId: `r${follower}` });
    expect(redirect).toMatchObject({ errorCode: 0, preferredReadReplica: follower, highWatermark: 200n });
    expect(redirect.records?.length ?? 0).toBe(0);
    // At once, whatever min bytes and max wait ask for (Kafka answers a preferred read replica without waiting).
    const asked = Date.now();
    expect((await rawFetch(leader, 12, 200n, { rackId: `r${follower}`, wait: { maxWaitMs: 8000, minBytes: 1 << 20 } })).preferredReadReplica).toBe(follower);
    expect(Date.now() - asked).toBeLessThan(4000);
    // In an incremental fetch session the partition is sent again with each new preferred read replica answer (Kafka's FetchSession).
    await withWire(leader, async (w) => {
      const full = await w.request(1, 12, fetchBody(TOPIC, 0, 0n, { rackId: `r${follower}`, sessionId: 0, sessionEpoch: 0 }), 10_000);
      expect(full.sessionId).toBeGreaterThan(0);
      expect(full.responses[0].partitions[0].preferredReadReplica).toBe(follower);
      const incremental = await w.request(1, 12, { ...fetchBody(TOPIC, 0, 0n, { rackId: `r${follower}`, sessionId: full.sessionId, sessionEpoch: 1 }), topics: [] }, 10_000);
      expect(incremental.responses.map((t: { partitions: Array<{ preferredReadReplica: number }> }) => t.partitions.map((p) => p.preferredReadReplica))).toEqual([[follower]]);
    });
    // The leader's own rack, no rack, an unknown rack, an absurd one, and a fetch before v11: the leader serves.
    for (const rackId of [`r${leader}`, '', 'r9', 'x'.repeat(30_000), '\u0000\u{1F600}']) {
      const r = await rawFetch(leader, 12, 0n, { rackId });
      expect(r.errorCode).toBe(0);
      expect(r.preferredReadReplica).toBe(-1);
      expect(r.records!.length).toBeGreaterThan(0);
    }
    expect((await rawFetch(leader, 10, 0n)).preferredReadReplica).toBe(-1);

    // ---- a real consumer in the follower's rack
    const before = { follower: await served(follower, 'follower'), leader: await served(leader, 'leader') };
    const got: string[] = [];
    const groupId = await groupNotCoordinatedBy(follower, leader);
    const consumer = clusterClient('racks-consumer', cluster.bootstrap.split(','), { retry: { retries: 60, initialRetryTime: 100, maxRetryTime: 1000 } }).consumer({
      groupId,
      rackId: `r${follower}`,
      // kafkajs forgets a preferred read replica only when its metadata expires: short, so it falls back soon.
      metadataMaxAge: 3000,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 500,
    });
    try {
      await consume(consumer, got);
      await until('the first records from the follower', () => (got.length >= first.length ? true : undefined), 60_000);
      expect(got).toEqual(first);
      expect((await served(follower, 'follower')) - before.follower).toBeGreaterThanOrEqual(first.length);
      expect((await served(leader, 'leader')) - before.leader).toBe(0);
      expect(await metric(leader, 'runnel_preferred_read_replica_responses_total', `{topic="${TOPIC}"}`)).toBeGreaterThanOrEqual(1);
      expect(await served(other, 'follower')).toBe(0);

      // More records reach the consumer through the follower, up to the high watermark it has.
      const second = Array.from({ length: 50 }, (_, i) => `b${i}`);
      await producer.send({ topic: TOPIC, acks: -1, messages: second.map((value) => ({ value })) });
      await until('the second records', () => (got.length >= first.length + second.length ? true : undefined), 60_000);
      expect(got).toEqual([...first, ...second]);
      expect((await served(follower, 'follower')) - before.follower).toBeGreaterThanOrEqual(first.length + second.length);

      // ---- the follower's own checks (raw): its leader epoch, its range, and no follower reads before v11
      const onFollower = await rawFetch(follower, 12, 0n, { epoch: leaderEpoch });
      expect(onFollower.errorCode).toBe(0);
      expect(onFollower.highWatermark).toBe(250n);
      expect(onFollower.records!.length).toBeGreaterThan(0);
      expect((await rawFetch(follower, 12, 0n, { epoch: leaderEpoch + 1 })).errorCode).toBe(UNKNOWN_LEADER_EPOCH);
      expect((await rawFetch(follower, 12, 10_000n, { epoch: leaderEpoch })).errorCode).toBe(OFFSET_OUT_OF_RANGE);
      expect((await rawFetch(follower, 10, 0n)).errorCode).toBe(NOT_LEADER_OR_FOLLOWER);
      // A follower never names a preferred read replica itself.
      expect((await rawFetch(follower, 12, 0n, { rackId: `r${other}` })).preferredReadReplica).toBe(-1);

      // ---- the follower dies: the consumer falls back to the leader
      const leaderBefore = await served(leader, 'leader');
      await cluster.broker(follower).kill9();
      const third = Array.from({ length: 50 }, (_, i) => `c${i}`);
      await producer.send({ topic: TOPIC, acks: -1, messages: third.map((value) => ({ value })) });
      await until('the records written after the follower died', () => (got.length >= first.length + second.length + third.length ? true : undefined), 150_000);
      expect(got).toEqual([...first, ...second, ...third]);
      expect((await served(leader, 'leader')) - leaderBefore).toBeGreaterThanOrEqual(third.length);
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
    }

    // ---- a stale leader epoch on a follower: FENCED_LEADER_EPOCH once the leader has changed
    await cluster.broker(follower).start();
    await until('the restarted follower back in the ISR', async () => ((await partitionState(other)).isr.length === 3 ? true : undefined), 60_000);
    await cluster.broker(leader).kill9();
    const next = await until('a new leader', async () => {
      const s = await partitionState(other);
      return s.leader >= 0 && s.leader !== leader && s.leaderEpoch > leaderEpoch ? s : undefined;
    }, 40_000);
    const stillFollowing = next.leader === other ? follower : other;
    await until('the survivor following the new epoch', async () => ((await rawFetch(stillFollowing, 12, 0n, { epoch: next.leaderEpoch })).errorCode === 0 ? true : undefined), 30_000);
    expect((await rawFetch(stillFollowing, 12, 0n, { epoch: leaderEpoch })).errorCode).toBe(FENCED_LEADER_EPOCH);
    expect((await rawFetch(stillFollowing, 12, 0n, { epoch: next.leaderEpoch + 5 })).errorCode).toBe(UNKNOWN_LEADER_EPOCH);
  }, 400_000);
});

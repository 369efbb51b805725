/**
 * One broker's web console shows the whole cluster (issue 16): on three brokers (real processes,
 * real etcd), broker 1's console browses and tails partitions led by the other brokers (read from
 * their leaders with Fetch over the wire), shows their start and end offsets, and lists, shows the
 * lag of and resets the offsets of a group coordinated by another broker.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import WebSocket from 'ws';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { TestCluster } from '../helpers/cluster.js';
import { metricsPortOf } from '../helpers/cluster.js';
import { startClusterWithAdmin, stopClusterWithAdmin } from '../helpers/cluster-client.js';
import { until } from '../helpers/until.js';
import { partitionFor } from '../../src/cluster/internal-topics.js';

let cluster: TestCluster;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;
let base: string;
const TOPIC = 'spread';
const OFFSETS_PARTITIONS = 3; // FAST_CLUSTER's offsets.topic.num.partitions

beforeAll(async () => {
  ({ cluster, kafka, admin } = await startClusterWithAdmin('console-cluster'));
  base = `http://127.0.0.1:${metricsPortOf(cluster, 1)}`;
  producer = kafka.producer();
  await producer.connect();
}, 90_000);

afterAll(async () => {
  await producer?.disconnect().catch(() => undefined);
  await stopClusterWithAdmin(cluster, admin);
});

async function api(path: string, method = 'GET', body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

const text = (b64: string | null): string | null => (b64 === null ? null : Buffer.from(b64, 'base64').toString('utf8'));

describe("one broker's console for a three-broker cluster", () => {
  let group = '';

  it('setup: a topic with one partition on each broker, records, and a group coordinated elsewhere', async () => {
    // Partition p on broker p+1: partitions 1 and 2 are not on broker 1.
    await admin.createTopics({ topics: [{ topic: TOPIC, replicaAssignment: [0, 1, 2].map((p) => ({ partition: p, replicas: [p + 1] })) }], waitForLeaders: true });
    for (let p = 0; p < 3; p++) await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ partition: p, key: `p${p}-k${i}`, value: `v${i}` })) });
    // A first commit creates __consumer_offsets; then a group whose offsets partition broker 1 does not lead.
    await admin.setOffsets({ groupId: 'probe', topic: TOPIC, partitions: [{ partition: 0, offset: '0' }] });
    const leaders = await until('__consumer_offsets leaders', async () => {
      const md = await admin.fetchTopicMetadata({ topics: ['__consumer_offsets'] });
      const parts = md.topics[0].partitions;
      return parts.length === OFFSETS_PARTITIONS && parts.every((p) => p.leader >= 0) ? new Map(parts.map((p) => [p.partitionId, p.leader])) : undefined;
    });
    for (let i = 0; !group; i++) if (leaders.get(partitionFor(`lagging-${i}`, OFFSETS_PARTITIONS)) !== 1) group = `lagging-${i}`;
    await admin.setOffsets({ groupId: group, topic: TOPIC, partitions: [0, 1, 2].map((partition) => ({ partition, offset: '2' })) });
  }, 60_000);

  it("browses every partition's records, and shows every partition's start and end offsets", async () => {
    const page = await api(`/api/topics/${TOPIC}/records?from=beginning&limit=100`);
    expect(page.status).toBe(200);
    const keys = (page.body.records as any[]).map((r) => `${r.partition}:${r.offset}:${text(r.key)}`).sort();
    const expected = [0, 1, 2].flatMap((p) => Array.from({ length: 10 }, (_, i) => `${p}:${i}:p${p}-k${i}`)).sort();
    expect(keys).toEqual(expected);
    expect(page.body.next).toEqual({ 0: 10, 1: 10, 2: 10 });

    // Paging backwards from the end, and positioning by offset, on a remote partition.
    const last = await api(`/api/topics/${TOPIC}/records?from=end&partitions=2&limit=3`);
    expect((last.body.records as any[]).map((r) => r.offset)).toEqual([7, 8, 9]);
    const at = await api(`/api/topics/${TOPIC}/records?from=offset&value=5&partitions=1&limit=2`);
    expect((at.body.records as any[]).map((r) => text(r.key))).toEqual(['p1-k5', 'p1-k6']);

    const topic = await api(`/api/topics/${TOPIC}`);
    expect(topic.status).toBe(200);
    for (const p of topic.body.partitions) {
      expect(p.leader).toBe(p.partition + 1);
      expect(p.logStart).toBe(0);
      expect(p.end).toBe(10);
      expect(p.size).toBeGreaterThan(0);
    }
    const list = await api('/api/topics');
    expect(list.body.topics.find((t: any) => t.name === TOPIC).records).toBe(30);
  });

  it('tails a partition led by another broker', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${metricsPortOf(cluster, 1)}/api/live/tail/${TOPIC}?partitions=2&rate=100`);
    const got: any[] = [];
    ws.on('message', (d) => {
      const m = JSON.parse(String(d));
      if (m.type === 'records') got.push(...m.records);
    });
    await new Promise((resolve, reject) => {
      ws.once('message', resolve);
      ws.once('error', reject);
    });
    // The tail starts at the end as it opens: wait a few ticks so that it has its position.
    await new Promise((r) => setTimeout(r, 1000));
    await producer.send({ topic: TOPIC, acks: -1, messages: [{ partition: 2, key: 'live-1', value: 'tailed' }] });
    await until('the tailed record', () => (got.length > 0 ? true : undefined), 15_000, 100);
    expect(got.map((r) => `${r.partition}:${r.offset}:${text(r.key)}`)).toEqual(['2:10:live-1']);
    ws.close();
  }, 30_000);

  it('lists the group, shows its lag on every partition, and resets its offsets on its coordinator', async () => {
    const groups = await api('/api/groups');
    expect(groups.status).toBe(200);
    expect((groups.body as any[]).map((g) => g.groupId)).toContain(group);

    const shown = await api(`/api/groups/${encodeURIComponent(group)}`);
    expect(shown.status).toBe(200);
    const lag = (shown.body.lag as any[]).map((l) => `${l.partition}:${l.committed}:${l.end}:${l.lag}`).sort();
    expect(lag).toEqual(['0:2:10:8', '1:2:10:8', '2:2:11:9']);
    for (const l of shown.body.lag) expect(l.timeLagMs).toBeGreaterThan(0);

    const reset = await api(`/api/groups/${encodeURIComponent(group)}/reset`, 'POST', { strategy: 'latest' });
    expect(reset.status).toBe(201);
    expect(reset.body.applied).toBe(true);
    const committed = await admin.fetchOffsets({ groupId: group, topics: [TOPIC] });
    expect(committed[0].partitions.map((p) => `${p.partition}:${p.offset}`).sort()).toEqual(['0:10', '1:10', '2:11']);
    const after = await api(`/api/groups/${encodeURIComponent(group)}`);
    expect((after.body.lag as any[]).map((l) => l.lag)).toEqual([0, 0, 0]);

    const gone = await api(`/api/groups/${encodeURIComponent(group)}`, 'DELETE');
    expect(gone.status).toBe(200);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain(group);
  }, 30_000);
});

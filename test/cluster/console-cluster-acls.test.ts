/**
 * The console's reads from other brokers keep the logged-in user's ACLs (README "Web console"): on
 * two brokers (real processes, real etcd) that talk to each other over SASL_PLAINTEXT as User:admin
 * (a super user), broker 1's console reads a partition and a group that broker 2 leads and
 * coordinates as admin, yet shows a user only what the cluster's ACLs allow that user: records
 * need READ on the topic, a group DESCRIBE, an offset reset READ on the group and topic, and a
 * user without rights does not see the group at all.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import WebSocket from 'ws';
import type { Admin, Kafka } from 'kafkajs';
import { metricsPortOf, startCluster, type TestCluster } from '../helpers/cluster.js';
import { clusterClient } from '../helpers/cluster-client.js';
import { freePort } from '../helpers/ports.js';
import { KafkaWire } from '../helpers/kafka-wire.js';
import { until } from '../helpers/until.js';
import { partitionFor } from '../../src/cluster/internal-topics.js';

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice-secret" user_bob="bob-secret";';
const TOPIC = 'secured';
const OFFSETS_PARTITIONS = 3; // FAST_CLUSTER's offsets.topic.num.partitions
const TOPIC_RESOURCE = 2;
const GROUP_RESOURCE = 3;
const LITERAL = 3;
const ALLOW = 3;
const Op = { READ: 3, DESCRIBE: 8, DESCRIBE_CONFIGS: 10 };

let cluster: TestCluster;
let kafka: Kafka;
let admin: Admin;
let base: string;
let group = '';

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 2,
    extraListeners: async () => `SASL_PLAINTEXT://127.0.0.1:${await freePort()}`,
    config: {
      'inter.broker.listener.name': 'SASL_PLAINTEXT',
      'sasl.enabled.mechanisms': 'PLAIN',
      'sasl.mechanism.inter.broker.protocol': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      // The test's own kafkajs client connects to the PLAINTEXT listener, anonymously.
      'super.users': 'User:admin;User:ANONYMOUS',
      'offsets.topic.replication.factor': '1',
      'connection.failed.authentication.delay.ms': '100',
    },
  });
  base = `http://127.0.0.1:${metricsPortOf(cluster, 1)}`;
  kafka = clusterClient('console-acls', cluster.bootstrap.split(','));
  admin = kafka.admin();
  await admin.connect();
}, 120_000);

afterAll(async () => {
  await admin?.disconnect().catch(() => undefined);
  await cluster?.stop();
});

async function login(user: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, password: `${user}-secret` }) });
  if (res.status !== 200) throw new Error(`login of ${user}: ${res.status} ${await res.text()}`);
  return (res.headers.get('set-cookie') ?? '').split(';')[0];
}

async function api(cookie: string, path: string, method = 'GET', body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { cookie };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

function tailStatus(cookie: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${metricsPortOf(cluster, 1)}/api/live/tail/${TOPIC}?partitions=1`, { headers: { cookie } });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', () => resolve(-1));
  });
}

/** An ALLOW ACL for alice (CreateAcls over the wire to broker 1, whose PLAINTEXT client is a super user). */
async function allow(resourceType: number, resourceName: string, operation: number): Promise<void> {
  const w = await KafkaWire.connect(cluster.broker(1).port, '127.0.0.1');
  try {
    const res = await w.request(30, 3, { creations: [{ resourceType, resourceName, resourcePatternType: LITERAL, principal: 'User:alice', host: '*', operation, permissionType: ALLOW }] }, 30_000);
    expect(res.results).toEqual([{ errorCode: 0, errorMessage: null }]);
  } finally {
    await w.close();
  }
}

describe("the console's cross-broker reads keep the user's ACLs", () => {
  it('setup: a partition on broker 2, a group broker 2 coordinates, alice may only describe them', async () => {
    await admin.createTopics({ topics: [{ topic: TOPIC, replicaAssignment: [0, 1].map((p) => ({ partition: p, replicas: [p + 1] })) }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    for (let p = 0; p < 2; p++) await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ partition: p, key: `p${p}-k${i}`, value: `v${i}` })) });
    await producer.disconnect();
    await admin.setOffsets({ groupId: 'probe', topic: TOPIC, partitions: [{ partition: 0, offset: '0' }] });
    const leaders = await until('__consumer_offsets leaders', async () => {
      const md = await admin.fetchTopicMetadata({ topics: ['__consumer_offsets'] });
      const parts = md.topics[0].partitions;
      return parts.length === OFFSETS_PARTITIONS && parts.every((p) => p.leader >= 0) ? new Map(parts.map((p) => [p.partitionId, p.leader])) : undefined;
    });
    for (let i = 0; !group; i++) if (leaders.get(partitionFor(`secured-group-${i}`, OFFSETS_PARTITIONS)) === 2) group = `secured-group-${i}`;
    await admin.setOffsets({ groupId: group, topic: TOPIC, partitions: [0, 1].map((partition) => ({ partition, offset: '4' })) });
    // The topic's page also shows its configs (DescribeConfigs: DESCRIBE_CONFIGS).
    await allow(TOPIC_RESOURCE, TOPIC, Op.DESCRIBE);
    await allow(TOPIC_RESOURCE, TOPIC, Op.DESCRIBE_CONFIGS);
    await allow(GROUP_RESOURCE, group, Op.DESCRIBE);
  }, 60_000);

  it('alice sees the remote partition and group but cannot read records, tail, reset or delete; bob sees neither', async () => {
    const alice = await login('alice');
    const topic = await until('broker 1 applies the ACLs', async () => {
      const r = await api(alice, `/api/topics/${TOPIC}`);
      if (r.status !== 200) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    }, 20_000);
    expect(topic.partitions.map((p: any) => `${p.partition}:${p.leader}:${p.logStart}:${p.end}`)).toEqual(['0:1:0:10', '1:2:0:10']);

    expect((await api(alice, `/api/topics/${TOPIC}/records?from=beginning&partitions=1`)).status).toBe(403);
    expect(await tailStatus(alice)).toBe(403);

    expect(((await api(alice, '/api/groups')).body as any[]).map((g) => g.groupId)).toEqual([group]);
    const shown = await api(alice, `/api/groups/${group}`);
    expect(shown.status).toBe(200);
    expect((shown.body.lag as any[]).map((l) => `${l.partition}:${l.committed}:${l.lag}`).sort()).toEqual(['0:4:6', '1:4:6']);

    const reset = await api(alice, `/api/groups/${group}/reset`, 'POST', { strategy: 'earliest' });
    expect(reset.status).toBe(403);
    expect(reset.body.error).toMatch(/GROUP_AUTHORIZATION_FAILED/);
    expect((await api(alice, `/api/groups/${group}`, 'DELETE')).status).toBe(403);
    const committed = await admin.fetchOffsets({ groupId: group, topics: [TOPIC] });
    expect(committed[0].partitions.map((p) => p.offset)).toEqual(['4', '4']);

    const bob = await login('bob');
    expect((await api(bob, '/api/groups')).body).toEqual([]);
    expect((await api(bob, `/api/groups/${group}`)).status).toBe(403);
  }, 60_000);

  it('with READ on the topic and the group, alice reads the remote records and resets the offsets', async () => {
    await allow(TOPIC_RESOURCE, TOPIC, Op.READ);
    await allow(GROUP_RESOURCE, group, Op.READ);
    const alice = await login('alice');
    const page = await until('broker 1 applies the READ ACLs', async () => {
      const r = await api(alice, `/api/topics/${TOPIC}/records?from=beginning&partitions=1&limit=100`);
      return r.status === 200 ? r.body : undefined;
    }, 20_000);
    expect((page.records as any[]).map((r) => Buffer.from(r.key, 'base64').toString())).toEqual(Array.from({ length: 10 }, (_, i) => `p1-k${i}`));
    const reset = await api(alice, `/api/groups/${group}/reset`, 'POST', { strategy: 'earliest' });
    expect(reset.status).toBe(201);
    const committed = await admin.fetchOffsets({ groupId: group, topics: [TOPIC] });
    expect(committed[0].partitions.map((p) => p.offset)).toEqual(['0', '0']);
  }, 60_000);
});

/**
 * Kafka's authorization table for the data path (Produce, Fetch, ListOffsets, OffsetForLeaderEpoch,
 * DescribeProducers, DeleteRecords) and Metadata, with a fake Authorizer that denies by table:
 * which check each API makes, the error code, and where it lands (partition / topic / request).
 */
import { describe, it, expect, beforeAll, afterAll, afterEach, vi } from 'vitest';
import { startBroker, type Broker } from '../../../src/broker.js';
import { KafkaWire, clientHost, fetchBody } from '../../helpers/kafka-wire.js';
import { createTopic } from '../../helpers/admin-wire.js';
import { createBatch } from '../../../src/protocol/records.js';
import { AclOp, ResourceType, CLUSTER_NAME } from '../../../src/ports/authorizer.js';
import { allowAll, denying, testAuthz } from '../../helpers/table-authorizer.js';

vi.mock('../../../src/server/dispatch.js', async (orig) => (await import('../../helpers/table-authorizer.js')).withTableAuthorizer(await orig()));

const ZERO = '00000000-0000-0000-0000-000000000000';
const TOPIC_AUTHZ = 29;
const CLUSTER_AUTHZ = 31;
const TXN_AUTHZ = 53;
const UNKNOWN_TOPIC = 3;
const MIN_INT = -2147483648;
const bit = (op: number) => 1 << op;

let broker: Broker;
let c: KafkaWire;

beforeAll(async () => {
  broker = await startBroker({ port: 0, storage: 'memory', config: { 'num.partitions': 1, 'auto.create.topics.enable': true } });
  c = await KafkaWire.connect(broker.port, clientHost(broker.host));
  for (const name of ['open', 'secret']) await createTopic(c, { name });
});

afterAll(async () => {
  await c?.close();
  await broker?.close();
});

afterEach(allowAll);

const batch = (opts: { transactional?: boolean } = {}) =>
  createBatch([{ key: null, value: Buffer.from('v'), timestamp: Date.now() }], opts.transactional ? { producerId: 1n, producerEpoch: 0, baseSequence: 0, transactional: true } : {});

function produce(topics: string[], records = batch(), transactionalId: string | null = null) {
  return c.request(0, 9, { transactionalId, acks: 1, timeoutMs: 5000, topicData: topics.map((name) => ({ name, topicId: ZERO, partitionData: [{ index: 0, records }] })) });
}

const codes = (res: any, topicsKey: string, partitionsKey: string) =>
  Object.fromEntries(res[topicsKey].map((t: any) => [t.name ?? t.topic, t[partitionsKey].map((p: any) => p.errorCode ?? p.partitionErrorCode)[0]]));

describe('Produce', () => {
  it('needs WRITE on each topic: TOPIC_AUTHORIZATION_FAILED per partition, before UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const authz = denying().deny(AclOp.WRITE, ResourceType.TOPIC, 'secret').deny(AclOp.WRITE, ResourceType.TOPIC, 'ghost');
    const res = await produce(['open', 'secret', 'ghost']);
    expect(codes(res, 'responses', 'partitionResponses')).toEqual({ open: 0, secret: TOPIC_AUTHZ, ghost: TOPIC_AUTHZ });
    // The identity is the connection's: ANONYMOUS from the loopback address.
    expect(authz.asked[0].who).toEqual({ principal: 'User:ANONYMOUS', host: '127.0.0.1' });
  });

  it('auto-creation on produce needs CREATE on the cluster or the topic', async () => {
    denying().deny(AclOp.CREATE, ResourceType.CLUSTER).deny(AclOp.CREATE, ResourceType.TOPIC, 'made-no');
    const res = await produce(['made-no', 'made-yes']);
    expect(codes(res, 'responses', 'partitionResponses')).toEqual({ 'made-no': UNKNOWN_TOPIC, 'made-yes': 0 });
  });

  it('transactional batches need WRITE on the transactional id: every partition TRANSACTIONAL_ID_AUTHORIZATION_FAILED', async () => {
    denying().deny(AclOp.WRITE, ResourceType.TRANSACTIONAL_ID, 'tx-denied');
    const res = await produce(['open', 'secret'], batch({ transactional: true }), 'tx-denied');
    expect(codes(res, 'responses', 'partitionResponses')).toEqual({ open: TXN_AUTHZ, secret: TXN_AUTHZ });
  });

  it('an idempotent (non-transactional) producer needs nothing more than WRITE on the topic', async () => {
    const authz = denying().deny(AclOp.IDEMPOTENT_WRITE, ResourceType.CLUSTER);
    const res = await produce(['open'], createBatch([{ key: null, value: Buffer.from('i'), timestamp: Date.now() }], { producerId: 7n, producerEpoch: 0, baseSequence: 0 }));
    expect(res.responses[0].partitionResponses[0].errorCode).not.toBe(TOPIC_AUTHZ);
    expect(authz.asked.map((a) => a.op)).toEqual([AclOp.WRITE]);
  });
});

describe('Fetch', () => {
  it('a consumer needs READ on each topic; an unknown topic it may read is UNKNOWN_TOPIC_OR_PARTITION', async () => {
    denying().deny(AclOp.READ, ResourceType.TOPIC, 'secret').deny(AclOp.READ, ResourceType.TOPIC, 'ghost');
    const body = fetchBody('open', 0, 0n);
    const part = body.topics[0].partitions[0];
    body.topics = ['open', 'secret', 'ghost', 'nowhere'].map((topic) => ({ topic, topicId: ZERO, partitions: [part] }));
    const res = await c.request(1, 12, body);
    expect(Object.fromEntries(res.responses.map((t: any) => [t.topic, t.partitions[0].errorCode]))).toEqual({ open: 0, secret: TOPIC_AUTHZ, ghost: TOPIC_AUTHZ, nowhere: UNKNOWN_TOPIC });
  });

  it('a follower (replica id) needs CLUSTER_ACTION: every partition TOPIC_AUTHORIZATION_FAILED', async () => {
    denying().deny(AclOp.CLUSTER_ACTION, ResourceType.CLUSTER);
    const res = await c.request(1, 12, fetchBody('open', 0, 0n, { replicaId: broker.nodeId }));
    expect(res.responses[0].partitions[0].errorCode).toBe(TOPIC_AUTHZ);
  });
});

describe('ListOffsets, OffsetForLeaderEpoch, DescribeProducers, DeleteRecords', () => {
  it('ListOffsets needs DESCRIBE on the topic', async () => {
    denying().deny(AclOp.DESCRIBE, ResourceType.TOPIC, 'secret');
    const res = await c.request(2, 7, { replicaId: -1, isolationLevel: 0, topics: ['open', 'secret'].map((name) => ({ name, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] })) });
    expect(codes(res, 'topics', 'partitions')).toEqual({ open: 0, secret: TOPIC_AUTHZ });
  });

  it('OffsetForLeaderEpoch needs CLUSTER_ACTION or else DESCRIBE on the topic', async () => {
    const ask = () => c.request(23, 4, { replicaId: -1, topics: ['open', 'secret'].map((topic) => ({ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] })) });
    denying().deny(AclOp.CLUSTER_ACTION, ResourceType.CLUSTER).deny(AclOp.DESCRIBE, ResourceType.TOPIC, 'secret');
    expect(codes(await ask(), 'topics', 'partitions')).toEqual({ open: 0, secret: TOPIC_AUTHZ });
    denying().deny(AclOp.DESCRIBE, ResourceType.TOPIC, 'secret');
    expect(codes(await ask(), 'topics', 'partitions')).toEqual({ open: 0, secret: 0 });
  });

  it('DescribeProducers needs READ on the topic, before existence', async () => {
    denying().deny(AclOp.READ, ResourceType.TOPIC, 'secret').deny(AclOp.READ, ResourceType.TOPIC, 'ghost');
    const res = await c.request(61, 0, { topics: ['open', 'secret', 'ghost'].map((name) => ({ name, partitionIndexes: [0] })) });
    expect(codes(res, 'topics', 'partitions')).toEqual({ open: 0, secret: TOPIC_AUTHZ, ghost: TOPIC_AUTHZ });
  });

  it('DeleteRecords needs DELETE on the topic', async () => {
    denying().deny(AclOp.DELETE, ResourceType.TOPIC, 'secret');
    const res = await c.request(21, 2, { topics: ['open', 'secret'].map((name) => ({ name, partitions: [{ partitionIndex: 0, offset: 0n }] })), timeoutMs: 5000 });
    expect(codes(res, 'topics', 'partitions')).toEqual({ open: 0, secret: TOPIC_AUTHZ });
  });
});

describe('Metadata', () => {
  const md = (topics: Array<{ name: string | null; topicId?: string }> | null, extra: Record<string, unknown> = {}) =>
    c.request(3, 12, { topics: topics?.map((t) => ({ topicId: t.topicId ?? ZERO, name: t.name })) ?? null, allowAutoTopicCreation: false, ...extra });

  it('all topics: only those the client may DESCRIBE are listed', async () => {
    denying().deny(AclOp.DESCRIBE, ResourceType.TOPIC, 'secret');
    const names = (await md(null)).topics.map((t: any) => t.name);
    expect(names).toContain('open');
    expect(names).not.toContain('secret');
  });

  it('named topics without DESCRIBE are TOPIC_AUTHORIZATION_FAILED whether they exist or not; by id, the id without the name', async () => {
    const secretId = (await md([{ name: 'secret' }])).topics[0].topicId;
    denying().deny(AclOp.DESCRIBE, ResourceType.TOPIC, 'secret').deny(AclOp.DESCRIBE, ResourceType.TOPIC, 'ghost');
    const res = await md([{ name: 'open' }, { name: 'secret' }, { name: 'ghost' }, { name: 'nowhere' }]);
    expect(res.topics.map((t: any) => [t.name, t.errorCode, t.topicId === ZERO])).toEqual([
      ['open', 0, false],
      ['secret', TOPIC_AUTHZ, true],
      ['ghost', TOPIC_AUTHZ, true],
      ['nowhere', UNKNOWN_TOPIC, true],
    ]);
    const byId = (await md([{ name: null, topicId: secretId }])).topics[0];
    expect([byId.name, byId.errorCode, byId.topicId]).toEqual([null, TOPIC_AUTHZ, secretId]);
  });

  it('auto-creation needs CREATE on the cluster or on the topic', async () => {
    denying().deny(AclOp.CREATE, ResourceType.CLUSTER).deny(AclOp.CREATE, ResourceType.TOPIC, 'auto-no');
    const res = await md([{ name: 'auto-no' }, { name: 'auto-yes' }], { allowAutoTopicCreation: true });
    expect(res.topics.map((t: any) => t.errorCode)).toEqual([TOPIC_AUTHZ, 5]);
    allowAll();
    expect((await md([{ name: 'auto-no' }])).topics[0].errorCode).toBe(UNKNOWN_TOPIC);
  });

  it('authorized operations: the topic bits and (v8–v10) the cluster bits the authorizer allows', async () => {
    denying().deny(AclOp.WRITE, ResourceType.TOPIC, 'open').deny(AclOp.ALTER, ResourceType.CLUSTER);
    const res = await c.request(3, 10, { topics: [{ topicId: ZERO, name: 'open' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true });
    const topicOps = res.topics[0].topicAuthorizedOperations;
    expect(topicOps & bit(AclOp.WRITE)).toBe(0);
    expect(topicOps).toBe([AclOp.READ, AclOp.CREATE, AclOp.DESCRIBE, AclOp.DELETE, AclOp.ALTER, AclOp.DESCRIBE_CONFIGS, AclOp.ALTER_CONFIGS].reduce((s, o) => s | bit(o), 0));
    expect(res.clusterAuthorizedOperations & bit(AclOp.ALTER)).toBe(0);
    expect(res.clusterAuthorizedOperations & bit(AclOp.DESCRIBE)).not.toBe(0);
    denying().deny(AclOp.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME);
    expect((await c.request(3, 10, { topics: [], includeClusterAuthorizedOperations: true })).clusterAuthorizedOperations).toBe(0);
    expect((await c.request(3, 10, { topics: [], includeClusterAuthorizedOperations: false })).clusterAuthorizedOperations).toBe(MIN_INT);
  });

  it('DescribeCluster needs no ACL; its cluster bits are 0 without DESCRIBE on the cluster', async () => {
    denying().deny(AclOp.IDEMPOTENT_WRITE, ResourceType.CLUSTER);
    const ok = await c.request(60, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 });
    expect(ok.errorCode).toBe(0);
    expect(ok.clusterAuthorizedOperations).toBe([AclOp.CREATE, AclOp.CLUSTER_ACTION, AclOp.DESCRIBE_CONFIGS, AclOp.ALTER_CONFIGS, AclOp.ALTER, AclOp.DESCRIBE].reduce((s, o) => s | bit(o), 0));
    denying().deny(AclOp.DESCRIBE, ResourceType.CLUSTER);
    const denied = await c.request(60, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 });
    expect([denied.errorCode, denied.clusterAuthorizedOperations, denied.brokers.length]).toEqual([0, 0, 1]);
  });

  it('DescribeTopicPartitions: denied named topics come last with TOPIC_AUTHORIZATION_FAILED; all topics leave them out', async () => {
    denying().deny(AclOp.DESCRIBE, ResourceType.TOPIC, 'open').deny(AclOp.ALTER, ResourceType.TOPIC, 'secret');
    const named = await c.request(75, 0, { topics: [{ name: 'open' }, { name: 'secret' }], responsePartitionLimit: 100, cursor: null });
    expect(named.topics.map((t: any) => [t.name, t.errorCode, t.topicId === ZERO])).toEqual([
      ['secret', 0, false],
      ['open', TOPIC_AUTHZ, true],
    ]);
    expect(named.topics[0].topicAuthorizedOperations & bit(AclOp.ALTER)).toBe(0);
    expect(named.topics[0].topicAuthorizedOperations & bit(AclOp.READ)).not.toBe(0);
    const all = await c.request(75, 0, { topics: [], responsePartitionLimit: 100, cursor: null });
    expect(all.topics.map((t: any) => t.name)).not.toContain('open');
  });
});

describe('without an authorizer', () => {
  it('nothing is refused and the authorizer is never asked', async () => {
    const never = () => {
      throw new Error('asked while disabled');
    };
    testAuthz.current = { enabled: false, authorize: never, authorizeByResourceType: never };
    const res = await produce(['open', 'secret']);
    expect(codes(res, 'responses', 'partitionResponses')).toEqual({ open: 0, secret: 0 });
    expect((await c.request(3, 10, { topics: [], includeClusterAuthorizedOperations: true })).clusterAuthorizedOperations).not.toBe(0);
  });
});

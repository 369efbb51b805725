/**
 * Kafka's authorization table for the admin APIs (topics, partitions, configs, log dirs, elections,
 * reassignments, client quotas, brokers), with a fake Authorizer that denies by table.
 */
import { describe, it, expect, beforeAll, afterAll, afterEach, vi } from 'vitest';
import { startBroker, type Broker } from '../../../src/broker.js';
import { KafkaWire, clientHost } from '../../helpers/kafka-wire.js';
import { createTopic, createTopicsBody } from '../../helpers/admin-wire.js';
import { AclOp, ResourceType } from '../../../src/ports/authorizer.js';
import { allowAll, denying } from '../../helpers/table-authorizer.js';

vi.mock('../../../src/server/dispatch.js', async (orig) => (await import('../../helpers/table-authorizer.js')).withTableAuthorizer(await orig()));

const ZERO = '00000000-0000-0000-0000-000000000000';
const TOPIC_AUTHZ = 29;
const GROUP_AUTHZ = 30;
const CLUSTER_AUTHZ = 31;
const UNKNOWN_TOPIC = 3;
const CONFIG = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8, GROUP: 32 };

let broker: Broker;
let c: KafkaWire;

beforeAll(async () => {
  broker = await startBroker({ port: 0, storage: 'memory', config: { 'num.partitions': 1 } });
  c = await KafkaWire.connect(broker.port, clientHost(broker.host));
  for (const name of ['open', 'secret']) await createTopic(c, { name });
});

afterAll(async () => {
  await c?.close();
  await broker?.close();
});

afterEach(allowAll);

describe('topics and partitions', () => {
  it('CreateTopics: CREATE on the cluster or the topic; configs only with DESCRIBE_CONFIGS', async () => {
    denying().deny(AclOp.CREATE, ResourceType.CLUSTER).deny(AclOp.CREATE, ResourceType.TOPIC, 'new-no').deny(AclOp.DESCRIBE_CONFIGS, ResourceType.TOPIC, 'new-blind');
    const res = await c.request(19, 7, createTopicsBody([{ name: 'new-no' }, { name: 'new-yes' }, { name: 'new-blind' }]));
    const byName = new Map(res.topics.map((t: any) => [t.name, t]));
    const no: any = byName.get('new-no');
    expect([no.errorCode, no.errorMessage]).toEqual([TOPIC_AUTHZ, 'Authorization failed.']);
    const yes: any = byName.get('new-yes');
    expect([yes.errorCode, yes.topicConfigErrorCode, yes.configs.length > 0]).toEqual([0, 0, true]);
    const blind: any = byName.get('new-blind');
    expect([blind.errorCode, blind.topicConfigErrorCode, blind.configs.length, blind.numPartitions, blind.replicationFactor]).toEqual([0, TOPIC_AUTHZ, 0, -1, -1]);
  });

  it('DeleteTopics: a name without DESCRIBE is TOPIC_AUTHORIZATION_FAILED even if unknown; with DESCRIBE, unknown is UNKNOWN_TOPIC_OR_PARTITION; DELETE needed', async () => {
    await createTopic(c, { name: 'doomed' });
    denying().deny(AclOp.DELETE, ResourceType.CLUSTER).deny(AclOp.DESCRIBE, ResourceType.TOPIC, 'ghost').deny(AclOp.DELETE, ResourceType.TOPIC, 'secret');
    const res = await c.request(20, 6, { topics: ['ghost', 'nowhere', 'secret', 'doomed'].map((name) => ({ name, topicId: ZERO })), timeoutMs: 5000 });
    expect(Object.fromEntries(res.responses.map((r: any) => [r.name, r.errorCode]))).toEqual({ ghost: TOPIC_AUTHZ, nowhere: UNKNOWN_TOPIC, secret: TOPIC_AUTHZ, doomed: 0 });
  });

  it('DeleteTopics by id: without DELETE, TOPIC_AUTHORIZATION_FAILED, the name only when it may be described', async () => {
    const secretId = (await c.request(3, 12, { topics: [{ topicId: ZERO, name: 'secret' }], allowAutoTopicCreation: false })).topics[0].topicId;
    denying().deny(AclOp.DELETE, ResourceType.CLUSTER).deny(AclOp.DELETE, ResourceType.TOPIC, 'secret').deny(AclOp.DESCRIBE, ResourceType.TOPIC, 'secret');
    const res = await c.request(20, 6, { topics: [{ name: null, topicId: secretId }], timeoutMs: 5000 });
    expect([res.responses[0].name, res.responses[0].errorCode, res.responses[0].topicId]).toEqual([null, TOPIC_AUTHZ, secretId]);
    denying().deny(AclOp.DELETE, ResourceType.CLUSTER).deny(AclOp.DELETE, ResourceType.TOPIC, 'secret');
    const named = await c.request(20, 6, { topics: [{ name: null, topicId: secretId }], timeoutMs: 5000 });
    expect([named.responses[0].name, named.responses[0].errorCode]).toEqual(['secret', TOPIC_AUTHZ]);
  });

  it('CreatePartitions: ALTER on the topic, before existence', async () => {
    denying().deny(AclOp.ALTER, ResourceType.TOPIC, 'secret').deny(AclOp.ALTER, ResourceType.TOPIC, 'ghost');
    const res = await c.request(37, 3, { topics: ['secret', 'ghost', 'nowhere'].map((name) => ({ name, count: 2, assignments: null })), timeoutMs: 5000, validateOnly: true });
    expect(res.results.map((r: any) => [r.name, r.errorCode])).toEqual([
      ['secret', TOPIC_AUTHZ],
      ['ghost', TOPIC_AUTHZ],
      ['nowhere', UNKNOWN_TOPIC],
    ]);
  });
});

describe('configs', () => {
  const resources = [
    { resourceType: CONFIG.TOPIC, resourceName: 'secret' },
    { resourceType: CONFIG.BROKER, resourceName: '' },
    { resourceType: CONFIG.GROUP, resourceName: 'g1' },
    { resourceType: CONFIG.TOPIC, resourceName: 'open' },
  ];

  it('DescribeConfigs: DESCRIBE_CONFIGS on the topic, the cluster (brokers), the group', async () => {
    denying().deny(AclOp.DESCRIBE_CONFIGS, ResourceType.TOPIC, 'secret').deny(AclOp.DESCRIBE_CONFIGS, ResourceType.CLUSTER).deny(AclOp.DESCRIBE_CONFIGS, ResourceType.GROUP, 'g1');
    const res = await c.request(32, 4, { resources: resources.map((r) => ({ ...r, configurationKeys: null })), includeSynonyms: false, includeDocumentation: false });
    expect(res.results.map((r: any) => r.errorCode)).toEqual([TOPIC_AUTHZ, CLUSTER_AUTHZ, GROUP_AUTHZ, 0]);
    expect(res.results[0].errorMessage).toBe('Topic authorization failed.');
  });

  it('IncrementalAlterConfigs and AlterConfigs: ALTER_CONFIGS on the same resources; BROKER_LOGGER on the cluster', async () => {
    denying().deny(AclOp.ALTER_CONFIGS, ResourceType.TOPIC, 'secret').deny(AclOp.ALTER_CONFIGS, ResourceType.CLUSTER).deny(AclOp.ALTER_CONFIGS, ResourceType.GROUP, 'g1');
    const incremental = await c.request(44, 1, {
      resources: [...resources, { resourceType: CONFIG.BROKER_LOGGER, resourceName: String(broker.nodeId) }].map((r) => ({ ...r, configs: [{ name: r.resourceType === CONFIG.BROKER_LOGGER ? 'kafka' : 'retention.ms', configOperation: 1, value: null }] })),
      validateOnly: true,
    });
    expect(incremental.responses.map((r: any) => r.errorCode)).toEqual([TOPIC_AUTHZ, CLUSTER_AUTHZ, GROUP_AUTHZ, 0, CLUSTER_AUTHZ]);
    const legacy = await c.request(33, 2, { resources: [resources[0], resources[3]].map((r) => ({ ...r, configs: [] })), validateOnly: true });
    expect(legacy.responses.map((r: any) => r.errorCode)).toEqual([TOPIC_AUTHZ, 0]);
  });
});

describe('cluster operations', () => {
  it('DescribeLogDirs needs DESCRIBE on the cluster (no dirs, CLUSTER_AUTHORIZATION_FAILED)', async () => {
    denying().deny(AclOp.DESCRIBE, ResourceType.CLUSTER);
    const res = await c.request(35, 4, { topics: null });
    expect([res.errorCode, res.results]).toEqual([CLUSTER_AUTHZ, []]);
  });

  it('ElectLeaders and AlterPartitionReassignments need ALTER: at the top level and on every partition', async () => {
    denying().deny(AclOp.ALTER, ResourceType.CLUSTER);
    const elect = await c.request(43, 2, { electionType: 0, topicPartitions: [{ topic: 'open', partitions: [0] }], timeoutMs: 5000 });
    expect([elect.errorCode, elect.replicaElectionResults[0].partitionResult[0].errorCode]).toEqual([CLUSTER_AUTHZ, CLUSTER_AUTHZ]);
    const alter = await c.request(45, 0, { timeoutMs: 5000, topics: [{ name: 'open', partitions: [{ partitionIndex: 0, replicas: [broker.nodeId] }] }] });
    expect([alter.errorCode, alter.responses[0].partitions[0].errorCode]).toEqual([CLUSTER_AUTHZ, CLUSTER_AUTHZ]);
    expect((await c.request(64, 0, { brokerId: 99 })).errorCode).toBe(CLUSTER_AUTHZ);
  });

  it('ListPartitionReassignments needs DESCRIBE on the cluster', async () => {
    denying().deny(AclOp.DESCRIBE, ResourceType.CLUSTER);
    expect((await c.request(46, 0, { timeoutMs: 5000, topics: null })).errorCode).toBe(CLUSTER_AUTHZ);
  });

  it('DescribeClientQuotas needs DESCRIBE_CONFIGS and AlterClientQuotas ALTER_CONFIGS on the cluster', async () => {
    denying().deny(AclOp.DESCRIBE_CONFIGS, ResourceType.CLUSTER).deny(AclOp.ALTER_CONFIGS, ResourceType.CLUSTER);
    const described = await c.request(48, 1, { components: [], strict: false });
    expect([described.errorCode, described.entries]).toEqual([CLUSTER_AUTHZ, null]);
    const altered = await c.request(49, 1, { entries: [{ entity: [{ entityType: 'user', entityName: 'alice' }], ops: [{ key: 'producer_byte_rate', value: 1024, remove: false }] }], validateOnly: false });
    expect(altered.entries.map((e: any) => [e.errorCode, e.entity[0].entityName])).toEqual([[CLUSTER_AUTHZ, 'alice']]);
  });
});

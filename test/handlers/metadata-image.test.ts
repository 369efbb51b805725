/**
 * The cluster metadata image and its owner: immutable snapshots, replica lists from the
 * assignment (not from the node id), topics.json of the previous release, leader epochs that
 * survive a restart and are what the partition handlers check and answer.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../../src/broker.js';
import { BrokerConfig } from '../../src/config/config.js';
import { MetadataImage, type BrokerImage } from '../../src/cluster/metadata-image.js';
import { MetadataOwner } from '../../src/cluster/metadata-owner.js';
import { TopicRegistry } from '../../src/cluster/topics.js';
import { LogManager } from '../../src/storage/log-manager.js';
import { MemoryLogStore } from '../../src/storage/memory-log-store.js';
import { createBatch } from '../../src/protocol/records.js';
import { silentLogger } from '../../src/util/logger.js';
import metadataHandler from '../../src/handlers/03-metadata.js';
import describeTopicPartitions from '../../src/handlers/75-describe-topic-partitions.js';
import describeCluster from '../../src/handlers/60-describe-cluster.js';
import findCoordinator from '../../src/handlers/10-find-coordinator.js';
import { partitionFor } from '../../src/cluster/kv-log.js';
import type { BrokerServices, HandlerContext } from '../../src/handlers/types.js';
import { KafkaWire, clientHost, fetchBody } from '../helpers/kafka-wire.js';
import { testClient } from '../helpers/client-info.js';
import { ALLOW_ALL } from '../../src/ports/authorizer.js';

const ZERO = '00000000-0000-0000-0000-000000000000';
const FEATURES = { supported: [], finalized: [], epoch: 0n };
const FENCED_LEADER_EPOCH = 74;
const UNKNOWN_LEADER_EPOCH = 75;

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'runnel-image-test-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const broker = (id: number, port = 9092): BrokerImage => ({ id, endpoints: [{ listener: 'PLAINTEXT', host: `b${id}.example`, port }], rack: null });

function ctxFor(image: MetadataImage, nodeId: number, apiKey: number, apiVersion: number): HandlerContext {
  const services = {
    config: new BrokerConfig({}),
    clusterId: 'unused',
    nodeId,
    advertised: () => ({ name: 'PLAINTEXT', host: 'wrong.example', port: 1 }),
    metadata: { image: () => image, apply: () => Promise.reject(new Error('read only')) },
    // The same topics as a catalogue, so that a handler reading them instead of the image would answer too.
    topics: { list: () => image.topics(), get: (n: string) => image.topic(n), getById: (id: string) => image.topicById(id), collidesWith: () => undefined },
    authorizer: ALLOW_ALL,
    log: silentLogger,
  } as unknown as BrokerServices;
  return { apiVersion, header: { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId: 1, clientId: 't' }, client: testClient(), broker: services, log: silentLogger };
}

describe('the metadata image', () => {
  it('is immutable: a held image does not change when a topic is created; the new one has it', async () => {
    const config = new BrokerConfig({});
    const owner = await MetadataOwner.open({
      clusterId: 'c',
      nodeId: 1,
      broker: broker(1),
      features: FEATURES,
      registry: TopicRegistry.inMemory(),
      logs: new MemoryLogStore(config, () => ({}), silentLogger),
    });
    const held = owner.image();
    await owner.createNew('fresh', 2);
    expect(held.topic('fresh')).toBeUndefined();
    expect(held.topics()).toEqual([]);
    const now = owner.image();
    expect(now).not.toBe(held);
    expect(now.topic('fresh')?.partitionStates.map((p) => [...p.replicas])).toEqual([[1], [1]]);
    expect(Object.isFrozen(now.topic('fresh'))).toBe(true);
    expect(Object.isFrozen(now.partition('fresh', 0))).toBe(true);
    expect(() => {
      (now.partition('fresh', 0)!.replicas as number[]).push(9);
    }).toThrow();

    const beforeBump = owner.image();
    await owner.apply([{ kind: 'changePartition', topic: 'fresh', partition: 1, bumpLeaderEpoch: true }]);
    expect(beforeBump.partition('fresh', 1)?.leaderEpoch).toBe(0);
    expect(owner.image().partition('fresh', 1)).toMatchObject({ leaderEpoch: 1, partitionEpoch: 1 });
  });

  it('Metadata, DescribeTopicPartitions and DescribeCluster answer from a 3-broker assignment, not from the node id', async () => {
    const image = MetadataImage.empty('cluster-x', 2, FEATURES).apply([
      { kind: 'registerBroker', broker: broker(1) },
      { kind: 'registerBroker', broker: broker(2) },
      { kind: 'registerBroker', broker: broker(3) },
      { kind: 'createTopic', name: 'spread', id: '11111111-2222-3333-4444-555555555555', configs: {}, replicas: [[2, 3, 1], [3, 1, 2]] },
      { kind: 'changePartition', topic: 'spread', partition: 0, leader: 3, isr: [3, 1] },
    ]);
    const md = (await metadataHandler.handle({ topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false, includeClusterAuthorizedOperations: false } as any, ctxFor(image, 1, 3, 12))) as any;
    expect(md.clusterId).toBe('cluster-x');
    expect(md.controllerId).toBe(2);
    expect(md.brokers.map((b: any) => [b.nodeId, b.host])).toEqual([
      [1, 'b1.example'],
      [2, 'b2.example'],
      [3, 'b3.example'],
    ]);
    const parts = md.topics[0].partitions;
    expect(parts[0]).toMatchObject({ errorCode: 0, leaderId: 3, leaderEpoch: 1, replicaNodes: [2, 3, 1], isrNodes: [3, 1], offlineReplicas: [] });
    expect(parts[1]).toMatchObject({ errorCode: 0, leaderId: 3, leaderEpoch: 0, replicaNodes: [3, 1, 2], isrNodes: [3, 1, 2] });

    const dtp = (await describeTopicPartitions.handle({ topics: [], responsePartitionLimit: 100, cursor: null } as any, ctxFor(image, 1, 75, 0))) as any;
    expect(dtp.topics[0].partitions[0]).toMatchObject({ leaderId: 3, leaderEpoch: 1, replicaNodes: [2, 3, 1], isrNodes: [3, 1] });

    const dc = (await describeCluster.handle({ includeClusterAuthorizedOperations: false, endpointType: 1, includeFencedBrokers: false } as any, ctxFor(image, 1, 60, 1))) as any;
    expect(dc.brokers.map((b: any) => b.brokerId)).toEqual([1, 2, 3]);
    expect(dc.controllerId).toBe(2);

    // No controller elected yet (or not registered): this broker is named, never -1, which kafkajs' admin cannot use.
    const leaderless = MetadataImage.empty('cluster-x', -1, FEATURES).apply([
      { kind: 'registerBroker', broker: broker(1) },
      { kind: 'registerBroker', broker: broker(3) },
    ]);
    expect(((await metadataHandler.handle({ topics: [], allowAutoTopicCreation: false } as any, ctxFor(leaderless, 3, 3, 12))) as any).controllerId).toBe(3);
    expect(((await describeCluster.handle({ includeClusterAuthorizedOperations: false, endpointType: 1, includeFencedBrokers: false } as any, ctxFor(leaderless, 1, 60, 1))) as any).controllerId).toBe(1);
    expect(MetadataImage.empty('cluster-x', 7, FEATURES).controllerForClients(1)).toBe(7);

    // A replica on a broker the image does not know is offline; a leader there is not available.
    const gone = image.apply([{ kind: 'changePartition', topic: 'spread', partition: 1, leader: 4, replicas: [4, 1], isr: [4] }]);
    const md2 = (await metadataHandler.handle({ topics: null, allowAutoTopicCreation: false } as any, ctxFor(gone, 1, 3, 12))) as any;
    expect(md2.topics[0].partitions[1]).toMatchObject({ errorCode: 5, leaderId: -1, leaderEpoch: 1, replicaNodes: [4, 1], offlineReplicas: [4] });
  });

  it('FindCoordinator names the leader of the key\'s internal-topic partition in the image', async () => {
    const image = MetadataImage.empty('c', 1, FEATURES).apply([
      { kind: 'registerBroker', broker: broker(1, 9001) },
      { kind: 'registerBroker', broker: broker(2, 9002) },
      { kind: 'registerBroker', broker: broker(3, 9003) },
      { kind: 'createTopic', name: '__consumer_offsets', id: '11111111-0000-0000-0000-000000000001', configs: {}, replicas: [[1], [2], [3]] },
      { kind: 'createTopic', name: '__transaction_state', id: '11111111-0000-0000-0000-000000000002', configs: {}, replicas: [[3], [1]] },
    ]);
    const keys = ['group-a', 'group-b', 'group-c', 'group-d'];
    const groups = (await findCoordinator.handle({ keyType: 0, coordinatorKeys: keys } as any, ctxFor(image, 1, 10, 4))) as any;
    expect(groups.coordinators.map((c: any) => [c.nodeId, c.port])).toEqual(keys.map((k) => [partitionFor(k, 3) + 1, 9001 + partitionFor(k, 3)]));
    const txn = (await findCoordinator.handle({ keyType: 1, key: 'tx-1' } as any, ctxFor(image, 1, 10, 3))) as any;
    expect(txn.nodeId).toBe([3, 1][partitionFor('tx-1', 2)]);
    const none = (await findCoordinator.handle({ keyType: 1, key: 'tx-1' } as any, ctxFor(MetadataImage.empty('c', 1, FEATURES), 1, 10, 3))) as any;
    expect(none.errorCode).toBe(15);
  });

  it('opens a topics.json of the previous release unchanged (absent assignment = this node)', async () => {
    const dataDir = await tempDir();
    // Exactly what the previous release wrote (TopicRegistry.persist), partition directories not yet created.
    const old = { version: 1, topics: [{ name: 'legacy', id: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', partitions: 2, configs: { 'retention.ms': '60000' } }] };
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, 'topics.json'), JSON.stringify(old, null, 1));
    const b = await startBroker({ port: 0, dataDir, config: { 'node.id': 5 } });
    const c = await KafkaWire.connect(b.port, clientHost(b.host));
    try {
      const md = await c.request(3, 12, { topics: [{ topicId: ZERO, name: 'legacy' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      const t = md.topics[0];
      expect(t.errorCode).toBe(0);
      expect(t.topicId).toBe('aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
      expect(t.partitions.map((p: any) => [p.partitionIndex, p.leaderId, p.leaderEpoch, p.replicaNodes, p.isrNodes])).toEqual([
        [0, 5, 0, [5], [5]],
        [1, 5, 0, [5], [5]],
      ]);
    } finally {
      await c.close();
      await b.close();
    }
    // The broker rewrote the file (it added its internal topics); the old entry is as it was.
    const now = JSON.parse(await readFile(join(dataDir, 'topics.json'), 'utf8'));
    expect(now.version).toBe(1);
    expect(now.topics.find((t: any) => t.name === 'legacy')).toEqual(old.topics[0]);
  });

  it('keeps a replica assignment and partition state in topics.json, and only where they differ from one node', async () => {
    const dataDir = await tempDir();
    const open = async () => {
      const registry = await TopicRegistry.open(dataDir);
      return MetadataOwner.open({ clusterId: 'c', nodeId: 1, broker: broker(1), features: FEATURES, registry, logs: new MemoryLogStore(new BrokerConfig({}), () => ({}), silentLogger) });
    };
    const owner = await open();
    await owner.apply([{ kind: 'registerBroker', broker: broker(2) }, { kind: 'registerBroker', broker: broker(3) }]);
    await owner.createNew('wide', 2, {}, [[2, 3], [3, 1]]);
    await owner.createNew('local', 1);
    await owner.apply([{ kind: 'changePartition', topic: 'wide', partition: 1, leader: 1, isr: [1] }]);
    const file = JSON.parse(await readFile(join(dataDir, 'topics.json'), 'utf8'));
    expect(file.topics.find((t: any) => t.name === 'local')).toEqual({ name: 'local', id: owner.image().topic('local')!.id, partitions: 1, configs: {} });
    const wide = file.topics.find((t: any) => t.name === 'wide');
    expect(wide.replicas).toEqual([[2, 3], [3, 1]]);
    expect(wide.states).toEqual({ '1': { leader: 1, leaderEpoch: 1, isr: [1], partitionEpoch: 1 } });

    const again = (await open()).image();
    expect(again.partition('wide', 0)).toMatchObject({ replicas: [2, 3], isr: [2, 3], leader: 2, leaderEpoch: 0 });
    expect(again.partition('wide', 1)).toMatchObject({ replicas: [3, 1], isr: [1], leader: 1, leaderEpoch: 1, partitionEpoch: 1 });
    expect(again.partition('local', 0)).toMatchObject({ replicas: [1], leader: 1, leaderEpoch: 0 });
  });

  it('keeps a leader epoch bumped through the owner across a restart: Metadata, DescribeTopicPartitions, the epoch checks and new batches', async () => {
    const dataDir = await tempDir();
    const config = { 'node.id': 3 };
    let b = await startBroker({ port: 0, dataDir, config });
    let c = await KafkaWire.connect(b.port, clientHost(b.host));
    await c.request(19, 5, { topics: [{ name: 'epochs', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    const batch = () => createBatch([{ key: null, value: Buffer.from('x') }]);
    const produce = () => c.request(0, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'epochs', partitionData: [{ index: 1, records: batch() }] }] });
    expect((await produce()).responses[0].partitionResponses[0].errorCode).toBe(0);
    await c.close();
    await b.close();

    // Offline, through the owner, as a leadership change would.
    const registry = await TopicRegistry.open(dataDir);
    const brokerConfig = new BrokerConfig({ 'log.dirs': dataDir, 'node.id': 3 });
    const logs = await LogManager.open(brokerConfig, registry.list(), () => ({}), silentLogger);
    await logs.whenOpen();
    const owner = await MetadataOwner.open({ clusterId: 'c', nodeId: 3, broker: broker(3), features: FEATURES, registry, logs });
    await owner.apply([{ kind: 'changePartition', topic: 'epochs', partition: 1, bumpLeaderEpoch: true }]);
    await owner.apply([{ kind: 'changePartition', topic: 'epochs', partition: 1, bumpLeaderEpoch: true }]);
    await logs.close();
    const checkpoint = await readFile(join(dataDir, 'epochs-1', 'leader-epoch-checkpoint'), 'utf8');
    expect(checkpoint).toBe('0\n2\n0 0\n2 1\n');

    b = await startBroker({ port: 0, dataDir, config });
    c = await KafkaWire.connect(b.port, clientHost(b.host));
    try {
      const md = await c.request(3, 12, { topics: [{ topicId: ZERO, name: 'epochs' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      expect(md.topics[0].partitions.map((p: any) => p.leaderEpoch)).toEqual([0, 2]);
      const dtp = await c.request(75, 0, { topics: [{ name: 'epochs' }], responsePartitionLimit: 10, cursor: null });
      expect(dtp.topics[0].partitions.map((p: any) => p.leaderEpoch)).toEqual([0, 2]);

      const fetchAt = (currentLeaderEpoch: number) =>
        c.request(1, 12, fetchBody('epochs', 1, 0n, {}, { currentLeaderEpoch }));
      expect((await fetchAt(1)).responses[0].partitions[0].errorCode).toBe(FENCED_LEADER_EPOCH);
      expect((await fetchAt(3)).responses[0].partitions[0].errorCode).toBe(UNKNOWN_LEADER_EPOCH);
      expect((await fetchAt(2)).responses[0].partitions[0].errorCode).toBe(0);

      const lo = await c.request(2, 5, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'epochs', partitions: [{ partitionIndex: 1, currentLeaderEpoch: 0, timestamp: -1n }] }] });
      expect(lo.topics[0].partitions[0].errorCode).toBe(FENCED_LEADER_EPOCH);
      const lo2 = await c.request(2, 5, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'epochs', partitions: [{ partitionIndex: 1, currentLeaderEpoch: 2, timestamp: -1n }] }] });
      expect(lo2.topics[0].partitions[0]).toMatchObject({ errorCode: 0, offset: 1n, leaderEpoch: 2 });

      const ofe = await c.request(23, 4, { replicaId: -1, topics: [{ topic: 'epochs', partitions: [{ partition: 1, currentLeaderEpoch: 3, leaderEpoch: 2 }] }] });
      expect(ofe.topics[0].partitions[0].errorCode).toBe(UNKNOWN_LEADER_EPOCH);
      const ofe2 = await c.request(23, 4, { replicaId: -1, topics: [{ topic: 'epochs', partitions: [{ partition: 1, currentLeaderEpoch: 2, leaderEpoch: 2 }] }] });
      expect(ofe2.topics[0].partitions[0]).toMatchObject({ errorCode: 0, leaderEpoch: 2, endOffset: 1n });

      // A batch produced now carries epoch 2 (bytes 12..16 of the batch header).
      expect((await produce()).responses[0].partitionResponses[0].errorCode).toBe(0);
      const f = (await fetchAt(2)).responses[0].partitions[0];
      const records: Buffer = f.records;
      const second = 12 + records.readInt32BE(8); // the first batch's size is 12 + batchLength
      expect(records.readInt32BE(12)).toBe(0);
      expect(records.readInt32BE(second + 12)).toBe(2);
    } finally {
      await c.close();
      await b.close();
    }
  });
});

describe('auto-creation of an internal topic through Metadata', () => {
  it('goes to the coordinator topics (their partitions, replication factor and compaction), not num.partitions', async () => {
    const image = MetadataImage.empty('c', 1, FEATURES).apply([{ kind: 'registerBroker', broker: broker(1) }]);
    const ctx = ctxFor(image, 1, 3, 12);
    const ensured: string[] = [];
    const created: string[] = [];
    Object.assign(ctx.broker, {
      coordinatorTopics: { ensure: async (t: string) => (ensured.push(t), 15) },
      topics: { ...ctx.broker.topics, create: async (n: string) => (created.push(n), image.topic(n)) },
    });
    const md = (await metadataHandler.handle({ topics: [{ name: '__consumer_offsets', topicId: '00000000-0000-0000-0000-000000000000' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false, includeClusterAuthorizedOperations: false } as any, ctx)) as any;
    expect(ensured).toEqual(['__consumer_offsets']);
    expect(created).toEqual([]);
    expect(md.topics[0].errorCode).toBe(5); // LEADER_NOT_AVAILABLE: the client asks again
  });
});

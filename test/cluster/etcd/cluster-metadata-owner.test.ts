/** The cluster's TopicCatalog and MetadataSource over etcd: changes made on one broker, seen on another. */
import { describe, expect, it } from 'vitest';
import { ClusterMetadataOwner } from '../../../src/cluster/cluster-metadata-owner.js';
import { TopicError } from '../../../src/cluster/topics.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { randomTopicId } from '../../../src/cluster/uuid.js';
import { liveIds, newPrefix, openBroker, until, useTestEtcd } from './brokers.js';

const etcd = useTestEtcd();

async function owners(...ids: number[]): Promise<ClusterMetadataOwner[]> {
  const prefix = newPrefix();
  const out: ClusterMetadataOwner[] = [];
  for (const id of ids) {
    const c = await openBroker(etcd.endpoints, prefix, id);
    etcd.closeAfterTest(c);
    out.push(new ClusterMetadataOwner({ control: c, defaultReplicationFactor: 1 }));
  }
  await until(out[0], 'all registered', (i) => liveIds(i).length === ids.length);
  return out;
}

async function codeOf(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
  } catch (e) {
    return e instanceof TopicError ? e.errorCode : -999;
  }
  return undefined;
}

describe('ClusterMetadataOwner', () => {
  it('creates a replicated topic placed over the live brokers; the creator sees it on return, the others soon', async () => {
    const [a, b, c] = await owners(1, 2, 3);
    const t = await a.createNew('orders', 6, { 'retention.ms': '60000' }, undefined, 3);
    expect(t.partitions).toBe(6);
    expect(a.get('orders')).toBeDefined();
    const states = a.image().topic('orders')!.partitionStates;
    for (const p of states) {
      expect([...p.replicas].sort()).toEqual([1, 2, 3]);
      expect(p.leader).toBe(p.replicas[0]);
      expect(p.isr).toEqual(p.replicas);
    }
    // Leaders spread: each broker leads two of the six.
    const leaders = states.map((p) => p.leader).sort();
    expect(leaders).toEqual([1, 1, 2, 2, 3, 3]);
    for (const o of [b, c]) await until(o, 'orders elsewhere', (i) => i.topic('orders')?.id === t.id);
    expect(c.get('orders')!.configs).toEqual({ 'retention.ms': '60000' });
  });

  it('refuses what Kafka refuses: taken names, collisions, too many replicas, bad assignments', async () => {
    const [a, b] = await owners(1, 2);
    await a.createNew('a.b', 1);
    await until(b, 'a.b on b', (i) => i.topic('a.b') !== undefined);
    expect(await codeOf(b.createNew('a.b', 1))).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    expect(await codeOf(b.createNew('a_b', 1))).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(await codeOf(a.createNew('big', 1, {}, undefined, 3))).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(await codeOf(a.createNew('dup', 1, {}, [[1, 1]]))).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(await codeOf(a.createNew('unknown', 1, {}, [[1, 7]]))).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(await codeOf(a.createNew('ragged', 2, {}, [[1, 2], [1]]))).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    for (const n of ['big', 'dup', 'unknown', 'ragged']) expect(a.get(n)).toBeUndefined();
    // Explicit assignments are kept as given.
    const t = await a.createNew('manual', 2, {}, [[2, 1], [1, 2]]);
    expect(a.image().topic(t.name)!.partitionStates.map((p) => p.replicas)).toEqual([[2, 1], [1, 2]]);
  });

  it('auto-creation returns the existing topic, also when another broker created it', async () => {
    const [a, b] = await owners(1, 2);
    const first = await a.create('auto', 3);
    const again = await b.create('auto', 5);
    expect(again.id).toBe(first.id);
    expect(again.partitions).toBe(3);
    const both = await Promise.all([a.create('race', 2), b.create('race', 2)]);
    expect(both[0].id).toBe(both[1].id);
  });

  it('adds partitions (continuing the placement), changes configs and deletes, seen by the other broker', async () => {
    const [a, b] = await owners(1, 2, 3);
    await a.createNew('t', 3, {}, undefined, 2);
    expect(await codeOf(a.setPartitions('t', 3))).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(await codeOf(a.setPartitions('t', 5, [[1, 1], [2, 3]]))).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(await codeOf(a.setPartitions('t', 5, [[1], [2]]))).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    await until(b, 't on b', (i) => i.topic('t') !== undefined);
    const grown = await b.setPartitions('t', 6);
    expect(grown.partitions).toBe(6);
    for (const p of b.image().topic('t')!.partitionStates) expect(new Set(p.replicas).size).toBe(2);
    await until(a, 'six partitions on a', (i) => i.topic('t')?.partitions === 6);
    await a.setConfigs('t', { 'cleanup.policy': 'compact' });
    await until(b, 'configs on b', (i) => i.topic('t')?.configs['cleanup.policy'] === 'compact');
    expect((await b.delete('t'))?.name).toBe('t');
    expect(b.get('t')).toBeUndefined();
    await until(a, 't gone on a', (i) => i.topic('t') === undefined);
    expect(await a.delete('t')).toBeUndefined();
    expect(await codeOf(a.setConfigs('t', {}))).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(await codeOf(a.setPartitions('t', 9))).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('apply(): topic deltas go to etcd, and this broker re-registers its endpoints', async () => {
    const [a, b] = await owners(1, 2);
    const image = await a.apply([{ kind: 'createTopic', name: 'd', id: randomTopicId(), configs: {}, replicas: [[2, 1]] }]);
    expect(image.partition('d', 0)).toMatchObject({ leader: 2, isr: [2, 1] });
    const bound = { id: 1, endpoints: [{ listener: 'PLAINTEXT', host: '127.0.0.1', port: 19092 }], rack: 'r1' };
    const after = await a.apply([{ kind: 'registerBroker', broker: bound }]);
    expect(after.broker(1)).toEqual(bound);
    await until(b, 'new endpoint on b', (i) => i.broker(1)?.endpoints[0]?.port === 19092);
    await expect(a.apply([{ kind: 'registerBroker', broker: { ...bound, id: 2 } }])).rejects.toThrow(/cannot register/);
    const changed = await a.apply([{ kind: 'changePartition', topic: 'd', partition: 0, leader: 1, isr: [1] }]);
    expect(changed.partition('d', 0)).toMatchObject({ leader: 1, isr: [1], leaderEpoch: 1, partitionEpoch: 1 });
  });
});

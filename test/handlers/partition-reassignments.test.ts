/**
 * AlterPartitionReassignments / ListPartitionReassignments on a single node: answered as Kafka's
 * controller answers a one-broker cluster (the only registered broker is this one).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startBroker, type Broker } from '../../src/broker.js';
import { KafkaWire } from '../helpers/kafka-wire.js';

const Z = '00000000-0000-0000-0000-000000000000';
let broker: Broker;
let w: KafkaWire;

beforeAll(async () => {
  broker = await startBroker({ port: 0 });
  w = await KafkaWire.connect(broker.port);
  await w.request(3, 9, { topics: [{ topicId: Z, name: 'r' }], allowAutoTopicCreation: true });
});
afterAll(async () => {
  await w?.close();
  await broker?.close();
});

const alter = async (topic: string, partitions: Array<{ partitionIndex: number; replicas: number[] | null }>) => {
  const res = await w.request(45, 0, { timeoutMs: 1000, topics: [{ name: topic, partitions }] });
  expect(res.errorCode).toBe(0);
  return res.responses[0].partitions.map((p: { partitionIndex: number; errorCode: number; errorMessage: string | null }) => [p.partitionIndex, p.errorCode, p.errorMessage]);
};

describe('partition reassignment on a single node', () => {
  it('a target of this node succeeds and changes nothing; others are refused with Kafka messages', async () => {
    const id = broker.nodeId;
    expect(await alter('r', [{ partitionIndex: 0, replicas: [id] }])).toEqual([[0, 0, null]]);
    expect(await alter('r', [{ partitionIndex: 0, replicas: [id + 1] }])).toEqual([[0, 39, `The manual partition assignment includes broker ${id + 1}, but no such broker is registered.`]]);
    expect(await alter('r', [{ partitionIndex: 0, replicas: [] }])).toEqual([[0, 39, 'The manual partition assignment includes an empty replica list.']]);
    expect(await alter('r', [{ partitionIndex: 0, replicas: [id, id] }])).toEqual([[0, 39, `The manual partition assignment includes the broker ${id} more than once.`]]);
    expect(await alter('r', [{ partitionIndex: 0, replicas: null }])).toEqual([[0, 85, 'No partition reassignment is in progress.']]);
    expect(await alter('r', [{ partitionIndex: 7, replicas: [id] }])).toEqual([[7, 3, 'Unable to find partition r:7.']]);
    expect(await alter('none', [{ partitionIndex: 0, replicas: null }])).toEqual([[0, 3, 'Unable to find a topic named none.']]);
  });

  it('lists nothing in progress, for all or named partitions', async () => {
    expect((await w.request(46, 0, { timeoutMs: 1000, topics: null })).topics).toEqual([]);
    const named = await w.request(46, 0, { timeoutMs: 1000, topics: [{ name: 'r', partitionIndexes: [0, 3] }, { name: 'none', partitionIndexes: [0] }] });
    expect(named).toMatchObject({ errorCode: 0, errorMessage: null, topics: [] });
  });
});

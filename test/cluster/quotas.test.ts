/**
 * Client quotas on three brokers (real processes, real etcd): a quota set through one broker is
 * described by every broker and enforced by the partition leader, wherever that is: a kafkajs
 * producer over its client id's producer_byte_rate is slowed to within a margin of the quota,
 * another client id is not; a removal through another broker reaches all of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { KafkaWire } from '../helpers/kafka-wire.js';
import { until } from '../helpers/until.js';

const QUOTA = 100_000;
const VALUE = Buffer.alloc(10_000, 7);
let cluster: TestCluster;

async function call(id: number, apiKey: number, body: Record<string, unknown>): Promise<any> {
  const w = await KafkaWire.connect(cluster.broker(id).port, '127.0.0.1');
  try {
    return await w.request(apiKey, 1, body, 30_000);
  } finally {
    await w.close();
  }
}

const describeSlow = (id: number) => call(id, 48, { components: [{ entityType: 'client-id', matchType: 0, match: 'slow' }], strict: true });

beforeAll(async () => {
  cluster = await startCluster({ config: { 'quota.window.num': '3', 'quota.window.size.seconds': '1' } });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

async function produceRate(clientId: string, warmupMs: number, measureMs: number): Promise<number> {
  const kafka = new Kafka({ clientId, brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING });
  const p = kafka.producer();
  await p.connect();
  try {
    const start = Date.now();
    let bytes = 0;
    let from = 0;
    while (Date.now() - start < warmupMs + measureMs) {
      await p.send({ topic: 'quota-topic', acks: -1, messages: [{ value: VALUE }] });
      if (from === 0 && Date.now() - start >= warmupMs) from = Date.now();
      else if (from > 0) bytes += VALUE.length;
    }
    return (bytes * 1000) / (Date.now() - from);
  } finally {
    await p.disconnect();
  }
}

describe('client quotas in a cluster', () => {
  it('a quota set through one broker is described and enforced on all', async () => {
    const set = await call(1, 49, { entries: [{ entity: [{ entityType: 'client-id', entityName: 'slow' }], ops: [{ key: 'producer_byte_rate', value: QUOTA, remove: false }] }], validateOnly: false });
    expect(set.entries[0].errorCode).toBe(0);
    for (const id of [2, 3]) await until(`broker ${id} describes the quota`, async () => ((await describeSlow(id)).entries.length === 1 ? true : undefined), 20_000);
    expect((await describeSlow(3)).entries[0].values).toEqual([{ key: 'producer_byte_rate', value: QUOTA }]);

    const kafka = new Kafka({ clientId: 'setup', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'quota-topic', numPartitions: 1, replicationFactor: 3 }], waitForLeaders: true });
    const leader = (await admin.fetchTopicMetadata({ topics: ['quota-topic'] })).topics[0].partitions[0].leader;
    await admin.disconnect();
    // The leader is any of the three; the quota was set through broker 1 either way.
    expect([1, 2, 3]).toContain(leader);

    const [slow, fast] = await Promise.all([produceRate('slow', 3000, 6000), produceRate('fast', 3000, 6000)]);
    expect(slow).toBeLessThan(QUOTA * 1.5);
    expect(slow).toBeGreaterThan(QUOTA * 0.4);
    expect(fast).toBeGreaterThan(QUOTA * 2);

    const removed = await call(3, 49, { entries: [{ entity: [{ entityType: 'client-id', entityName: 'slow' }], ops: [{ key: 'producer_byte_rate', value: 0, remove: true }] }], validateOnly: false });
    expect(removed.entries[0].errorCode).toBe(0);
    await until('broker 1 sees the removal', async () => ((await describeSlow(1)).entries.length === 0 ? true : undefined), 20_000);
  }, 180_000);
});

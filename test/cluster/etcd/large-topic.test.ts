/**
 * etcd refuses a transaction of more than --max-txn-ops operations (128 unless configured): a topic
 * with more partitions than that is still created whole on an etcd with the default, its partition
 * states following its key in further transactions.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEtcd, type TestEtcd } from '../../helpers/etcd.js';
import { randomTopicId } from '../../../src/cluster/uuid.js';
import { newPrefix, openBroker } from './brokers.js';

let etcd: TestEtcd;
beforeAll(async () => {
  etcd = await startEtcd({ maxTxnOps: 128 });
});
afterAll(async () => {
  await etcd?.stop();
});

it('creates a topic of 500 partitions on an etcd with the default --max-txn-ops, every partition led', async () => {
  const a = await openBroker(etcd.endpoints, newPrefix(), 1);
  try {
    const replicas = Array.from({ length: 500 }, () => [1]);
    expect(await a.createTopic('big', randomTopicId(), {}, replicas)).toBe('created');
    const t = a.image().topic('big')!;
    expect(t.partitions).toBe(500);
    expect(t.partitionStates.filter((p) => p.leader !== 1)).toEqual([]);
    expect(await a.createTopic('big', randomTopicId(), {}, replicas)).toBe('exists');
  } finally {
    await a.close();
  }
}, 60_000);

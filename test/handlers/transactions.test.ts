import { describe, it, expect } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../../src/broker.js';
import { KafkaWire } from '../helpers/kafka-wire.js';
import { createBatch } from '../../src/protocol/records.js';

const Z = '00000000-0000-0000-0000-000000000000';
const txBatch = (pid: bigint, epoch: number, seq: number, v: string) => createBatch([{ key: null, value: Buffer.from(v) }], { producerId: pid, producerEpoch: epoch, baseSequence: seq, transactional: true });

async function setup(config: Record<string, string | number> = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'runnel-txw-'));
  const broker = await startBroker({ port: 0, dataDir, config });
  const w = await KafkaWire.connect(broker.port);
  await w.request(3, 9, { topics: [{ topicId: Z, name: 'tx' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
  return { broker, w, dataDir };
}
const init = (w: KafkaWire, id: string, timeoutMs = 60_000) => w.request(22, 4, { transactionalId: id, transactionTimeoutMs: timeoutMs, producerId: -1n, producerEpoch: -1 });
const add = (w: KafkaWire, id: string, pid: bigint, epoch: number, topic = 'tx') =>
  w.request(24, 3, { transactions: [], v3AndBelowTransactionalId: id, v3AndBelowProducerId: pid, v3AndBelowProducerEpoch: epoch, v3AndBelowTopics: [{ name: topic, partitions: [0] }] });
const produce = async (w: KafkaWire, id: string, b: Buffer) =>
  (await w.request(0, 9, { transactionalId: id, acks: -1, timeoutMs: 5000, topicData: [{ name: 'tx', topicId: Z, partitionData: [{ index: 0, records: b }] }] })).responses[0].partitionResponses[0];
const end = (w: KafkaWire, id: string, pid: bigint, epoch: number, committed: boolean) => w.request(26, 3, { transactionalId: id, producerId: pid, producerEpoch: epoch, committed });
const lso = async (w: KafkaWire) => (await w.request(2, 5, { replicaId: -1, isolationLevel: 1, topics: [{ name: 'tx', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] })).topics[0].partitions[0].offset;

describe('transactions over the wire', () => {
  it('checks producers and states, moves the last stable offset, and refuses unadded partitions', async () => {
    const { broker, w } = await setup();
    expect((await init(w, 'bad-timeout', 10 ** 9)).errorCode).toBe(50);
    const p = await init(w, 't1');
    expect(p.errorCode).toBe(0);
    // A transactional batch to a partition not added to the transaction is refused.
    expect((await produce(w, 't1', txBatch(p.producerId, p.producerEpoch, 0, 'x'))).errorCode).toBe(48);
    expect((await add(w, 'nope', p.producerId, 0)).resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode).toBe(49);
    expect((await add(w, 't1', p.producerId, 0, 'no-such-topic')).resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode).toBe(3);
    expect((await add(w, 't1', p.producerId, p.producerEpoch)).resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode).toBe(0);
    expect((await produce(w, 't1', txBatch(p.producerId, p.producerEpoch, 0, 'a'))).errorCode).toBe(0);
    expect(await lso(w)).toBe(0n); // the open transaction holds the stable offset back
    expect((await end(w, 't1', p.producerId, p.producerEpoch, true)).errorCode).toBe(0);
    expect(await lso(w)).toBe(2n); // record + commit marker
    expect((await end(w, 't1', p.producerId, p.producerEpoch, true)).errorCode).toBe(0); // a retry answers the same
    expect((await end(w, 't1', p.producerId, p.producerEpoch, false)).errorCode).toBe(48);
    // A new instance fences the old epoch.
    const p2 = await init(w, 't1');
    expect(p2.producerEpoch).toBe(p.producerEpoch + 1);
    expect((await add(w, 't1', p.producerId, p.producerEpoch)).resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode).toBe(90);
    const listed = await w.request(66, 1, { stateFilters: ['Empty', 'Bogus'], producerIdFilters: [], durationFilter: -1n });
    expect(listed.transactionStates.map((t: any) => t.transactionalId)).toContain('t1');
    expect(listed.unknownStateFilters).toEqual(['Bogus']);
    const described = await w.request(65, 0, { transactionalIds: ['t1', 'missing'] });
    expect(described.transactionStates.map((t: any) => t.errorCode)).toEqual([0, 105]);
    await w.close();
    await broker.close();
  });

  it('a new producer of an id with an open transaction aborts it, first answering CONCURRENT_TRANSACTIONS as Kafka', async () => {
    const { broker, w } = await setup();
    const p = await init(w, 'takeover');
    await add(w, 'takeover', p.producerId, p.producerEpoch);
    await produce(w, 'takeover', txBatch(p.producerId, p.producerEpoch, 0, 'orphan'));
    expect(await lso(w)).toBe(0n);
    expect(await init(w, 'takeover')).toMatchObject({ errorCode: 51, producerId: -1n, producerEpoch: -1 });
    expect(await lso(w)).toBe(2n); // aborted: record + abort marker
    // The retry gets the epoch after the fencing one; the old producer is fenced by both.
    expect(await init(w, 'takeover')).toMatchObject({ errorCode: 0, producerId: p.producerId, producerEpoch: p.producerEpoch + 2 });
    expect((await end(w, 'takeover', p.producerId, p.producerEpoch, true)).errorCode).toBe(90);
    await w.close();
    await broker.close();
  });

  it('aborts a transaction past its timeout and fences its producer', async () => {
    const { broker, w } = await setup({ 'transaction.abort.timed.out.transaction.cleanup.interval.ms': 100 });
    const p = await init(w, 'slow', 300);
    await add(w, 'slow', p.producerId, p.producerEpoch);
    await produce(w, 'slow', txBatch(p.producerId, p.producerEpoch, 0, 'late'));
    expect(await lso(w)).toBe(0n);
    await new Promise((r) => setTimeout(r, 900));
    expect(await lso(w)).toBe(2n);
    expect((await end(w, 'slow', p.producerId, p.producerEpoch, true)).errorCode).toBe(90);
    const producers = await w.request(61, 0, { topics: [{ name: 'tx', partitionIndexes: [0] }] });
    expect(producers.topics[0].partitions[0].activeProducers[0].currentTxnStartOffset).toBe(-1n);
    await w.close();
    await broker.close();
  });

  it('an open transaction and its last stable offset survive a restart; ending it afterwards works', async () => {
    const { broker, w, dataDir } = await setup();
    const p = await init(w, 'persist');
    await add(w, 'persist', p.producerId, p.producerEpoch);
    await produce(w, 'persist', txBatch(p.producerId, p.producerEpoch, 0, 'v'));
    await w.close();
    await broker.close();
    const again = await startBroker({ port: 0, dataDir });
    const w2 = await KafkaWire.connect(again.port);
    expect(await lso(w2)).toBe(0n);
    expect((await end(w2, 'persist', p.producerId, p.producerEpoch, false)).errorCode).toBe(0);
    expect(await lso(w2)).toBe(2n);
    await w2.close();
    await again.close();
  });
});

/**
 * A fenced producer's old request versions get INVALID_PRODUCER_EPOCH (47), the versions that know
 * PRODUCER_FENCED (KIP-588) get 90, as Kafka's KafkaApis answers: InitProducerId from v4,
 * AddPartitionsToTxn, AddOffsetsToTxn and EndTxn from v2. TxnOffsetCommit answers 47 at every version.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startBroker, type Broker } from '../../src/broker.js';
import { KafkaWire } from '../helpers/kafka-wire.js';

const Z = '00000000-0000-0000-0000-000000000000';
let broker: Broker;
let w: KafkaWire;
let pid: bigint;
/** The epoch the first instance had; a second InitProducerId fenced it. */
const OLD = 0;

beforeAll(async () => {
  broker = await startBroker({ port: 0 });
  w = await KafkaWire.connect(broker.port);
  await w.request(3, 9, { topics: [{ topicId: Z, name: 'lf' }], allowAutoTopicCreation: true });
  const first = await w.request(22, 4, { transactionalId: 'lf', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  pid = first.producerId;
  expect(first.producerEpoch).toBe(OLD);
  expect((await w.request(22, 4, { transactionalId: 'lf', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 })).producerEpoch).toBe(OLD + 1);
});

afterAll(async () => {
  await w?.close();
  await broker?.close();
});

const initNaming = async (v: number) => (await w.request(22, v, { transactionalId: 'lf', transactionTimeoutMs: 60_000, producerId: pid, producerEpoch: OLD })).errorCode;
const addPartitions = async (v: number) =>
  (await w.request(24, v, { v3AndBelowTransactionalId: 'lf', v3AndBelowProducerId: pid, v3AndBelowProducerEpoch: OLD, v3AndBelowTopics: [{ name: 'lf', partitions: [0] }] })).resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode;
const addPartitionsBatched = async (v: number) =>
  (await w.request(24, v, { transactions: [{ transactionalId: 'lf', producerId: pid, producerEpoch: OLD, verifyOnly: false, topics: [{ name: 'lf', partitions: [0] }] }] })).resultsByTransaction[0].topicResults[0].resultsByPartition[0].partitionErrorCode;
const addOffsets = async (v: number) => (await w.request(25, v, { transactionalId: 'lf', producerId: pid, producerEpoch: OLD, groupId: 'lf-group' })).errorCode;
const endTxn = async (v: number) => (await w.request(26, v, { transactionalId: 'lf', producerId: pid, producerEpoch: OLD, committed: true })).errorCode;
const txnOffsetCommit = async (v: number) =>
  (await w.request(28, v, { transactionalId: 'lf', groupId: 'lf-group', producerId: pid, producerEpoch: OLD, generationId: -1, memberId: '', groupInstanceId: null, topics: [{ name: 'lf', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }] })).topics[0].partitions[0].errorCode;

describe('fencing errors by request version', () => {
  it('InitProducerId naming a fenced epoch: 47 at v3, 90 from v4', async () => {
    expect(await initNaming(3)).toBe(47);
    expect(await initNaming(4)).toBe(90);
    expect(await initNaming(5)).toBe(90);
  });

  it('AddPartitionsToTxn: 47 at v0-v1, 90 from v2 (and in the batched form v4+)', async () => {
    expect([await addPartitions(0), await addPartitions(1)]).toEqual([47, 47]);
    expect([await addPartitions(2), await addPartitions(3)]).toEqual([90, 90]);
    expect([await addPartitionsBatched(4), await addPartitionsBatched(5)]).toEqual([90, 90]);
  });

  it('AddOffsetsToTxn: 47 at v0-v1, 90 from v2', async () => {
    expect([await addOffsets(0), await addOffsets(1)]).toEqual([47, 47]);
    expect([await addOffsets(2), await addOffsets(3), await addOffsets(4)]).toEqual([90, 90, 90]);
  });

  it('EndTxn: 47 at v0-v1, 90 from v2', async () => {
    expect([await endTxn(0), await endTxn(1)]).toEqual([47, 47]);
    expect([await endTxn(2), await endTxn(3), await endTxn(4), await endTxn(5)]).toEqual([90, 90, 90, 90]);
  });

  it('TxnOffsetCommit: 47 at every version', async () => {
    const codes = [];
    for (let v = 0; v <= 5; v++) codes.push(await txnOffsetCommit(v));
    expect(codes).toEqual([47, 47, 47, 47, 47, 47]);
  });
});

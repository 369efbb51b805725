/**
 * Transaction protocol version 2 (KIP-890) over the wire, in the order a Kafka 4 Java producer
 * sends it once ApiVersions finalizes transaction.version 2: InitProducerId, Produce v12 with no
 * AddPartitionsToTxn, TxnOffsetCommit v5 with no AddOffsetsToTxn, EndTxn v5 taking the bumped
 * epoch from its response, and the next transaction at that epoch from sequence 0. No client on
 * these machines speaks version 2 (librdkafka, kafkajs, @platformatic/kafka and kafka-python do
 * not), so the requests are made here; kafkajs then reads the result as a real read_committed
 * consumer.
 */
import { describe, it, expect } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from '../../src/broker.js';
import { KafkaWire } from '../helpers/kafka-wire.js';
import { createBatch } from '../../src/protocol/records.js';

const Z = '00000000-0000-0000-0000-000000000000';
const txBatch = (pid: bigint, epoch: number, seq: number, ...values: string[]) =>
  createBatch(values.map((v) => ({ key: null, value: Buffer.from(v) })), { producerId: pid, producerEpoch: epoch, baseSequence: seq, transactional: true });

async function setup(config: Record<string, string | number> = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'runnel-tv2-'));
  const broker = await startBroker({ port: 0, dataDir, config });
  const w = await KafkaWire.connect(broker.port);
  await w.request(19, 7, { topics: [{ name: 'tv2', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  return { broker, w, dataDir };
}

const init = (w: KafkaWire, id: string) => w.request(22, 5, { transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
const produceTo = async (w: KafkaWire, version: number, id: string | null, partition: number, b: Buffer) =>
  (await w.request(0, version, { transactionalId: id, acks: -1, timeoutMs: 5000, topicData: [{ name: 'tv2', topicId: Z, partitionData: [{ index: partition, records: b }] }] })).responses[0].partitionResponses[0];
const end = (w: KafkaWire, id: string, pid: bigint, epoch: number, committed: boolean, version = 5) =>
  w.request(26, version, { transactionalId: id, producerId: pid, producerEpoch: epoch, committed });
const txnOffsetCommit = (w: KafkaWire, version: number, id: string, pid: bigint, epoch: number, offset: bigint) =>
  w.request(28, version, {
    transactionalId: id,
    groupId: 'tv2-group',
    producerId: pid,
    producerEpoch: epoch,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [{ name: 'tv2', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }],
  });
const describeTxn = async (w: KafkaWire, id: string) => (await w.request(65, 0, { transactionalIds: [id] })).transactionStates[0];
const committedOffset = async (w: KafkaWire) =>
  (await w.request(9, 7, { groupId: 'tv2-group', topics: [{ name: 'tv2', partitionIndexes: [0] }], requireStable: true })).topics[0].partitions[0].committedOffset;

async function readAll(port: number, isolation: 'read_committed' | 'read_uncommitted', expected: number): Promise<string[]> {
  const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], clientId: 'tv2-reader', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `reader-${isolation}-${Date.now()}`, readUncommitted: isolation === 'read_uncommitted' });
  const seen: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: 'tv2', fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, 4000); // also resolves when fewer than expected arrive: the assertion tells
    consumer
      .run({
        eachMessage: async ({ message }) => {
          seen.push(message.value!.toString());
          if (seen.length >= expected) {
            clearTimeout(timer);
            setTimeout(resolve, 300); // let anything that should not be there arrive too
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return seen.sort();
}

describe('transaction protocol version 2 (KIP-890)', () => {
  it('ApiVersions v3+ finalizes transaction.version 2 (and group.version 1); runnel.transaction.version lowers it', async () => {
    for (const [level, expected] of [[undefined, 2], [1, 1], [0, undefined]] as const) {
      const { broker, w } = await setup(level === undefined ? {} : { 'runnel.transaction.version': level });
      const r = await w.request(18, 4, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
      expect(r.finalizedFeaturesEpoch).toBeGreaterThan(0n);
      expect(r.supportedFeatures).toContainEqual({ name: 'transaction.version', minVersion: 0, maxVersion: 2 });
      expect(r.finalizedFeatures.find((f: any) => f.name === 'transaction.version')?.maxVersionLevel).toBe(expected);
      expect(r.finalizedFeatures).toContainEqual({ name: 'group.version', minVersionLevel: 1, maxVersionLevel: 1 });
      // v0–v2 have no feature fields at all: nothing changes for older clients.
      expect((await w.request(18, 2, {})).errorCode).toBe(0);
      await w.close();
      await broker.close();
    }
  });

  it('runs a Java-style version 2 exchange: implicit adds, an epoch bump per EndTxn, retries, fencing of late writes', async () => {
    const { broker, w } = await setup();
    const p = await init(w, 'j');
    expect(p.errorCode).toBe(0);
    const { producerId: pid } = p;
    const e0 = p.producerEpoch;

    // Transaction 1: no AddPartitionsToTxn and no AddOffsetsToTxn; Produce v12 and TxnOffsetCommit v5 add them.
    expect((await produceTo(w, 12, 'j', 0, txBatch(pid, e0, 0, 'c1', 'c2'))).errorCode).toBe(0);
    expect((await produceTo(w, 12, 'j', 1, txBatch(pid, e0, 0, 'c3'))).errorCode).toBe(0);
    const commit = await txnOffsetCommit(w, 5, 'j', pid, e0, 7n);
    expect(commit.topics[0].partitions[0].errorCode).toBe(0);
    const open = await describeTxn(w, 'j');
    expect(open.transactionState).toBe('Ongoing');
    // The group's offsets partition is in the transaction too, as Kafka lists it.
    expect(open.topics.map((t: any) => [t.topic, [...t.partitions].sort()])).toEqual([['tv2', [0, 1]], ['__consumer_offsets', [0]]]);
    expect(await committedOffset(w)).toBe(-1n); // not visible before the commit

    const c = await end(w, 'j', pid, e0, true);
    expect(c).toMatchObject({ errorCode: 0, producerId: pid, producerEpoch: e0 + 1 });
    expect(await committedOffset(w)).toBe(7n);
    // The response may be lost: the retry with the epoch before the bump gets the same answer.
    expect(await end(w, 'j', pid, e0, true)).toMatchObject({ errorCode: 0, producerId: pid, producerEpoch: e0 + 1 });
    expect(await end(w, 'j', pid, e0, false)).toMatchObject({ errorCode: 48, producerId: -1n, producerEpoch: -1 });
    // A write of transaction 1 arriving late is fenced: the markers carry the new epoch.
    expect((await produceTo(w, 12, 'j', 0, txBatch(pid, e0, 2, 'zombie'))).errorCode).toBe(47);
    const producers = await w.request(61, 0, { topics: [{ name: 'tv2', partitionIndexes: [0] }] });
    expect(producers.topics[0].partitions[0].activeProducers[0]).toMatchObject({ producerId: pid, producerEpoch: e0 + 1, currentTxnStartOffset: -1n });

    // Transaction 2 at the new epoch starts again at sequence 0, and is aborted.
    expect((await produceTo(w, 12, 'j', 0, txBatch(pid, e0 + 1, 0, 'a1'))).errorCode).toBe(0);
    expect((await produceTo(w, 12, 'j', 1, txBatch(pid, e0 + 1, 0, 'a2'))).errorCode).toBe(0);
    expect(await end(w, 'j', pid, e0 + 1, false)).toMatchObject({ errorCode: 0, producerEpoch: e0 + 2 });
    expect(await end(w, 'j', pid, e0 + 1, false)).toMatchObject({ errorCode: 0, producerEpoch: e0 + 2 }); // retry
    expect(await end(w, 'j', pid, e0 + 1, true)).toMatchObject({ errorCode: 48 });

    // Aborting before anything was written still moves the epoch on; committing nothing is refused.
    expect(await end(w, 'j', pid, e0 + 2, true)).toMatchObject({ errorCode: 48 });
    expect(await end(w, 'j', pid, e0 + 2, false)).toMatchObject({ errorCode: 0, producerEpoch: e0 + 3 });
    expect((await describeTxn(w, 'j')).producerEpoch).toBe(e0 + 3);
    // Epochs that are neither current nor the one before, and other producer ids, are refused.
    expect(await end(w, 'j', pid, e0 + 9, false)).toMatchObject({ errorCode: 90 });
    expect(await end(w, 'j', pid, e0, false)).toMatchObject({ errorCode: 90 });
    expect(await end(w, 'j', pid + 1000n, e0 + 3, false)).toMatchObject({ errorCode: 49 });

    // TxnOffsetCommit v5 from a stale epoch: INVALID_PRODUCER_EPOCH, as Kafka maps its verification.
    expect((await txnOffsetCommit(w, 5, 'j', pid, e0, 9n)).topics[0].partitions[0].errorCode).toBe(47);

    // Transaction 3 commits at e0 + 3.
    expect((await produceTo(w, 12, 'j', 1, txBatch(pid, e0 + 3, 0, 'c4'))).errorCode).toBe(0);
    expect(await end(w, 'j', pid, e0 + 3, true)).toMatchObject({ errorCode: 0, producerEpoch: e0 + 4 });

    expect(await readAll(broker.port, 'read_committed', 4)).toEqual(['c1', 'c2', 'c3', 'c4']);
    expect(await readAll(broker.port, 'read_uncommitted', 6)).toEqual(['a1', 'a2', 'c1', 'c2', 'c3', 'c4']);
    await w.close();
    await broker.close();
  }, 30_000);

  it('version 1 requests keep version 1 rules next to it; verification errors follow the request version', async () => {
    const { broker, w } = await setup();
    const p = await init(w, 'v1');
    // Produce v11 and older do not add partitions: TRANSACTION_ABORTABLE from v11, INVALID_TXN_STATE before.
    expect((await produceTo(w, 11, 'v1', 0, txBatch(p.producerId, p.producerEpoch, 0, 'x'))).errorCode).toBe(120);
    expect((await produceTo(w, 10, 'v1', 0, txBatch(p.producerId, p.producerEpoch, 0, 'x'))).errorCode).toBe(48);
    // A transactional batch needs the request's transactional id, and the id's current producer.
    expect((await produceTo(w, 12, null, 0, txBatch(p.producerId, p.producerEpoch, 0, 'x'))).errorCode).toBe(53);
    expect((await produceTo(w, 12, 'v1', 0, txBatch(p.producerId, p.producerEpoch + 1, 0, 'x'))).errorCode).toBe(47);
    expect((await produceTo(w, 12, 'other', 0, txBatch(p.producerId, p.producerEpoch, 0, 'x'))).errorCode).toBe(49);
    // TxnOffsetCommit v4 without AddOffsetsToTxn: TRANSACTION_ABORTABLE; v3: INVALID_TXN_STATE.
    expect((await txnOffsetCommit(w, 4, 'v1', p.producerId, p.producerEpoch, 1n)).topics[0].partitions[0].errorCode).toBe(120);
    expect((await txnOffsetCommit(w, 3, 'v1', p.producerId, p.producerEpoch, 1n)).topics[0].partitions[0].errorCode).toBe(48);
    // EndTxn v4 on an Empty transaction is INVALID_TXN_STATE (Kafka's version 1 table), and does not bump.
    expect((await end(w, 'v1', p.producerId, p.producerEpoch, false, 4)).errorCode).toBe(48);
    await w.request(24, 3, { transactions: [], v3AndBelowTransactionalId: 'v1', v3AndBelowProducerId: p.producerId, v3AndBelowProducerEpoch: p.producerEpoch, v3AndBelowTopics: [{ name: 'tv2', partitions: [0] }] });
    expect((await produceTo(w, 11, 'v1', 0, txBatch(p.producerId, p.producerEpoch, 0, 'ok'))).errorCode).toBe(0);
    expect((await end(w, 'v1', p.producerId, p.producerEpoch, true, 4)).errorCode).toBe(0);
    expect((await describeTxn(w, 'v1')).producerEpoch).toBe(p.producerEpoch);
    await w.close();
    await broker.close();
  });

  it('an empty transactional id is INVALID_REQUEST everywhere, as Kafka answers it', async () => {
    const { broker, w } = await setup();
    const p = await init(w, 'real');
    expect((await init(w, '')).errorCode).toBe(42);
    expect((await produceTo(w, 12, '', 0, txBatch(p.producerId, p.producerEpoch, 0, 'x'))).errorCode).toBe(42);
    expect((await produceTo(w, 11, '', 0, txBatch(p.producerId, p.producerEpoch, 0, 'x'))).errorCode).toBe(42);
    expect((await txnOffsetCommit(w, 5, '', p.producerId, p.producerEpoch, 1n)).topics[0].partitions[0].errorCode).toBe(42);
    expect((await end(w, '', p.producerId, p.producerEpoch, true)).errorCode).toBe(42);
    expect((await w.request(25, 4, { transactionalId: '', producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: 'g' })).errorCode).toBe(42);
    const add = await w.request(24, 3, { transactions: [], v3AndBelowTransactionalId: '', v3AndBelowProducerId: p.producerId, v3AndBelowProducerEpoch: p.producerEpoch, v3AndBelowTopics: [{ name: 'tv2', partitions: [0] }] });
    expect(add.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode).toBe(42);
    expect((await describeTxn(w, '')).errorCode).toBe(42);
    const listed = await w.request(66, 1, { stateFilters: [], producerIdFilters: [], durationFilter: -1n });
    expect(listed.transactionStates.map((t: any) => t.transactionalId)).toEqual(['real']); // nothing was created under ''
    await w.close();
    await broker.close();
  });

  it('a version 2 producer survives a restart between transactions, at the bumped epoch', async () => {
    const { broker, w, dataDir } = await setup();
    const p = await init(w, 'r');
    await produceTo(w, 12, 'r', 0, txBatch(p.producerId, p.producerEpoch, 0, 'before'));
    const c = await end(w, 'r', p.producerId, p.producerEpoch, true);
    await w.close();
    await broker.close();
    const again = await startBroker({ port: 0, dataDir });
    const w2 = await KafkaWire.connect(again.port);
    // The partition rebuilt the producer at the marker's epoch: the old epoch stays fenced, the new one starts at 0.
    expect((await produceTo(w2, 12, 'r', 0, txBatch(p.producerId, p.producerEpoch, 1, 'zombie'))).errorCode).toBe(47);
    expect((await produceTo(w2, 12, 'r', 0, txBatch(c.producerId, c.producerEpoch, 0, 'after'))).errorCode).toBe(0);
    expect(await end(w2, 'r', c.producerId, c.producerEpoch, true)).toMatchObject({ errorCode: 0, producerEpoch: c.producerEpoch + 1 });
    await w2.close();
    await again.close();
  });
});

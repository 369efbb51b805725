/**
 * The admin side of transactions: WriteTxnMarkers (the `kafka-transactions.sh abort` flow for a
 * hanging transaction, with Kafka's producer and coordinator epoch checks) and ElectLeaders (a
 * single node never needs an election). Hostile input for both.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type Broker } from '../../src/broker.js';
import { KafkaWire, apiVersionsWorks, rawFrame } from '../helpers/kafka-wire.js';
import { createBatch } from '../../src/protocol/records.js';

const Z = '00000000-0000-0000-0000-000000000000';
let broker: Broker;
let w: KafkaWire;

beforeAll(async () => {
  broker = await startBroker({ port: 0 });
  w = await KafkaWire.connect(broker.port);
});
afterAll(async () => {
  await w?.close();
  await broker?.close();
});

const txBatch = (pid: bigint, epoch: number, seq: number, ...values: string[]) =>
  createBatch(values.map((v) => ({ key: null, value: Buffer.from(v) })), { producerId: pid, producerEpoch: epoch, baseSequence: seq, transactional: true });
const plainBatch = (...values: string[]) => createBatch(values.map((v) => ({ key: null, value: Buffer.from(v) })));
const createTopic = (name: string) => w.request(3, 9, { topics: [{ topicId: Z, name }], allowAutoTopicCreation: true });
const init = (id: string) => w.request(22, 4, { transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
const addPartition = (id: string, pid: bigint, epoch: number, topic: string) =>
  w.request(24, 3, { v3AndBelowTransactionalId: id, v3AndBelowProducerId: pid, v3AndBelowProducerEpoch: epoch, v3AndBelowTopics: [{ name: topic, partitions: [0] }] });
const produce = async (topic: string, id: string | null, records: Buffer) =>
  (await w.request(0, 9, { transactionalId: id, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, topicId: Z, partitionData: [{ index: 0, records }] }] })).responses[0].partitionResponses[0];
const lso = async (topic: string) =>
  (await w.request(2, 5, { replicaId: -1, isolationLevel: 1, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] })).topics[0].partitions[0].offset;
const producers = async (topic: string) => (await w.request(61, 0, { topics: [{ name: topic, partitionIndexes: [0] }] })).topics[0].partitions[0].activeProducers;
interface MarkerSpec {
  producerId: bigint;
  producerEpoch: number;
  commit?: boolean;
  coordinatorEpoch?: number;
  transactionVersion?: number;
  topics?: Array<{ name: string; partitionIndexes: number[] }>;
}
const markers = (version: number, ms: MarkerSpec[]) =>
  w.request(27, version, {
    markers: ms.map((m) => ({ producerId: m.producerId, producerEpoch: m.producerEpoch, transactionResult: m.commit ?? false, topics: m.topics ?? [], coordinatorEpoch: m.coordinatorEpoch ?? 0, transactionVersion: m.transactionVersion ?? 0 })),
  });
const markerCode = async (version: number, topic: string, m: MarkerSpec) => (await markers(version, [{ ...m, topics: [{ name: topic, partitionIndexes: [0] }] }])).markers[0].topics[0].partitions[0].errorCode;

let readers = 0;
async function readValues(topic: string, readUncommitted: boolean, expect: number): Promise<string[]> {
  const kafka = new Kafka({ clientId: 'txn-admin', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `ta-${topic}-${readers++}`, readUncommitted, maxWaitTimeInMs: 100 });
  const seen: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
  const deadline = Date.now() + 10_000;
  while (seen.length < expect && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 500)); // anything more that would (wrongly) come
  await consumer.disconnect();
  return seen;
}

describe('WriteTxnMarkers', () => {
  it('kafka-transactions.sh abort: DescribeProducers finds the hanging transaction, an ABORT marker ends it, read_committed moves past it', async () => {
    await createTopic('hang');
    const p = await init('hang-tx');
    await addPartition('hang-tx', p.producerId, p.producerEpoch, 'hang');
    expect((await produce('hang', 'hang-tx', txBatch(p.producerId, p.producerEpoch, 0, 'hung-1', 'hung-2'))).errorCode).toBe(0);
    expect((await produce('hang', null, plainBatch('after'))).errorCode).toBe(0);
    // The open transaction holds read_committed consumers at its first offset.
    expect(await lso('hang')).toBe(0n);
    // The tool: the producer whose transaction starts at --start-offset 0...
    const hanging = (await producers('hang')).find((x: any) => x.currentTxnStartOffset === 0n);
    expect(hanging).toMatchObject({ producerId: p.producerId, producerEpoch: p.producerEpoch });
    // ...then an ABORT marker with its producer id, epoch and coordinator epoch.
    const res = await markers(1, [{ producerId: hanging.producerId, producerEpoch: hanging.producerEpoch, coordinatorEpoch: hanging.coordinatorEpoch, topics: [{ name: 'hang', partitionIndexes: [0] }] }]);
    expect(res.markers).toEqual([{ producerId: p.producerId, topics: [{ name: 'hang', partitions: [{ partitionIndex: 0, errorCode: 0 }] }] }]);
    expect(await lso('hang')).toBe(4n); // two records, 'after', the marker
    expect((await producers('hang'))[0].currentTxnStartOffset).toBe(-1n);
    expect(await readValues('hang', false, 1)).toEqual(['after']);
    expect((await readValues('hang', true, 3)).sort()).toEqual(['after', 'hung-1', 'hung-2']);
    // The coordinator still ends the transaction it tracks; its own marker is harmless.
    expect((await w.request(26, 3, { transactionalId: 'hang-tx', producerId: p.producerId, producerEpoch: p.producerEpoch, committed: false })).errorCode).toBe(0);
    expect(await readValues('hang', false, 1)).toEqual(['after']);
  }, 60_000);

  it("checks the producer epoch and the coordinator epoch as Kafka's ProducerAppendInfo", async () => {
    await createTopic('wm');
    const p = await init('wm-tx');
    await addPartition('wm-tx', p.producerId, p.producerEpoch, 'wm');
    await produce('wm', 'wm-tx', txBatch(p.producerId, p.producerEpoch, 0, 'x'));
    const e = p.producerEpoch;
    // Unknown topic or partition.
    expect(await markerCode(1, 'no-such-topic', { producerId: p.producerId, producerEpoch: e })).toBe(3);
    expect((await markers(1, [{ producerId: p.producerId, producerEpoch: e, topics: [{ name: 'wm', partitionIndexes: [7, -1] }] }])).markers[0].topics[0].partitions.map((x: any) => x.errorCode)).toEqual([3, 3]);
    // An epoch older than the producer's is INVALID_PRODUCER_EPOCH; nothing is written.
    expect(await markerCode(1, 'wm', { producerId: p.producerId, producerEpoch: e - 1 })).toBe(47);
    expect(await lso('wm')).toBe(0n);
    // Transaction version 2 (v2): the marker must carry a newer epoch than the producer's.
    expect(await markerCode(2, 'wm', { producerId: p.producerId, producerEpoch: e, coordinatorEpoch: 3, transactionVersion: 2, commit: true })).toBe(47);
    expect(await markerCode(2, 'wm', { producerId: p.producerId, producerEpoch: e + 1, coordinatorEpoch: 3, transactionVersion: 2, commit: true })).toBe(0);
    expect(await lso('wm')).toBe(2n);
    expect((await producers('wm'))[0]).toMatchObject({ producerEpoch: e + 1, coordinatorEpoch: 3 });
    // A coordinator epoch older than the last marker's: TRANSACTION_COORDINATOR_FENCED.
    expect(await markerCode(1, 'wm', { producerId: p.producerId, producerEpoch: e + 1, coordinatorEpoch: 2 })).toBe(52);
    // Legacy markers may repeat the epoch; a producer the partition never saw passes.
    expect(await markerCode(0, 'wm', { producerId: p.producerId, producerEpoch: e + 1, coordinatorEpoch: 3 })).toBe(0);
    expect(await markerCode(1, 'wm', { producerId: 987654n, producerEpoch: 0, coordinatorEpoch: 0 })).toBe(0);
    // The coordinator's own markers (coordinator epoch 0, older epoch) are now refused by the
    // partition and dropped, as Kafka's marker channel does: EndTxn still completes.
    expect((await w.request(26, 3, { transactionalId: 'wm-tx', producerId: p.producerId, producerEpoch: e, committed: true })).errorCode).toBe(0);
    expect((await w.request(65, 0, { transactionalIds: ['wm-tx'] })).transactionStates[0].transactionState).toBe('CompleteCommit');
  });

  it('several markers and topics in one request are answered in the same shape', async () => {
    await createTopic('wm-a');
    await createTopic('wm-b');
    const res = await markers(1, [
      { producerId: 11n, producerEpoch: 0, commit: true, topics: [{ name: 'wm-a', partitionIndexes: [0] }, { name: 'wm-b', partitionIndexes: [0, 1] }] },
      { producerId: 12n, producerEpoch: 0, topics: [] },
    ]);
    expect(res.markers).toEqual([
      { producerId: 11n, topics: [{ name: 'wm-a', partitions: [{ partitionIndex: 0, errorCode: 0 }] }, { name: 'wm-b', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 3 }] }] },
      { producerId: 12n, topics: [] },
    ]);
    expect((await markers(1, [])).markers).toEqual([]);
  });

  it('a marker to __consumer_offsets ends the pending transactional offsets of the groups stored there', async () => {
    await createTopic('wm-src');
    const p = await init('wm-offsets');
    expect((await w.request(25, 1, { transactionalId: 'wm-offsets', producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: 'wm-g' })).errorCode).toBe(0);
    const commit = await w.request(28, 1, { transactionalId: 'wm-offsets', groupId: 'wm-g', producerId: p.producerId, producerEpoch: p.producerEpoch, topics: [{ name: 'wm-src', partitions: [{ partitionIndex: 0, committedOffset: 5n, committedMetadata: null }] }] });
    expect(commit.topics[0].partitions[0].errorCode).toBe(0);
    const fetched = async () => (await w.request(9, 1, { groupId: 'wm-g', topics: [{ name: 'wm-src', partitionIndexes: [0] }] })).topics[0].partitions[0].committedOffset;
    expect(await fetched()).toBe(-1n);
    expect(await markerCode(1, '__consumer_offsets', { producerId: p.producerId, producerEpoch: p.producerEpoch, commit: true })).toBe(0);
    expect(await fetched()).toBe(5n);
  });
});

describe('ElectLeaders', () => {
  const elect = (version: number, electionType: number, topicPartitions: Array<{ topic: string; partitions: number[] }> | null) => w.request(43, version, { electionType, topicPartitions, timeoutMs: 1000 });

  it('named partitions need no election (preferred or unclean); unknown ones are UNKNOWN_TOPIC_OR_PARTITION', async () => {
    await createTopic('el');
    for (const [version, type] of [[0, 0], [1, 0], [2, 0], [2, 1]]) {
      const res = await elect(version, type, [{ topic: 'el', partitions: [0, 5] }, { topic: 'el-missing', partitions: [0] }]);
      if (version >= 1) expect(res.errorCode).toBe(0);
      expect(res.replicaElectionResults).toEqual([
        { topic: 'el', partitionResult: [{ partitionId: 0, errorCode: 84, errorMessage: 'Leader election not needed for topic partition.' }, { partitionId: 5, errorCode: 3, errorMessage: 'No such partition as el-5' }] },
        { topic: 'el-missing', partitionResult: [{ partitionId: 0, errorCode: 3, errorMessage: 'No such topic as el-missing' }] },
      ]);
    }
  });

  it('null topics (all partitions): every topic, with the partitions that need no election left out', async () => {
    await createTopic('el-all');
    const res = await elect(2, 0, null);
    expect(res.errorCode).toBe(0);
    const topics = res.replicaElectionResults.map((r: any) => r.topic);
    expect(topics).toEqual(expect.arrayContaining(['el-all', '__consumer_offsets']));
    expect(res.replicaElectionResults.every((r: any) => r.partitionResult.length === 0)).toBe(true);
    expect((await elect(0, 0, null)).replicaElectionResults.length).toBe(topics.length);
  });

  it('an unknown election type is INVALID_REQUEST for the request and every named partition', async () => {
    const res = await elect(2, 7, [{ topic: 'el', partitions: [0, 1] }]);
    expect(res.errorCode).toBe(42);
    expect(res.replicaElectionResults[0].partitionResult.map((p: any) => p.errorCode)).toEqual([42, 42]);
    expect(await elect(1, -1, null)).toMatchObject({ errorCode: 42, replicaElectionResults: [] });
  });
});

describe('hostile input to WriteTxnMarkers and ElectLeaders', () => {
  it('random markers get error codes or are written, never a crash; the partition stays readable', async () => {
    await createTopic('wm-fuzz');
    let seed = 27;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const names = ['wm-fuzz', '', 'x'.repeat(300), '__transaction_state', 'no-such'];
    for (let i = 0; i < 60; i++) {
      const ms = Array.from({ length: rnd(3) }, () => ({
        producerId: BigInt(rnd(5) - 2),
        producerEpoch: rnd(65536) - 32768,
        commit: rnd(2) === 1,
        coordinatorEpoch: rnd(2 ** 31) - 2 ** 30,
        transactionVersion: rnd(256) - 128,
        topics: Array.from({ length: rnd(3) }, () => ({ name: names[rnd(names.length)], partitionIndexes: Array.from({ length: rnd(4) }, () => rnd(2 ** 31) - 2 ** 30) })),
      }));
      const res = await markers(rnd(3), ms);
      expect(res.markers.length).toBe(ms.length);
    }
    expect((await produce('wm-fuzz', null, plainBatch('still-fine'))).errorCode).toBe(0);
    expect(await readValues('wm-fuzz', false, 1)).toEqual(['still-fine']);
  }, 60_000);

  it('truncated or lying request bodies close the connection; the broker keeps serving', async () => {
    for (const [key, version, body] of [
      [27, 1, Buffer.from([0x00])], // tagged-field section missing after a compact array
      [27, 0, Buffer.from([0x7f, 0xff, 0xff, 0xff])], // 2^31-1 markers
      [43, 1, Buffer.from([0x00, 0x7f, 0xff, 0xff, 0xf0])], // a topic count past the frame
      [43, 2, Buffer.from([0x00, 0x02])], // one topic, then nothing
    ] as Array<[number, number, Buffer]>) {
      const c = await KafkaWire.connect(broker.port);
      c.sendRaw(rawFrame(key, version, 1, body, key === 27 && version >= 1 ? null : 'hostile'));
      expect(await c.waitClosed(3000)).toBe(true);
      c.destroy();
    }
    expect(await apiVersionsWorks(broker.port)).toBe(true);
    // Duplicated and negative partitions, many topics: answered one by one.
    const many = Array.from({ length: 200 }, (_, i) => ({ topic: i % 2 ? 'el' : `el-${i}`, partitions: [0, 0, -1] }));
    const res = await w.request(43, 2, { electionType: 0, topicPartitions: many, timeoutMs: 0 });
    expect(res.replicaElectionResults.length).toBe(200);
    expect(res.replicaElectionResults[1].partitionResult.map((p: any) => p.errorCode)).toEqual([84, 84, 3]);
  });
});

/**
 * read_committed with transactions of several producers interleaved. The exchange that showed the
 * problem (test/transactions/txn-crash.test.ts, first run): kafkajs 2.2.4 handed out records of an
 * acknowledged abort when Fetch listed the aborted transactions in abort order, as Kafka does.
 */
import { describe, it, expect } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from '../../src/broker.js';
import { KafkaWire } from '../helpers/kafka-wire.js';
import { createBatch } from '../../src/protocol/records.js';
import { readCommittedView } from '../../src/fetch/aborted-txns.js';

const Z = '00000000-0000-0000-0000-000000000000';
const batchOf = (pid: bigint, seq: number, values: string[], control = false) =>
  createBatch(values.map((v) => ({ key: control ? Buffer.from([0, 0, 0, 0]) : null, value: Buffer.from(v) })), { producerId: pid, producerEpoch: 0, baseSequence: control ? -1 : seq, transactional: true, control });

/** Batches stamped with base offsets, as a log returns them. */
function logOf(entries: Array<[number, bigint, boolean?]>): Buffer {
  return Buffer.concat(
    entries.map(([offset, pid, control]) => {
      const b = batchOf(pid, offset, ['x'], control);
      b.writeBigInt64BE(BigInt(offset), 0);
      return b;
    }),
  );
}

/** The base offsets of the batches in `records`. */
function offsetsIn(records: Buffer): number[] {
  const out: number[] = [];
  for (let p = 0; p + 61 <= records.length; p += records.readInt32BE(p + 8) + 12) out.push(Number(records.readBigInt64BE(p)));
  return out;
}

describe('PartitionTxns.abortedIn', () => {
  it('finds by bisection exactly the aborted transactions a full scan finds', async () => {
    const fc = await import('fast-check');
    const { PartitionTxns } = await import('../../src/producers/partition-txns.js');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 })), { maxLength: 30 }), fc.nat(120), fc.nat(120), (spans, from, to) => {
        const txns = new PartitionTxns();
        let marker = 0;
        // In marker order, as the log appends them; each starts some way before its marker.
        txns.aborted = spans.map(([back, gap], i) => {
          marker += gap + 1;
          return { producerId: BigInt(i), firstOffset: Math.max(0, marker - back), lastOffset: marker };
        });
        const expected = txns.aborted.filter((a) => a.lastOffset >= from && a.firstOffset < to);
        expect(txns.abortedIn(from, to)).toEqual(expected);
      }),
    );
  });
});

describe('aborted transactions named for the returned batches', () => {
  it('each at its first batch in the response, sorted, and only those with a batch there', () => {
    // pid 1 aborts [10, 40], pid 2 aborts [12, 30], pid 3 aborts [5, 8] (before the response), pid 4 aborts [50, 60] (after it).
    const candidates = [
      { producerId: 2n, firstOffset: 12, lastOffset: 30 },
      { producerId: 1n, firstOffset: 10, lastOffset: 40 },
      { producerId: 3n, firstOffset: 5, lastOffset: 8 },
      { producerId: 4n, firstOffset: 50, lastOffset: 60 },
    ];
    // The response starts at 20, in the middle of both: pid 2's batch at 20, pid 1's at 21, pid 2's abort marker at 30, pid 1's data and marker at 35 and 40.
    const records = logOf([[20, 2n], [21, 1n], [30, 2n, true], [35, 1n], [40, 1n, true]]);
    expect(readCommittedView(candidates, records)).toEqual({
      aborted: [
        { producerId: 2n, firstOffset: 20n },
        { producerId: 1n, firstOffset: 21n },
      ],
      records,
    });
    // A producer's committed batch before its aborted transaction does not start it; the marker alone does.
    const later = logOf([[9, 1n], [40, 1n, true]]);
    expect(readCommittedView([{ producerId: 1n, firstOffset: 10, lastOffset: 40 }], later).aborted).toEqual([{ producerId: 1n, firstOffset: 40n }]);
    expect(readCommittedView(candidates, Buffer.alloc(0)).aborted).toEqual([]);
  });

  it('ends the response before a second aborted transaction of a producer, and before one whose marker it does not reach', () => {
    const twoOfOne = [
      { producerId: 1n, firstOffset: 0, lastOffset: 2 },
      { producerId: 1n, firstOffset: 3, lastOffset: 5 },
    ];
    const records = logOf([[0, 1n], [1, 9n], [2, 1n, true], [3, 1n], [4, 9n], [5, 1n, true]]);
    const first = readCommittedView(twoOfOne, records);
    expect(first.aborted).toEqual([{ producerId: 1n, firstOffset: 0n }]);
    expect(offsetsIn(first.records)).toEqual([0, 1, 2]);
    expect(first.records).toEqual(records.subarray(0, first.records.length));
    // The next fetch, from 3, gets the second one.
    expect(readCommittedView(twoOfOne, records.subarray(first.records.length))).toEqual({ aborted: [{ producerId: 1n, firstOffset: 3n }], records: records.subarray(first.records.length) });
    // Cut by max bytes before the abort marker: the response ends before that transaction...
    const short = logOf([[0, 9n], [1, 1n], [2, 1n]]);
    const cut = readCommittedView([{ producerId: 1n, firstOffset: 1, lastOffset: 7 }], short);
    expect([cut.aborted, offsetsIn(cut.records)]).toEqual([[], [0]]);
    // ...unless it starts the response: at least one batch is returned.
    const starts = logOf([[1, 1n], [2, 1n]]);
    expect(readCommittedView([{ producerId: 1n, firstOffset: 1, lastOffset: 7 }], starts)).toEqual({ aborted: [{ producerId: 1n, firstOffset: 1n }], records: starts });
  });

  it('kafkajs in read_committed sees none of two interleaved aborted transactions, read from their middle too', async () => {
    const broker = await startBroker({ port: 0, dataDir: await mkdtemp(join(tmpdir(), 'runnel-aborted-')) });
    const w = await KafkaWire.connect(broker.port);
    await w.request(19, 7, { topics: [{ name: 'mix', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    const producers: Array<{ id: string; producerId: bigint; producerEpoch: number; seq: number }> = [];
    for (const id of ['p-a', 'p-b', 'p-c']) {
      const p = await w.request(22, 4, { transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
      await w.request(24, 3, { transactions: [], v3AndBelowTransactionalId: id, v3AndBelowProducerId: p.producerId, v3AndBelowProducerEpoch: p.producerEpoch, v3AndBelowTopics: [{ name: 'mix', partitions: [0] }] });
      producers.push({ id, ...p, seq: 0 });
    }
    const send = async (p: (typeof producers)[number], value: string) => {
      const b = createBatch([{ key: null, value: Buffer.from(value) }], { producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: p.seq++, transactional: true });
      const r = await w.request(0, 9, { transactionalId: p.id, acks: -1, timeoutMs: 5000, topicData: [{ name: 'mix', topicId: Z, partitionData: [{ index: 0, records: b }] }] });
      expect(r.responses[0].partitionResponses[0].errorCode).toBe(0);
    };
    const [a, b, c] = producers;
    // a and b interleave and abort (a first, so the abort order differs from the start order); c commits around them.
    await send(c, 'c1');
    await send(b, 'b1');
    await send(a, 'a1');
    await send(b, 'b2');
    await send(a, 'a2');
    await send(c, 'c2');
    expect((await w.request(26, 3, { transactionalId: 'p-a', producerId: a.producerId, producerEpoch: a.producerEpoch, committed: false })).errorCode).toBe(0);
    await send(b, 'b3');
    expect((await w.request(26, 3, { transactionalId: 'p-b', producerId: b.producerId, producerEpoch: b.producerEpoch, committed: false })).errorCode).toBe(0);
    expect((await w.request(26, 3, { transactionalId: 'p-c', producerId: c.producerId, producerEpoch: c.producerEpoch, committed: true })).errorCode).toBe(0);
    await w.close();

    const kafka = new Kafka({ brokers: [`127.0.0.1:${broker.port}`], clientId: 'mix-reader', logLevel: logLevel.NOTHING });
    // From the start, and from offset 2 (after b started, where a fetch begins inside both aborted transactions).
    for (const from of ['0', '2']) {
      const consumer = kafka.consumer({ groupId: `mix-${from}`, readUncommitted: false });
      const seen: string[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic: 'mix' });
      consumer.on(consumer.events.GROUP_JOIN, () => consumer.seek({ topic: 'mix', partition: 0, offset: from }));
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
      const expected = from === '0' ? ['c1', 'c2'] : ['c2'];
      const deadline = Date.now() + 15_000;
      while (seen.length < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 500)); // anything that should not come has had time to
      await consumer.disconnect();
      expect([from, seen.sort()]).toEqual([from, expected]);
    }
    await broker.close();
  }, 40_000);
});

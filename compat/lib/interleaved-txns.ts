/**
 * The data of the `read-committed-interleaved` scenario: transactions of three producers
 * interleaved on one 1-partition topic, written with Runnel's raw wire helper (KafkaWire and the
 * generated codecs, as test/fetch/aborted-txns.test.ts does), so that every client reads the very
 * same log. A client's producer could not interleave them deterministically.
 *
 *   round 1: C c1, B b1, A a1, B b2, A a2, C c2, A aborts, B b3, B aborts, C commits
 *   round 2: A a3, C c3, B b4, A a4, B b5, B aborts, C c4, A a5, A aborts, C commits
 *
 * Each value is a batch of its own: 14 data batches and 6 markers, offsets 0..19.
 * In round 1 the aborts come in the opposite order of the starts (A started after B, aborts first),
 * in round 2 in the same order; every transaction is ended, so the last stable offset reaches the
 * end of the log. A read_committed consumer must see c1..c4 only (kafkajs 2.2.4 handed out aborted
 * records when Fetch listed the aborted transactions in abort order; src/fetch/aborted-txns.ts).
 *
 * The TypeScript scripts call writeInterleavedTxns(); the others run this file first:
 *
 *   node --import tsx compat/lib/interleaved-txns.ts <host:port> <topic>
 *
 * (or `npx tsx ...`), which creates the topic with CreateTopics (1 partition; one that exists
 * already is fine if it has 1 partition), writes the transactions, prints what went where and
 * exits 0, or prints the problem and exits 1.
 */
import { pathToFileURL } from 'node:url';
import { createBatch } from '../../src/protocol/records.js';
import { clientHost, KafkaWire } from '../../test/helpers/kafka-wire.js';

export type ProducerName = 'A' | 'B' | 'C';
export type Step = { producer: ProducerName; send: string } | { producer: ProducerName; end: 'commit' | 'abort' };

const send = (producer: ProducerName, value: string): Step => ({ producer, send: value });
const end = (producer: ProducerName, how: 'commit' | 'abort'): Step => ({ producer, end: how });

export const STEPS: readonly Step[] = [
  // round 1: abort order A, B (the opposite of the start order)
  send('C', 'c1'), send('B', 'b1'), send('A', 'a1'), send('B', 'b2'), send('A', 'a2'), send('C', 'c2'),
  end('A', 'abort'), send('B', 'b3'), end('B', 'abort'), end('C', 'commit'),
  // round 2: abort order B, A
  send('A', 'a3'), send('C', 'c3'), send('B', 'b4'), send('A', 'a4'), send('B', 'b5'), end('B', 'abort'),
  send('C', 'c4'), send('A', 'a5'), end('A', 'abort'), end('C', 'commit'),
];

/** Every value, in log order. */
export const ALL_VALUES: readonly string[] = STEPS.flatMap((s) => ('send' in s ? [s.send] : []));
/** What a read_committed consumer must see, in log order. */
export const COMMITTED_VALUES: readonly string[] = ['c1', 'c2', 'c3', 'c4'];
export const ABORTED_VALUES: readonly string[] = ALL_VALUES.filter((v) => !COMMITTED_VALUES.includes(v));

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const TOPIC_ALREADY_EXISTS = 36;
const CONCURRENT_TRANSACTIONS = 51;

/** Writes the transactions of STEPS into `topic` (created with 1 partition) on the broker at `bootstrap`. Returns one line per step. */
export async function writeInterleavedTxns(bootstrap: string, topic: string): Promise<string[]> {
  const m = /^\[?(.*?)\]?:(\d+)$/.exec(bootstrap);
  if (!m) throw new Error(`bootstrap is not host:port: ${bootstrap}`);
  const w = await KafkaWire.connect(Number(m[2]), clientHost(m[1]));
  const log: string[] = [];
  try {
    const created = await w.request(19, 7, {
      topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    const ct = created.topics[0];
    if (ct.errorCode !== 0 && ct.errorCode !== TOPIC_ALREADY_EXISTS) throw new Error(`CreateTopics ${topic}: error ${ct.errorCode} ${ct.errorMessage ?? ''}`);
    const md = await w.request(3, 12, { topics: [{ topicId: ZERO_UUID, name: topic }], allowAutoTopicCreation: false });
    const mt = md.topics.find((t: { name: string }) => t.name === topic);
    if (!mt || mt.errorCode !== 0 || mt.partitions.length !== 1) throw new Error(`${topic} should have 1 partition: ${JSON.stringify(mt, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`);

    interface Txn {
      id: string;
      producerId: bigint;
      producerEpoch: number;
      seq: number;
      /** A transaction is open on the partition. */
      open: boolean;
    }
    const producers = new Map<ProducerName, Txn>();
    for (const name of ['A', 'B', 'C'] as const) {
      const id = `${topic}-${name}`;
      const p = await w.request(22, 4, { transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
      if (p.errorCode !== 0) throw new Error(`InitProducerId ${id}: error ${p.errorCode}`);
      producers.set(name, { id, producerId: p.producerId, producerEpoch: p.producerEpoch, seq: 0, open: false });
    }

    for (const step of STEPS) {
      const p = producers.get(step.producer)!;
      if ('send' in step) {
        if (!p.open) {
          // AddPartitionsToTxn begins the transaction; CONCURRENT_TRANSACTIONS while the last one's end completes.
          for (let attempt = 0; ; attempt++) {
            const r = await w.request(24, 3, {
              transactions: [],
              v3AndBelowTransactionalId: p.id,
              v3AndBelowProducerId: p.producerId,
              v3AndBelowProducerEpoch: p.producerEpoch,
              v3AndBelowTopics: [{ name: topic, partitions: [0] }],
            });
            const code = r.errorCode || r.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode;
            if (code === 0) break;
            if (code !== CONCURRENT_TRANSACTIONS || attempt >= 50) throw new Error(`AddPartitionsToTxn ${p.id}: error ${code}`);
            await new Promise((r) => setTimeout(r, 100));
          }
          p.open = true;
        }
        const batch = createBatch([{ key: null, value: Buffer.from(step.send) }], {
          producerId: p.producerId,
          producerEpoch: p.producerEpoch,
          baseSequence: p.seq++,
          transactional: true,
        });
        const r = await w.request(0, 9, {
          transactionalId: p.id,
          acks: -1,
          timeoutMs: 10_000,
          topicData: [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: 0, records: batch }] }],
        });
        const pr = r.responses[0].partitionResponses[0];
        if (pr.errorCode !== 0) throw new Error(`Produce ${step.send} (producer ${step.producer}): error ${pr.errorCode}`);
        log.push(`${step.producer} ${step.send} at offset ${pr.baseOffset}`);
      } else {
        const r = await w.request(26, 3, { transactionalId: p.id, producerId: p.producerId, producerEpoch: p.producerEpoch, committed: step.end === 'commit' });
        if (r.errorCode !== 0) throw new Error(`EndTxn ${step.end} (producer ${step.producer}): error ${r.errorCode}`);
        p.open = false;
        log.push(`${step.producer} ${step.end}s`);
      }
    }
  } finally {
    await w.close();
  }
  return log;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [bootstrap, topic] = process.argv.slice(2);
  if (!bootstrap || !topic) {
    console.error('usage: node --import tsx compat/lib/interleaved-txns.ts <host:port> <topic>');
    process.exit(2);
  }
  try {
    const log = await writeInterleavedTxns(bootstrap, topic);
    console.log(`interleaved-txns: ${topic}: ${log.join(', ')}`);
  } catch (err) {
    console.error(`interleaved-txns: ${topic}: ${(err as Error).message}`);
    process.exit(1);
  }
}

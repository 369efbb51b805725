/**
 * kafkajs: a transactional producer (transactionalId, idempotent, one request in flight) into a
 * 2-partition topic: transaction 1 commits c0..c9, transaction 2 sends a0..a9 (send() resolves once
 * the broker has them) and aborts, transaction 3 commits c10..c19. A read_committed consumer
 * (kafkajs' default, readUncommitted: false) sees exactly c0..c19, once each, in order per
 * partition; a read_uncommitted one sees the aborted a0..a9 too. Neither sees a control record.
 */
import { Partitioners, type Kafka } from 'kafkajs';
import { report } from '../../lib/read-back.js';
import { check, scenarioEnv } from '../../lib/scenario.js';
import { client, createTopic } from './_common.js';

const PARTITIONS = 2;
const { bootstrap, topic } = scenarioEnv();
const kafka = client(bootstrap);
const admin = kafka.admin();
await admin.connect();

const msgs = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({ key: `k${(from + i) % 4}`, value: `${prefix}${from + i}` }));

/** Everything a consumer in a group of its own reads from the beginning: `expected` messages, then 500 ms of quiet. */
async function read(k: Kafka, readUncommitted: boolean, expected: number): Promise<Array<{ partition: number; value: string }>> {
  const consumer = k.consumer({ groupId: `${topic}-${readUncommitted ? 'ru' : 'rc'}`, readUncommitted, maxWaitTimeInMs: 100 });
  const out: Array<{ partition: number; value: string }> = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ partition, message }) => void out.push({ partition, value: message.value?.toString() ?? '(null)' }) });
    const deadline = Date.now() + 15_000;
    let last = -1;
    let since = Date.now();
    for (;;) {
      if (out.length !== last) [last, since] = [out.length, Date.now()];
      if (out.length >= expected && Date.now() - since >= 500) return out;
      check(Date.now() < deadline, `${readUncommitted ? 'read_uncommitted' : 'read_committed'}: ${out.length} of ${expected} messages in 15 s`, out);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await consumer.disconnect();
  }
}

function compare(label: string, got: Array<{ partition: number; value: string }>, expected: string[]): string[] {
  const problems: string[] = [];
  const values = got.map((m) => m.value);
  const sorted = (a: string[]) => [...a].sort();
  if (JSON.stringify(sorted(values)) !== JSON.stringify(sorted(expected)))
    problems.push(`${label}: expected ${JSON.stringify(sorted(expected))}, got ${JSON.stringify(sorted(values))}`);
  for (let p = 0; p < PARTITIONS; p++) {
    const mine = got.filter((m) => m.partition === p).map((m) => m.value);
    const order = expected.filter((v) => mine.includes(v));
    if (JSON.stringify(mine) !== JSON.stringify(order)) problems.push(`${label}: partition ${p} out of order: ${mine}`);
  }
  return problems;
}

try {
  await createTopic(kafka, admin, topic, PARTITIONS);
  const producer = kafka.producer({
    transactionalId: `${topic}-txn`,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    const t1 = await producer.transaction();
    await t1.send({ topic, messages: msgs('c', 0, 10) });
    await t1.commit();
    const t2 = await producer.transaction();
    const sent = await t2.send({ topic, messages: msgs('a', 0, 10) });
    check(sent.every((r) => r.errorCode === 0), 'the aborted transaction should reach the broker before abort', sent);
    await t2.abort();
    const t3 = await producer.transaction();
    await t3.send({ topic, messages: msgs('c', 10, 20) });
    await t3.commit();
  } finally {
    await producer.disconnect();
  }

  const committed = msgs('c', 0, 20).map((m) => m.value);
  const aborted = msgs('a', 0, 10).map((m) => m.value);
  const rc = await read(kafka, false, committed.length);
  const ru = await read(kafka, true, committed.length + aborted.length);
  const order = [...msgs('c', 0, 10), ...msgs('a', 0, 10), ...msgs('c', 10, 20)].map((m) => m.value);
  report(topic, [
    ...compare('read_committed', rc, committed),
    ...compare('read_uncommitted', ru, order.filter((v) => committed.includes(v) || aborted.includes(v))),
  ]);
  console.log(`kafkajs: read_committed saw the ${committed.length} committed messages only, read_uncommitted the ${aborted.length} aborted ones too`);
} finally {
  await admin.disconnect();
}

/**
 * kafkajs: read_committed over transactions of three producers interleaved on a 1-partition topic
 * (written by compat/lib/interleaved-txns.ts with Runnel's wire helper: two rounds in which A and
 * B abort, in both abort orders, while C commits c1..c4 around them). A consumer with
 * readUncommitted: false (kafkajs' default) sees exactly c1..c4, once each, in order; one with
 * readUncommitted: true sees all 14 values in log order. kafkajs 2.2.4 walks Fetch's
 * abortedTransactions in the order given and starts ignoring at most one producer per record, so
 * it relies on the broker listing them sorted by first offset (src/fetch/aborted-txns.ts).
 */
import type { Kafka } from 'kafkajs';
import { ALL_VALUES, COMMITTED_VALUES, writeInterleavedTxns } from '../../lib/interleaved-txns.js';
import { report } from '../../lib/read-back.js';
import { check, scenarioEnv } from '../../lib/scenario.js';
import { client, createTopic } from './_common.js';

const { bootstrap, topic } = scenarioEnv();
const kafka = client(bootstrap);
const admin = kafka.admin();
await admin.connect();

/** Everything a consumer in a group of its own reads from the beginning: `expected` messages, then 500 ms of quiet. */
async function read(k: Kafka, readUncommitted: boolean, expected: number): Promise<string[]> {
  const label = readUncommitted ? 'read_uncommitted' : 'read_committed';
  const consumer = k.consumer({ groupId: `${topic}-${readUncommitted ? 'ru' : 'rc'}`, readUncommitted, maxWaitTimeInMs: 100 });
  const out: string[] = [];
  await consumer.connect();
  try {
    let crashed: Error | undefined;
    consumer.on(consumer.events.CRASH, (e) => {
      crashed = e.payload.error;
    });
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void out.push(message.value?.toString() ?? '(null)') });
    const deadline = Date.now() + 15_000;
    let last = -1;
    let since = Date.now();
    for (;;) {
      check(!crashed, `${label}: the consumer crashed`, crashed?.message);
      if (out.length !== last) [last, since] = [out.length, Date.now()];
      if (out.length >= expected && Date.now() - since >= 500) return out;
      check(Date.now() < deadline, `${label}: ${out.length} of ${expected} messages in 15 s`, out);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await consumer.disconnect();
  }
}

try {
  await createTopic(kafka, admin, topic, 1);
  const written = await writeInterleavedTxns(bootstrap, topic);
  const rc = await read(kafka, false, COMMITTED_VALUES.length);
  const ru = await read(kafka, true, ALL_VALUES.length);
  const problems: string[] = [];
  if (JSON.stringify(rc) !== JSON.stringify(COMMITTED_VALUES))
    problems.push(`read_committed: expected ${JSON.stringify(COMMITTED_VALUES)}, got ${JSON.stringify(rc)}`);
  if (JSON.stringify(ru) !== JSON.stringify(ALL_VALUES))
    problems.push(`read_uncommitted: expected ${JSON.stringify(ALL_VALUES)}, got ${JSON.stringify(ru)}`);
  if (problems.length > 0) problems.push(`written: ${written.join(', ')}`);
  report(topic, problems);
  console.log(
    `kafkajs: read_committed saw ${COMMITTED_VALUES.join(',')} only, read_uncommitted all ${ALL_VALUES.length} values of the interleaved transactions`,
  );
} finally {
  await admin.disconnect();
}

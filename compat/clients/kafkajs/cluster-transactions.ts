/**
 * kafkajs in the three-broker cluster: a transactional producer (bootstrapping from broker 1;
 * its transaction coordinator is the leader of its id's __transaction_state partition) writes
 * c0..c59 to all 6 partitions of a replication-factor-3 topic, so to all three leaders, and
 * commits; then a0..a59 the same way, and aborts. A read_committed consumer sees exactly c0..c59,
 * in order per partition; a read_uncommitted one the a-values too.
 */
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { report, readBackProblems } from '../../lib/read-back.js';
import { check, clusterEnv } from '../../lib/scenario.js';
import { CLIENT_ID } from './_common.js';
import { PARTITIONS, createReplicatedTopic } from './_cluster.js';

const { bootstrap, topic, brokers } = clusterEnv();
const kafka = new Kafka({ clientId: CLIENT_ID, brokers: [bootstrap], logLevel: logLevel.WARN });
const admin = kafka.admin();
await admin.connect();
await createReplicatedTopic(admin, topic, brokers);
await admin.disconnect();

const msgs = (prefix: string) => Array.from({ length: 60 }, (_, i) => ({ partition: i % PARTITIONS, value: `${prefix}${i}` }));
const producer = kafka.producer({ transactionalId: `${topic}-txn`, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
try {
  const t1 = await producer.transaction();
  await t1.send({ topic, messages: msgs('c') });
  await t1.commit();
  const t2 = await producer.transaction();
  const sent = await t2.send({ topic, messages: msgs('a') });
  check(sent.every((r) => r.errorCode === 0), 'the aborted transaction should reach the brokers before abort', sent);
  await t2.abort();
} finally {
  await producer.disconnect();
}

async function read(readUncommitted: boolean, expected: number): Promise<Array<{ partition: number; value: string }>> {
  const consumer = kafka.consumer({ groupId: `${topic}-${readUncommitted ? 'ru' : 'rc'}`, readUncommitted, maxWaitTimeInMs: 100 });
  const out: Array<{ partition: number; value: string }> = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ partition, message }) => void out.push({ partition, value: message.value?.toString() ?? '(null)' }) });
    const deadline = Date.now() + 20_000;
    let [last, since] = [-1, Date.now()];
    for (;;) {
      if (out.length !== last) [last, since] = [out.length, Date.now()];
      if (out.length >= expected && Date.now() - since >= 500) return out;
      check(Date.now() < deadline, `${readUncommitted ? 'read_uncommitted' : 'read_committed'}: ${out.length} of ${expected} messages in 20 s`, out.length);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await consumer.disconnect();
  }
}

const compare = (label: string, got: Array<{ partition: number; value: string }>, expected: string[]): string[] => readBackProblems(label, got, expected, PARTITIONS);
const committed = msgs('c').map((m) => m.value);
const all = [...committed, ...msgs('a').map((m) => m.value)];
report(topic, [...compare('read_committed', await read(false, committed.length), committed), ...compare('read_uncommitted', await read(true, all.length), all)]);
console.log(`kafkajs: a transaction over 6 partitions led by 3 brokers committed (${committed.length} messages, all read_committed) and one aborted (read_uncommitted only)`);

/**
 * kafkajs in the three-broker cluster: an idempotent producer (idempotent: true, so acks=-1 and
 * one request in flight) sends 600 messages to the 6 partitions of a replication-factor-3 topic,
 * whose leaders are spread over the three brokers, in six send()s (value i to partition i % 6);
 * read back (with @platformatic/kafka's group-less fetch), each is there once, in order, at the
 * offset its send reported.
 */
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { readBackProblems } from '../../lib/cluster-checks.js';
import { readAll, report } from '../../lib/read-back.js';
import { check, clusterEnv } from '../../lib/scenario.js';
import { CLIENT_ID } from './_common.js';
import { PARTITIONS, createReplicatedTopic } from './_cluster.js';

const N = 600;
const { bootstrap, topic, brokers } = clusterEnv();
const kafka = new Kafka({ clientId: CLIENT_ID, brokers: [bootstrap], logLevel: logLevel.WARN });
const admin = kafka.admin();
await admin.connect();
const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
const acked = new Map<number, [number, bigint]>();
let leaders: number[];
try {
  leaders = await createReplicatedTopic(admin, topic, brokers);
  await producer.connect();
  for (let b = 0; b < N / 100; b++) {
    const messages = Array.from({ length: 100 }, (_, i) => ({ partition: (b * 100 + i) % PARTITIONS, value: String(b * 100 + i) }));
    const res = await producer.send({ topic, acks: -1, messages });
    check(res.every((r) => r.errorCode === 0), `send ${b}: errors`, res);
    const next = new Map(res.map((r) => [r.partition, BigInt(r.baseOffset!)]));
    for (const m of messages) {
      const at = next.get(m.partition);
      check(at !== undefined, `send ${b}: no base offset for partition ${m.partition}`, res);
      acked.set(Number(m.value), [m.partition, at]);
      next.set(m.partition, at + 1n);
    }
  }
} finally {
  await producer.disconnect();
  await admin.disconnect();
}

const records = await readAll({ bootstrap, topic, partitions: PARTITIONS });
report(topic, readBackProblems(records, N, 0, PARTITIONS, acked));
console.log(`kafkajs: leaders ${leaders!}; ${N} idempotently produced messages came back exactly once, in order, at their offsets`);

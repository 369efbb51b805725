/**
 * kafkajs in the three-broker cluster, bootstrapping from broker 1 only: a 6-partition
 * replication-factor-3 topic (createTopics; layout checked in _cluster.ts), 600 keyed messages
 * produced with acks=-1 in six send()s by kafkajs' default (murmur2) partitioner, each send's
 * per-partition base offsets recorded; read back from every partition's leader and checked
 * (once each, in order per key, at the offsets the sends reported).
 *
 * kafkajs' consumer always joins a group, whose coordinator in a cluster is another piece of work
 * (cluster-groups): here the records are read with @platformatic/kafka's group-less fetch
 * (compat/lib/read-back.ts).
 */
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { readBackProblems } from '../../lib/cluster-checks.js';
import { readAll, report } from '../../lib/read-back.js';
import { check, clusterEnv } from '../../lib/scenario.js';
import { CLIENT_ID } from './_common.js';
import { PARTITIONS, createReplicatedTopic } from './_cluster.js';

const N = 600;
const KEYS = 60;
const { bootstrap, topic, brokers } = clusterEnv();
const kafka = new Kafka({ clientId: CLIENT_ID, brokers: [bootstrap], logLevel: logLevel.WARN });
const admin = kafka.admin();
await admin.connect();
const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false, createPartitioner: Partitioners.DefaultPartitioner });
const acked = new Map<number, [number, bigint]>();
let leaders: number[];
try {
  leaders = await createReplicatedTopic(admin, topic, brokers);
  await producer.connect();
  for (let b = 0; b < N / 100; b++) {
    const messages = Array.from({ length: 100 }, (_, i) => ({ key: `k${(b * 100 + i) % KEYS}`, value: String(b * 100 + i) }));
    const res = await producer.send({ topic, acks: -1, messages });
    check(res.every((r) => r.errorCode === 0), `send ${b}: errors`, res);
    // Within one send, a partition's messages keep their order, from the partition's base offset.
    const next = new Map(res.map((r) => [r.partition, BigInt(r.baseOffset!)]));
    for (const m of messages) {
      const p = murmurPartition(m.key);
      const at = next.get(p);
      check(at !== undefined, `send ${b}: no base offset for partition ${p} of key ${m.key}`, res);
      acked.set(Number(m.value), [p, at]);
      next.set(p, at + 1n);
    }
  }
} finally {
  await producer.disconnect();
  await admin.disconnect();
}

/** The partition kafkajs' DefaultPartitioner picks for a key (murmur2, as the Java client). */
function murmurPartition(key: string): number {
  return Partitioners.DefaultPartitioner()({ topic, partitionMetadata: Array.from({ length: PARTITIONS }, (_, i) => ({ partitionId: i, leader: 0, partitionErrorCode: 0, replicas: [], isr: [] })), message: { key, value: null } });
}

const records = await readAll({ bootstrap, topic, partitions: PARTITIONS });
report(topic, readBackProblems(records, N, KEYS, PARTITIONS, acked));
console.log(`kafkajs: leaders ${leaders!}; ${N} messages with acks=-1 came back once each, in order per key, at the offsets the sends reported (read with @platformatic/kafka's fetch)`);

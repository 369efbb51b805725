/**
 * @platformatic/kafka in the three-broker cluster: an idempotent producer (idempotent: true:
 * InitProducerId, then sequences per partition; acks=all) sends 600 messages to the 6 partitions
 * of a replication-factor-3 topic, whose leaders are spread over the three brokers, in six send()s
 * (value i to partition i % 6); read back with Consumer#fetch(), each is there once, in order, at
 * the offset its send reported.
 */
import { readBackProblems } from '../../lib/cluster-checks.js';
import { readAll, report } from '../../lib/read-back.js';
import { check, clusterEnv } from '../../lib/scenario.js';
import { stringProducer } from './_common.js';
import { PARTITIONS, createReplicatedTopic } from './_cluster.js';

const N = 600;
const { bootstrap, topic, brokers } = clusterEnv();
const leaders = await createReplicatedTopic(bootstrap, topic, brokers);

const producer = stringProducer(bootstrap, { idempotent: true });
const acked = new Map<number, [number, bigint]>();
try {
  for (let b = 0; b < N / 100; b++) {
    const messages = Array.from({ length: 100 }, (_, i) => ({ topic, partition: (b * 100 + i) % PARTITIONS, value: String(b * 100 + i) }));
    const result = await producer.send({ messages });
    const next = new Map((result.offsets ?? []).map((o) => [o.partition, o.offset]));
    for (const m of messages) {
      const at = next.get(m.partition);
      check(at !== undefined, `send ${b}: no base offset for partition ${m.partition}`, result);
      acked.set(Number(m.value), [m.partition, at]);
      next.set(m.partition, at + 1n);
    }
  }
  check(producer.producerId !== undefined && producer.producerId >= 0n, 'the producer should have a producer id from InitProducerId', producer.producerId);
} finally {
  await producer.close();
}

const records = await readAll({ bootstrap, topic, partitions: PARTITIONS });
report(topic, readBackProblems(records, N, 0, PARTITIONS, acked));
console.log(`@platformatic/kafka: leaders ${leaders}; ${N} idempotently produced messages came back exactly once, in order, at their offsets`);

/**
 * @platformatic/kafka in the three-broker cluster, bootstrapping from broker 1 only: a 6-partition
 * replication-factor-3 topic (Admin#createTopics; layout checked in _cluster.ts), 600 keyed
 * messages produced with acks=all (not idempotent) in six send()s by the client's own partitioner;
 * read back group-less from every partition's leader with Consumer#fetch() (compat/lib/read-back.ts):
 * once each, in order per key, and each send's reported base offset per partition is where that
 * send's first message on the partition was read.
 */
import { ProduceAcks } from '@platformatic/kafka';
import { readBackProblems } from '../../lib/cluster-checks.js';
import { readAll, report } from '../../lib/read-back.js';
import { check, clusterEnv } from '../../lib/scenario.js';
import { stringProducer } from './_common.js';
import { PARTITIONS, createReplicatedTopic } from './_cluster.js';

const N = 600;
const KEYS = 60;
const { bootstrap, topic, brokers } = clusterEnv();
const leaders = await createReplicatedTopic(bootstrap, topic, brokers);

const producer = stringProducer(bootstrap, { idempotent: false });
/** Per send: partition -> the base offset it reported. */
const reported: Array<Map<number, bigint>> = [];
try {
  for (let b = 0; b < N / 100; b++) {
    const messages = Array.from({ length: 100 }, (_, i) => ({ topic, key: `k${(b * 100 + i) % KEYS}`, value: String(b * 100 + i) }));
    // acks again per send: 1.35's send() does not take it from the constructor's options (it
    // falls back to acks=1 when not idempotent; compat/FINDINGS.md).
    const result = await producer.send({ messages, acks: ProduceAcks.ALL });
    check(result.offsets?.length, `send ${b} reported no offsets`, result);
    reported.push(new Map(result.offsets!.map((o) => [o.partition, o.offset])));
  }
} finally {
  await producer.close();
}

const records = await readAll({ bootstrap, topic, partitions: PARTITIONS });
const problems = readBackProblems(records, N, KEYS, PARTITIONS);
reported.forEach((offsets, b) => {
  const first = new Map<number, bigint>();
  for (const r of records) {
    const seq = Number(r.value?.toString());
    if (Math.floor(seq / 100) === b && !first.has(r.partition)) first.set(r.partition, r.offset);
  }
  const [want, got] = [JSON.stringify([...first].sort().map(String)), JSON.stringify([...offsets].sort().map(String))];
  if (want !== got) problems.push(`send ${b}: reported base offsets ${got}, its first messages read at ${want}`);
});
report(topic, problems);
console.log(`@platformatic/kafka: leaders ${leaders}; ${N} messages with acks=all came back once each, in order per key, at the reported offsets`);

/**
 * @platformatic/kafka in the three-broker cluster: a transactional producer (bootstrapping from
 * broker 1; its transaction coordinator is the leader of its id's __transaction_state partition)
 * writes c0..c59 to all 6 partitions of a replication-factor-3 topic, so to all three leaders, and
 * commits; then a0..a59 the same way, and aborts. A READ_COMMITTED consumer stream sees exactly
 * c0..c59, in order per partition; a READ_UNCOMMITTED one the a-values too.
 */
import { report, readBackProblems } from '../../lib/read-back.js';
import { check, clusterEnv } from '../../lib/scenario.js';
import { readAll, stringProducer } from './_common.js';
import { PARTITIONS, createReplicatedTopic } from './_cluster.js';

const { bootstrap, topic, brokers } = clusterEnv();
await createReplicatedTopic(bootstrap, topic, brokers);

const msgs = (prefix: string) => Array.from({ length: 60 }, (_, i) => ({ topic, partition: i % PARTITIONS, value: `${prefix}${i}` }));
const producer = stringProducer(bootstrap, { idempotent: true, transactionalId: `${topic}-txn` });
try {
  const t1 = await producer.beginTransaction();
  await t1.send({ messages: msgs('c') });
  await t1.commit();
  const t2 = await producer.beginTransaction();
  const sent = await t2.send({ messages: msgs('a') });
  check(sent.offsets?.length === PARTITIONS, 'the aborted transaction should reach all 6 partitions before abort', sent);
  await t2.abort();
} finally {
  await producer.close();
}

const compare = (label: string, got: Array<{ partition: number; value: string }>, expected: string[]): string[] => readBackProblems(label, got, expected, PARTITIONS);
const committed = msgs('c').map((m) => m.value);
const all = [...committed, ...msgs('a').map((m) => m.value)];
const rc = await readAll(bootstrap, topic, 'READ_COMMITTED', committed.length);
const ru = await readAll(bootstrap, topic, 'READ_UNCOMMITTED', all.length);
report(topic, [...compare('read_committed', rc, committed), ...compare('read_uncommitted', ru, all)]);
console.log(`@platformatic/kafka: a transaction over 6 partitions led by 3 brokers committed (${committed.length} messages, all read_committed) and one aborted (read_uncommitted only)`);

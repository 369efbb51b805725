/**
 * @platformatic/kafka: a transactional producer (transactionalId, idempotent) into a 2-partition
 * topic: beginTransaction() 1 commits c0..c9, transaction 2 sends a0..a9 (send() resolves once the
 * broker has them) and aborts, transaction 3 commits c10..c19. A consumer stream with
 * isolationLevel READ_COMMITTED (the client's default) sees exactly c0..c19, once each, in order
 * per partition; one with READ_UNCOMMITTED sees the aborted a0..a9 too. Neither sees a control record.
 */
import { report } from '../../lib/read-back.js';
import { check, scenarioEnv } from '../../lib/scenario.js';
import { createTopic, readAll, stringProducer } from './_common.js';

const PARTITIONS = 2;
const { bootstrap, topic } = scenarioEnv();
await createTopic(bootstrap, topic, PARTITIONS);

const msgs = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({ topic, key: `k${(from + i) % 4}`, value: `${prefix}${from + i}` }));

const producer = stringProducer(bootstrap, { idempotent: true, transactionalId: `${topic}-txn` });
try {
  const t1 = await producer.beginTransaction();
  await t1.send({ messages: msgs('c', 0, 10) });
  await t1.commit();
  const t2 = await producer.beginTransaction();
  const sent = await t2.send({ messages: msgs('a', 0, 10) });
  check(sent.offsets?.length, 'the aborted transaction should reach the broker before abort', sent);
  await t2.abort();
  const t3 = await producer.beginTransaction();
  await t3.send({ messages: msgs('c', 10, 20) });
  await t3.commit();
} finally {
  await producer.close();
}

const read = (isolation: 'READ_COMMITTED' | 'READ_UNCOMMITTED', expected: number) => readAll(bootstrap, topic, isolation, expected);

const committed = msgs('c', 0, 20).map((m) => m.value);
const aborted = msgs('a', 0, 10).map((m) => m.value);
const order = [...committed.slice(0, 10), ...aborted, ...committed.slice(10)];
function compare(label: string, got: Array<{ partition: number; value: string }>, expected: string[]): string[] {
  const problems: string[] = [];
  const sorted = (a: string[]) => [...a].sort();
  const values = got.map((m) => m.value);
  if (JSON.stringify(sorted(values)) !== JSON.stringify(sorted(expected)))
    problems.push(`${label}: expected ${JSON.stringify(sorted(expected))}, got ${JSON.stringify(sorted(values))}`);
  for (let p = 0; p < PARTITIONS; p++) {
    const mine = got.filter((m) => m.partition === p).map((m) => m.value);
    if (JSON.stringify(mine) !== JSON.stringify(order.filter((v) => mine.includes(v)))) problems.push(`${label}: partition ${p} out of order: ${mine}`);
  }
  return problems;
}
const rc = await read('READ_COMMITTED', committed.length);
const ru = await read('READ_UNCOMMITTED', committed.length + aborted.length);
report(topic, [...compare('read_committed', rc, committed), ...compare('read_uncommitted', ru, [...committed, ...aborted])]);
console.log(`@platformatic/kafka: read_committed saw the ${committed.length} committed messages only, read_uncommitted the ${aborted.length} aborted ones too`);

/**
 * @platformatic/kafka: 1,000 keyed messages with a seq header and explicit timestamps, produced
 * with acks=all (idempotent: false; the `idempotent` scenario covers idempotence) into a
 * 3-partition topic, and read back from the beginning.
 *
 * The messages are read with Consumer#fetch(), the client's group-less Fetch
 * (compat/lib/read-back.ts), as the other clients read with partition assignment:
 * Consumer#consume() always joins a consumer group, even for explicit offsets.
 */
import { ProduceAcks } from '@platformatic/kafka';
import { readAll, report } from '../../lib/read-back.js';
import { check, scenarioEnv } from '../../lib/scenario.js';
import { createTopic, stringProducer } from './_common.js';

const N = 1000;
const KEYS = 50;
const PARTITIONS = 3;
// Explicit timestamps an hour back: recent ones. (Older than segment.ms, 7 days, they made Runnel roll a
// segment per batch; see compat/FINDINGS.md. Kafka's time-based retention would drop them soon, too.)
const T0 = BigInt(Math.floor(Date.now() / 1000) - 3600) * 1000n; // CreateTime of seq n: T0 + 10 ms * n

const { bootstrap, topic } = scenarioEnv();
const how = await createTopic(bootstrap, topic, PARTITIONS);

const producer = stringProducer(bootstrap, { idempotent: false });
try {
  // Ten sends of 100: each becomes one Produce request with a batch per partition.
  for (let b = 0; b < N / 100; b++) {
    const messages = Array.from({ length: 100 }, (_, i) => {
      const n = b * 100 + i;
      return { topic, key: `k${n % KEYS}`, value: String(n), headers: { seq: String(n) }, timestamp: T0 + 10n * BigInt(n) };
    });
    // acks per send: 1.35's send() ignores the constructor's acks and sends acks=1 unless
    // idempotent (compat/FINDINGS.md).
    const result = await producer.send({ messages, acks: ProduceAcks.ALL });
    check(result.offsets?.length, `send ${b} reported no offsets`, result);
  }
} finally {
  await producer.close();
}

const records = await readAll({ bootstrap, topic, partitions: PARTITIONS });
const problems: string[] = [];
if (records.length !== N) problems.push(`expected ${N} records, got ${records.length}`);
const seen = new Map<number, number>();
const partitionsOfKey = new Map<string, Set<number>>();
const lastSeqOfKey = new Map<string, number>();
for (const r of records) {
  const seq = Number(r.value?.toString());
  seen.set(seq, (seen.get(seq) ?? 0) + 1);
  const key = r.key?.toString() ?? '(null)';
  if (key !== `k${seq % KEYS}`) problems.push(`seq ${seq}: key ${key}, expected k${seq % KEYS}`);
  if (!partitionsOfKey.has(key)) partitionsOfKey.set(key, new Set());
  partitionsOfKey.get(key)!.add(r.partition);
  if ((lastSeqOfKey.get(key) ?? -1) >= seq) problems.push(`key ${key}: seq ${seq} came after seq ${lastSeqOfKey.get(key)}`);
  lastSeqOfKey.set(key, seq);
  if (JSON.stringify(r.headers) !== JSON.stringify([['seq', String(seq)]])) problems.push(`seq ${seq}: headers ${JSON.stringify(r.headers)}`);
  const ts = T0 + 10n * BigInt(seq);
  if (r.logAppendTime || r.timestamp !== ts) problems.push(`seq ${seq}: timestamp ${r.timestamp} (logAppendTime ${r.logAppendTime}), expected CreateTime ${ts}`);
}
for (const [seq, count] of seen) if (count !== 1) problems.push(`seq ${seq} read ${count} times`);
for (let n = 0; n < N; n++) if (!seen.has(n)) problems.push(`seq ${n} never read`);
for (const [key, ps] of partitionsOfKey) if (ps.size !== 1) problems.push(`key ${key} landed on partitions ${[...ps]}`);
const used = [...new Set(records.map((r) => r.partition))].sort();
if (used.join() !== '0,1,2') problems.push(`${KEYS} keys should spread over partitions 0..2, got ${used}`);
report(topic, problems);

console.log(
  `@platformatic/kafka: topic by ${how}; ${N} messages over ${PARTITIONS} partitions came back once each, in order per key, ` +
    'with their headers and timestamps (read with the group-less Consumer#fetch)',
);

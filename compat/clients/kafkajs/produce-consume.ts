/**
 * kafkajs: 1,000 keyed messages with a seq header and explicit timestamps, produced with acks=all
 * (acks: -1; not idempotent, kafkajs' default) into a 3-partition topic in ten send()s of 100;
 * then the admin client's ListOffsets (fetchTopicOffsets, fetchTopicOffsetsByTimestamp) must
 * agree with where the messages are.
 *
 * The messages are read back from the beginning with kafkajs' consumer, in a group of its own:
 * each exactly once, in order per key, one partition per key, headers and timestamps intact, at
 * the offsets send() reported. kafkajs cannot consume without a group (there is no assign()), so
 * against a broker without consumer groups they are read with @platformatic/kafka's group-less
 * Consumer#fetch() instead (see _common.ts, readBack()), and the output says so.
 */
import { report, type ReadRecord } from '../../lib/read-back.js';
import { check, scenarioEnv } from '../../lib/scenario.js';
import { client, createTopic, producer, readBack } from './_common.js';

const N = 1000;
const KEYS = 50;
const PARTITIONS = 3;
// Explicit timestamps an hour back: recent ones. (Older than segment.ms, 7 days, they made Runnel roll a
// segment per batch; see compat/FINDINGS.md. Kafka's time-based retention would drop them soon, too.)
const T0 = (Math.floor(Date.now() / 1000) - 3600) * 1000; // CreateTime of seq n: T0 + 10 ms * n

const { bootstrap, topic } = scenarioEnv();
const kafka = client(bootstrap);
const admin = kafka.admin();
await admin.connect();
const problems: string[] = [];
/** What each send() reported: partition -> base offset, per send. */
const sent: Array<Map<number, string>> = [];
let records: ReadRecord[];
let readBy: string;
try {
  const how = await createTopic(kafka, admin, topic, PARTITIONS);
  console.log(`kafkajs: topic by ${how}`);

  const p = producer(kafka);
  await p.connect();
  try {
    for (let b = 0; b < N / 100; b++) {
      const messages = Array.from({ length: 100 }, (_, i) => {
        const n = b * 100 + i;
        return { key: `k${n % KEYS}`, value: String(n), headers: { seq: String(n) }, timestamp: String(T0 + 10 * n) };
      });
      const result = await p.send({ topic, acks: -1, messages });
      for (const md of result) check(md.topicName === topic && md.errorCode === 0, `send ${b} failed`, result);
      sent.push(new Map(result.map((md) => [md.partition, md.baseOffset ?? '?'])));
    }
  } finally {
    await p.disconnect();
  }

  ({ records, by: readBy } = await readBack(kafka, admin, { bootstrap, topic, partitions: PARTITIONS, expected: N }));
  const byPartition = (p: number) => records.filter((r) => r.partition === p);

  // ListOffsets: earliest/latest per partition, and by timestamp (the first offset at or after it).
  const offsets = await admin.fetchTopicOffsets(topic);
  for (let p = 0; p < PARTITIONS; p++) {
    const o = offsets.find((x) => x.partition === p);
    const count = byPartition(p).length;
    if (o?.low !== '0' || o.high !== String(count)) problems.push(`fetchTopicOffsets partition ${p}: expected low 0 high ${count}, got ${JSON.stringify(o)}`);
  }
  for (const seq of [0, 1, 500, 777, 999]) {
    const ts = T0 + 10 * seq - 5;
    const at = await admin.fetchTopicOffsetsByTimestamp(topic, ts);
    for (let p = 0; p < PARTITIONS; p++) {
      const mine = byPartition(p);
      const first = mine.find((r) => r.timestamp >= BigInt(ts));
      // kafkajs reports the latest offset where Kafka finds none (-1).
      const expected = String(first ? first.offset : mine.length);
      const got = at.find((x) => x.partition === p)?.offset;
      if (got !== expected) problems.push(`fetchTopicOffsetsByTimestamp(T0+${10 * seq - 5}) partition ${p}: expected ${expected}, got ${got}`);
    }
  }
} finally {
  await admin.disconnect();
}

if (records.length !== N) problems.push(`expected ${N} records, got ${records.length}`);
const seen = new Map<number, number>();
const partitionsOfKey = new Map<string, Set<number>>();
const lastSeqOfKey = new Map<string, number>();
const firstOfSend = new Map<string, bigint>(); // `${send}/${partition}` -> lowest offset read
for (const r of records) {
  const seq = Number(r.value?.toString());
  seen.set(seq, (seen.get(seq) ?? 0) + 1);
  const key = r.key?.toString() ?? '(null)';
  if (key !== `k${seq % KEYS}`) problems.push(`seq ${seq}: key ${key}, expected k${seq % KEYS}`);
  if (!partitionsOfKey.has(key)) partitionsOfKey.set(key, new Set());
  partitionsOfKey.get(key)!.add(r.partition);
  if ((lastSeqOfKey.get(key) ?? -1) >= seq) problems.push(`key ${key}: seq ${seq} came after seq ${lastSeqOfKey.get(key)}`);
  lastSeqOfKey.set(key, seq);
  const at = `${Math.floor(seq / 100)}/${r.partition}`;
  if (!firstOfSend.has(at) || r.offset < firstOfSend.get(at)!) firstOfSend.set(at, r.offset);
  if (JSON.stringify(r.headers) !== JSON.stringify([['seq', String(seq)]])) problems.push(`seq ${seq}: headers ${JSON.stringify(r.headers)}`);
  const ts = BigInt(T0 + 10 * seq);
  if (r.logAppendTime || r.timestamp !== ts) problems.push(`seq ${seq}: timestamp ${r.timestamp} (logAppendTime ${r.logAppendTime}), expected CreateTime ${ts}`);
}
for (const [seq, count] of seen) if (count !== 1) problems.push(`seq ${seq} read ${count} times`);
for (let n = 0; n < N; n++) if (!seen.has(n)) problems.push(`seq ${n} never read`);
for (const [key, ps] of partitionsOfKey) if (ps.size !== 1) problems.push(`key ${key} landed on partitions ${[...ps]}`);
const used = [...new Set(records.map((r) => r.partition))].sort();
if (used.join() !== '0,1,2') problems.push(`${KEYS} keys should spread over partitions 0..2, got ${used}`);
sent.forEach((parts, b) => {
  for (const [p, base] of parts) {
    const first = firstOfSend.get(`${b}/${p}`);
    if (String(first) !== base) problems.push(`send ${b}: partition ${p} base offset ${base}, but its first message was read at ${first}`);
  }
});
report(topic, problems);

console.log(
  `kafkajs: ${N} messages over ${PARTITIONS} partitions, at the offsets send() reported, came back once each, ` +
    `in order per key, one partition per key, with headers and timestamps; ListOffsets agrees. Read with ${readBy}`,
);

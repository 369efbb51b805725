/**
 * kafkajs: ListOffsets through admin.fetchTopicOffsets() (earliest and latest) and
 * admin.fetchTopicOffsetsByTimestamp(), after producing 10 messages with timestamps T0 + i * 1000.
 * kafkajs sends ListOffsets v3 here (see compat/FINDINGS.md).
 */
import { check, scenarioEnv } from '../../lib/scenario.js';
import { client, createTopic, producer } from './_common.js';

// Explicit timestamps an hour back: recent ones. (Older than segment.ms, 7 days, they made Runnel roll a
// segment per batch; see compat/FINDINGS.md. Kafka's time-based retention would drop them soon, too.)
const T0 = (Math.floor(Date.now() / 1000) - 3600) * 1000;
const { bootstrap, topic } = scenarioEnv();

const kafka = client(bootstrap);
const admin = kafka.admin();
await admin.connect();
try {
  await createTopic(kafka, admin, topic, 1);
  const p = producer(kafka);
  await p.connect();
  try {
    await p.send({
      topic,
      acks: -1,
      messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `m${i}`, timestamp: String(T0 + i * 1000) })),
    });
  } finally {
    await p.disconnect();
  }

  const offsets = await admin.fetchTopicOffsets(topic);
  check(offsets.length === 1, 'fetchTopicOffsets should list one partition', offsets);
  const [o] = offsets;
  check(o.partition === 0 && o.low === '0' && o.high === '10' && o.offset === '10', 'earliest should be 0 and latest 10', o);

  const cases: Array<[number, string, string]> = [
    [T0 + 3500, '4', 'T0+3500 (between messages 3 and 4)'],
    [T0 + 4000, '4', "T0+4000 (message 4's own timestamp)"],
    [T0, '0', 'T0 (the first message)'],
    [T0 - 60_000, '0', 'before the first message'],
    // Kafka answers -1 (no such offset); kafkajs reports the latest offset in its place.
    [T0 + 9001, '10', 'after the last message (kafkajs turns -1 into the latest offset)'],
  ];
  for (const [ts, expected, what] of cases) {
    const at = await admin.fetchTopicOffsetsByTimestamp(topic, ts);
    check(at.length === 1 && at[0].partition === 0 && at[0].offset === expected, `fetchTopicOffsetsByTimestamp at ${what}: expected offset ${expected}`, at);
  }
} finally {
  await admin.disconnect();
}
console.log('kafkajs: earliest 0, latest 10; by timestamp T0+3500 -> 4, after the end -> 10 (the latest, as kafkajs reports -1)');

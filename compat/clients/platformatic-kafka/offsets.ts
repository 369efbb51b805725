/**
 * @platformatic/kafka: ListOffsets through Admin#listOffsets() (earliest -2, latest -1, and by
 * timestamp) after producing 10 messages with timestamps T0 + i * 1000.
 */
import { Admin, ListOffsetTimestamps, ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka';
import { check, scenarioEnv } from '../../lib/scenario.js';
import { CLIENT_ID, createTopic } from './_common.js';

// Explicit timestamps an hour back: recent ones. (Older than segment.ms, 7 days, they made Runnel roll a
// segment per batch; see compat/FINDINGS.md. Kafka's time-based retention would drop them soon, too.)
const T0 = BigInt(Math.floor(Date.now() / 1000) - 3600) * 1000n;
const { bootstrap, topic } = scenarioEnv();

await createTopic(bootstrap, topic, 1);
const producer = new Producer({
  clientId: CLIENT_ID,
  bootstrapBrokers: [bootstrap],
  acks: ProduceAcks.ALL,
  idempotent: false,
  serializers: stringSerializers,
});
try {
  await producer.send({
    messages: Array.from({ length: 10 }, (_, i) => ({ topic, partition: 0, value: `m${i}`, timestamp: T0 + BigInt(i) * 1000n })),
  });
} finally {
  await producer.close();
}

const admin = new Admin({ clientId: CLIENT_ID, bootstrapBrokers: [bootstrap], retries: 5, retryDelay: 200 });
try {
  const listAt = async (timestamp: bigint) => {
    const [t] = await admin.listOffsets({ topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp }] }] });
    check(t?.name === topic && t.partitions.length === 1, `listOffsets(${timestamp}) answered for something else`, t);
    return t.partitions[0];
  };
  const cases: Array<[bigint, bigint, bigint | undefined, string]> = [
    [ListOffsetTimestamps.EARLIEST, 0n, undefined, 'earliest (-2)'],
    [ListOffsetTimestamps.LATEST, 10n, undefined, 'latest (-1)'],
    [T0 + 3500n, 4n, T0 + 4000n, 'T0+3500 (between messages 3 and 4)'],
    [T0 + 4000n, 4n, T0 + 4000n, "T0+4000 (message 4's own timestamp)"],
    [T0, 0n, T0, 'T0 (the first message)'],
    [T0 + 9001n, -1n, -1n, 'after the last message (none: offset and timestamp -1)'],
  ];
  for (const [ts, offset, timestamp, what] of cases) {
    const p = await listAt(ts);
    check(p.offset === offset, `listOffsets at ${what}: expected offset ${offset}`, p);
    if (timestamp !== undefined) check(p.timestamp === timestamp, `listOffsets at ${what}: expected timestamp ${timestamp}`, p);
  }
} finally {
  await admin.close();
}
console.log('@platformatic/kafka: earliest 0, latest 10; by timestamp T0+3500 -> 4 (at T0+4000), after the end -> -1');

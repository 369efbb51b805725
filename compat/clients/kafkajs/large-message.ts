/**
 * kafkajs: one 900 KiB message of random bytes, produced and read back byte for byte. kafkajs'
 * producer has no request size limit of its own (the broker's message.max.bytes, 1048588, is the
 * limit). It is read back with a 2 MiB per-partition fetch limit (maxBytesPerPartition, 1 MiB by
 * default): with kafkajs' consumer where the broker serves consumer groups, else with
 * @platformatic/kafka's group-less Consumer#fetch() (see _common.ts, readBack()).
 */
import { randomBytes } from 'node:crypto';
import type { ReadRecord } from '../../lib/read-back.js';
import { check, scenarioEnv } from '../../lib/scenario.js';
import { client, createTopic, producer, readBack } from './_common.js';

const SIZE = 900 * 1024;
const { bootstrap, topic } = scenarioEnv();
const payload = randomBytes(SIZE);

const kafka = client(bootstrap);
const admin = kafka.admin();
await admin.connect();
let records: ReadRecord[];
let readBy: string;
try {
  await createTopic(kafka, admin, topic, 1);
  const p = producer(kafka);
  await p.connect();
  try {
    const [md] = await p.send({ topic, acks: -1, messages: [{ key: 'big', value: payload }] });
    check(md?.errorCode === 0 && md.baseOffset === '0', 'the message should be at offset 0', md);
  } finally {
    await p.disconnect();
  }
  const [o] = await admin.fetchTopicOffsets(topic);
  check(o?.low === '0' && o.high === '1', 'fetchTopicOffsets should be 0..1', o);
  ({ records, by: readBy } = await readBack(kafka, admin, { bootstrap, topic, partitions: 1, expected: 1, maxBytesPerPartition: 2 * 1024 * 1024 }));
} finally {
  await admin.disconnect();
}

check(records.length === 1, 'expected exactly 1 record', records.length);
const [r] = records;
check(r.key?.toString() === 'big' && r.offset === 0n, 'expected key big at offset 0', { key: r.key?.toString(), offset: r.offset });
check(r.value?.length === SIZE, `expected ${SIZE} bytes back`, r.value?.length);
check(r.value.equals(payload), `the ${SIZE} bytes came back different`);
console.log(`kafkajs: a ${SIZE}-byte message round-trips intact, read with ${readBy}`);

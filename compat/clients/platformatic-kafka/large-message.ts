/**
 * @platformatic/kafka: one 900 KiB message of random bytes, produced and read back byte for byte
 * (group-less Consumer#fetch, see produce-consume.ts) with a 2 MiB per-partition fetch limit. The
 * producer has no request size limit of its own; the broker's message.max.bytes is 1048588.
 */
import { randomBytes } from 'node:crypto';
import { ProduceAcks, Producer } from '@platformatic/kafka';
import { readAll } from '../../lib/read-back.js';
import { check, scenarioEnv } from '../../lib/scenario.js';
import { CLIENT_ID, createTopic } from './_common.js';

const SIZE = 900 * 1024;
const { bootstrap, topic } = scenarioEnv();
const payload = randomBytes(SIZE);

await createTopic(bootstrap, topic, 1);
const producer = new Producer({ clientId: CLIENT_ID, bootstrapBrokers: [bootstrap], acks: ProduceAcks.ALL, idempotent: false });
try {
  const result = await producer.send({ messages: [{ topic, key: Buffer.from('big'), value: payload }] });
  check(result.offsets?.[0]?.offset === 0n, 'the message should be at offset 0', result);
} finally {
  await producer.close();
}

const records = await readAll({ bootstrap, topic, partitions: 1, partitionMaxBytes: 2 * 1024 * 1024 });
check(records.length === 1, 'expected exactly 1 record', records.length);
const [r] = records;
check(r.key?.toString() === 'big' && r.offset === 0n, 'expected key big at offset 0', { key: r.key?.toString(), offset: r.offset });
check(r.value?.length === SIZE, `expected ${SIZE} bytes back`, r.value?.length);
check(r.value.equals(payload), `the ${SIZE} bytes came back different`);
console.log(`@platformatic/kafka: a ${SIZE}-byte message round-trips intact`);

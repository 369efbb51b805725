/**
 * kafkajs: an idempotent producer (idempotent: true, which needs acks -1 and at most one request
 * in flight: kafkajs sends InitProducerId on connect, then Produce with producer id, epoch and
 * sequence numbers) sends 500 messages to a 1-partition topic in ten send()s of 50. Read back
 * from the beginning: each exactly once, in order, at the offsets send() reported.
 */
import { Partitioners } from 'kafkajs';
import { report } from '../../lib/read-back.js';
import { check, scenarioEnv } from '../../lib/scenario.js';
import { client, createTopic, readBack } from './_common.js';

const N = 500;
const { bootstrap, topic } = scenarioEnv();
const kafka = client(bootstrap);
const admin = kafka.admin();
await admin.connect();
const problems: string[] = [];
try {
  await createTopic(kafka, admin, topic, 1);
  const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await p.connect();
  try {
    for (let b = 0; b < N / 50; b++) {
      const messages = Array.from({ length: 50 }, (_, i) => ({ key: 'k', value: String(b * 50 + i) }));
      const result = await p.send({ topic, acks: -1, messages });
      check(result.length === 1 && result[0].errorCode === 0, `idempotent send ${b} failed`, result);
      check(result[0].baseOffset === String(b * 50), `idempotent send ${b}: base offset ${result[0].baseOffset}, expected ${b * 50}`, result);
    }
  } finally {
    await p.disconnect();
  }
  const { records, by } = await readBack(kafka, admin, { bootstrap, topic, partitions: 1, expected: N });
  const values = records.map((r) => Number(r.value?.toString()));
  if (values.length !== N) problems.push(`expected ${N} records, got ${values.length}`);
  values.forEach((v, i) => {
    if (v !== i) problems.push(`record ${i} (offset ${records[i].offset}): value ${v}, expected ${i}`);
    if (records[i].offset !== BigInt(i)) problems.push(`record ${i}: offset ${records[i].offset}, expected ${i}`);
  });
  report(topic, problems);
  console.log(`kafkajs: ${N} messages from an idempotent producer came back exactly once, in order (read with ${by})`);
} finally {
  await admin.disconnect();
}

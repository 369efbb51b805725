/**
 * @platformatic/kafka: an idempotent producer (idempotent: true: InitProducerId on the first
 * send, then Produce with producer id, epoch and sequence numbers; acks must be all) sends 500
 * messages to a 1-partition topic in ten send()s of 50. Read back from the beginning with the
 * group-less Consumer#fetch() (compat/lib/read-back.ts): each exactly once, in order.
 */
import { readAll, report } from '../../lib/read-back.js';
import { check, scenarioEnv } from '../../lib/scenario.js';
import { createTopic, stringProducer } from './_common.js';

const N = 500;
const { bootstrap, topic } = scenarioEnv();
await createTopic(bootstrap, topic, 1);

const producer = stringProducer(bootstrap, { idempotent: true });
let producerId: bigint | undefined;
try {
  for (let b = 0; b < N / 50; b++) {
    const messages = Array.from({ length: 50 }, (_, i) => ({ topic, key: 'k', value: String(b * 50 + i) }));
    const result = await producer.send({ messages });
    const o = result.offsets?.[0];
    check(o?.partition === 0 && o.offset === BigInt(b * 50), `idempotent send ${b}: expected base offset ${b * 50}`, result);
  }
  producerId = producer.producerId;
  check(producerId !== undefined && producerId >= 0n, 'the producer should have a producer id from InitProducerId', producerId);
} finally {
  await producer.close();
}

const records = await readAll({ bootstrap, topic, partitions: 1 });
const problems: string[] = [];
if (records.length !== N) problems.push(`expected ${N} records, got ${records.length}`);
records.forEach((r, i) => {
  if (r.value?.toString() !== String(i) || r.offset !== BigInt(i)) problems.push(`record ${i}: value ${r.value} at offset ${r.offset}, expected ${i} at ${i}`);
});
report(topic, problems);
console.log(`@platformatic/kafka: ${N} messages from idempotent producer ${producerId} came back exactly once, in order`);

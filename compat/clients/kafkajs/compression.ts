/**
 * kafkajs: 200 messages compressed with gzip, the only codec kafkajs has built in (snappy, lz4 and
 * zstd need codec packages registered in CompressionCodecs, which this suite does not install),
 * produced in two sends of 100 (two gzip batches) and read back from the beginning.
 *
 * Read back with kafkajs' consumer where the broker serves consumer groups, else with
 * @platformatic/kafka's group-less Consumer#fetch() (see _common.ts, readBack()), which also
 * shows that the batches are still gzip-compressed.
 */
import { CompressionTypes } from 'kafkajs';
import { report, type ReadRecord } from '../../lib/read-back.js';
import { check, scenarioEnv } from '../../lib/scenario.js';
import { client, createTopic, producer, readBack } from './_common.js';

const N = 200;
const FILLER = 'lorem ipsum dolor sit amet '.repeat(4);
const { bootstrap, topic: base } = scenarioEnv();
const topic = `${base}-gzip`;

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
    for (let b = 0; b < 2; b++) {
      const messages = Array.from({ length: N / 2 }, (_, i) => {
        const n = b * (N / 2) + i;
        return { key: `k${n % 7}`, value: `gzip ${n} ${FILLER}` };
      });
      const [md] = await p.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages });
      check(md?.errorCode === 0 && md.baseOffset === String(b * (N / 2)), `send ${b} should land at offset ${b * (N / 2)}`, md);
    }
  } finally {
    await p.disconnect();
  }
  const [o] = await admin.fetchTopicOffsets(topic);
  check(o?.low === '0' && o.high === String(N), `fetchTopicOffsets should be 0..${N}`, o);
  ({ records, by: readBy } = await readBack(kafka, admin, { bootstrap, topic, partitions: 1, expected: N }));
} finally {
  await admin.disconnect();
}

const problems: string[] = records.length === N ? [] : [`expected ${N} records, got ${records.length}`];
records.forEach((r, i) => {
  if (r.offset !== BigInt(i) || r.key?.toString() !== `k${i % 7}` || r.value?.toString() !== `gzip ${i} ${FILLER}`)
    problems.push(`record ${i} came back as offset ${r.offset} key ${r.key} value ${r.value?.toString().slice(0, 40)}`);
  if (r.batchAttributes >= 0 && (r.batchAttributes & 0x07) !== 1) problems.push(`record ${i} came in a batch with codec bits ${r.batchAttributes & 0x07}, expected 1 (gzip)`);
});
report(topic, problems);
console.log(`kafkajs: gzip: ${N} messages intact, read with ${readBy}; snappy, lz4, zstd: not built into kafkajs, not tested`);

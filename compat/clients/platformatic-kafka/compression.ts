/**
 * @platformatic/kafka: 200 messages with each codec the client offers (gzip, snappy, lz4, zstd),
 * each codec into its own topic, read back from the beginning (group-less Consumer#fetch, see
 * produce-consume.ts) and compared, and the batches read back must carry the codec they were
 * produced with. zstd uses node:zlib's zstd, which Node only has from 22.15: on older Node the
 * client marks it unavailable and the script says so.
 */
import { compressionsAlgorithms, ProduceAcks, Producer, stringSerializers, type CompressionAlgorithmValue } from '@platformatic/kafka';
import { readAll, report } from '../../lib/read-back.js';
import { scenarioEnv } from '../../lib/scenario.js';
import { CLIENT_ID, createTopic } from './_common.js';

const N = 200;
const FILLER = 'lorem ipsum dolor sit amet '.repeat(4);
const CODEC_BITS = { gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;

const { bootstrap, topic: base } = scenarioEnv();
const tested: string[] = [];
const unavailable: string[] = [];
for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const satisfies readonly CompressionAlgorithmValue[]) {
  if (!compressionsAlgorithms[codec].available) {
    unavailable.push(codec);
    console.log(`@platformatic/kafka: ${codec} is not available on Node ${process.version}; not tested`);
    continue;
  }
  const topic = `${base}-${codec}`;
  await createTopic(bootstrap, topic, 1);
  const producer = new Producer({
    clientId: CLIENT_ID,
    bootstrapBrokers: [bootstrap],
    acks: ProduceAcks.ALL,
    idempotent: false,
    compression: codec,
    serializers: stringSerializers,
  });
  try {
    // Two sends of 100: two compressed batches.
    for (let b = 0; b < 2; b++) {
      const messages = Array.from({ length: N / 2 }, (_, i) => {
        const n = b * (N / 2) + i;
        return { topic, key: `k${n % 7}`, value: `${codec} ${n} ${FILLER}` };
      });
      await producer.send({ messages });
    }
  } finally {
    await producer.close();
  }

  const records = await readAll({ bootstrap, topic, partitions: 1 });
  const problems: string[] = records.length === N ? [] : [`expected ${N} records, got ${records.length}`];
  records.forEach((r, i) => {
    const want = `${codec} ${i} ${FILLER}`;
    if (r.offset !== BigInt(i) || r.key?.toString() !== `k${i % 7}` || r.value?.toString() !== want)
      problems.push(`record ${i} came back as offset ${r.offset} key ${r.key} value ${r.value?.toString().slice(0, 40)}`);
    if ((r.batchAttributes & 0x07) !== CODEC_BITS[codec])
      problems.push(`record ${i} came in a batch with codec bits ${r.batchAttributes & 0x07}, expected ${CODEC_BITS[codec]} (${codec})`);
  });
  report(`${codec} (${topic})`, problems);
  tested.push(codec);
  console.log(`@platformatic/kafka: ${codec}: ${N} messages intact, in ${codec} batches`);
}
console.log(`@platformatic/kafka: ${tested.join(', ')} round-trip` + (unavailable.length ? `; not available here: ${unavailable.join(', ')}` : ''));

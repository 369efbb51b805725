/**
 * Produce throughput with kafkajs 2.2.4: COUNT records of SIZE bytes sent as producer.send() calls of
 * BATCH messages, acks=1, no compression, INFLIGHT sends outstanding. Prints one JSON line.
 * Used by bench/produce.ts.
 *   node --import tsx bench/clients/kafkajs-produce.ts BOOTSTRAP TOPIC COUNT SIZE [BATCH] [INFLIGHT] [WARMUP]
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Kafka, logLevel, CompressionTypes, Partitioners } from 'kafkajs';

const [bootstrap, topic] = process.argv.slice(2, 4);
const count = Number(process.argv[4]);
const size = Number(process.argv[5]);
const batch = Number(process.argv[6] ?? 1000);
const inflight = Number(process.argv[7] ?? 4);
const warmup = Number(process.argv[8] ?? 0);

// KJS_NODELAY=1: kafkajs' own socket factory with TCP_NODELAY set (kafkajs leaves Nagle on).
const socketFactory =
  process.env.KJS_NODELAY === '1'
    ? ({ host, port, onConnect }: { host: string; port: number; onConnect: () => void }) => {
        const socket = net.connect({ host, port }, onConnect);
        socket.setKeepAlive(true, 60000);
        socket.setNoDelay(true);
        return socket;
      }
    : undefined;
const kafka = new Kafka({ clientId: 'runnel-bench', brokers: [bootstrap], logLevel: logLevel.ERROR, retry: { retries: 5 }, ...(socketFactory ? { socketFactory } : {}) });
const producer = kafka.producer({ allowAutoTopicCreation: true, idempotent: false, createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();

const value = randomBytes(size);
const messages = Array.from({ length: batch }, () => ({ value }));

async function run(n: number): Promise<number> {
  let sent = 0;
  let failed = 0;
  const pending = new Set<Promise<void>>();
  while (sent < n) {
    const k = Math.min(batch, n - sent);
    sent += k;
    const p: Promise<void> = producer
      .send({ topic, acks: 1, compression: CompressionTypes.None, messages: k === batch ? messages : messages.slice(0, k) })
      .then(
        () => undefined,
        (err: Error) => {
          failed += k;
          if (failed === k) process.stderr.write(`send failed: ${err.message}\n`);
        },
      )
      .finally(() => pending.delete(p));
    pending.add(p);
    if (pending.size >= inflight) await Promise.race(pending);
  }
  await Promise.all(pending);
  return failed;
}

// The first send creates the topic and fetches metadata; it and the warm-up are not timed.
await run(Math.max(warmup, batch));
const t0 = performance.now();
const failed = await run(count);
const dt = (performance.now() - t0) / 1000;
await producer.disconnect();
process.stdout.write(
  JSON.stringify({ records: count, seconds: dt, recordsPerSec: count / dt, mbPerSec: (count * size) / dt / 1e6, failed }) + '\n',
);

/**
 * Broker memory with many partitions and many connections (on demand): a Runnel broker as a child
 * process (bench/lib/broker-child.ts), its RSS read from /proc/<pid>/status and its heap from
 * /metrics.
 *
 *   npm run bench:memory -- [--topics 100] [--partitions 100] [--connections 1000] [--idle-minutes 5] [--conn-minutes 5]
 *
 * Phases:
 *   1. empty broker: RSS after start (settled 10 s);
 *   2. topics x partitions created with CreateTopics (kafkajs admin, 10 topics a request), then
 *      idle for --idle-minutes, sampled every 10 s;
 *   3. --connections raw connections, each doing ApiVersions and a Metadata of one topic at once
 *      and then every 30 s (spread out), for --conn-minutes, sampled every 10 s.
 * Printed: RSS at each step, growth (floorGrowth in bench/lib/broker-child.ts: the lowest RSS of a
 * phase's last quarter against the lowest of its second quarter, so garbage collection's sawtooth
 * is not read as growth) and slope (MB/min) over each phase, cost per partition and per connection.
 * The run exits 1 when a phase grows more than --max-idle-growth-mb / --max-conn-growth-mb (32) or
 * any sample of a phase exceeds --max-rss-mb (320; README.md says why).
 */
import { Kafka, logLevel } from 'kafkajs';
import { parseArgs } from 'node:util';
import { readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBrokerChild, rssBytes, scrapeMetrics, floorGrowth, mb, MB } from './lib/broker-child.js';
import { KafkaWire } from '../test/helpers/kafka-wire.js';

const { values: argv } = parseArgs({
  options: {
    topics: { type: 'string', default: '100' },
    partitions: { type: 'string', default: '100' },
    connections: { type: 'string', default: '1000' },
    'idle-minutes': { type: 'string', default: '5' },
    'conn-minutes': { type: 'string', default: '5' },
    'max-idle-growth-mb': { type: 'string', default: '32' },
    'max-conn-growth-mb': { type: 'string', default: '32' },
    'max-rss-mb': { type: 'string', default: '320' },
  },
});
const TOPICS = Number(argv.topics);
const PARTS = Number(argv.partitions);
const CONNS = Number(argv.connections);
const SAMPLE_MS = 10_000;

const broker = await startBrokerChild('memory', { 'num.partitions': '1' });
const failures: string[] = [];
let lastHeap = NaN;
const heapMb = async (): Promise<string> => {
  const m = await scrapeMetrics(broker.metricsUrl);
  const h = m?.get('runnel_process_nodejs_heap_size_used_bytes');
  lastHeap = h ?? NaN;
  return h === undefined ? '-' : mb(h);
};
const fds = (): number => {
  try {
    return readdirSync(`/proc/${broker.pid}/fd`).length;
  } catch {
    return 0;
  }
};
/** One line; `heap` scrapes /metrics, which with 10,000 partitions is 2.5 MB of text and much garbage, so only between phases. */
const line = async (what: string, heap = true): Promise<number> => {
  const rss = rssBytes(broker.pid);
  console.log(`${what.padEnd(44)} RSS ${mb(rss).padStart(7)} MB${heap ? `  heap ${(await heapMb()).padStart(6)} MB` : ''}`);
  return rss;
};

/** Samples RSS every 10 s for `minutes`; prints each sample, the growth from the first quarter to the end and the slope. */
async function phase(name: string, minutes: number, maxGrowthMb: number): Promise<number> {
  const t0 = Date.now();
  const samples: Array<[number, number]> = [];
  while (Date.now() - t0 < minutes * 60_000) {
    await sleep(SAMPLE_MS);
    const t = (Date.now() - t0) / 60_000;
    samples.push([t, rssBytes(broker.pid) / MB]);
    await line(`  ${name} ${t.toFixed(1)} min`, false);
  }
  await heapMb();
  const g = floorGrowth(samples, minutes);
  console.log(
    `  ${name}: RSS min ${Math.min(...samples.map((x) => x[1])).toFixed(1)} max ${Math.max(...samples.map((x) => x[1])).toFixed(1)} MB; ` +
      `floor ${g.from.toFixed(1)} MB (2nd quarter) -> ${g.to.toFixed(1)} MB (last quarter): growth ${g.growth.toFixed(1)} MB (bound ${maxGrowthMb} MB), slope ${g.slope.toFixed(2)} MB/min`,
  );
  const growth = g.growth;
  const peak = Math.max(...samples.map((x) => x[1]));
  if (!(peak < Number(argv['max-rss-mb']))) failures.push(`${name}: RSS reached ${peak.toFixed(1)} MB, bound ${argv['max-rss-mb']} MB`);
  if (!(growth < maxGrowthMb)) failures.push(`${name}: RSS grew ${growth.toFixed(1)} MB, bound ${maxGrowthMb} MB`);
  return samples.at(-1)![1] * MB;
}
const kib = (bytes: number, n: number): string => (bytes / n / 1024).toFixed(1);

try {
  console.log(`broker pid ${broker.pid} at ${broker.bootstrap}, started in ${broker.startupMs} ms`);
  await sleep(10_000);
  const empty = await line('empty broker');
  const emptyHeap = lastHeap;

  const kafka = new Kafka({ clientId: 'runnel-memory-bench', brokers: [broker.bootstrap], logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  const tc = Date.now();
  for (let t = 0; t < TOPICS; t += 10) {
    const topics = Array.from({ length: Math.min(10, TOPICS - t) }, (_, i) => ({ topic: `mem-${t + i}`, numPartitions: PARTS }));
    await admin.createTopics({ topics, timeout: 120_000 });
  }
  await admin.disconnect();
  console.log(`created ${TOPICS} x ${PARTS} = ${TOPICS * PARTS} partitions in ${((Date.now() - tc) / 1000).toFixed(1)} s; broker fds ${fds()}`);
  await sleep(10_000);
  const created = await line(`${TOPICS * PARTS} partitions, idle`);
  const idleEnd = await phase('idle', Number(argv['idle-minutes']), Number(argv['max-idle-growth-mb']));
  const idleHeap = lastHeap;

  const conns: KafkaWire[] = [];
  const topicOf = (i: number): string => `mem-${i % TOPICS}`;
  const poke = (c: KafkaWire, i: number): void => {
    // Responses are read and dropped; only the broker's memory matters here.
    c.send(18, 3, { clientSoftwareName: 'runnel-memory-bench', clientSoftwareVersion: '1' });
    c.send(3, 12, { topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: topicOf(i) }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    void c.receive(30_000).then(() => c.receive(30_000)).catch(() => undefined);
  };
  const tn = Date.now();
  for (let i = 0; i < CONNS; i++) {
    const c = await KafkaWire.connect(Number(broker.bootstrap.split(':')[1]), '127.0.0.1');
    conns.push(c);
    poke(c, i);
  }
  console.log(`opened ${CONNS} connections in ${((Date.now() - tn) / 1000).toFixed(1)} s; broker fds ${fds()}`);
  let k = 0;
  const ticker = setInterval(() => {
    // every connection once per 30 s, spread over the interval
    for (let j = 0; j < Math.ceil(CONNS / 30); j++, k++) poke(conns[k % CONNS], k % CONNS);
  }, 1000);
  await sleep(10_000);
  const connected = await line(`${CONNS} connections`);
  const connEnd = await phase('connections', Number(argv['conn-minutes']), Number(argv['max-conn-growth-mb']));
  const connHeap = lastHeap;
  clearInterval(ticker);
  for (const c of conns) c.destroy();
  await sleep(10_000);
  await line('connections closed');

  // Costs from the settled ends of the phases (RSS moves by tens of MB with garbage collection).
  console.log(
    `\nper partition: ${kib(idleEnd - empty, TOPICS * PARTS)} KiB RSS, ${kib(idleHeap - emptyHeap, TOPICS * PARTS)} KiB heap (RSS empty ${mb(empty)} MB, with ${TOPICS * PARTS} idle partitions ${mb(idleEnd)} MB just after creation ${mb(created)} MB)` +
      `\nper connection: ${kib(connEnd - idleEnd, CONNS)} KiB RSS, ${kib(connHeap - idleHeap, CONNS)} KiB heap (RSS with ${CONNS} connections ${mb(connEnd)} MB)`,
  );
} finally {
  await broker.stop();
}
if (failures.length) {
  console.log(`FAILED: ${failures.join('; ')}`);
  process.exit(1);
}
process.exit(0);

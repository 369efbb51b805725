/**
 * Soak (on demand, never in CI): a Runnel broker as a child process (bench/lib/broker-child.ts)
 * driven for N minutes by real clients in this process, then checked.
 *
 *   npm run soak -- [--minutes 30] [--interval 30] [--rate 600] [--rebalance 60] [--max-rss-growth-mb 64]
 *
 * Load:
 *   - 2 kafkajs producers and 1 @platformatic/kafka producer, idempotent, acks=all, each owning 16
 *     keys and sending to explicit partitions, so the offset of every acknowledged record is known;
 *     `--rate` records/s in all, 256-byte values carrying (key, sequence, send time).
 *   - a kafkajs consumer group on that topic whose members join and leave every `--rebalance` s
 *     (3 and 4 members in turn, the oldest leaving), committing as it goes.
 *   - a kafkajs transactional producer committing and aborting (1 in 3) transactions of 10 records
 *     to a second topic, and a read_committed kafkajs consumer of it.
 * Every `--interval` s one line: broker RSS (/proc/<pid>/status) and heap (/metrics
 * runnel_process_*), produce latency (send() to acknowledgement) p50/p99/max, end-to-end latency
 * (send to first delivery) p50/p99, records/s acknowledged and consumed, client errors by kind, the
 * broker's error responses (runnel_errors_total), group joins.
 *
 * Checked at the end (exit 1 on a violation):
 *   - every acknowledged record consumed, at the offset its acknowledgement gave (no loss, no offset
 *     reused for two records, no record written twice);
 *   - per key, sequence numbers in offset order;
 *   - no record of an aborted transaction seen by read_committed, every committed one seen;
 *   - broker RSS growth below --max-rss-growth-mb (README.md gives the bound and why): the lowest
 *     sample of the last quarter against the lowest of the second quarter (floorGrowth in
 *     bench/lib/broker-child.ts), so garbage collection's sawtooth is not read as growth; the slope
 *     after the 25 % mark is printed too.
 * Client errors (retried sends, rebalance-time commit failures) are printed, not asserted: a
 * failed send is simply not acknowledged, and the checks above are what must hold.
 */
import { Kafka, logLevel, type Consumer, type Producer, type LogEntry } from 'kafkajs';
import { Producer as PfProducer, ProduceAcks, stringSerializers } from '@platformatic/kafka';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBrokerChild, rssBytes, scrapeMetrics, floorGrowth, mb, MB } from './lib/broker-child.js';

const { values: argv } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    interval: { type: 'string' },
    rate: { type: 'string', default: '600' },
    rebalance: { type: 'string' },
    'max-rss-growth-mb': { type: 'string', default: '64' },
    partitions: { type: 'string', default: '6' },
  },
});
const minutes = Number(argv.minutes);
const durationMs = minutes * 60_000;
const intervalMs = Number(argv.interval ?? Math.min(30, Math.max(5, (minutes * 60) / 8))) * 1000;
const rebalanceMs = Number(argv.rebalance ?? Math.min(60, Math.max(10, (minutes * 60) / 6))) * 1000;
const rate = Number(argv.rate);
const maxGrowthMb = Number(argv['max-rss-growth-mb']);
const PARTITIONS = Number(argv.partitions);
const KEYS_PER_PRODUCER = 16;
const PRODUCERS = 3; // 0 and 1: kafkajs; 2: @platformatic/kafka
const VALUE_BYTES = 256;
const TX_RECORDS = 10;
const TX_PARTITIONS = 3;
const SAMPLE_MS = Math.min(5000, intervalMs);
const TOPIC = 'soak-data';
const TX_TOPIC = 'soak-tx';

const broker = await startBrokerChild('soak', { 'num.partitions': '1' });
const clientLog = createWriteStream(join(broker.work, 'clients.log'));
console.log(`soak: ${minutes} min, ${rate} records/s, rebalance every ${rebalanceMs / 1000} s, broker pid ${broker.pid} at ${broker.bootstrap} (started in ${broker.startupMs} ms), logs in ${broker.work}`);

// ---- bookkeeping --------------------------------------------------------------------------------

/** A growable array of numbers, 0 meaning unset. */
class Slots {
  a = new Float64Array(1024);
  get(i: number): number {
    return i < this.a.length ? this.a[i] : 0;
  }
  set(i: number, v: number): void {
    if (i >= this.a.length) {
      let n = this.a.length;
      while (n <= i) n *= 2;
      const b = new Float64Array(n);
      b.set(this.a);
      this.a = b;
    }
    this.a[i] = v;
  }
}

const KEYS = PRODUCERS * KEYS_PER_PRODUCER;
const partitionOf = (g: number): number => g % PARTITIONS;
/** Per key: offset + 1 of each sequence number, as acknowledged and as consumed. */
const ackedAt = Array.from({ length: KEYS }, () => new Slots());
const seenAt = Array.from({ length: KEYS }, () => new Slots());
const nextSeq = new Array<number>(KEYS).fill(0);
/** Per partition: which (key, seq) each offset held when consumed, key * 2^32 + seq + 1. */
const offsetOwner = Array.from({ length: PARTITIONS }, () => new Slots());
const violations: string[] = [];
const violation = (msg: string): void => {
  if (violations.length < 50) violations.push(msg);
  else if (violations.length === 50) violations.push('(more violations not listed)');
};

const errors = new Map<string, number>();
const countError = (kind: string, err?: unknown): void => {
  const detail = err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 80) : '';
  const k = detail ? `${kind} ${detail}` : kind;
  errors.set(k, (errors.get(k) ?? 0) + 1);
  clientLog.write(`${new Date().toISOString()} ${k}\n`);
};

let produceLat: number[] = [];
let e2eLat: number[] = [];
let ackedCount = 0;
let consumedCount = 0;
let ackedInterval = 0;
let consumedInterval = 0;
let joins = 0;
let membershipChanges = 0;

const pct = (xs: number[], p: number): number => (xs.length ? xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : NaN);
const f1 = (x: number): string => (Number.isNaN(x) ? '-' : x.toFixed(1));

function observe(partition: number, offset: number, value: Buffer | null): void {
  const [g, seq, sentAt] = String(value ?? '').split('|', 3).map(Number);
  if (!(g >= 0 && g < KEYS) || !(seq >= 0)) return violation(`unexpected record at ${TOPIC}-${partition}@${offset}: ${String(value).slice(0, 40)}`);
  if (partitionOf(g) !== partition) violation(`key ${g} seq ${seq} found in partition ${partition}, sent to ${partitionOf(g)}`);
  const id = g * 2 ** 32 + seq + 1;
  const owner = offsetOwner[partition].get(offset);
  if (owner === 0) offsetOwner[partition].set(offset, id);
  else if (owner !== id) violation(`offset ${partition}@${offset} served as key ${g} seq ${seq} and as key ${Math.floor((owner - 1) / 2 ** 32)} seq ${(owner - 1) % 2 ** 32}`);
  const prev = seenAt[g].get(seq);
  if (prev === 0) {
    seenAt[g].set(seq, offset + 1);
    consumedCount++;
    consumedInterval++;
    e2eLat.push(Date.now() - sentAt);
  } else if (prev !== offset + 1) violation(`key ${g} seq ${seq} written twice: at offsets ${prev - 1} and ${offset}`);
}

// ---- clients --------------------------------------------------------------------------------------

const logCreator = () => (entry: LogEntry): void => {
  if (entry.level > logLevel.WARN) return;
  const l = entry.log as Record<string, unknown>;
  clientLog.write(`${new Date().toISOString()} kafkajs ${entry.namespace} ${String(l.message)} ${l.error ? String(l.error) : ''}\n`);
  if (entry.level === logLevel.ERROR) {
    const k = `kafkajs-log ${entry.namespace}: ${String(l.error ?? l.message).slice(0, 60)}`;
    errors.set(k, (errors.get(k) ?? 0) + 1);
  }
};
const kafka = new Kafka({ clientId: 'runnel-soak', brokers: [broker.bootstrap], logLevel: logLevel.WARN, logCreator });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }, { topic: TX_TOPIC, numPartitions: TX_PARTITIONS }], waitForLeaders: true });
await admin.disconnect();

let stopping = false;
const pad = 'x'.repeat(VALUE_BYTES);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One batch of the keys of producer `p`: explicit partitions, so acknowledged offsets are known per record. */
function nextBatch(p: number, n: number): Array<{ g: number; seq: number; key: string; value: string; partition: number }> {
  const out = [];
  for (let i = 0; i < n; i++) {
    const g = p * KEYS_PER_PRODUCER + ((Math.random() * KEYS_PER_PRODUCER) | 0);
    const seq = nextSeq[g]++;
    const head = `${g}|${seq}|${Date.now()}|`;
    out.push({ g, seq, key: `k${g}`, value: head + pad.slice(head.length), partition: partitionOf(g) });
  }
  return out;
}

/** Records the acknowledged offsets: per partition, the base offset plus the record's place in the request. */
function acked(batch: ReturnType<typeof nextBatch>, base: Map<number, number>, sentAt: number): void {
  const idx = new Map<number, number>();
  for (const r of batch) {
    const i = idx.get(r.partition) ?? 0;
    idx.set(r.partition, i + 1);
    const b = base.get(r.partition);
    if (b === undefined || b < 0) {
      violation(`no base offset for partition ${r.partition} in an acknowledgement`);
      continue;
    }
    ackedAt[r.g].set(r.seq, b + i + 1);
  }
  ackedCount += batch.length;
  ackedInterval += batch.length;
  produceLat.push(Date.now() - sentAt);
}

/** Sends every 50 ms a batch sized for this producer's share of --rate; one send() at a time, so each key's order is the send order. */
async function produceLoop(p: number, send: (batch: ReturnType<typeof nextBatch>) => Promise<Map<number, number>>): Promise<void> {
  const perTick = Math.max(1, Math.round(rate / PRODUCERS / 20));
  let next = Date.now();
  while (!stopping) {
    const batch = nextBatch(p, perTick);
    const t0 = Date.now();
    try {
      acked(batch, await send(batch), t0);
    } catch (err) {
      countError(`produce[${p}]`, err);
    }
    next += 50;
    const wait = next - Date.now();
    if (wait > 0) await sleep(wait);
    else next = Date.now();
  }
}

const kjsProducers: Producer[] = [];
const loops: Array<Promise<void>> = [];
for (let p = 0; p < 2; p++) {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  kjsProducers.push(producer);
  loops.push(
    produceLoop(p, async (batch) => {
      const res = await producer.send({ topic: TOPIC, acks: -1, messages: batch.map((r) => ({ key: r.key, value: r.value, partition: r.partition })) });
      return new Map(res.map((m) => [m.partition, Number(m.baseOffset)]));
    }),
  );
}
const pf = new PfProducer({ clientId: 'runnel-soak-pf', bootstrapBrokers: [broker.bootstrap], acks: ProduceAcks.ALL, idempotent: true, serializers: stringSerializers, retries: 5, retryDelay: 200 });
loops.push(
  produceLoop(2, async (batch) => {
    const res = await pf.send({ messages: batch.map((r) => ({ topic: TOPIC, key: r.key, value: r.value, partition: r.partition })) });
    return new Map((res.offsets ?? []).map((o) => [o.partition, Number(o.offset)]));
  }),
);

// The group: members join and leave; the oldest leaves, so every member's partitions move.
const members: Consumer[] = [];
let memberSeq = 0;
async function addMember(): Promise<void> {
  const c = kafka.consumer({ groupId: 'soak-group', sessionTimeout: 30_000, heartbeatInterval: 3000, maxWaitTimeInMs: 100 });
  const n = memberSeq++;
  c.on(c.events.GROUP_JOIN, () => joins++);
  c.on(c.events.CRASH, (e) => countError(`consumer[${n}] crash`, e.payload.error));
  await c.connect();
  await c.subscribe({ topics: [TOPIC], fromBeginning: true });
  await c.run({
    partitionsConsumedConcurrently: 2,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      for (const m of batch.messages) {
        if (!isRunning() || isStale()) break;
        observe(batch.partition, Number(m.offset), m.value);
        resolveOffset(m.offset);
      }
      await heartbeat();
    },
  });
  members.push(c);
}
for (let i = 0; i < 3; i++) await addMember();
const rebalancer = (async () => {
  let add = true;
  while (!stopping) {
    await sleep(rebalanceMs);
    if (stopping) break;
    try {
      if (add) await addMember();
      else await members.shift()!.disconnect();
      membershipChanges++;
    } catch (err) {
      countError('group change', err);
    }
    add = !add;
  }
})();

// Transactions: 1 in 3 aborted; read_committed must see exactly the committed ones.
const txState = new Map<number, 'open' | 'committed' | 'aborted' | 'unknown'>();
const txSeen = new Map<number, Set<number>>();
const txProducer = kafka.producer({ transactionalId: 'soak-tx', idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
await txProducer.connect();
let txCommitted = 0;
let txAborted = 0;
const txLoop = (async () => {
  let n = 0;
  while (!stopping) {
    const id = n++;
    txState.set(id, 'open');
    let tx;
    try {
      tx = await txProducer.transaction();
      await tx.send({ topic: TX_TOPIC, messages: Array.from({ length: TX_RECORDS }, (_, i) => ({ key: `t${i % TX_PARTITIONS}`, value: `${id}|${i}|${Date.now()}` })) });
      if (id % 3 === 2) {
        await tx.abort();
        txState.set(id, 'aborted');
        txAborted++;
      } else {
        await tx.commit();
        txState.set(id, 'committed');
        txCommitted++;
      }
    } catch (err) {
      countError('transaction', err);
      txState.set(id, 'unknown');
      await tx?.abort().catch(() => undefined);
    }
    await sleep(200);
  }
})();
const rc = kafka.consumer({ groupId: 'soak-read-committed', readUncommitted: false, maxWaitTimeInMs: 100 });
rc.on(rc.events.CRASH, (e) => countError('read_committed crash', e.payload.error));
await rc.connect();
await rc.subscribe({ topics: [TX_TOPIC], fromBeginning: true });
await rc.run({
  eachMessage: async ({ message }) => {
    const [id, i] = String(message.value).split('|').map(Number);
    const st = txState.get(id);
    if (st === 'aborted') violation(`read_committed saw record ${i} of aborted transaction ${id}`);
    let s = txSeen.get(id);
    if (!s) txSeen.set(id, (s = new Set()));
    s.add(i);
  },
});

// ---- sampling and the interval line --------------------------------------------------------------

const t0 = Date.now();
const deadline = t0 + durationMs;
let lastReport = t0;
const rssSamples: Array<[number, number]> = []; // [minutes since start, MB]
let lastMetrics: Map<string, number> | undefined;
const brokerErrors = (m: Map<string, number> | undefined): Map<string, number> => {
  const out = new Map<string, number>();
  for (const [k, v] of m ?? []) {
    const x = /^runnel_errors_total\{api="([^"]*)",code="([^"]*)"\}$/.exec(k);
    if (x) out.set(`${x[1]}:${x[2]}`, v);
  }
  return out;
};
let prevBrokerErrors = new Map<string, number>();
let prevErrors = new Map<string, number>();
const sampler = setInterval(() => rssSamples.push([(Date.now() - t0) / 60_000, rssBytes(broker.pid) / MB]), SAMPLE_MS);
rssSamples.push([0, rssBytes(broker.pid) / MB]);
console.log('  time    rss   heap  ext | produce ms p50/p99/max | e2e ms p50/p99 | acked/s consumed/s | joins | client errors (new) | broker partition errors (new)');

async function report(): Promise<void> {
  lastMetrics = (await scrapeMetrics(broker.metricsUrl)) ?? lastMetrics;
  const secs = Math.max(1, Date.now() - lastReport) / 1000;
  lastReport = Date.now();
  produceLat.sort((a, b) => a - b);
  e2eLat.sort((a, b) => a - b);
  const heap = lastMetrics?.get('runnel_process_nodejs_heap_size_used_bytes');
  const ext = lastMetrics?.get('runnel_process_nodejs_external_memory_bytes');
  const diff = (now: Map<string, number>, before: Map<string, number>): string =>
    [...now].filter(([k, v]) => v !== (before.get(k) ?? 0)).map(([k, v]) => `${k} +${v - (before.get(k) ?? 0)}`).join(', ') || '-';
  const be = brokerErrors(lastMetrics);
  const el = (Date.now() - t0) / 1000;
  console.log(
    `${String(Math.floor(el / 60)).padStart(3)}:${String(Math.round(el % 60)).padStart(2, '0')} ${mb(rssBytes(broker.pid)).padStart(6)} ${heap === undefined ? '-' : mb(heap).padStart(5)} ${ext === undefined ? '-' : mb(ext).padStart(4)} | ` +
      `${f1(pct(produceLat, 50))}/${f1(pct(produceLat, 99))}/${f1(produceLat.at(-1) ?? NaN)} | ${f1(pct(e2eLat, 50))}/${f1(pct(e2eLat, 99))} | ` +
      `${Math.round(ackedInterval / secs)} ${Math.round(consumedInterval / secs)} | ${joins} | ${diff(errors, prevErrors)} | ${diff(be, prevBrokerErrors)}`,
  );
  prevErrors = new Map(errors);
  prevBrokerErrors = be;
  produceLat = [];
  e2eLat = [];
  ackedInterval = 0;
  consumedInterval = 0;
}
const reporter = setInterval(() => void report(), intervalMs);

while (Date.now() < deadline) await sleep(Math.min(1000, deadline - Date.now()));
clearInterval(reporter);
clearInterval(sampler);
rssSamples.push([(Date.now() - t0) / 60_000, rssBytes(broker.pid) / MB]);
await report();

// ---- drain and check ----------------------------------------------------------------------------

stopping = true;
await Promise.all([...loops, txLoop, rebalancer]);
const drainDeadline = Date.now() + 120_000;
const committedRecords = (): number => [...txState].filter(([, s]) => s === 'committed').length * TX_RECORDS;
const txSeenCommitted = (): number => [...txState].filter(([id, s]) => s === 'committed' && txSeen.get(id)?.size === TX_RECORDS).length * TX_RECORDS;
const allAckedSeen = (): number => {
  let missing = 0;
  for (let g = 0; g < KEYS; g++) for (let s = 0; s < nextSeq[g]; s++) if (ackedAt[g].get(s) !== 0 && seenAt[g].get(s) === 0) missing++;
  return missing;
};
while (Date.now() < drainDeadline && (allAckedSeen() > 0 || txSeenCommitted() < committedRecords())) await sleep(500);
await Promise.allSettled([...members.map((c) => c.disconnect()), rc.disconnect(), ...kjsProducers.map((p) => p.disconnect()), txProducer.disconnect(), pf.close()]);
await broker.stop();

let lost = 0;
let misplaced = 0;
for (let g = 0; g < KEYS; g++) {
  let lastOffset = -1;
  for (let s = 0; s < nextSeq[g]; s++) {
    const a = ackedAt[g].get(s);
    const seen = seenAt[g].get(s);
    if (a !== 0 && seen === 0) {
      if (lost++ < 10) violation(`lost: key ${g} seq ${s}, acknowledged at offset ${a - 1}, never consumed`);
    } else if (a !== 0 && a !== seen) {
      if (misplaced++ < 10) violation(`key ${g} seq ${s} acknowledged at offset ${a - 1} but consumed at ${seen - 1}`);
    }
    if (seen !== 0) {
      if (seen - 1 <= lastOffset) violation(`key ${g} out of order: seq ${s} at offset ${seen - 1} after offset ${lastOffset}`);
      lastOffset = seen - 1;
    }
  }
}
if (lost > 0) violation(`${lost} acknowledged record(s) never consumed`);
for (const [id, s] of txState) {
  if (s === 'committed' && (txSeen.get(id)?.size ?? 0) !== TX_RECORDS) violation(`committed transaction ${id}: read_committed saw ${txSeen.get(id)?.size ?? 0} of ${TX_RECORDS} records`);
  if (s === 'aborted' && txSeen.has(id)) violation(`aborted transaction ${id} seen by read_committed`);
}

const g = floorGrowth(rssSamples, minutes);
if (!(g.growth < maxGrowthMb)) violation(`broker RSS floor grew ${g.growth.toFixed(1)} MB (lowest of the second quarter ${g.from.toFixed(1)} MB, of the last quarter ${g.to.toFixed(1)} MB), bound ${maxGrowthMb} MB`);

console.log(`\nrecords: ${ackedCount} acknowledged, ${consumedCount} consumed (${lost} lost); transactions: ${txCommitted} committed, ${txAborted} aborted, ${[...txState.values()].filter((s) => s === 'unknown').length} failed`);
console.log(`group: ${membershipChanges} membership changes, ${joins} joins`);
console.log(
  `broker RSS: start ${rssSamples[0][1].toFixed(1)} MB, end ${rssSamples.at(-1)![1].toFixed(1)} MB, max ${Math.max(...rssSamples.map((s) => s[1])).toFixed(1)} MB; ` +
    `floor ${g.from.toFixed(1)} MB (2nd quarter) -> ${g.to.toFixed(1)} MB (last quarter): growth ${g.growth.toFixed(1)} MB (bound ${maxGrowthMb} MB); slope after the 25 % mark ${g.slope.toFixed(2)} MB/min`,
);
const totalErrors = [...errors].sort((a, b) => b[1] - a[1]);
console.log(`client errors: ${totalErrors.length ? totalErrors.map(([k, v]) => `${k} x${v}`).join('; ') : 'none'}`);
console.log(`broker partition error responses (runnel_errors_total): ${[...prevBrokerErrors].map(([k, v]) => `${k} x${v}`).join(', ') || 'none'}`);
if (violations.length) {
  console.log(`\nFAILED: ${violations.length} violation(s):\n  ${violations.join('\n  ')}`);
  process.exit(1);
}
console.log('\nOK: no loss, no offset reused, per-key order kept, read_committed saw no aborted record, RSS growth within bound');
process.exit(0);

/**
 * `runnel perf produce` and `runnel perf consume`: load tests in the spirit of
 * kafka-producer-perf-test.sh and kafka-consumer-perf-test.sh, on Runnel's own client.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { option, flagsFromHelp, flagsOrHelp, UsageError, type FlagSpec } from './args.js';
import { toolClientConfig } from './client-config.js';
import { intOption, required, requiredInt, runTool } from './tool.js';
import { Client, type TopicInfo } from '../client/client.js';
import { ClientError, KafkaError } from '../client/errors.js';
import { EARLIEST, fetchOnce, listOffsets } from '../client/consumer.js';
import { Producer, type OutRecord } from '../client/producer.js';

const HELP = `Usage: runnel perf produce|consume --bootstrap-server HOST:PORT --topic T [options]

Load tests, as kafka-producer-perf-test.sh and kafka-consumer-perf-test.sh do. Both print a
progress line about every 5 seconds and a summary at the end.

runnel perf produce: sends N unkeyed records of B random bytes (round-robin over the partitions)
  --bootstrap-server H:P   The broker to connect to (comma-separated list allowed)
  --topic T                The topic (it must exist)
  --num-records N          How many records to send
  --record-size B          The size of each record's value in bytes
  --throughput R           At most R records/s; -1 (the default) for no limit
  --acks 1|0|all           Acknowledgements (default 1; -1 is all)
  --batch-size BYTES       Records per Produce request: as many as fit in BYTES (default 16384)
  --linger-ms MS           Wait up to MS for a batch to fill (default 0: send what is there)
  --producer.config FILE   Producer properties: client.id, security.protocol, ssl.*, sasl.*
  --command-config FILE    The same (Kafka's newer name)
  Prints: N records sent, R records/sec (M MB/sec), avg and max latency, 50th, 95th, 99th,
  99.9th percentile latency (latency: from handing a record over to its acknowledgement).

runnel perf consume: reads N records from the earliest offsets of all partitions (no group)
  --bootstrap-server H:P   The broker to connect to
  --topic T                The topic (it must exist)
  --messages N             How many records to read
  --timeout-ms MS          Fail when no record arrived for MS milliseconds (default 10000)
  --consumer.config FILE   Consumer properties: client.id, security.protocol, ssl.*, sasl.*
  --command-config FILE    The same (Kafka's newer name)
  Prints the columns of kafka-consumer-perf-test.sh: start.time, end.time,
  data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, fetch.time.ms, fetch.MB.sec,
  fetch.nMsg.sec (bytes are keys plus values).

  --help                   Show this help
`;

const PRODUCE_SPEC = flagsFromHelp(HELP, 'runnel perf produce:');

const CONSUME_SPEC = flagsFromHelp(HELP, 'runnel perf consume:');

const MB = 1024 * 1024;
const REPORT_MS = 5000;
const MAX_IN_FLIGHT = 5;

export function perfCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  return runTool('perf', async () => {
    if (sub === undefined || sub === '--help' || sub === '-h') {
      process.stdout.write(HELP);
      return sub === undefined ? 1 : 0;
    }
    if (sub === 'produce') return produce(rest);
    if (sub === 'consume') return consume(rest);
    throw new UsageError(`unknown subcommand '${sub}' (produce or consume)`);
  });
}

function parseAcks(v: string): number {
  const s = v.trim().toLowerCase();
  if (s === 'all' || s === '-1') return -1;
  if (s === '0' || s === '1') return Number(s);
  throw new UsageError(`--acks must be all, -1, 0 or 1, not '${v}'`);
}

async function ensurePartitions(client: Client, name: string): Promise<TopicInfo> {
  const topic = await client.topic(name);
  if (topic.partitions.length === 0) throw new ClientError(`topic '${name}' has no partitions`);
  return topic;
}

/** Latency percentiles (ms) from sorted samples. */
function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** The flags of a subcommand with the two both need, or undefined when --help printed the help. */
function commonOptions(argv: string[], spec: Record<string, FlagSpec>): { flags: Map<string, string[]>; bootstrap: string; topicName: string } | undefined {
  const flags = flagsOrHelp(argv, spec, HELP);
  if (!flags) return undefined;
  return { flags, bootstrap: required(flags, '--bootstrap-server'), topicName: required(flags, '--topic') };
}

async function produce(argv: string[]): Promise<number> {
  const common = commonOptions(argv, PRODUCE_SPEC);
  if (!common) return 0;
  const { flags, bootstrap, topicName } = common;
  const num = requiredInt(flags, '--num-records', 1);
  const size = requiredInt(flags, '--record-size', 0);
  const throughput = intOption(flags, '--throughput', -1) ?? -1;
  if (throughput === 0) throw new UsageError('--throughput takes a positive number or -1 (no limit)');
  const acks = parseAcks(option(flags, '--acks') ?? '1');
  const batchSize = intOption(flags, '--batch-size', 1) ?? 16384;
  const lingerMs = intOption(flags, '--linger-ms', 0) ?? 0;
  const perRequest = Math.max(1, Math.floor(batchSize / Math.max(1, size)));

  // random uppercase letters, as the Kafka tool's default payload
  const payload = Buffer.alloc(size);
  for (let i = 0; i < size; i++) payload[i] = 65 + Math.floor(Math.random() * 26);

  const client = await Client.connect(bootstrap, toolClientConfig(flags, 'producer-perf', { fileFlags: ['--producer.config', '--command-config'] }).options);
  try {
    const topic = await ensurePartitions(client, topicName);
    const producer = new Producer(client, topic, { acks, compression: 0 });
    const latencies = new Float64Array(num);
    let acked = 0;
    let failure: unknown;
    const inFlight = new Set<Promise<void>>();
    const start = performance.now();
    // the current reporting window
    let window = { start, count: 0, bytes: 0, latSum: 0, latMax: 0 };
    const report = (): void => {
      const now = performance.now();
      const secs = (now - window.start) / 1000;
      if (window.count > 0)
        process.stdout.write(
          `${window.count} records sent, ${(window.count / secs).toFixed(1)} records/sec (${(window.bytes / MB / secs).toFixed(2)} MB/sec), ` +
            `${(window.latSum / window.count).toFixed(1)} ms avg latency, ${window.latMax.toFixed(1)} ms max latency.\n`,
        );
      window = { start: now, count: 0, bytes: 0, latSum: 0, latMax: 0 };
    };
    const timer = setInterval(report, REPORT_MS);
    try {
      const sendBatch = (batch: OutRecord[], enqueuedAt: number[]): void => {
        const p = producer
          .send(batch)
          .then(() => {
            const now = performance.now();
            for (const t of enqueuedAt) {
              const lat = now - t;
              latencies[acked++] = lat;
              window.count++;
              window.bytes += size;
              window.latSum += lat;
              if (lat > window.latMax) window.latMax = lat;
            }
          })
          .catch((err: unknown) => {
            failure ??= err;
          })
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      };
      let batch: OutRecord[] = [];
      let enqueuedAt: number[] = [];
      let firstAt = 0;
      const flush = (): void => {
        sendBatch(batch, enqueuedAt);
        batch = [];
        enqueuedAt = [];
      };
      for (let i = 0; i < num && !failure; i++) {
        if (throughput > 0) {
          // as Kafka's ThroughputThrottler: keep the rate at or below the target
          const wait = start + (i * 1000) / throughput - performance.now();
          if (wait > 1) {
            if (batch.length > 0 && performance.now() - firstAt >= lingerMs) flush();
            await sleep(wait);
          }
        }
        if (batch.length === 0) firstAt = performance.now();
        batch.push({ key: null, value: payload });
        enqueuedAt.push(performance.now());
        if (batch.length >= perRequest) {
          while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
          flush();
        } else if (performance.now() - firstAt >= lingerMs && inFlight.size < MAX_IN_FLIGHT) {
          // the batch has lingered long enough and a request slot is free (like the Java sender)
          flush();
        }
      }
      if (batch.length > 0 && !failure) sendBatch(batch, enqueuedAt);
      while (inFlight.size > 0) await Promise.race(inFlight);
    } finally {
      clearInterval(timer);
    }
    if (failure) throw failure;
    const secs = (performance.now() - start) / 1000;
    const sorted = latencies.subarray(0, acked).sort();
    let sum = 0;
    for (const l of sorted) sum += l;
    const pct = (q: number): number => Math.round(percentile(sorted, q));
    process.stdout.write(
      `${acked} records sent, ${(acked / secs).toFixed(1)} records/sec (${((acked * size) / MB / secs).toFixed(2)} MB/sec), ` +
        `${(acked ? sum / acked : 0).toFixed(2)} ms avg latency, ${(sorted.length ? sorted[sorted.length - 1] : 0).toFixed(2)} ms max latency, ` +
        `${pct(0.5)} ms 50th, ${pct(0.95)} ms 95th, ${pct(0.99)} ms 99th, ${pct(0.999)} ms 99.9th.\n`,
    );
    return 0;
  } finally {
    await client.close();
  }
}

function stamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}:${p(d.getMilliseconds(), 3)}`;
}

async function consume(argv: string[]): Promise<number> {
  const common = commonOptions(argv, CONSUME_SPEC);
  if (!common) return 0;
  const { flags, bootstrap, topicName } = common;
  const want = requiredInt(flags, '--messages', 1);
  const timeoutMs = intOption(flags, '--timeout-ms', 1) ?? 10000;

  const client = await Client.connect(bootstrap, toolClientConfig(flags, 'consumer-perf', { fileFlags: ['--consumer.config', '--command-config'] }).options);
  try {
    let topic = await ensurePartitions(client, topicName);
    const startWall = Date.now();
    const start = performance.now();
    const byLeader = (): Map<number, number[]> => {
      const out = new Map<number, number[]>();
      for (const p of topic.partitions) out.set(p.leader, [...(out.get(p.leader) ?? []), p.partition]);
      return out;
    };
    const positions = new Map<number, bigint>();
    for (const [leader, ps] of byLeader()) for (const [p, o] of await listOffsets(await client.broker(leader), topicName, ps, EARLIEST)) positions.set(p, o);
    const fetchStart = performance.now();
    let count = 0;
    let bytes = 0;
    let lastRecordAt = performance.now();
    let window = { start: performance.now(), count: 0, bytes: 0 };
    const timer = setInterval(() => {
      const now = performance.now();
      const secs = (now - window.start) / 1000;
      process.stdout.write(
        `${count} records consumed, ${(window.count / secs).toFixed(1)} records/sec (${(window.bytes / MB / secs).toFixed(2)} MB/sec) in the last ${secs.toFixed(1)} s.\n`,
      );
      window = { start: now, count: 0, bytes: 0 };
    }, REPORT_MS);
    let timedOut = false;
    try {
      while (count < want) {
        const left = timeoutMs - (performance.now() - lastRecordAt);
        if (left <= 0) {
          timedOut = true;
          break;
        }
        let refresh = false;
        for (const [leader, ps] of byLeader()) {
          const conn = await client.broker(leader);
          const results = await fetchOnce(conn, topicName, new Map(ps.map((p) => [p, positions.get(p) ?? 0n])), {
            maxWaitMs: Math.max(1, Math.min(500, Math.floor(left))),
            isolationLevel: 0,
          });
          for (const res of results) {
            if (res.errorCode === 6 || res.errorCode === 5 || res.errorCode === 74 || res.errorCode === 75) {
              refresh = true;
              continue;
            }
            if (res.errorCode !== 0) throw new KafkaError(res.errorCode, `fetch ${topicName}-${res.partition}`);
            for (const r of res.records) {
              if (count >= want) break;
              const n = (r.key?.length ?? 0) + (r.value?.length ?? 0);
              count++;
              bytes += n;
              window.count++;
              window.bytes += n;
            }
            positions.set(res.partition, res.nextOffset);
            if (res.records.length > 0) lastRecordAt = performance.now();
          }
        }
        if (refresh) topic = await client.topic(topicName);
      }
    } finally {
      clearInterval(timer);
    }
    const end = performance.now();
    const secs = Math.max(1e-3, (end - start) / 1000);
    const fetchSecs = Math.max(1e-3, (end - fetchStart) / 1000);
    const mb = bytes / MB;
    process.stdout.write(
      'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec\n' +
        `${stamp(startWall)}, ${stamp(startWall + (end - start))}, ${mb.toFixed(4)}, ${(mb / secs).toFixed(4)}, ${count}, ${(count / secs).toFixed(4)}, ` +
        `0, ${Math.round(fetchSecs * 1000)}, ${(mb / fetchSecs).toFixed(4)}, ${(count / fetchSecs).toFixed(4)}\n`,
    );
    if (timedOut) throw new ClientError(`Exiting before consuming the expected number of messages: timeout (${timeoutMs} ms) exceeded (${count} of ${want} consumed)`);
    return 0;
  } finally {
    await client.close();
  }
}

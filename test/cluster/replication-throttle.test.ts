/**
 * The replication throttle in a three-broker cluster (real processes, real etcd): a follower that
 * was away catches up on a topic whose replicas are throttled (leader. and
 * follower.replication.throttled.replicas '*') at about leader./follower.replication.throttled.rate,
 * measured from the bytes of its log files over time, while an unthrottled topic it follows from
 * the same leader catches up at once. The topics are placed with `runnel topics --create
 * --replica-assignment` (leader 1, follower 3); the rates are dynamic broker configs set with
 * IncrementalAlterConfigs on brokers 1 and 3: both sides, then the follower's alone (the leader
 * side alone is test/replication/replication-throttle.test.ts).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { metricsPortOf, startCluster, type TestCluster } from '../helpers/cluster.js';
import { clusterClient } from '../helpers/cluster-client.js';
import { until } from '../helpers/until.js';
import { runnel } from '../cli/run-tool.js';
import { Connection } from '../../src/client/connection.js';
import type { IncrementalAlterConfigsResponse } from '../../src/protocol/messages/index.js';

const RATE = 200_000; // bytes/s
const WINDOWS = 3;
const RECORD = 'x'.repeat(10_000);
const PER_TOPIC = 300; // records of 10 kB: ~3 MB a topic

let cluster: TestCluster;
let kafka: Kafka;

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    // Small fetches and few windows, so that the rate shows within seconds rather than in bursts.
    config: { 'replica.fetch.max.bytes': '65536', 'replication.quota.window.num': String(WINDOWS), 'replica.lag.time.max.ms': '4000' },
  });
  kafka = clusterClient('throttle-test', cluster.bootstrap.split(','));
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
});

async function alterConfigs(brokerId: number, resourceType: number, resourceName: string, configs: Record<string, string | null>): Promise<void> {
  const b = cluster.broker(brokerId);
  const conn = await Connection.open({ host: '127.0.0.1', port: b.port }, { clientId: 'throttle-test' });
  try {
    const res = await conn.request<IncrementalAlterConfigsResponse>(44, {
      resources: [{ resourceType, resourceName, configs: Object.entries(configs).map(([name, value]) => ({ name, configOperation: value === null ? 1 : 0, value })) }],
      validateOnly: false,
    });
    const r = res.responses[0];
    if (!r || r.errorCode !== 0) throw new Error(`IncrementalAlterConfigs ${resourceName}: ${r?.errorCode} ${r?.errorMessage}`);
  } finally {
    await conn.close();
  }
}

/** Bytes of a partition's log segments in a broker's data directory. */
async function logBytes(brokerId: number, topic: string): Promise<number> {
  const dir = join(cluster.broker(brokerId).dataDir, `${topic}-0`);
  let n = 0;
  for (const f of await readdir(dir).catch(() => [] as string[])) if (f.endsWith('.log')) n += (await stat(join(dir, f))).size;
  return n;
}

/** runnel_replication_throttled_byte_rate{side} on a broker's /metrics (its port is in its "Runnel started" line). */
async function throttledRate(brokerId: number, side: 'leader' | 'follower'): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPortOf(cluster, brokerId)}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const line = text.split('\n').find((l) => l.startsWith(`runnel_replication_throttled_byte_rate{side="${side}"} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

async function isr(topic: string): Promise<number[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions[0].isr;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Broker 3 follows `thr` and `free` (led by 1), goes away while ~3 MB go to each, comes back; the
 * rate of `thr` is limited on `sides`. Returns when it has caught up on both.
 */
async function catchUp(thr: string, free: string, sides: ReadonlyArray<'leader' | 'follower'>): Promise<void> {
  for (const topic of [thr, free]) {
    const r = await runnel(['topics', '--bootstrap-server', cluster.bootstrap, '--create', '--topic', topic, '--replica-assignment', '1:3'], '', 60_000);
    expect(r, r.stderr).toMatchObject({ code: 0 });
  }
  await until('both replicas in sync', async () => ((await isr(thr)).length === 2 && (await isr(free)).length === 2 ? true : undefined), 40_000);
  // Set: the rate; deleted (configOperation 1): back to unlimited.
  const rate = (side: string) => (sides.includes(side as 'leader') ? String(RATE) : null);
  await alterConfigs(1, 4, '1', { 'leader.replication.throttled.rate': rate('leader') });
  await alterConfigs(3, 4, '3', { 'follower.replication.throttled.rate': rate('follower') });
  await alterConfigs(1, 2, thr, { 'leader.replication.throttled.replicas': '*', 'follower.replication.throttled.replicas': '*' });

  // The follower goes away; both topics get ~3 MB it lacks.
  await cluster.broker(3).kill9();
  await until('broker 3 out of the ISRs', async () => ((await isr(thr)).length === 1 && (await isr(free)).length === 1 ? true : undefined), 40_000);
  const producer = kafka.producer();
  await producer.connect();
  // Batches of 50 kB: a fetch returns at least one whole batch, so they bound how finely the rate can act.
  for (const topic of [thr, free])
    for (let i = 0; i < PER_TOPIC; i += 5) await producer.send({ topic, acks: 1, messages: Array.from({ length: 5 }, () => ({ value: RECORD })) });
  await producer.disconnect();
  const target = { thr: await logBytes(1, thr), free: await logBytes(1, free) };
  expect(target.thr).toBeGreaterThan(PER_TOPIC * 10_000);
  const before = await logBytes(3, thr);

  // It comes back and catches up: sample its logs every 250 ms.
  await cluster.broker(3).start();
  const start = Date.now();
  let freeDoneMs: number | undefined;
  let thrDoneMs: number | undefined;
  const samples: Array<{ ms: number; thr: number }> = [];
  const rates: number[] = [];
  while (thrDoneMs === undefined && Date.now() - start < 120_000) {
    const ms = Date.now() - start;
    const [t, f] = [await logBytes(3, thr), await logBytes(3, free)];
    samples.push({ ms, thr: t });
    // Midway, what the follower's throttle measures (the metric operators watch).
    if (t > before + (target.thr - before) / 3 && rates.length < 3) rates.push(await throttledRate(3, 'follower').catch(() => NaN));
    if (freeDoneMs === undefined && f >= target.free) freeDoneMs = ms;
    if (t >= target.thr) thrDoneMs = ms;
    await new Promise((r) => setTimeout(r, 250));
  }
  const moved = target.thr - before;
  expect(thrDoneMs, `throttled topic never caught up: ${JSON.stringify(samples.slice(-5))}`).toBeDefined();
  expect(freeDoneMs).toBeDefined();
  // Unthrottled: caught up long before the throttled one (~3 MB at 200 kB/s takes well over 10 s).
  expect(freeDoneMs!).toBeLessThan(thrDoneMs! / 2);
  // Throttled: from its first bytes, about the rate. Kafka's sampled rate lets the first
  // (windows - 1) seconds' worth through at once, so that much is discounted; the margin is generous.
  const first = samples.find((x) => x.thr > before)!;
  const seconds = (thrDoneMs! - first.ms) / 1000;
  const measured = (moved - (WINDOWS - 1) * RATE) / seconds;
  expect(measured, `moved ${moved} bytes in ${seconds} s`).toBeGreaterThan(RATE * 0.4);
  expect(measured, `moved ${moved} bytes in ${seconds} s`).toBeLessThan(RATE * 1.6);
  expect(rates.length, 'no metrics sampled while catching up').toBeGreaterThan(0);
  for (const r of rates) {
    expect(r).toBeGreaterThan(RATE * 0.2);
    expect(r).toBeLessThan(RATE * 2.5);
  }
  await until('broker 3 back in the throttled ISR', async () => ((await isr(thr)).length === 2 ? true : undefined), 40_000);
}

describe('replication throttle', () => {
  it('a catching-up follower moves a throttled topic at about the rate and an unthrottled one at once', () => catchUp('thr', 'free', ['leader', 'follower']), 300_000);

  it('the follower side alone holds the rate (the leader unlimited)', () => catchUp('thr-f', 'free-f', ['follower']), 300_000);
});

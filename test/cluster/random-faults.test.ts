/**
 * A randomized fault run: for RUNNEL_FAULT_SECONDS (default 180: a few minutes in CI) a random broker gets kill -9 (then
 * a restart), SIGSTOP/SIGCONT (sometimes past the session timeout, so that it is fenced and
 * replaced), or SIGTERM (controlled shutdown, then a restart), every few seconds, never more than
 * one broker at a time (the next fault waits for full ISRs). Idempotent acks=all producers write
 * to a RF 3, min.insync.replicas 2 topic and read_committed kcat consumers tail it. At the end it
 * prints the timeline and what the checker found, and fails on any acknowledged record lost,
 * duplicated or misplaced, an offset acknowledged twice, or a consumer shown a record the log no
 * longer has. RUNNEL_FAULT_SEED repeats a run's choices.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Kafka } from 'kafkajs';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { clusterClient } from '../helpers/cluster-client.js';
import { AckedLoad, TailReader, rawMetadata } from '../helpers/ack-checker.js';
import { until } from '../helpers/until.js';
import { prng } from '../helpers/kafka-wire.js';

const SECONDS = Number(process.env.RUNNEL_FAULT_SECONDS ?? 180);
const SEED = Number(process.env.RUNNEL_FAULT_SEED ?? Date.now() % 1_000_000);
const TOPIC = 'random-faults';
const PARTITIONS = 3;

let cluster: TestCluster;
const paused = new Set<number>();

beforeAll(async () => {
  cluster = await startCluster({ brokers: 3 });
}, 90_000);

afterAll(async () => {
  for (const b of cluster?.brokers ?? []) await b.signal('SIGCONT');
  await cluster?.stop();
});

/** A client bootstrapped from brokers that are not stopped (kafkajs waits on a stopped broker's open socket). */
function client(): Kafka {
  const brokers = cluster.brokers.filter((b) => !paused.has(b.id) && b.running).map((b) => b.bootstrap);
  return clusterClient('random-faults', brokers.length > 0 ? brokers : cluster.bootstrap.split(','), { requestTimeout: 5000 });
}

async function healthy(): Promise<true | undefined> {
  const up = cluster.brokers.filter((b) => b.running && !paused.has(b.id));
  const md = await rawMetadata(up[0].bootstrap, [TOPIC]);
  return md.brokers.length === 3 && md.topics[0].partitions.every((p) => p.errorCode === 0 && p.leaderId >= 0 && p.isrNodes.length === 3) ? true : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a randomized fault run', () => {
  it(`loses, duplicates and misplaces nothing acknowledged under random kill -9, SIGSTOP and SIGTERM for ${SECONDS} s (seed ${SEED})`, async () => {
    const admin = client().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }], waitForLeaders: true });
    await admin.disconnect();
    await until('full ISRs', healthy, 30_000);

    const rand = prng(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    const between = (lo: number, hi: number) => Math.round(lo + rand() * (hi - lo));
    const load = new AckedLoad(client, { topic: TOPIC, partitions: PARTITIONS, producers: 2, timeoutMs: 4000, sendDeadlineMs: 8000 });
    const tail = new TailReader(cluster.bootstrap, TOPIC, PARTITIONS);
    load.start();
    tail.start();
    await until('acknowledged records', () => (load.count >= 200 ? true : undefined), 30_000);

    const t0 = Date.now();
    const timeline: string[] = [];
    const note = (what: string) => timeline.push(`${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  acked ${String(load.count).padStart(6)}  ${what}`);
    const faults = { kill9: 0, stop: 0, term: 0 };
    try {
      while (Date.now() - t0 < SECONDS * 1000) {
        await until('full ISRs before the next fault', healthy, 60_000);
        const b = pick(cluster.brokers);
        const kind = pick(['kill9', 'stop', 'term'] as const);
        faults[kind]++;
        if (kind === 'kill9') {
          await b.kill9();
          const down = between(500, 4000);
          note(`broker ${b.id}: kill -9, restart in ${down} ms`);
          await sleep(down);
          await b.start();
          note(`broker ${b.id}: restarted`);
        } else if (kind === 'stop') {
          await b.signal('SIGSTOP');
          paused.add(b.id);
          const down = between(500, 7000);
          note(`broker ${b.id}: SIGSTOP for ${down} ms${down > 3000 ? ' (past the session timeout)' : ''}`);
          await sleep(down);
          await b.signal('SIGCONT');
          paused.delete(b.id);
          note(`broker ${b.id}: SIGCONT`);
        } else {
          await b.signal('SIGTERM');
          const down = between(500, 3000);
          note(`broker ${b.id}: SIGTERM (controlled shutdown) done, restart in ${down} ms`);
          await sleep(down);
          await b.start();
          note(`broker ${b.id}: restarted`);
        }
        await sleep(between(1000, 3000));
      }
      await until('full ISRs at the end', healthy, 60_000);
      const end = load.count;
      await until('acknowledged writes at the end', () => (load.count >= end + 200 ? true : undefined), 60_000);
      note('healthy, writes acknowledged; stopping the load');
    } catch (e) {
      console.log(`random-faults (seed ${SEED}) timeline:\n${timeline.join('\n')}\nload ${load.count}, errors ${JSON.stringify([...load.errors])}`);
      for (const b of cluster.brokers) console.log(`--- broker ${b.id}\n${b.output.slice(-3000)}`);
      throw e;
    }

    await load.stop();
    const { problems, reads, summary } = await load.check(cluster.bootstrap);
    const total = [...reads.values()].reduce((a, r) => a + r.length, 0);
    await until('the tail readers at the end', () => (tail.count >= total ? true : undefined), 20_000).catch(() => undefined);
    await tail.stop();
    const tailProblems = tail.check(reads);
    console.log(
      `random-faults: seed ${SEED}, ${SECONDS} s, faults ${JSON.stringify(faults)}\n${timeline.join('\n')}\n` +
        `checker: ${summary}; consumers read ${tail.count} records, ${tailProblems.length} problems; producer errors ${JSON.stringify([...load.errors])}` +
        (problems.length + tailProblems.length > 0 ? `\n  ${[...problems, ...tailProblems].join('\n  ')}` : ''),
    );
    expect(problems).toEqual([]);
    expect(tailProblems).toEqual([]);
    expect(load.count).toBeGreaterThan(0);
  }, SECONDS * 1000 + 240_000);
});

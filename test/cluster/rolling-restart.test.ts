/**
 * A rolling restart: every broker in turn stopped with SIGTERM (controlled shutdown: its
 * leaderships move away first) and started again, under idempotent acks=all load on a RF 3,
 * min.insync.replicas 2 topic. Nothing acknowledged is lost (the shared checker and read_committed
 * tail readers), and Metadata sampled every 100 ms never shows a partition without a live leader
 * while at most one broker is down.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Kafka, Admin } from 'kafkajs';
import type { TestCluster } from '../helpers/cluster.js';
import { startClusterWithAdmin, stopClusterWithAdmin } from '../helpers/cluster-client.js';
import { until } from '../helpers/until.js';
import { AckedLoad, LeaderSampler, TailReader, createReplicatedTopic, rawMetadata } from '../helpers/ack-checker.js';

let cluster: TestCluster;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  ({ cluster, kafka, admin } = await startClusterWithAdmin('rolling-restart'));
}, 90_000);

afterAll(() => stopClusterWithAdmin(cluster, admin));

describe('a rolling restart with SIGTERM', () => {
  it('loses nothing acknowledged and leaves every partition with a leader throughout', async () => {
    const topic = 'rolling';
    const partitions = 3;
    await createReplicatedTopic(admin, topic, partitions);

    const down = new Set<number>();
    const up = () => cluster.brokers.filter((b) => !down.has(b.id)).map((b) => b.bootstrap);
    const fullIsrs = async () => {
      const md = await rawMetadata(up()[0], [topic]);
      return md.brokers.length === 3 && md.topics[0].partitions.every((p) => p.isrNodes.length === 3 && p.leaderId >= 0) ? true : undefined;
    };
    const sampler = new LeaderSampler([topic], up, 100);
    const load = new AckedLoad(kafka, { topic, partitions, producers: 2 });
    const tail = new TailReader(cluster.bootstrap, topic, partitions);
    load.start();
    tail.start();
    sampler.start();
    await until('acknowledged records', () => (load.count >= 300 ? true : undefined), 30_000);

    const timeline: string[] = [];
    const t0 = Date.now();
    try {
    for (const b of cluster.brokers) {
      down.add(b.id);
      const before = load.count;
      await b.signal('SIGTERM');
      timeline.push(`${Date.now() - t0} ms: broker ${b.id} stopped (SIGTERM)`);
      await until(`acknowledged writes with broker ${b.id} down`, () => (load.count >= before + 100 ? true : undefined), 30_000);
      await b.start();
      down.delete(b.id);
      timeline.push(`${Date.now() - t0} ms: broker ${b.id} started`);
      await until(`full ISRs after broker ${b.id} restarted`, fullIsrs, 40_000);
      timeline.push(`${Date.now() - t0} ms: ISRs full again`);
      const after = load.count;
      await until('acknowledged writes after the restart', () => (load.count >= after + 100 ? true : undefined), 30_000);
    }
    } catch (e) {
      console.log(`timeline:\n  ${timeline.join('\n  ')}\nload ${load.count}, errors ${JSON.stringify([...load.errors])}; sampler problems ${sampler.problems.slice(0, 10).join('\n')}`);
      console.log(JSON.stringify((await rawMetadata(up()[0], [topic]).catch((x) => String(x))), (_, v) => (typeof v === 'bigint' ? String(v) : v)));
      for (const b of cluster.brokers) console.log(`--- broker ${b.id}\n${b.output.slice(-5000)}`);
      throw e;
    }

    await sampler.stop();
    await load.stop();
    const { problems, reads, summary } = await load.check(cluster.bootstrap);
    await until('the tail readers at the end', () => (tail.count >= [...reads.values()].reduce((a, r) => a + r.length, 0) ? true : undefined), 20_000).catch(() => undefined);
    await tail.stop();
    const tailProblems = tail.check(reads);
    console.log(`rolling-restart:\n  ${timeline.join('\n  ')}\n  ${summary}; tail read ${tail.count}; metadata samples ${sampler.samples} (${sampler.unanswered} unanswered), leaderless ${sampler.problems.length}; errors ${JSON.stringify([...load.errors])}`);
    expect(problems).toEqual([]);
    expect(tailProblems).toEqual([]);
    expect(sampler.problems).toEqual([]);
    expect(sampler.samples).toBeGreaterThan(50);
  }, 180_000);
});

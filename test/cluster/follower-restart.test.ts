/**
 * A follower killed with kill -9 under acks=all load (RF 3, min.insync.replicas 2): the leader
 * drops it from the ISR and keeps acknowledging with the other follower; restarted on the same data
 * directory it truncates to the leader, catches up and rejoins the ISR, and nothing acknowledged is
 * lost (the checker of test/helpers/ack-checker.ts, plus read_committed tail readers).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Kafka, Admin } from 'kafkajs';
import type { TestCluster } from '../helpers/cluster.js';
import { startClusterWithAdmin, stopClusterWithAdmin } from '../helpers/cluster-client.js';
import { until } from '../helpers/until.js';
import { AckedLoad, TailReader, partitionsOf, createReplicatedTopic } from '../helpers/ack-checker.js';

let cluster: TestCluster;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  ({ cluster, kafka, admin } = await startClusterWithAdmin('follower-restart'));
}, 90_000);

afterAll(() => stopClusterWithAdmin(cluster, admin));

describe('a follower killed with kill -9', () => {
  it('leaves the ISR, is restarted, truncates, catches up and rejoins the ISR; nothing acknowledged is lost', async () => {
    const topic = 'follower-restart';
    const partitions = 2;
    await createReplicatedTopic(admin, topic, partitions);
    const leaders = new Set((await partitionsOf(admin, topic)).map((p) => p.leader));
    // Two partitions on three brokers: one broker leads nothing and only follows.
    const victim = [1, 2, 3].find((b) => !leaders.has(b));
    if (victim === undefined) throw new Error(`every broker leads a partition: ${[...leaders]}`);

    const load = new AckedLoad(kafka, { topic, partitions, producers: 2 });
    const tail = new TailReader(cluster.bootstrap, topic, partitions);
    load.start();
    tail.start();
    await until('acknowledged records', () => (load.count >= 300 ? true : undefined), 30_000);

    await cluster.broker(victim).kill9();
    const killedAt = load.count;
    // The leader keeps acknowledging with the other follower (min.insync.replicas 2)...
    await until('acknowledged writes with the follower down', () => (load.count >= killedAt + 300 ? true : undefined), 30_000);
    // ...and, after replica.lag.time.max.ms, drops it from the ISR.
    await until('the killed follower out of every ISR', async () => ((await partitionsOf(admin, topic)).every((p) => !p.isr.includes(victim)) ? true : undefined), 30_000);
    const beforeRestart = load.count;
    await until('more acknowledged writes', () => (load.count >= beforeRestart + 200 ? true : undefined), 30_000);

    await cluster.broker(victim).start();
    await until('the restarted follower back in every ISR', async () => ((await partitionsOf(admin, topic)).every((p) => p.isr.includes(victim)) ? true : undefined), 40_000);
    const rejoined = load.count;
    await until('acknowledged writes after it rejoined', () => (load.count >= rejoined + 200 ? true : undefined), 30_000);

    await load.stop();
    const { problems, reads, summary } = await load.check(cluster.bootstrap);
    await until('the tail readers at the end', () => (tail.count >= [...reads.values()].reduce((a, r) => a + r.length, 0) ? true : undefined), 20_000).catch(() => undefined);
    await tail.stop();
    const tailProblems = tail.check(reads);
    console.log(`follower-restart: victim ${victim}; ${summary}; tail read ${tail.count}; errors ${JSON.stringify([...load.errors])}`);
    expect(problems).toEqual([]);
    expect(tailProblems).toEqual([]);
    expect(load.count).toBeGreaterThan(1000);
  }, 150_000);
});

/**
 * etcd killed (SIGKILL, data kept) and restarted under idempotent acks=all load: once briefly
 * (within the brokers' session timeout) and once for longer than it, so that every broker fences
 * itself and must register again. Afterwards all brokers are registered, full ISRs return, writes
 * are acknowledged again, and nothing acknowledged was lost (the shared checker, tail readers).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Kafka, Admin } from 'kafkajs';
import type { TestCluster } from '../helpers/cluster.js';
import { startClusterWithAdmin, stopClusterWithAdmin } from '../helpers/cluster-client.js';
import { until } from '../helpers/until.js';
import { AckedLoad, TailReader, createReplicatedTopic, rawMetadata } from '../helpers/ack-checker.js';

let cluster: TestCluster;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  ({ cluster, kafka, admin } = await startClusterWithAdmin('etcd-restart'));
}, 90_000);

afterAll(() => stopClusterWithAdmin(cluster, admin));

describe('etcd restarted under load', () => {
  it('brokers register again, writes continue once etcd is back, nothing acknowledged is lost', async () => {
    const topic = 'etcd-restart';
    const partitions = 2;
    await createReplicatedTopic(admin, topic, partitions);
    const healthy = async () => {
      const md = await rawMetadata(cluster.brokers[0].bootstrap, [topic]);
      return md.brokers.length === 3 && md.topics[0].partitions.every((p) => p.errorCode === 0 && p.leaderId >= 0 && p.isrNodes.length === 3) ? true : undefined;
    };

    const load = new AckedLoad(kafka, { topic, partitions, producers: 2, timeoutMs: 5000 });
    const tail = new TailReader(cluster.bootstrap, topic, partitions);
    load.start();
    tail.start();
    await until('acknowledged records', () => (load.count >= 300 ? true : undefined), 30_000);

    const timeline: string[] = [];
    const t0 = Date.now();
    try {
      for (const outageMs of [1000, 7000]) {
        cluster.etcd.kill();
        timeline.push(`${Date.now() - t0} ms: etcd killed (acknowledged so far ${load.count})`);
        await new Promise((r) => setTimeout(r, outageMs));
        await cluster.etcd.restart();
        const back = load.count;
        timeline.push(`${Date.now() - t0} ms: etcd restarted after ${outageMs} ms (acknowledged so far ${back})`);
        await until('every broker registered with full ISRs', healthy, 60_000);
        timeline.push(`${Date.now() - t0} ms: all brokers registered, ISRs full`);
        await until('acknowledged writes after etcd came back', () => (load.count >= back + 300 ? true : undefined), 60_000);
        timeline.push(`${Date.now() - t0} ms: writes acknowledged again (${load.count})`);
      }
    } catch (e) {
      console.log(`timeline:\n  ${timeline.join('\n  ')}\nload ${load.count}, errors ${JSON.stringify([...load.errors])}`);
      for (const b of cluster.brokers) console.log(`--- broker ${b.id}\n${b.output.slice(-4000)}`);
      throw e;
    }

    await load.stop();
    const { problems, reads, summary } = await load.check(cluster.bootstrap);
    await until('the tail readers at the end', () => (tail.count >= [...reads.values()].reduce((a, r) => a + r.length, 0) ? true : undefined), 20_000).catch(() => undefined);
    await tail.stop();
    const tailProblems = tail.check(reads);
    console.log(`etcd-restart:\n  ${timeline.join('\n  ')}\n  ${summary}; tail read ${tail.count}; errors ${JSON.stringify([...load.errors])}`);
    expect(problems).toEqual([]);
    expect(tailProblems).toEqual([]);
  }, 180_000);
});

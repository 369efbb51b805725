/**
 * What an operator sees of a three-broker cluster: `runnel topics --describe` with its partition
 * filters, and the replication metrics on /metrics, before and after kill -9 of a follower, and
 * after it comes back. Real broker processes on a real etcd (test/helpers/cluster.ts).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Kafka, Admin } from 'kafkajs';
import { metricsPortOf, type BrokerProcess, type TestCluster } from '../helpers/cluster.js';
import { startClusterWithAdmin, stopClusterWithAdmin } from '../helpers/cluster-client.js';
import { until } from '../helpers/until.js';
import { runnel } from '../cli/run-tool.js';

let cluster: TestCluster;
let admin: Admin;
let kafka: Kafka;

beforeAll(async () => {
  ({ cluster, kafka, admin } = await startClusterWithAdmin('ops-test'));
}, 90_000);

afterAll(() => stopClusterWithAdmin(cluster, admin));

async function partitions(topic: string): Promise<Array<{ partitionId: number; leader: number; replicas: number[]; isr: number[] }>> {
  const md = await admin.fetchTopicMetadata({ topics: [topic] });
  return md.topics[0].partitions;
}

/** Samples of one metric on one broker: label text ('' without labels) → value. */
async function scrape(brokerId: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${metricsPortOf(cluster, brokerId)}/metrics`, { signal: AbortSignal.timeout(10_000) });
  return res.text();
}

function sample(text: string, name: string, labels = ''): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    const m = /^(\{[^}]*\})? (\S+)$/.exec(rest);
    if (m && (m[1] ?? '') === labels) return Number(m[2]);
  }
  return undefined;
}

async function sum(brokers: BrokerProcess[], name: string): Promise<number> {
  let n = 0;
  for (const b of brokers) n += sample(await scrape(b.id), name) ?? NaN;
  return n;
}

async function topics(...args: string[]): Promise<string> {
  const live = cluster.brokers.filter((b) => b.running).map((b) => b.bootstrap).join(',');
  const r = await runnel(['topics', '--bootstrap-server', live, ...args], '', 60_000);
  if (r.code !== 0) throw new Error(`runnel topics ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function partitionsIn(text: string): number[] {
  return [...text.matchAll(/\tPartition: (\d+)\t/g)].map((m) => Number(m[1])).sort();
}

describe('operating a three-broker cluster', () => {
  it('describes, filters and measures partitions as a follower dies and comes back', async () => {
    await admin.createTopics({
      topics: [
        { topic: 'ops-rf3', numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] },
        { topic: 'ops-rf1', numPartitions: 3, replicationFactor: 1 },
      ],
      waitForLeaders: true,
    });
    await until('full ISRs', async () => ((await partitions('ops-rf3')).every((p) => p.isr.length === 3) ? true : undefined), 40_000);

    // ---- healthy
    const healthy = (await topics('--describe', '--topic', 'ops-rf3')).split('\n');
    expect(healthy[0]).toMatch(/^Topic: ops-rf3\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 3\tReplicationFactor: 3\tConfigs: min\.insync\.replicas=2$/);
    const meta = await partitions('ops-rf3');
    for (const p of meta) {
      expect(healthy).toContain(`\tTopic: ops-rf3\tPartition: ${p.partitionId}\tLeader: ${p.leader}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}\tElr: N/A\tLastKnownElr: N/A`);
    }
    expect(await topics('--describe', '--under-replicated-partitions')).toBe('');
    expect(await topics('--describe', '--unavailable-partitions')).toBe('');
    for (const b of cluster.brokers) expect(sample(await scrape(b.id), 'runnel_under_replicated_partitions')).toBe(0);
    expect(await sum(cluster.brokers, 'runnel_active_controller')).toBe(1);
    expect(await sum(cluster.brokers, 'runnel_leader_partitions')).toBeGreaterThanOrEqual(6);
    const electionsBefore = await sum(cluster.brokers, 'runnel_leader_elections_total');
    const expandsBefore = await sum(cluster.brokers, 'runnel_isr_expands_total');

    // ---- kill -9 of a broker that is not the controller
    const controller = (await admin.describeCluster()).controller!;
    const victim = cluster.brokers.find((b) => b.id !== controller)!;
    const survivors = cluster.brokers.filter((b) => b !== victim);
    const leadersBefore = new Map((await partitions('ops-rf3')).map((p) => [p.partitionId, p.leader]));
    const rf1OnVictim = (await partitions('ops-rf1')).filter((p) => p.replicas[0] === victim.id).map((p) => p.partitionId);
    expect(rf1OnVictim.length).toBe(1);
    await victim.kill9();

    await until('the dead broker out of every ISR', async () => ((await partitions('ops-rf3')).every((p) => p.isr.length === 2 && p.leader !== victim.id) ? true : undefined), 40_000);
    const under = await topics('--describe', '--topic', 'ops-rf3', '--under-replicated-partitions');
    expect(partitionsIn(under)).toEqual([0, 1, 2]);
    expect(under).not.toMatch(/^Topic:/m);
    expect(under).toMatch(new RegExp(`^\\tTopic: ops-rf3\\tPartition: 0\\tLeader: \\d\\tReplicas: [123],[123],[123]\\tIsr: [123],[123]\\tElr: N/A\\tLastKnownElr: N/A$`, 'm'));
    expect(partitionsIn(await topics('--describe', '--topic', 'ops-rf3', '--at-min-isr-partitions'))).toEqual([0, 1, 2]);
    expect(await topics('--describe', '--topic', 'ops-rf3', '--under-min-isr-partitions')).toBe('');
    const unavailable = await topics('--describe', '--topic', 'ops-rf1', '--unavailable-partitions');
    expect(unavailable).toBe(`\tTopic: ops-rf1\tPartition: ${rf1OnVictim[0]}\tLeader: none\tReplicas: ${victim.id}\tIsr: ${victim.id}\tElr: N/A\tLastKnownElr: N/A\n`);
    expect(partitionsIn(await topics('--describe', '--topic', 'ops-rf1', '--under-min-isr-partitions'))).toEqual(rf1OnVictim);

    // Records written while the follower is dead: its leaders see it fall behind, a leader elected
    // since (which never heard from it) as much as one that kept leading.
    const after = await partitions('ops-rf3');
    const kept = after.find((p) => p.leader === leadersBefore.get(p.partitionId))!;
    const elected = after.find((p) => p.leader !== leadersBefore.get(p.partitionId))!;
    expect(elected).toBeDefined(); // the dead broker led one partition (leaders are spread)
    const producer = kafka.producer();
    await producer.connect();
    for (const p of [kept, elected])
      await producer.send({ topic: 'ops-rf3', acks: -1, messages: Array.from({ length: 50 }, (_, i) => ({ partition: p.partitionId, value: `v${i}` })) });
    await producer.disconnect();
    for (const p of [kept, elected]) expect(sample(await scrape(p.leader), 'runnel_partition_replica_lag', `{topic="ops-rf3",partition="${p.partitionId}"}`)).toBeGreaterThanOrEqual(50);
    const led = kept;

    const leaderMetrics = await scrape(led.leader);
    expect(sample(leaderMetrics, 'runnel_replica_max_lag')).toBeGreaterThanOrEqual(50);
    expect(sample(leaderMetrics, 'runnel_under_replicated_partitions')).toBeGreaterThanOrEqual(1);
    expect(sample(leaderMetrics, 'runnel_at_min_isr_partitions')).toBeGreaterThanOrEqual(1);
    // Every ops-rf3 partition is led by a survivor and under-replicated (internal topics may add more).
    expect(await sum(survivors, 'runnel_under_replicated_partitions')).toBeGreaterThanOrEqual(3);
    expect(await sum(survivors, 'runnel_under_min_isr_partitions')).toBe(0);
    const controllerMetrics = await scrape(controller);
    expect(sample(controllerMetrics, 'runnel_active_controller')).toBe(1);
    expect(sample(controllerMetrics, 'runnel_offline_partitions')).toBeGreaterThanOrEqual(1);
    for (const b of survivors.filter((s) => s.id !== controller)) expect(sample(await scrape(b.id), 'runnel_offline_partitions')).toBe(0);
    // The dead broker led one ops-rf3 partition (leaders are spread): the controller elected another.
    expect(await sum(survivors, 'runnel_leader_elections_total')).toBeGreaterThan(electionsBefore);

    // ---- the follower comes back and rejoins every ISR
    await victim.start();
    await until('the restarted broker back in every ISR', async () => ((await partitions('ops-rf3')).every((p) => p.isr.length === 3) ? true : undefined), 60_000);
    expect(await topics('--describe', '--topic', 'ops-rf3', '--under-replicated-partitions')).toBe('');
    expect(await topics('--describe', '--unavailable-partitions')).toBe('');
    await until('no under-replicated partition in the metrics', async () => ((await sum(cluster.brokers, 'runnel_under_replicated_partitions')) === 0 ? true : undefined), 40_000);
    expect(await sum(cluster.brokers, 'runnel_isr_expands_total')).toBeGreaterThanOrEqual(expandsBefore + 3);
    expect(sample(await scrape(led.leader), 'runnel_partition_replica_lag', `{topic="ops-rf3",partition="${led.partitionId}"}`)).toBe(0);
  }, 300_000);
});

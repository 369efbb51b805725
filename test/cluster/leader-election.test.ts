/**
 * Leader elections in a three-broker cluster (real broker processes on a real etcd,
 * test/helpers/cluster.ts): after the preferred leader's broker restarts, leadership goes back to
 * it with `runnel leader-election` (a spawned process, sent to a broker that is not the
 * controller) and, in another cluster, by itself with auto.leader.rebalance.enable and a short
 * check interval; an unclean election for an offline partition with the tool; hostile
 * ElectLeaders requests on the wire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { KafkaWire } from '../helpers/kafka-wire.js';
import { until } from '../helpers/until.js';
import { runnel } from '../cli/run-tool.js';

const ZERO = '00000000-0000-0000-0000-000000000000';

interface PartitionMeta {
  partitionIndex: number;
  leaderId: number;
  replicaNodes: number[];
  isrNodes: number[];
}

/** One request on a fresh connection to a live broker (any of them). */
async function call<T = any>(cluster: TestCluster, apiKey: number, version: number, body: Record<string, unknown>, timeoutMs = 30_000, brokerId?: number): Promise<T> {
  const candidates = brokerId !== undefined ? [cluster.broker(brokerId)] : cluster.brokers.filter((x) => x.running);
  let last: unknown;
  for (const b of candidates) {
    const w = await KafkaWire.connect(b.port).catch((e: unknown) => void (last = e));
    if (!w) continue;
    try {
      return await w.request<T>(apiKey, version, body, timeoutMs);
    } finally {
      w.destroy();
    }
  }
  throw last ?? new Error('no broker running');
}

async function partitions(cluster: TestCluster, topic: string): Promise<PartitionMeta[]> {
  const res = await call(cluster, 3, 12, { topics: [{ topicId: ZERO, name: topic }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  return [...res.topics[0].partitions].sort((a: PartitionMeta, b: PartitionMeta) => a.partitionIndex - b.partitionIndex);
}

async function createTopic(cluster: TestCluster, name: string, numPartitions: number, replicationFactor: number): Promise<void> {
  const res = await call(cluster, 19, 7, { topics: [{ name, numPartitions, replicationFactor, assignments: [], configs: [] }], timeoutMs: 30_000, validateOnly: false });
  expect(res.topics[0].errorCode).toBe(0);
  await until(`${name} has a leader for every partition`, async () => ((await partitions(cluster, name)).every((p) => p.leaderId >= 0) ? true : undefined));
}

async function controllerId(cluster: TestCluster): Promise<number> {
  return (await call(cluster, 3, 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })).controllerId;
}

/** SIGTERM (controlled shutdown moves its leaderships away), then start again; resolves once it is back in every ISR of `topics`. */
async function restart(cluster: TestCluster, id: number, topics: string[]): Promise<void> {
  await cluster.broker(id).signal('SIGTERM');
  for (const t of topics) await until(`broker ${id} out of the ISRs of ${t}`, async () => ((await partitions(cluster, t)).every((p) => !p.isrNodes.includes(id)) ? true : undefined), 60_000);
  await cluster.broker(id).start(60_000);
  for (const t of topics) await until(`broker ${id} back in every ISR of ${t}`, async () => ((await partitions(cluster, t)).every((p) => p.isrNodes.includes(id)) ? true : undefined), 60_000);
}

const preferredOf = (ps: PartitionMeta[], id: number) => ps.filter((p) => p.replicaNodes[0] === id).map((p) => p.partitionIndex);

describe('leader elections (auto rebalance off)', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster({ brokers: 3, config: { 'auto.leader.rebalance.enable': 'false' } });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('hostile ElectLeaders on the wire: unknown election type, negative and duplicate partitions; the broker keeps serving', async () => {
    await createTopic(cluster, 'hostile', 2, 3);
    const elect = (electionType: number, topicPartitions: Array<{ topic: string; partitions: number[] }> | null, version = 2) => call(cluster, 43, version, { electionType, topicPartitions, timeoutMs: 10_000 });
    for (const type of [2, -1, 127]) {
      const res = await elect(type, [{ topic: 'hostile', partitions: [0, 1] }]);
      expect(res.errorCode).toBe(42);
      expect(res.replicaElectionResults[0].partitionResult.map((p: any) => p.errorCode)).toEqual([42, 42]);
    }
    const res = await elect(0, [
      { topic: 'hostile', partitions: [-1, 0, 0, 7, -2147483648, 2147483647] },
      { topic: 'hostile', partitions: [1] },
      { topic: 'no-such', partitions: [0] },
      { topic: '', partitions: [] },
    ]);
    expect(res.errorCode).toBe(0);
    expect(res.replicaElectionResults.map((t: any) => [t.topic, t.partitionResult.map((p: any) => [p.partitionId, p.errorCode])])).toEqual([
      ['hostile', [[-1, 3], [0, 84], [0, 84], [7, 3], [-2147483648, 3], [2147483647, 3]]],
      ['hostile', [[1, 84]]],
      ['no-such', [[0, 3]]],
      ['', []],
    ]);
    // Many duplicates of real partitions: elected once, each entry answered.
    const many = await elect(1, [{ topic: 'hostile', partitions: Array.from({ length: 5000 }, (_, i) => i % 2) }]);
    expect(many.replicaElectionResults[0].partitionResult).toHaveLength(5000);
    expect(new Set(many.replicaElectionResults[0].partitionResult.map((p: any) => p.errorCode))).toEqual(new Set([84]));
    expect((await elect(0, [])).replicaElectionResults).toEqual([]);
    expect((await partitions(cluster, 'hostile')).length).toBe(2);
  }, 120_000);

  it('after the preferred leader\'s broker restarts, `runnel leader-election --election-type preferred` gives leadership back', async () => {
    await createTopic(cluster, 'pref', 3, 3);
    const before = await partitions(cluster, 'pref');
    const controller = await controllerId(cluster);
    // Restart a broker that is not the controller (the controller's failover is another test's subject).
    const target = [1, 2, 3].find((id) => id !== controller && preferredOf(before, id).length > 0)!;
    const mine = preferredOf(before, target);
    expect(mine.length).toBeGreaterThan(0);
    // Every topic of the cluster (the previous test's too: the tool elects for all of them).
    const topics = ['hostile', 'pref'];
    await restart(cluster, target, topics);
    const away = await partitions(cluster, 'pref');
    for (const p of mine) expect(away[p].leaderId).not.toBe(target);
    const moved: string[] = [];
    for (const t of topics) for (const p of await partitions(cluster, t)) if (p.leaderId !== p.replicaNodes[0]) moved.push(`${t}-${p.partitionIndex}`);
    expect(moved).toEqual(expect.arrayContaining(mine.map((p) => `pref-${p}`)));
    // Sent to the broker that is neither the controller nor the restarted one: the controller elects.
    const via = [1, 2, 3].find((id) => id !== controller && id !== target)!;
    const bs = ['--bootstrap-server', cluster.broker(via).bootstrap];
    const r = await runnel(['leader-election', ...bs, '--election-type', 'preferred', '--all-topic-partitions'], '', 90_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`Successfully completed leader election (PREFERRED) for partitions ${moved.join(', ')}\n`);
    const back = await partitions(cluster, 'pref');
    for (const p of mine) expect(back[p].leaderId).toBe(target);
    for (const t of topics) for (const p of await partitions(cluster, t)) expect(p.leaderId).toBe(p.replicaNodes[0]);
    // Nothing left to do: all partitions prints nothing, a named one is "already elected".
    const again = await runnel(['leader-election', ...bs, '--election-type', 'PREFERRED', '--topic', 'pref', '--partition', String(mine[0])], '', 90_000);
    expect(again).toMatchObject({ code: 0, stdout: `Valid replica already elected for partitions pref-${mine[0]}\n` });
  }, 300_000);

  it('an offline partition gets a leader with `runnel leader-election --election-type unclean`; preferred is refused meanwhile', async () => {
    await createTopic(cluster, 'unc', 1, 2);
    const [p0] = await partitions(cluster, 'unc');
    const [leader, follower] = p0.replicaNodes;
    await cluster.broker(follower).kill9();
    await until('the dead follower out of the ISR', async () => ((await partitions(cluster, 'unc'))[0].isrNodes.join() === String(leader) ? true : undefined), 60_000);
    await cluster.broker(leader).kill9();
    await until('unc-0 offline', async () => ((await partitions(cluster, 'unc'))[0].leaderId === -1 ? true : undefined), 60_000);
    await cluster.broker(follower).start(60_000);
    // Back, but not in the ISR: without unclean election it stays offline.
    await new Promise((r) => setTimeout(r, 2000));
    expect((await partitions(cluster, 'unc'))[0].leaderId).toBe(-1);
    const bs = ['--bootstrap-server', cluster.brokers.filter((b) => b.running).map((b) => b.bootstrap).join(',')];
    const refused = await runnel(['leader-election', ...bs, '--election-type', 'preferred', '--topic', 'unc', '--partition', '0'], '', 90_000);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('Error completing leader election (PREFERRED) for partition: unc-0: org.apache.kafka.common.errors.PreferredLeaderNotAvailableException: The preferred leader was not available.\n');
    const r = await runnel(['leader-election', ...bs, '--election-type', 'unclean', '--topic', 'unc', '--partition', '0'], '', 90_000);
    expect(r).toMatchObject({ code: 0, stdout: 'Successfully completed leader election (UNCLEAN) for partitions unc-0\n' });
    const after = (await partitions(cluster, 'unc'))[0];
    expect(after.leaderId).toBe(follower);
    expect(after.isrNodes).toEqual([follower]);
    const again = await runnel(['leader-election', ...bs, '--election-type', 'unclean', '--topic', 'unc', '--partition', '0'], '', 90_000);
    expect(again).toMatchObject({ code: 0, stdout: 'Valid replica already elected for partitions unc-0\n' });
  }, 300_000);
});

describe('auto leader rebalance', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster({ brokers: 3, config: { 'auto.leader.rebalance.enable': 'true', 'leader.imbalance.check.interval.seconds': '2' } });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('moves leadership back to the preferred replica by itself after its broker restarts', async () => {
    await createTopic(cluster, 'auto', 3, 3);
    const before = await partitions(cluster, 'auto');
    const controller = await controllerId(cluster);
    const target = [1, 2, 3].find((id) => id !== controller && preferredOf(before, id).length > 0)!;
    const mine = preferredOf(before, target);
    await cluster.broker(target).signal('SIGTERM');
    await until('leadership moved away', async () => ((await partitions(cluster, 'auto')).every((p) => p.leaderId !== target && p.leaderId >= 0) ? true : undefined), 60_000);
    await cluster.broker(target).start(60_000);
    await until(
      `leadership of ${mine.join(',')} back on broker ${target}`,
      async () => {
        const ps = await partitions(cluster, 'auto');
        return mine.every((p) => ps[p].leaderId === target) ? true : undefined;
      },
      60_000,
    );
    for (const p of await partitions(cluster, 'auto')) expect(p.leaderId).toBe(p.replicaNodes[0]);
  }, 240_000);
});

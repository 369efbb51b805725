/**
 * Partition reassignment in a cluster of four broker processes on a real etcd, driven by
 * `runnel reassign-partitions` (spawned, with Kafka's JSON files) and real clients:
 * - a topic under acks=all load moves onto a broker that joined after it was created (its leader's
 *   replica moves away): nothing acknowledged is lost, a consumer keeps reading, the moved-away
 *   replica's log is deleted, --verify reports completion and clears the throttle it set;
 * - a reassignment to a broker that cannot catch up (SIGSTOP) stays in progress, is listed with its
 *   adding/removing replicas (the tool's --list, Metadata shows the full replica set), and is
 *   cancelled back to the original replicas.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { clusterClient } from '../helpers/cluster-client.js';
import { until } from '../helpers/until.js';
import { AckedLoad, TailReader, createReplicatedTopic, partitionsOf, rawMetadata } from '../helpers/ack-checker.js';
import { runnel } from '../cli/run-tool.js';
import { Connection, parseAddress } from '../../src/client/connection.js';

let cluster: TestCluster;
let kafka: Kafka;
let admin: Admin;
let dir: string;

beforeAll(async () => {
  // Four brokers starting at once on a loaded machine: more time to start; a longer session leaves
  // room to reassign to a stopped broker while it is still registered.
  cluster = await startCluster({ brokers: 4, startTimeoutMs: 90_000, config: { 'broker.session.timeout.ms': '6000' } });
  kafka = clusterClient('reassign-test', cluster.bootstrap.split(','));
  admin = kafka.admin();
  await admin.connect();
  dir = await mkdtemp(join(tmpdir(), 'reassign-json-'));
}, 240_000);

afterAll(async () => {
  for (const b of cluster?.brokers ?? []) await b.signal('SIGCONT');
  await admin?.disconnect().catch(() => undefined);
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const toolAt = (bootstrap: string, ...args: string[]) => runnel(['reassign-partitions', '--bootstrap-server', bootstrap, ...args], '', 60_000);
const tool = (...args: string[]) => toolAt(cluster.bootstrap, ...args);

async function jsonFile(name: string, value: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(value));
  return path;
}

/** Each partition's replicas in the order Metadata gives them (partitionsOf sorts them). */
async function replicaLists(topic: string, at = cluster.brokers[0].bootstrap): Promise<number[][]> {
  const md = await rawMetadata(at, [topic]);
  return md.topics[0].partitions.sort((a, b) => a.partitionIndex - b.partitionIndex).map((p) => [...p.replicaNodes]);
}

async function topicConfig(topic: string, name: string): Promise<string | undefined> {
  const res = await admin.describeConfigs({ resources: [{ type: 2, name: topic, configNames: [name] }], includeSynonyms: false });
  const e = res.resources[0].configEntries.find((c) => c.configName === name);
  return e?.isDefault ? undefined : e?.configValue;
}

describe('partition reassignment across four brokers', () => {
  it('moves a topic under acks=all load onto a new broker: nothing acknowledged lost, a consumer keeps reading, the old replica is deleted', async () => {
    const topic = 'moving';
    // Broker 4 joins after the topic exists, as a newly added broker would.
    await cluster.broker(4).signal('SIGTERM');
    await createReplicatedTopic(admin, topic, 2);
    await cluster.broker(4).start(90_000);
    const before = await replicaLists(topic);
    for (const r of before) expect(r).not.toContain(4);

    // --generate: Kafka's two JSON documents, the proposal only over the listed brokers.
    const topicsFile = await jsonFile('topics.json', { topics: [{ topic }], version: 1 });
    const gen = await tool('--generate', '--topics-to-move-json-file', topicsFile, '--broker-list', '2,3,4');
    expect(gen.code, gen.stdout + gen.stderr).toBe(0);
    const lines = gen.stdout.split('\n');
    expect(lines[0]).toBe('Current partition replica assignment');
    expect(JSON.parse(lines[1])).toEqual({ version: 1, partitions: before.map((replicas, partition) => ({ topic, partition, replicas, log_dirs: replicas.map(() => 'any') })) });
    expect(lines[3]).toBe('Proposed partition reassignment configuration');
    const proposal = JSON.parse(lines[4]) as { partitions: Array<{ replicas: number[] }> };
    for (const p of proposal.partitions) expect(p.replicas.every((r) => [2, 3, 4].includes(r)) && p.replicas.length === 3).toBe(true);

    const load = new AckedLoad(kafka, { topic, partitions: 2, producers: 2, batch: 5, pauseMs: 20 });
    const tail = new TailReader(cluster.bootstrap, topic, 2);
    load.start();
    tail.start();
    try {
      await until('acknowledged records before the move', () => (load.count >= 300 ? true : undefined), 60_000);
      // Each partition's first replica (its leader) gives way to broker 4, which becomes the preferred leader.
      const leaders = (await partitionsOf(admin, topic)).map((p) => p.leader);
      const targets = before.map((replicas, partition) => ({ topic, partition, replicas: [4, ...replicas.filter((r) => r !== leaders[partition])] }));
      const planFile = await jsonFile('plan.json', { version: 1, partitions: targets });
      const exec = await tool('--execute', '--reassignment-json-file', planFile, '--throttle', '50000000');
      expect(exec.code, exec.stdout + exec.stderr).toBe(0);
      expect(exec.stdout).toContain('Current partition replica assignment\n\n{"version":1,"partitions":[');
      expect(exec.stdout).toContain('Save this to use as the --reassignment-json-file option during rollback');
      expect(exec.stdout).toContain('Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.');
      expect(exec.stdout).toContain('The inter-broker throttle limit was set to 50000000 B/s');
      expect(exec.stdout).toContain(`Successfully started partition reassignments for ${topic}-0,${topic}-1`);
      // The throttle keys the tool set (the sources are throttled on the leader side, broker 4 on the follower side).
      expect(await topicConfig(topic, 'follower.replication.throttled.replicas')).toBe('0:4,1:4');

      const verified = await until(
        'the reassignment verified complete',
        async () => {
          const v = await tool('--verify', '--reassignment-json-file', planFile);
          return v.stdout.includes(`Reassignment of partition ${topic}-0 is completed.`) && v.stdout.includes(`Reassignment of partition ${topic}-1 is completed.`) ? v : undefined;
        },
        120_000,
        1000,
      );
      expect(verified.stdout).toContain('Clearing broker-level throttles on brokers 1,2,3,4');
      expect(verified.stdout).toContain(`Clearing topic-level throttles on topic ${topic}`);
      expect(await topicConfig(topic, 'follower.replication.throttled.replicas')).toBeUndefined();
      expect(await topicConfig(topic, 'leader.replication.throttled.replicas')).toBeUndefined();

      const after = await until('metadata with the target replicas and broker 4 leading', async () => {
        const lists = await replicaLists(topic);
        const parts = await partitionsOf(admin, topic);
        return lists.every((r, i) => r.join() === targets[i].replicas.join()) && parts.every((p) => p.leader === 4 && p.isr.length === 3) ? parts : undefined;
      });
      expect(after.map((p) => p.isr)).toEqual(targets.map((t) => [...t.replicas].sort()));
      // The replicas moved away stopped and deleted their logs.
      for (const [partition, leader] of leaders.entries()) {
        const logDir = join(cluster.broker(leader).dataDir, `${topic}-${partition}`);
        await until(`${logDir} deleted`, () => (existsSync(logDir) ? undefined : true));
      }
      // Writes and reads go on after the move.
      const moved = load.count;
      const seen = tail.count;
      await until('acknowledged records after the move', () => (load.count >= moved + 300 ? true : undefined), 60_000);
      await until('the consumer reading on after the move', () => (tail.count > seen + 100 ? true : undefined), 60_000);
      expect((await tool('--list')).stdout.trim()).toBe('No partition reassignments found.');
    } finally {
      await load.stop();
    }
    const { problems, reads, summary } = await load.check(cluster.bootstrap);
    await until('the consumer caught up', () => (tail.count >= [...reads.values()].reduce((a, r) => a + r.length, 0) ? true : undefined), 60_000).catch(() => undefined);
    await tail.stop();
    expect(problems, summary).toEqual([]);
    expect(tail.check(reads)).toEqual([]);
  }, 420_000);

  it('a reassignment to a broker that cannot catch up stays in progress, is listed, and is cancelled back to the original replicas', async () => {
    const topic = 'stuck';
    await createReplicatedTopic(admin, topic, 1);
    const original = (await replicaLists(topic))[0];
    const outsider = [1, 2, 3, 4].find((b) => !original.includes(b))!;
    const target = [outsider, ...original.slice(1)];
    const planFile = await jsonFile('stuck.json', { version: 1, partitions: [{ topic, partition: 0, replicas: target }] });
    const live = cluster.brokers.find((b) => b.id !== outsider)!;
    // Clients of the brokers that answer (a stopped broker accepts connections and never replies).
    const liveBootstrap = cluster.brokers.filter((b) => b.id !== outsider).map((b) => b.bootstrap).join(',');
    const liveTool = (...args: string[]) => toolAt(liveBootstrap, ...args);
    // Stopped, but still registered for the session timeout: the reassignment is accepted and cannot complete.
    await cluster.broker(outsider).signal('SIGSTOP');
    const conn = await Connection.open(parseAddress(live.bootstrap), { connectTimeoutMs: 2000, requestTimeoutMs: 10_000 });
    try {
      const res = await conn.request<{ responses: Array<{ partitions: Array<{ errorCode: number; errorMessage: string | null }> }> }>(45, { timeoutMs: 10_000, topics: [{ name: topic, partitions: [{ partitionIndex: 0, replicas: target }] }] }, 0);
      expect(res.responses[0].partitions[0]).toMatchObject({ errorCode: 0, errorMessage: null });
    } finally {
      conn.close();
    }
    const merged = [...target, original[0]];
    const list = await liveTool('--list');
    expect(list.code, list.stdout + list.stderr).toBe(0);
    expect(list.stdout.trim()).toBe(`Current partition reassignments:\n${topic}-0: replicas: ${merged.join(',')}. adding: ${outsider}. removing: ${original[0]}.`);
    // Metadata names the full replica set while the move is in progress.
    expect((await replicaLists(topic, live.bootstrap))[0]).toEqual(merged);
    // Nothing completes however long it waits.
    await new Promise((r) => setTimeout(r, 4000));
    const verify = await liveTool('--verify', '--preserve-throttles', '--reassignment-json-file', planFile);
    expect(verify.stdout).toContain(`Reassignment of partition ${topic}-0 is still in progress.`);
    expect(verify.stdout).not.toContain('Clearing');
    // --execute refuses while one is in progress, unless --additional.
    const again = await liveTool('--execute', '--reassignment-json-file', planFile);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('Cannot execute because there is an existing partition assignment.');

    // Once its registration expires (the tools would otherwise wait on it to clear its throttle).
    await until('the stopped broker gone from the cluster', async () => ((await rawMetadata(live.bootstrap, [])).brokers.some((b) => b.nodeId === outsider) ? undefined : true));
    const cancel = await liveTool('--cancel', '--reassignment-json-file', planFile);
    expect(cancel.code, cancel.stdout + cancel.stderr).toBe(0);
    expect(cancel.stdout).toContain(`Successfully cancelled partition reassignment for: ${topic}-0`);
    expect((await liveTool('--list')).stdout.trim()).toBe('No partition reassignments found.');
    // Kafka's revert: the replica set without the adding replicas (in the merged order), i.e. the original replicas.
    const reverted = (await replicaLists(topic, live.bootstrap))[0];
    expect(reverted).toEqual(merged.filter((r) => r !== outsider));
    expect([...reverted].sort()).toEqual([...original].sort());
    const cancelAgain = await liveTool('--cancel', '--reassignment-json-file', planFile);
    expect(cancelAgain.stdout).toContain('None of the specified partition reassignments are active.');
    await cluster.broker(outsider).signal('SIGCONT');
    // Writes still reach the original replicas.
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: 'after-cancel' }] });
    await producer.disconnect();
    // Kafka's refusals come back through the tool. The other replica is a broker that stayed up: the
    // resumed one may not have registered again yet, and the tool would name it first.
    const badFile = await jsonFile('bad.json', { version: 1, partitions: [{ topic, partition: 0, replicas: [original[0], 9] }] });
    const bad = await liveTool('--execute', '--reassignment-json-file', badFile);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('Unknown broker id 9');
  }, 300_000);
});

/**
 * A leader cut off from the other brokers and from etcd (SIGSTOP: it neither renews its lease nor
 * answers anyone) while it holds records its followers never fetched. Its lease expires, the
 * controller elects a follower, the producers move there. After SIGCONT the old leader must not
 * acknowledge an acks=all write (it is fenced, then a follower), must rejoin the ISR, and its log
 * must end up the new leader's: the divergent suffix truncated. Checked with the shared checker,
 * read_committed tail readers, raw Produce requests to the old leader, and a read of the old
 * leader's own log once it is the only broker left (so that kcat reads from it).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Kafka, Admin } from 'kafkajs';
import type { TestCluster } from '../helpers/cluster.js';
import { clusterClient, startClusterWithAdmin, stopClusterWithAdmin } from '../helpers/cluster-client.js';
import { AckedLoad, TailReader, partitionsOf, rawMetadata, rawProduce, readPartition, createReplicatedTopic } from '../helpers/ack-checker.js';
import { until } from '../helpers/until.js';

let cluster: TestCluster;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  ({ cluster, kafka, admin } = await startClusterWithAdmin('leader-fencing', { requestTimeout: 5000 }));
}, 90_000);

afterAll(async () => {
  for (const b of cluster?.brokers ?? []) await b.signal('SIGCONT');
  await stopClusterWithAdmin(cluster, admin);
});

/** A client bootstrapped from the brokers that are not stopped (kafkajs waits on a stopped broker's open socket). */
const paused = new Set<number>();
function clientOfRunning(): Kafka {
  const brokers = cluster.brokers.filter((b) => !paused.has(b.id)).map((b) => b.bootstrap);
  return clusterClient('leader-fencing-load', brokers, { requestTimeout: 5000 });
}

/** Leader and ISR of a partition as one live broker's Metadata says. */
async function stateVia(broker: number, topic: string, partition = 0): Promise<{ leader: number; isr: number[]; errorCode: number }> {
  const md = await rawMetadata(cluster.broker(broker).bootstrap, [topic]);
  const p = md.topics[0].partitions.find((x) => x.partitionIndex === partition)!;
  return { leader: p.leaderId, isr: [...p.isrNodes].sort(), errorCode: p.errorCode };
}

describe('a leader stopped with SIGSTOP (cut off from brokers and etcd)', () => {
  it('is replaced, acknowledges nothing after SIGCONT, and rejoins as a follower with its divergent records truncated', async () => {
    const topic = 'fenced';
    await createReplicatedTopic(admin, topic, 1);
    const old = (await partitionsOf(admin, topic))[0].leader;
    const followers = [1, 2, 3].filter((b) => b !== old);

    const load = new AckedLoad(clientOfRunning, { topic, partitions: 1, batch: 10, timeoutMs: 4000, sendDeadlineMs: 8000 });
    const tail = new TailReader(cluster.bootstrap, topic, 1);
    load.start();
    tail.start();
    await until('acknowledged records', () => (load.count >= 300 ? true : undefined), 30_000);

    // Records only the old leader will have: the followers are paused (briefly: well within the
    // session and lag timeouts) while two acks=1 writes land on it; the first may still reach them
    // through a fetch they had waiting, the second cannot.
    for (const f of followers) await cluster.broker(f).signal('SIGSTOP');
    const a = await rawProduce(cluster.broker(old).bootstrap, topic, 0, ['divergent-a0', 'divergent-a1'], 1);
    const b = await rawProduce(cluster.broker(old).bootstrap, topic, 0, ['divergent-b0', 'divergent-b1', 'divergent-b2'], 1);
    await cluster.broker(old).signal('SIGSTOP');
    paused.add(old);
    for (const f of followers) await cluster.broker(f).signal('SIGCONT');
    expect([a.errorCode, b.errorCode]).toEqual([0, 0]);

    const stoppedAt = Date.now();
    const next = await until('a new leader', async () => {
      const s = await stateVia(followers[0], topic);
      return s.leader >= 1 && s.leader !== old ? s.leader : undefined;
    }, 30_000);
    const electedMs = Date.now() - stoppedAt;
    const atElection = load.count;
    await until('acknowledged writes on the new leader', () => (load.count >= atElection + 300 ? true : undefined), 60_000).catch(async (e) => {
      console.log(`raw acks=-1 to ${next}: ${JSON.stringify(await rawProduce(cluster.broker(next).bootstrap, topic, 0, ['probe'], -1, 5000).catch((x) => String(x)))}`);
      console.log(`load: ${load.count} acked, errors ${JSON.stringify([...load.errors])}; state via ${next}: ${JSON.stringify(await stateVia(next, topic).catch((x) => String(x)))}`);
      for (const f of followers) console.log(`--- broker ${f}\n${cluster.broker(f).output.slice(-6000)}`);
      throw e;
    });

    // The old leader wakes up: whatever it still believes, an acks=all write must not succeed.
    await cluster.broker(old).signal('SIGCONT');
    paused.delete(old);
    const answers: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await rawProduce(cluster.broker(old).bootstrap, topic, 0, [`zombie-${i}`], -1, 3000).catch((e: Error) => ({ errorCode: -999, baseOffset: -1, err: e.message }));
      answers.push(r.errorCode);
      await new Promise((res) => setTimeout(res, 250));
    }
    expect(answers.filter((c) => c === 0)).toEqual([]);
    // Once it has caught up with the cluster it answers NOT_LEADER_OR_FOLLOWER (6), as Kafka does.
    await until('NOT_LEADER_OR_FOLLOWER from the old leader', async () => ((await rawProduce(cluster.broker(old).bootstrap, topic, 0, ['zombie-late'], -1, 3000)).errorCode === 6 ? true : undefined), 20_000);

    await until('the old leader back in the ISR as a follower', async () => {
      const s = await stateVia(next, topic);
      return s.leader === next && s.isr.includes(old) ? true : undefined;
    }, 40_000);
    const rejoined = load.count;
    await until('acknowledged writes after it rejoined', () => (load.count >= rejoined + 200 ? true : undefined), 30_000);
    await load.stop();

    const { problems, reads, summary } = await load.check(cluster.bootstrap);
    const final = reads.get(0)!;
    await until('the tail reader at the end', () => (tail.count >= final.length ? true : undefined), 20_000).catch(() => undefined);
    await tail.stop();
    const tailProblems = tail.check(reads);
    console.log(`leader-fencing: old leader ${old}, new ${next} elected in ${electedMs} ms; zombie answers ${answers.join(',')}; ${summary}; tail read ${tail.count}; errors ${JSON.stringify([...load.errors])}`);
    expect(problems).toEqual([]);
    expect(tailProblems).toEqual([]);
    const values = new Set(final.map((r) => r.value));
    expect([...values].filter((v) => v.startsWith('zombie') || v.startsWith('divergent-b'))).toEqual([]);

    // The old leader's own log: stop the others (controlled shutdown hands it the leadership) and read from it alone.
    await until('the old leader in sync', async () => ((await stateVia(next, topic)).isr.length === 3 ? true : undefined), 30_000);
    for (const f of followers) await cluster.broker(f).signal('SIGTERM');
    await until('the old leader leading alone', async () => ((await stateVia(old, topic)).leader === old ? true : undefined), 30_000);
    const own = await readPartition(cluster.broker(old).bootstrap, topic, 0);
    expect(own.length).toBe(final.length);
    expect(own).toEqual(final);
  }, 180_000);
});

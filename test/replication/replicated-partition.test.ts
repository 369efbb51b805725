/**
 * The leader's side of replication on in-memory logs, followers simulated by fetching with
 * readAsReplica: the high watermark is the smallest log end offset of the ISR and never goes back,
 * acks=-1 waits for it, min.insync.replicas refuses or fails writes as Kafka does, the ISR shrinks
 * after replica.lag.time.max.ms and grows when a follower catches up, and losing leadership fails
 * the waiting writes.
 */
import { describe, it, expect } from 'vitest';
import { MemoryLog } from '../../src/storage/memory-log.js';
import { validateProducedBatch } from '../../src/protocol/record-batch.js';
import { ReplicatedPartition } from '../../src/replication/replicated-partition.js';
import type { AlterResult, PartitionStateChange } from '../../src/cluster/control.js';
import type { PartitionImage } from '../../src/cluster/metadata-image.js';
import { silentLogger } from '../../src/util/logger.js';
import { baseConfig, batch } from '../storage/helpers.js';

const NOT_LEADER_OR_FOLLOWER = 6;
const NOT_ENOUGH_REPLICAS = 19;
const NOT_ENOUGH_REPLICAS_AFTER_APPEND = 20;
const LAG = 10_000;

/** The store's side: a compare-and-swap on the partition epoch, as etcd does it. */
class FakeControl {
  state: PartitionImage;
  calls: PartitionStateChange[] = [];
  constructor(replicas: number[], isr = replicas) {
    this.state = { partition: 0, replicas, isr, leader: replicas[0], leaderEpoch: 0, partitionEpoch: 0 };
  }
  alterPartition(_t: string, _p: number, partitionEpoch: number, change: PartitionStateChange): Promise<AlterResult> {
    this.calls.push(change);
    if (partitionEpoch !== this.state.partitionEpoch) return Promise.resolve({ ok: false, reason: 'stale' });
    const s = this.state;
    this.state = { ...s, leader: change.leader, isr: change.isr, leaderEpoch: change.leader !== s.leader ? s.leaderEpoch + 1 : s.leaderEpoch, partitionEpoch: s.partitionEpoch + 1 };
    return Promise.resolve({ ok: true, state: this.state });
  }
}

function setup(opts: { replicas?: number[]; isr?: number[]; minIsr?: number } = {}) {
  const replicas = opts.replicas ?? [1, 2, 3];
  const control = new FakeControl(replicas, opts.isr ?? replicas);
  const log = new MemoryLog('t', 0, () => baseConfig);
  const leader = new ReplicatedPartition(log, { nodeId: 1, control, minInsyncReplicas: () => opts.minIsr ?? 1, lagTimeMaxMs: () => LAG, log: silentLogger });
  const followers = new Map(replicas.filter((r) => r !== 1).map((r) => [r, new MemoryLog('t', 0, () => baseConfig)]));
  /** Follower `id` fetches once from the leader and appends what it got. */
  const fetch = async (id: number, now = Date.now()) => {
    const f = followers.get(id)!;
    const r = await leader.readAsReplica(id, f.logEndOffset, 1 << 20, now);
    if (r.records.length > 0) await f.appendAsFollower(r.records);
    return r;
  };
  const append = (n: number, acks = -1) => {
    const b = batch(n);
    return leader.append(b, validateProducedBatch(b), undefined, acks);
  };
  return { control, log, leader, followers, fetch, append };
}

const settle = () => new Promise((r) => setImmediate(r));
const code = (p: Promise<unknown>) => p.then(() => 0, (e: { errorCode?: number }) => e.errorCode ?? -1);

describe('ReplicatedPartition as leader', () => {
  it('moves the high watermark to the smallest log end offset of the ISR; acks=-1 waits for it, acks=1 does not', async () => {
    const s = setup();
    await s.leader.makeLeader(s.control.state);
    const p = s.append(3);
    const written = await p.written;
    expect(written.baseOffset).toBe(0);
    let committed = false;
    void p.committed.then(() => (committed = true));
    await settle();
    expect(s.leader.highWatermark).toBe(0);
    expect(committed).toBe(false);
    await s.fetch(2); // gets the batch; its log end is reported on its next fetch
    await s.fetch(2);
    await settle();
    expect(s.leader.highWatermark).toBe(0); // broker 3 has nothing yet
    expect(committed).toBe(false);
    await s.fetch(3);
    await s.fetch(3);
    await settle();
    expect(s.leader.highWatermark).toBe(3);
    expect(committed).toBe(true);
  });

  it('reads for consumers stop at the high watermark', async () => {
    const s = setup({ replicas: [1, 2] });
    await s.leader.makeLeader(s.control.state);
    await s.append(2).written;
    const r = await s.leader.read(0, 1 << 20, { minOneBatch: true, isolation: 'read_uncommitted' });
    expect(r.records.length).toBe(0);
    expect(r.highWatermark).toBe(0);
    await s.fetch(2);
    await s.fetch(2);
    const r2 = await s.leader.read(0, 1 << 20, { minOneBatch: true, isolation: 'read_uncommitted' });
    expect(r2.records.length).toBeGreaterThan(0);
    expect(r2.highWatermark).toBe(2);
  });

  it('refuses acks=-1 with fewer in-sync replicas than min.insync.replicas, and accepts acks=1', async () => {
    const s = setup({ isr: [1], minIsr: 2 });
    await s.leader.makeLeader(s.control.state);
    expect(await code(s.append(1).committed)).toBe(NOT_ENOUGH_REPLICAS);
    expect(s.log.logEndOffset).toBe(0); // nothing was written
    expect(await code(s.append(1, 1).written)).toBe(0);
  });

  it('fails with NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below min.insync.replicas while waiting', async () => {
    const s = setup({ replicas: [1, 2], minIsr: 2 });
    const t0 = Date.now();
    await s.leader.makeLeader(s.control.state, t0);
    const p = s.append(1);
    await p.written;
    s.leader.maybeShrinkIsr(t0 + LAG + 1); // broker 2 never fetched
    expect(await code(p.committed)).toBe(NOT_ENOUGH_REPLICAS_AFTER_APPEND);
    expect(s.control.state.isr).toEqual([1]);
  });

  it('shrinks the ISR after the lag time and expands it when the follower catches up to the high watermark', async () => {
    const s = setup({ replicas: [1, 2, 3] });
    const t0 = Date.now();
    await s.leader.makeLeader(s.control.state, t0);
    await s.append(5).written;
    await s.fetch(2, t0 + 1);
    await s.fetch(2, t0 + 2); // broker 2 caught up
    s.leader.maybeShrinkIsr(t0 + LAG / 2);
    await settle();
    expect(s.control.state.isr).toEqual([1, 2, 3]); // not yet past the lag time
    s.leader.maybeShrinkIsr(t0 + LAG + 100);
    await settle();
    expect(s.control.state.isr).toEqual([1, 2]); // broker 3 never fetched
    expect(s.leader.highWatermark).toBe(5);
    await s.fetch(3, t0 + LAG + 200);
    expect(s.control.state.isr).toEqual([1, 2]); // at offset 0, below the high watermark
    await s.fetch(3, t0 + LAG + 300);
    await settle();
    expect(s.control.state.isr).toEqual([1, 2, 3]);
  });

  it('keeps counting a replica being removed until the store has removed it (maximal ISR)', async () => {
    const s = setup({ replicas: [1, 2] });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const inner = s.control.alterPartition.bind(s.control);
    s.control.alterPartition = async (...a) => {
      await gate;
      return inner(...a);
    };
    const t0 = Date.now();
    await s.leader.makeLeader(s.control.state, t0);
    await s.append(1).written;
    s.leader.maybeShrinkIsr(t0 + LAG + 1);
    await settle();
    expect(s.leader.highWatermark).toBe(0); // removal not committed yet
    release();
    await settle();
    await settle();
    expect(s.leader.highWatermark).toBe(1);
  });

  it('fails waiting appends with NOT_LEADER_OR_FOLLOWER when leadership moves, and refuses new ones', async () => {
    const s = setup({ replicas: [1, 2] });
    await s.leader.makeLeader(s.control.state);
    const p = s.append(1);
    await p.written;
    s.leader.makeFollower({ ...s.control.state, leader: 2, leaderEpoch: 1, partitionEpoch: 1 });
    expect(await code(p.committed)).toBe(NOT_LEADER_OR_FOLLOWER);
    expect(await code(s.append(1).written)).toBe(NOT_LEADER_OR_FOLLOWER);
    expect(await code(s.leader.readAsReplica(2, 0, 100))).toBe(NOT_LEADER_OR_FOLLOWER);
  });

  it('stamps the new leader epoch into batches appended after makeLeader', async () => {
    const s = setup({ replicas: [1] });
    await s.leader.makeLeader({ ...s.control.state, leaderEpoch: 4 });
    await s.append(1).committed;
    const r = await s.leader.read(0, 1 << 20, { minOneBatch: true, isolation: 'read_uncommitted' });
    expect(r.records.readInt32BE(12)).toBe(4); // partitionLeaderEpoch
  });

  it('never moves the high watermark back, and a follower outside the ISR does not hold it', async () => {
    const s = setup({ replicas: [1, 2, 3], isr: [1, 2] });
    await s.leader.makeLeader(s.control.state);
    await s.append(2).written;
    await s.fetch(2);
    await s.fetch(2);
    expect(s.leader.highWatermark).toBe(2);
    await s.leader.readAsReplica(3, 0, 100);
    expect(s.leader.highWatermark).toBe(2);
  });

  it('refuses a replica fetch from a broker that is not a follower', async () => {
    const s = setup({ replicas: [1, 2] });
    await s.leader.makeLeader(s.control.state);
    expect(await code(s.leader.readAsReplica(7, 0, 100))).toBe(NOT_LEADER_OR_FOLLOWER);
  });
});

describe('ReplicatedPartition as follower', () => {
  it('appends what the leader sends and takes the leader high watermark up to its own end', async () => {
    const s = setup({ replicas: [1, 2] });
    await s.leader.makeLeader(s.control.state);
    await s.append(1).written;
    await s.append(2).written;
    const flog = new MemoryLog('t', 0, () => baseConfig);
    const follower = new ReplicatedPartition(flog, { nodeId: 2, control: s.control, minInsyncReplicas: () => 1, lagTimeMaxMs: () => LAG, log: silentLogger });
    follower.makeFollower(s.control.state);
    const r = await s.leader.readAsReplica(2, 0, 1 << 20);
    await follower.appendFromLeader(r.records, 99, 0);
    expect(flog.logEndOffset).toBe(3);
    expect(follower.highWatermark).toBe(3);
    await follower.truncateTo(1); // a batch boundary, as epoch boundaries are
    expect(flog.logEndOffset).toBe(1);
    expect(follower.highWatermark).toBe(1);
  });
});

describe('ReplicatedPartition follower lag (metrics)', () => {
  it('is what the furthest-behind follower lacks, counting a silent follower from the start of the epoch', async () => {
    const s = setup();
    await s.leader.makeLeader(s.control.state);
    await s.append(5, 1).written;
    expect(s.leader.maxFollowerLag()).toBe(5);
    for (const id of [2, 3]) for (let i = 0; i < 2; i++) await s.fetch(id); // both at 5
    expect(s.leader.maxFollowerLag()).toBe(0);
    await s.leader.makeLeader({ ...s.control.state, leaderEpoch: 1 }); // a new epoch: no follower heard from
    expect(s.leader.maxFollowerLag()).toBe(0);
    await s.append(3, 1).written;
    expect(s.leader.maxFollowerLag()).toBe(3); // neither has fetched in this epoch: both lack its 3 records
    await s.fetch(2); // reports 5, gets the 3
    await s.fetch(2); // reports 8
    expect(s.leader.maxFollowerLag()).toBe(3); // broker 3 is still silent
    await s.fetch(3);
    expect(s.leader.maxFollowerLag()).toBe(3); // broker 3 reported 5
    await s.fetch(3);
    expect(s.leader.maxFollowerLag()).toBe(0);
    s.leader.makeFollower({ ...s.control.state, leader: 2, leaderEpoch: 2 });
    expect(s.leader.maxFollowerLag()).toBe(0);
  });
});

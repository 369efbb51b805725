/**
 * The partition manager and its handles over the in-memory logs: the errors instead of a handle,
 * the two-phase append, reads by isolation level, the time and epoch queries and the wake-up.
 */
import { describe, it, expect } from 'vitest';
import { BrokerConfig } from '../../src/config/config.js';
import { MemoryLogStore } from '../../src/storage/memory-log-store.js';
import { LogPartitionManager } from '../../src/partitions/log-partitions.js';
import { createBatch } from '../../src/protocol/records.js';
import { validateProducedBatch } from '../../src/protocol/record-batch.js';
import { silentLogger } from '../../src/util/logger.js';
import type { TopicInfo } from '../../src/cluster/topics.js';

const E = { UNKNOWN_TOPIC_OR_PARTITION: 3, NOT_LEADER_OR_FOLLOWER: 6, KAFKA_STORAGE_ERROR: 56 };

async function setup() {
  const logs = new MemoryLogStore(new BrokerConfig({}), () => ({}), silentLogger);
  const catalog = new Map<string, TopicInfo>();
  const add = async (name: string, partitions: number, hosted = true) => {
    const t = { name, partitions, id: `id-${name}`, configs: {} } as unknown as TopicInfo;
    catalog.set(name, t);
    if (hosted) await logs.ensureTopic(t);
  };
  const manager = new LogPartitionManager(logs, { get: (n: string) => catalog.get(n) });
  return { logs, add, manager };
}

const batch = (values: string[], opts: { producerId?: bigint; transactional?: boolean; timestamp?: number } = {}) => {
  const b = createBatch(
    values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: opts.timestamp })),
    opts.producerId === undefined ? { baseTimestamp: opts.timestamp } : { baseTimestamp: opts.timestamp, producerId: opts.producerId, producerEpoch: 0, baseSequence: 0, transactional: opts.transactional },
  );
  return { b, info: validateProducedBatch(b) };
};

describe('PartitionManager.getPartitionOrError', () => {
  it('answers a handle, or the Kafka error a client should see', async () => {
    const { logs, add, manager } = await setup();
    await add('t', 2);
    await add('elsewhere', 1, false);
    expect(manager.getPartitionOrError('nope', 0)).toMatchObject({ partition: undefined, errorCode: E.UNKNOWN_TOPIC_OR_PARTITION });
    expect(manager.getPartitionOrError('t', 2).errorCode).toBe(E.UNKNOWN_TOPIC_OR_PARTITION);
    expect(manager.getPartitionOrError('t', -1).errorCode).toBe(E.UNKNOWN_TOPIC_OR_PARTITION);
    expect(manager.getPartitionOrError('elsewhere', 0).errorCode).toBe(E.NOT_LEADER_OR_FOLLOWER);
    const h = manager.getPartitionOrError('t', 1);
    expect(h.errorCode).toBe(0);
    expect(h.partition).toBe(manager.getPartitionOrError('t', 1).partition); // one handle per partition
    expect(manager.partitions('t').map((p) => p.partition)).toEqual([0, 1]);
    (logs.partition('t', 1) as unknown as { failed?: Error }).failed = new Error('disk gone');
    expect(manager.getPartitionOrError('t', 1)).toMatchObject({ errorCode: E.KAFKA_STORAGE_ERROR, message: expect.stringMatching(/offline: disk gone/) });
  });
});

describe('PartitionHandle', () => {
  it('appends in two phases, reads by isolation level and wakes a waiting reader', async () => {
    const { add, manager } = await setup();
    await add('t', 1);
    const p = manager.getPartitionOrError('t', 0).partition!;
    let woken = 0;
    p.onHighWatermark(() => woken++);
    const { b, info } = batch(['a', 'b']);
    const pending = p.append(b, info);
    const written = await pending.written;
    expect(await pending.committed).toEqual(written);
    expect(written).toMatchObject({ baseOffset: 0, lastOffset: 1 });
    expect(woken).toBe(1);
    expect([p.highWatermark, p.lastStableOffset, p.logStartOffset, p.leaderEpoch]).toEqual([2, 2, 0, 0]);

    // An open transaction holds the last stable offset back: read_committed stops there.
    const txn = batch(['x'], { producerId: 7n, transactional: true });
    await p.append(txn.b, txn.info).committed;
    expect([p.highWatermark, p.lastStableOffset]).toEqual([3, 2]);
    const all = await p.read(0, 1 << 20, { minOneBatch: true, isolation: 'read_uncommitted' });
    expect(all).toMatchObject({ highWatermark: 3, lastStableOffset: 2, logStartOffset: 0, abortedTransactions: null });
    const committed = await p.read(0, 1 << 20, { minOneBatch: true, isolation: 'read_committed' });
    expect(committed.records.length).toBeLessThan(all.records.length);
    expect(committed.abortedTransactions).toEqual([]);
    await p.appendMarker(7n, 0, false, 0, 0).committed;
    const afterAbort = await p.read(0, 1 << 20, { minOneBatch: true, isolation: 'read_committed' });
    expect(afterAbort.abortedTransactions).toEqual([expect.objectContaining({ producerId: 7n, firstOffset: 2, lastOffset: 3 })]);
    expect(p.producers()).toEqual([expect.objectContaining({ producerId: 7n, producerEpoch: 0, currentTxnStartOffset: -1 })]);
  });

  it('answers time, epoch and DeleteRecords queries', async () => {
    const { add, manager } = await setup();
    await add('t', 1);
    const p = manager.getPartitionOrError('t', 0).partition!;
    for (const [v, ts] of [['a', 1000], ['b', 3000], ['c', 2000]] as const) {
      const { b, info } = batch([v], { timestamp: ts });
      await p.append(b, info).committed;
    }
    expect(await p.offsetForTimestamp(1500)).toEqual({ offset: 1, timestamp: 3000 });
    expect(await p.offsetForTimestamp(5000)).toBeUndefined();
    expect(await p.offsetOfMaxTimestamp()).toEqual({ offset: 1, timestamp: 3000 });
    expect(p.endOffsetForEpoch(0)).toEqual({ leaderEpoch: 0, endOffset: 3 });
    expect(p.endOffsetForEpoch(5)).toEqual({ leaderEpoch: -1, endOffset: -1 });
    expect(p.endOffsetForEpoch(-1)).toEqual({ leaderEpoch: -1, endOffset: -1 });
    expect(await p.deleteRecordsBefore(2)).toBe(2);
    expect(p.logStartOffset).toBe(2);
    expect(await p.offsetForTimestamp(0)).toEqual({ offset: 2, timestamp: 2000 });
  });
});

/**
 * Offsets committed in a transaction live in __consumer_offsets as Kafka keeps them: offset records
 * in a transactional batch of the producer, ended by its COMMIT or ABORT marker. A replay makes the
 * committed ones offsets, drops the aborted ones, keeps the open ones pending; and compaction, which
 * keeps the latest record of a key, never lets an aborted commit hide the committed offset before it.
 */
import { describe, it, expect } from 'vitest';
import { BrokerConfig } from '../../src/config/config.js';
import { GroupCoordinator } from '../../src/groups/group-coordinator.js';
import { GroupStore } from '../../src/groups/group-store.js';
import { compactLog } from '../../src/storage/cleaner.js';
import { silentLogger } from '../../src/util/logger.js';
import { tempDir, newLog } from '../storage/helpers.js';

const config = new BrokerConfig({});
const entry = (partition: number, offset: bigint) => ({ topic: 't', partition, offset, leaderEpoch: -1, metadata: null });

async function replay(log: Awaited<ReturnType<typeof newLog>>): Promise<GroupCoordinator> {
  const g = new GroupCoordinator(config, new GroupStore([log]), silentLogger);
  await g.load();
  g.close();
  return g;
}

describe('transactional offsets in __consumer_offsets', () => {
  it('commit, abort and open transactions replay as they ended, also after compaction', async () => {
    const log = await newLog(await tempDir(), { cleanupPolicy: ['compact'], segmentBytes: 400, deleteRetentionMs: 3_600_000 });
    const groups = new GroupCoordinator(config, new GroupStore([log]), silentLogger);
    await groups.commit('g', [entry(0, 10n), entry(1, 20n)]);
    // Producer 1 commits, producer 2 aborts (over a committed offset), producer 3 stays open.
    await groups.commitPending('g', 1n, 0, [entry(0, 11n)]);
    await groups.commitPending('g', 2n, 4, [entry(1, 99n)]);
    await groups.commitPending('g', 3n, 0, [entry(2, 5n)]);
    await groups.completeTxnOffsets('g', 1n, true, 1);
    await groups.completeTxnOffsets('g', 2n, false, 5);
    for (let i = 0; i < 20; i++) await groups.commit('other', [entry(i % 3, BigInt(i))]); // seal segments
    const expected = (g: GroupCoordinator) => {
      expect([...g.offsets('g')].map(([k, o]) => [`${k.topic}:${k.partition}`, o.offset]).sort()).toEqual([['t:0', 11n], ['t:1', 20n]]);
      expect(g.hasPendingTxnOffset('g', 't', 2)).toBe(true);
      expect(g.hasPendingTxnOffset('g', 't', 1)).toBe(false);
    };
    expected(groups);
    expected(await replay(log));
    const cleaned = await compactLog(log, Date.now());
    expect(cleaned.recordsRemoved).toBeGreaterThan(0);
    expected(await replay(log));
    // The open transaction ends after all; its producer's marker commits it.
    await groups.completeTxnOffsets('g', 3n, true, 0);
    const after = await replay(log);
    expect(after.offsets('g').get('t', 2)?.offset).toBe(5n);
    expect(after.hasPendingTxnOffset('g', 't', 2)).toBe(false);
    groups.close();
  });
});

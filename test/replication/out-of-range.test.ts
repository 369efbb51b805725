/**
 * A follower's answer to OFFSET_OUT_OF_RANGE from its leader (replica-fetcher.ts resolveOutOfRange,
 * Kafka's handleOutOfRangeError): behind the leader's log start it starts over there, empty, and
 * fetches on; ahead of the leader's end it truncates by epochs again. Leader and follower are
 * ReplicatedPartitions on in-memory logs; the follower's fetch is readAsReplica, as in
 * replicated-partition.test.ts.
 */
import { describe, it, expect } from 'vitest';
import { MemoryLog } from '../../src/storage/memory-log.js';
import { validateProducedBatch } from '../../src/protocol/record-batch.js';
import { createBatch } from '../../src/protocol/records.js';
import { ReplicatedPartition } from '../../src/replication/replicated-partition.js';
import { resolveOutOfRange } from '../../src/replication/replica-fetcher.js';
import type { PartitionImage } from '../../src/cluster/metadata-image.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { silentLogger } from '../../src/util/logger.js';
import { baseConfig, batch } from '../storage/helpers.js';

const state: PartitionImage = { partition: 0, replicas: [1, 2], isr: [1], leader: 1, leaderEpoch: 0, partitionEpoch: 0 };
const control = { alterPartition: () => Promise.resolve({ ok: false as const, reason: 'unknown' as const }) };

function replica(nodeId: number): ReplicatedPartition {
  const log = new MemoryLog('t', 0, () => baseConfig);
  return new ReplicatedPartition(log, { nodeId, control, minInsyncReplicas: () => 1, lagTimeMaxMs: () => 10_000, log: silentLogger });
}

async function produce(leader: ReplicatedPartition, n: number): Promise<void> {
  const b = batch(n);
  await leader.append(b, validateProducedBatch(b), undefined, 1).written;
}

/** One fetch of follower 2 from its log end, as the fetcher does; the error code or NONE. */
async function fetchOnce(leader: ReplicatedPartition, follower: ReplicatedPartition): Promise<{ errorCode: number; logStartOffset: number }> {
  try {
    const r = await leader.readAsReplica(2, follower.logEndOffset, 1 << 20);
    await follower.appendFromLeader(r.records, r.highWatermark, r.logStartOffset);
    return { errorCode: ErrorCode.NONE, logStartOffset: r.logStartOffset };
  } catch (err) {
    return { errorCode: (err as { errorCode: number }).errorCode, logStartOffset: leader.logStartOffset };
  }
}

describe('follower fetch out of range', () => {
  it('a follower whose log ends below the leader\'s log start starts over there and catches up', async () => {
    const leader = replica(1);
    await leader.makeLeader(state);
    const follower = replica(2);
    follower.makeFollower(state);
    await produce(leader, 3); // 0..2
    expect((await fetchOnce(leader, follower)).errorCode).toBe(ErrorCode.NONE);
    expect(follower.logEndOffset).toBe(3);
    // While the follower is away: more records, then DeleteRecords removes what it lacks.
    await produce(leader, 5); // 3..7
    await produce(leader, 2); // 8..9
    expect(await leader.deleteRecordsBefore(8)).toBe(8);

    const out = await fetchOnce(leader, follower);
    expect(out).toEqual({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, logStartOffset: 8 });
    expect(await resolveOutOfRange(follower, out.logStartOffset)).toBe('reset');
    expect([follower.logStartOffset, follower.logEndOffset, follower.highWatermark]).toEqual([8, 8, 8]);
    expect(follower.underlyingLog.size).toBe(0);

    expect((await fetchOnce(leader, follower)).errorCode).toBe(ErrorCode.NONE);
    expect([follower.logStartOffset, follower.logEndOffset]).toEqual([8, 10]);
    expect(follower.underlyingLog.epochEntries()).toEqual([{ epoch: 0, startOffset: 8 }]);
    const mine = await follower.underlyingLog.read(8, 1 << 20);
    const theirs = await leader.underlyingLog.read(8, 1 << 20);
    expect(mine.records.equals(theirs.records)).toBe(true);
  });

  it('a follower ahead of the leader\'s end truncates by epochs again, its log untouched here', async () => {
    const follower = replica(2);
    follower.makeFollower(state);
    await follower.appendFromLeader(createBatch([{ key: null, value: Buffer.from('x') }, { key: null, value: Buffer.from('y') }], { baseOffset: 0n, partitionLeaderEpoch: 0 }), 2, 0);
    // The leader's log start is at or below the follower's end (or unknown): not a reset.
    for (const leaderStart of [0, 2, -1]) expect(await resolveOutOfRange(follower, leaderStart)).toBe('truncate');
    expect([follower.logStartOffset, follower.logEndOffset, follower.underlyingLog.epochEntries()]).toEqual([0, 2, [{ epoch: 0, startOffset: 0 }]]);
  });
});

/**
 * The file log's leader epochs on disk (leader-epoch-checkpoint): they survive a restart, follow
 * truncation and the log start at once, never name offsets recovery cut off, and are written
 * before the batches that need them. The behaviour itself is in log-conformance.ts (both logs).
 */
import { describe, it, expect } from 'vitest';
import { mkdir, readFile, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir, newLog, reopen } from './helpers.js';
import { createBatch } from '../../src/protocol/records.js';
import { LEADER_EPOCH_CHECKPOINT, writeLeaderEpochs } from '../../src/storage/leader-epochs.js';
import { ErrorCode } from '../../src/protocol/errors.js';

const fromLeader = (base: number, n: number, epoch: number) =>
  createBatch(Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(`r${base + i}`) })), { baseOffset: BigInt(base), partitionLeaderEpoch: epoch });

const checkpoint = (dir: string) => readFile(join(dir, 't-0', LEADER_EPOCH_CHECKPOINT), 'utf8');
const entry = (epoch: number, startOffset: number) => ({ epoch, startOffset });

describe('file log leader epochs on disk', () => {
  it('a restart keeps the epochs of follower appends and of assignLeaderEpoch, in Kafka\'s checkpoint format', async () => {
    const dir = await tempDir();
    const log = await newLog(dir);
    await log.appendAsFollower(Buffer.concat([fromLeader(0, 2, 0), fromLeader(2, 3, 1), fromLeader(5, 1, 3)]));
    // Persisted when the append resolves, not only at close.
    expect(await checkpoint(dir)).toBe('0\n3\n0 0\n1 2\n3 5\n');
    await log.assignLeaderEpoch(7);
    expect(await checkpoint(dir)).toBe('0\n4\n0 0\n1 2\n3 5\n7 6\n');
    const before = [0, 1, 2, 3, 7, 8].map((e) => log.endOffsetForEpoch(e));
    await log.close();

    const again = await reopen(dir, { clean: true });
    expect(again.epochEntries()).toEqual([entry(0, 0), entry(1, 2), entry(3, 5), entry(7, 6)]);
    expect([again.leaderEpoch, again.latestEpoch()]).toEqual([7, 7]);
    expect([0, 1, 2, 3, 7, 8].map((e) => again.endOffsetForEpoch(e))).toEqual(before);
    await again.close();
  });

  it('truncateTo and DeleteRecords rewrite the checkpoint before they resolve', async () => {
    const dir = await tempDir();
    const log = await newLog(dir);
    await log.appendAsFollower(Buffer.concat([fromLeader(0, 4, 0), fromLeader(4, 4, 2), fromLeader(8, 4, 5)]));
    await log.truncateTo(8);
    expect(await checkpoint(dir)).toBe('0\n2\n0 0\n2 4\n');
    expect(await log.deleteRecordsBefore(5)).toBe(5);
    expect(await checkpoint(dir)).toBe('0\n1\n2 5\n');
    await log.close();
    const again = await reopen(dir, { clean: true, logStartOffset: 5 });
    expect(again.epochEntries()).toEqual([entry(2, 5)]);
    await again.close();
  });

  it('recovery drops epochs beyond the recovered end and moves the first up to the log start', async () => {
    const dir = await tempDir();
    const log = await newLog(dir);
    const first = fromLeader(0, 3, 0);
    await log.appendAsFollower(Buffer.concat([first, fromLeader(3, 3, 2), fromLeader(6, 2, 4)]));
    await log.close();
    // A crash lost every batch after the first one, and the checkpoint was written before them.
    await truncate(join(dir, 't-0', '00000000000000000000.log'), first.length);
    await writeLeaderEpochs(join(dir, 't-0'), [entry(0, 0), entry(2, 3), entry(4, 6), entry(9, 40)]);
    const recovered = await reopen(dir, { clean: false, logStartOffset: 1 });
    expect(recovered.logEndOffset).toBe(3);
    // (2, 3) starts at the recovered end: a leader's epoch with nothing written yet is kept.
    expect(recovered.epochEntries()).toEqual([entry(0, 1), entry(2, 3)]);
    expect(await checkpoint(dir)).toBe('0\n2\n0 1\n2 3\n');
    expect(recovered.leaderEpoch).toBe(2);
    await recovered.close();
  });

  it('a log truncated before its first epoch keeps an empty checkpoint across a restart', async () => {
    const dir = await tempDir();
    const log = await newLog(dir);
    await log.appendAsFollower(fromLeader(0, 2, 3));
    await log.truncateTo(0);
    expect(await checkpoint(dir)).toBe('0\n0\n');
    expect([log.latestEpoch(), log.endOffsetForEpoch(3)]).toEqual([-1, { leaderEpoch: -1, endOffset: -1 }]);
    await log.close();
    const again = await reopen(dir, { clean: true });
    expect(again.epochEntries()).toEqual([]);
    await again.appendAsFollower(fromLeader(0, 1, 4));
    expect(again.epochEntries()).toEqual([entry(4, 0)]);
    await again.close();
  });

  it('batches whose epoch could not be checkpointed are not written: the log goes offline', async () => {
    const dir = await tempDir();
    const log = await newLog(dir);
    await log.appendAsFollower(fromLeader(0, 2, 0));
    const size = (await stat(join(dir, 't-0', '00000000000000000000.log'))).size;
    // The atomic write's temporary file cannot be created.
    await mkdir(join(dir, 't-0', `${LEADER_EPOCH_CHECKPOINT}.tmp`));
    await expect(log.appendAsFollower(fromLeader(2, 2, 1))).rejects.toMatchObject({ errorCode: ErrorCode.KAFKA_STORAGE_ERROR });
    expect((await stat(join(dir, 't-0', '00000000000000000000.log'))).size).toBe(size);
    expect(log.failed).toBeDefined();
    await expect(log.appendAsFollower(fromLeader(4, 1, 1))).rejects.toMatchObject({ errorCode: ErrorCode.KAFKA_STORAGE_ERROR });
    expect(await checkpoint(dir)).toBe('0\n1\n0 0\n');
  });
});

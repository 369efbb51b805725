/**
 * The leader-epoch-checkpoint read from disk (Kafka's format, and damaged files never give a bad
 * epoch), and the epoch cache's edge cases as Kafka's LeaderEpochFileCache has them.
 */
import { describe, it, expect } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLeaderEpochs, writeLeaderEpochs, LEADER_EPOCH_CHECKPOINT } from '../../src/storage/leader-epochs.js';
import { LeaderEpochCache } from '../../src/storage/epoch-cache.js';

const e = (epoch: number, startOffset: number) => ({ epoch, startOffset });

async function read(text: string | Buffer) {
  const dir = await mkdtemp(join(tmpdir(), 'runnel-epochs-'));
  try {
    await writeFile(join(dir, LEADER_EPOCH_CHECKPOINT), text);
    return await readLeaderEpochs(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('leader-epoch-checkpoint', () => {
  it('round-trips in Kafka\'s format', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runnel-epochs-'));
    await writeLeaderEpochs(dir, [{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 17 }]);
    expect(await readLeaderEpochs(dir)).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 17 }]);
    await rm(dir, { recursive: true, force: true });
  });

  it('skips damaged entries: garbage, negatives, epochs or offsets going backwards, huge numbers', async () => {
    expect(await read('0\n5\n0 0\nx y\n-5 3\n2 -1\n4 10\n3 12\n5 9\n1e30 20\n')).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 4, startOffset: 10 }]);
    expect(await read(Buffer.from([0xff, 0x00, 0x13, 0x37]))).toEqual([{ epoch: 0, startOffset: 0 }]);
    expect(await read('')).toEqual([{ epoch: 0, startOffset: 0 }]);
  });

  it('a well-formed checkpoint without entries is an empty cache', async () => {
    expect(await read('0\n0\n')).toEqual([]);
  });
});

describe('LeaderEpochCache', () => {
  it('assign: the same epoch moves only to an earlier start; a conflicting entry drops what it contradicts', () => {
    const c = new LeaderEpochCache([e(0, 0), e(2, 10), e(5, 20)]);
    expect(c.assign(5, 25)).toBe(false);
    expect(c.assign(5, 18)).toBe(true);
    expect(c.entries()).toEqual([e(0, 0), e(2, 10), e(5, 18)]);
    // An older epoch at a later offset (a follower's batches say so): later epochs go.
    expect(c.assign(3, 30)).toBe(true);
    expect(c.entries()).toEqual([e(0, 0), e(2, 10), e(3, 30)]);
    // A newer epoch at an offset some entries start at or after: those go.
    expect(c.assign(6, 10)).toBe(true);
    expect(c.entries()).toEqual([e(0, 0), e(6, 10)]);
    expect(c.assign(-1, 40)).toBe(false);
    expect(c.assign(7, -1)).toBe(false);
  });

  it('endOffsetFor: Kafka\'s cases', () => {
    const c = new LeaderEpochCache([e(2, 5), e(4, 9), e(7, 12)]);
    const at = (epoch: number) => c.endOffsetFor(epoch, 20);
    expect([at(-1), at(0), at(2), at(3), at(4), at(6), at(7), at(8)]).toEqual([
      { leaderEpoch: -1, endOffset: -1 },
      { leaderEpoch: 0, endOffset: 5 }, // below the first epoch: ends where the first starts
      { leaderEpoch: 2, endOffset: 9 },
      { leaderEpoch: 2, endOffset: 9 },
      { leaderEpoch: 4, endOffset: 12 },
      { leaderEpoch: 4, endOffset: 12 },
      { leaderEpoch: 7, endOffset: 20 },
      { leaderEpoch: -1, endOffset: -1 },
    ]);
    expect(new LeaderEpochCache().endOffsetFor(0, 3)).toEqual({ leaderEpoch: -1, endOffset: -1 });
  });

  it('truncateFromStart keeps the epoch covering the new start; truncateFromEnd drops entries at or after the end', () => {
    const c = new LeaderEpochCache([e(0, 0), e(2, 10), e(5, 20)]);
    expect(c.truncateFromStart(0)).toBe(false);
    expect(c.truncateFromStart(10)).toBe(true);
    expect(c.entries()).toEqual([e(2, 10), e(5, 20)]);
    expect(c.truncateFromStart(10)).toBe(false);
    expect(c.truncateFromStart(15)).toBe(true);
    expect(c.entries()).toEqual([e(2, 15), e(5, 20)]);
    expect(c.truncateFromEnd(21)).toBe(false);
    expect(c.truncateFromEnd(20)).toBe(true);
    expect(c.entries()).toEqual([e(2, 15)]);
    expect(c.truncateFromStart(30)).toBe(true);
    expect(c.entries()).toEqual([e(2, 30)]);
    expect(c.truncateFromEnd(0)).toBe(true);
    expect([c.entries(), c.latestEpoch()]).toEqual([[], -1]);
  });
});

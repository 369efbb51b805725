/** The leader-epoch-checkpoint read from disk: Kafka's format, and damaged files never give a bad epoch. */
import { describe, it, expect } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLeaderEpochs, writeLeaderEpochs, LEADER_EPOCH_CHECKPOINT } from '../../src/storage/leader-epochs.js';

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
});

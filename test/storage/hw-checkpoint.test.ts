/** replication-offset-checkpoint: Kafka's format both ways, atomic and ordered writes, lenient reads. */
import { describe, it, expect } from 'vitest';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import { HW_CHECKPOINT, highWatermarkOf, readHighWatermarks, writeHighWatermarks } from '../../src/storage/hw-checkpoint.js';

describe('replication-offset-checkpoint', () => {
  it('writes Kafka\'s format (version, count, "topic partition offset") and reads it back', async () => {
    const dir = await tempDir();
    await writeHighWatermarks(dir, [
      { topic: 'orders', partition: 1, offset: 42 },
      { topic: 'audit.log-x', partition: 0, offset: 0 },
      { topic: 'orders', partition: 0, offset: 7 },
    ]);
    expect(await readFile(join(dir, HW_CHECKPOINT), 'utf8')).toBe('0\n3\naudit.log-x 0 0\norders 0 7\norders 1 42\n');
    const hws = await readHighWatermarks(dir);
    expect([highWatermarkOf(hws, 'orders', 0), highWatermarkOf(hws, 'orders', 1), highWatermarkOf(hws, 'audit.log-x', 0)]).toEqual([7, 42, 0]);
    expect(highWatermarkOf(hws, 'orders', 2)).toBeUndefined();
    // Nothing left behind by the atomic replace.
    expect(await readdir(dir)).toEqual([HW_CHECKPOINT]);
  });

  it('reads a file Kafka wrote; a missing or foreign file gives none, damaged lines are skipped', async () => {
    const dir = await tempDir();
    expect((await readHighWatermarks(dir)).size).toBe(0);
    await writeFile(join(dir, HW_CHECKPOINT), '0\n2\n__consumer_offsets 12 3301\nclicks 3 18\n');
    const kafka = await readHighWatermarks(dir);
    expect([highWatermarkOf(kafka, '__consumer_offsets', 12), highWatermarkOf(kafka, 'clicks', 3)]).toEqual([3301, 18]);
    await writeFile(join(dir, HW_CHECKPOINT), '1\n1\nclicks 3 18\n');
    expect((await readHighWatermarks(dir)).size).toBe(0);
    await writeFile(join(dir, HW_CHECKPOINT), '0\n4\nclicks 3 18\nclicks x 5\nclicks 4 -1\nclicks 5\n');
    expect([...(await readHighWatermarks(dir))]).toEqual([['clicks 3', 18]]);
  });

  it('a later write wins even when writes overlap; bad entries are refused without touching the file', async () => {
    const dir = await tempDir();
    const writes = Array.from({ length: 5 }, (_, i) => writeHighWatermarks(dir, [{ topic: 't', partition: 0, offset: i }]));
    await Promise.all(writes);
    expect(highWatermarkOf(await readHighWatermarks(dir), 't', 0)).toBe(4);
    await expect(writeHighWatermarks(dir, [{ topic: 'a b', partition: 0, offset: 1 }])).rejects.toThrow(/invalid/);
    await expect(writeHighWatermarks(dir, [{ topic: 't', partition: 0, offset: -1 }])).rejects.toThrow(/invalid/);
    expect(await readFile(join(dir, HW_CHECKPOINT), 'utf8')).toBe('0\n1\nt 0 4\n');
    await writeHighWatermarks(dir, []);
    expect(await readFile(join(dir, HW_CHECKPOINT), 'utf8')).toBe('0\n0\n');
  });
});

/**
 * A crash right after a partition's directory was made (a follower killed as the topic is created)
 * leaves it without a segment file: after an unclean shutdown it opens as an empty log rather than
 * failing the broker's start with ENOENT.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reopen, tempDir } from './helpers.js';

describe('a partition directory without segment files', () => {
  it('opens after an unclean shutdown as an empty log', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 't-0'), { recursive: true });
    await writeFile(join(dir, 't-0', 'partition.metadata'), 'version: 0\ntopic_id: 11111111-2222-4333-8444-555555555555\n');
    const log = await reopen(dir, { clean: false });
    expect(log.logEndOffset).toBe(0);
    await log.close();
  });
});

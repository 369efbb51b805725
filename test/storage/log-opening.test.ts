/**
 * The LogManager opens partition logs in the background (src/storage/log-opening.ts). A close()
 * before all are open leaves the others as they were on disk: their checkpoint entries survive,
 * and the clean-shutdown marker is written only if that state was itself clean, so that
 * partitions still to be recovered after a crash are recovered at the next start.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { access, appendFile, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BrokerConfig } from '../../src/config/config.js';
import { LogManager } from '../../src/storage/log-manager.js';
import { openingHooks } from '../../src/storage/log-opening.js';
import { silentLogger } from '../../src/util/logger.js';
import type { TopicInfo } from '../../src/cluster/topics.js';
import { tempDir, batch } from './helpers.js';
import { validateProducedBatch } from '../../src/protocol/record-batch.js';

const PARTITIONS = 40; // more than are opened at once
const topic: TopicInfo = { name: 'many', id: '11111111-2222-4333-8444-555555555555', partitions: PARTITIONS, configs: {}, internal: false };
const MARKER = '.runnel_cleanshutdown';

let dir = '';
afterEach(async () => {
  openingHooks.beforeOpen = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function open(): Promise<LogManager> {
  return LogManager.open(new BrokerConfig({ 'log.dirs': dir }), [topic], () => ({}), silentLogger);
}

/** Every partition holds one batch of 2 records; closed cleanly. */
async function prepare(): Promise<void> {
  dir = await tempDir();
  const m = await open();
  await m.whenOpen();
  for (const p of m.all()) {
    const b = batch(2);
    await p.append(b, validateProducedBatch(b));
    await p.settle();
  }
  await m.close();
}

const exists = (path: string) => access(path).then(() => true, () => false);

/** Holds every opening until released; resolves `reached` once `n` are held. */
function hold(n: number): { release: () => void; reached: Promise<void> } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let count = 0;
  let reached!: () => void;
  const reachedP = new Promise<void>((r) => (reached = r));
  openingHooks.beforeOpen = async () => {
    if (++count === n) reached();
    await gate;
  };
  return { release, reached: reachedP };
}

/** Opens the logs and closes the manager while the first partition's opening is held. */
async function closeWhileOpening(): Promise<LogManager> {
  const held = hold(1);
  const m = await open();
  m.openAll();
  await held.reached;
  const closing = m.close();
  held.release();
  await closing;
  return m;
}

describe('closing while partition logs are still opening', () => {
  it('after a clean shutdown: the unopened partitions keep their checkpoints and the marker is written', async () => {
    await prepare();
    const entries = async () => (await readFile(join(dir, 'recovery-point-offset-checkpoint'), 'utf8')).split('\n').sort();
    const before = await entries();
    const m = await closeWhileOpening();
    expect(m.all().length).toBeLessThan(PARTITIONS);
    expect(await entries()).toEqual(before);
    expect(await exists(join(dir, MARKER))).toBe(true);
    const again = await open();
    await again.whenOpen();
    expect(again.all().map((p) => p.logEndOffset)).toEqual(Array(PARTITIONS).fill(2));
    await again.close();
  });

  it('after a crash: no marker, so the partitions not recovered yet are recovered at the next start', async () => {
    await prepare();
    await rm(join(dir, MARKER));
    // A torn write at the end of the last partition's log: only a recovery cuts it.
    const segment = join(dir, `many-${PARTITIONS - 1}`, '00000000000000000000.log');
    const intact = (await stat(segment)).size;
    await appendFile(segment, batch(1).subarray(0, 30));
    const m = await closeWhileOpening();
    expect(m.partition('many', PARTITIONS - 1)).toBeUndefined();
    expect(await exists(join(dir, MARKER))).toBe(false);
    const again = await open();
    await again.whenOpen();
    expect(again.recoveryStats.recovered).toBe(PARTITIONS);
    expect(again.partition('many', PARTITIONS - 1)!.logEndOffset).toBe(2);
    expect((await stat(segment)).size).toBe(intact);
    await again.close();
  });

  it('a clean shutdown closes the partitions several at a time, every one of them cleanly', async () => {
    await prepare();
    const m = await open();
    await m.whenOpen();
    let closing = 0;
    let most = 0;
    for (const p of m.all()) {
      const close = p.close.bind(p);
      p.close = async () => {
        most = Math.max(most, ++closing);
        await new Promise((r) => setTimeout(r, 5));
        await close();
        closing--;
      };
    }
    await m.close();
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(16);
    expect(await exists(join(dir, MARKER))).toBe(true);
    const again = await open();
    await again.whenOpen();
    expect(again.recoveryStats.recovered).toBe(0);
    expect(again.all().map((p) => p.logEndOffset)).toEqual(Array(PARTITIONS).fill(2));
    await again.close();
  });
});

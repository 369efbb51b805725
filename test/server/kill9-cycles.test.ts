/**
 * kill -9 of a whole broker (`runnel start` as a process) under acks=all load with
 * runnel.fsync.on.ack=true, many times in a row, restarted on the same data each time.
 *
 * Invariants (test/helpers/ack-checker.ts): every acknowledged record is read back exactly once at
 * the offset it was acknowledged at (nothing lost, no offset reused); a kcat consumer tailing every
 * partition through all the restarts was never given a record the log does not hold at that
 * offset (nothing corrupt or unacknowledged was served); and the broker takes writes after every
 * restart.
 *
 * CI runs a few cycles; `npm run soak:kill9` runs 100 (RUNNEL_KILL9_CYCLES sets the number).
 */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerProcess } from '../helpers/cluster.js';
import { clusterClient } from '../helpers/cluster-client.js';
import { AckedLoad, TailReader } from '../helpers/ack-checker.js';
import { freePort } from '../helpers/ports.js';
import { until } from '../helpers/until.js';
import { prng } from '../helpers/kafka-wire.js';

const CYCLES = Number(process.env.RUNNEL_KILL9_CYCLES ?? 3);
const SEED = Number(process.env.RUNNEL_KILL9_SEED ?? Date.now() % 1_000_000);
const TOPIC = 'crashing';
const PARTITIONS = 4;

let dir = '';
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('kill -9 cycles', () => {
  it(`${CYCLES} kill -9s of the broker under acks=all load with fsync on ack lose nothing acknowledged and serve nothing corrupt (seed ${SEED})`, async () => {
    dir = await mkdtemp(join(tmpdir(), 'runnel-kill9-'));
    const port = await freePort();
    const broker = new BrokerProcess(1, port, dir, {
      'node.id': '1',
      listeners: `PLAINTEXT://127.0.0.1:${port}`,
      'log.dirs': dir,
      'runnel.fsync.on.ack': 'true',
      // Small segments: crashes also land during rolls.
      'log.segment.bytes': String(64 * 1024),
      'runnel.metrics.port': '0',
    });
    await broker.start(60_000);
    const rand = prng(SEED);
    const kafka = () => clusterClient('kill9', [broker.bootstrap]);
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
    await admin.disconnect();

    const load = new AckedLoad(kafka, { topic: TOPIC, partitions: PARTITIONS, producers: 2, batch: 5, sendDeadlineMs: 20_000 });
    // One tail per broker life: kcat gives up on a partition whose only broker died.
    const tails = [new TailReader(broker.bootstrap, TOPIC, PARTITIONS)];
    load.start();
    tails[0].start();
    const acksPerCycle: number[] = [];
    try {
      for (let i = 0; i < CYCLES; i++) {
        const before = load.count;
        // Let the producers get going again before the next crash.
        await until(`acknowledgements after restart ${i}`, () => (load.count > before ? true : undefined), 60_000);
        await new Promise((r) => setTimeout(r, 300 + Math.round(rand() * 1500)));
        acksPerCycle.push(load.count - before);
        await broker.kill9();
        await broker.start(60_000);
        await tails[tails.length - 1].stop();
        tails.push(new TailReader(broker.bootstrap, TOPIC, PARTITIONS));
        tails[tails.length - 1].start();
      }
      const before = load.count;
      await until('acknowledgements after the last restart', () => (load.count > before + 20 ? true : undefined), 60_000);
    } finally {
      await load.stop();
      await new Promise((r) => setTimeout(r, 1000));
      for (const t of tails) await t.stop();
    }
    const { problems, reads, summary } = await load.check(broker.bootstrap);
    const tailProblems = tails.flatMap((t) => t.check(reads));
    const tailRead = tails.map((t) => t.count);
    console.log(`kill9-cycles: ${CYCLES} cycles; ${summary}; acknowledged per cycle ${acksPerCycle.join(',')}; tail reads ${tailRead.join(',')}; errors ${JSON.stringify([...load.errors].slice(0, 5))}`);
    await broker.signal('SIGTERM');
    expect(problems).toEqual([]);
    expect(tailProblems).toEqual([]);
    // Every life of the broker served the tail something (the last one everything).
    expect(tailRead.every((n) => n > 0)).toBe(true);
  }, 120_000 + CYCLES * 30_000);
});

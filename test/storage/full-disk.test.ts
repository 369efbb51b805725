/**
 * A full disk, on a real filesystem that fills up: a small tmpfs mounted for the test (CI runs as
 * root; elsewhere the test needs root too, and is skipped without it unless CI=true).
 *
 * Invariants checked: writes fail with KAFKA_STORAGE_ERROR; reads keep working; every acknowledged
 * record is read back exactly once, in order, at contiguous offsets (nothing damaged, no offset
 * reused); once space returns the broker takes writes again by itself; and the same holds after a
 * restart on the same data.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type Broker } from '../../src/broker.js';

const CI = process.env.CI === 'true';
const TOPIC = 'filling';

let mnt = '';
let mounted = false;

function tryMount(dir: string): boolean {
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status === 0) return true;
  if (CI) throw new Error(`cannot mount a tmpfs for the full-disk test (CI runs as root): ${r.stderr || r.error}`);
  return false;
}

beforeAll(async () => {
  mnt = await mkdtemp(join(tmpdir(), 'runnel-full-'));
  mounted = tryMount(mnt);
});

afterAll(async () => {
  if (mounted) spawnSync('umount', ['-l', mnt]);
  await rm(mnt, { recursive: true, force: true });
});

/** Every record of the topic as "offset value" lines, read by kcat from the beginning. */
async function readAll(bootstrap: string): Promise<Array<{ offset: number; value: string }>> {
  // Asynchronously: the broker runs in this process.
  const { stdout: out } = await promisify(execFile)('kcat', ['-C', '-b', bootstrap, '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o %s\\n'], { encoding: 'utf8', timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [offset, value] = l.split(' ');
      return { offset: Number(offset), value };
    });
}

function expectExactly(read: Array<{ offset: number; value: string }>, acked: string[]): void {
  expect(read.map((r) => r.offset)).toEqual(read.map((_, i) => i));
  expect(read.map((r) => r.value)).toEqual(acked);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a full disk', () => {
  it('refuses writes with KAFKA_STORAGE_ERROR, keeps serving reads, loses nothing, and takes writes again once space returns', async (ctx) => {
    if (!mounted) return ctx.skip();
    const dataDir = join(mnt, 'data');
    const config = { listeners: 'PLAINTEXT://127.0.0.1:0', 'log.segment.bytes': 256 * 1024, 'offsets.topic.num.partitions': 1, 'transaction.state.log.num.partitions': 1 };
    let broker: Broker = await startBroker({ dataDir, config });
    const filler = join(mnt, 'filler');
    try {
      const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
      await admin.disconnect();
      // Room the test gives back later.
      await writeFile(filler, Buffer.alloc(1024 * 1024, 1));

      const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
      await producer.connect();
      const acked: string[] = [];
      const pad = 'x'.repeat(8 * 1024);
      let seq = 0;
      const send = async (): Promise<string | undefined> => {
        const id = `r${seq++}`;
        try {
          await producer.send({ topic: TOPIC, acks: -1, messages: [{ value: `${id}:${pad}` }] });
          acked.push(`${id}:${pad}`);
          return undefined;
        } catch (e) {
          // kafkajs wraps the broker's error once its retries are spent.
          const err = e as { type?: string; cause?: { type?: string } };
          return err.cause?.type ?? err.type ?? String(e);
        }
      };

      let failure: string | undefined;
      while (failure === undefined && seq < 5000) failure = await send();
      expect(failure).toBe('KAFKA_STORAGE_ERROR');
      expect(acked.length).toBeGreaterThan(50);
      // Still full: refused again, and reads keep working with everything acknowledged intact.
      expect(await send()).toBe('KAFKA_STORAGE_ERROR');
      expectExactly(await readAll(broker.bootstrap), acked);

      await rm(filler);
      const deadline = Date.now() + 20_000;
      let again: string | undefined = 'none yet';
      while (again !== undefined && Date.now() < deadline) {
        again = await send();
        if (again !== undefined) await sleep(300);
      }
      expect(again).toBeUndefined();
      for (let i = 0; i < 20; i++) expect(await send()).toBeUndefined();
      expectExactly(await readAll(broker.bootstrap), acked);
      await producer.disconnect();

      await broker.close();
      broker = await startBroker({ dataDir, config });
      expectExactly(await readAll(broker.bootstrap), acked);
    } finally {
      await broker.close();
    }
  }, 120_000);
});

/**
 * kill -9 of a broker process in the middle of transactions, of both protocol versions at once.
 * Four producers run transactions across two partitions, committing and aborting in turn, until
 * the broker is killed; a new broker on the same data directory then finishes what was prepared
 * and aborts what was open (transaction timeout). A real read_committed consumer (kafkajs) must
 * see every transaction whose commit was acknowledged, whole, nothing of one whose abort was
 * acknowledged, and each other transaction whole or not at all.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { freePort, waitListening } from '../helpers/ports.js';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from '../../src/broker.js';
import { KafkaWire } from '../helpers/kafka-wire.js';
import { createBatch } from '../../src/protocol/records.js';

const ROOT = resolve(import.meta.dirname, '../..');
const Z = '00000000-0000-0000-0000-000000000000';
const children = new Set<ChildProcess>();
const dirs: string[] = [];
afterAll(async () => {
  for (const c of children) {
    try {
      if (c.pid !== undefined) process.kill(-c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

interface Txn {
  values: string[];
  commit: boolean;
  /** The broker acknowledged the EndTxn before the crash. */
  acked: boolean;
}

/** One producer's loop: transactions of two batches (one per partition), commit and abort in turn, until the broker dies. */
async function producerLoop(port: number, id: string, v2: boolean, txns: Txn[], killed: { now: boolean }): Promise<void> {
  const w = await KafkaWire.connect(port);
  try {
    const init = await w.request(22, 5, { transactionalId: id, transactionTimeoutMs: 3000, producerId: -1n, producerEpoch: -1 });
    let { producerId, producerEpoch } = init;
    let seq = [0, 0]; // sequence numbers are per partition
    for (let n = 0; ; n++) {
      const txn: Txn = { values: [], commit: n % 2 === 0, acked: false };
      txns.push(txn);
      if (!v2)
        await w.request(24, 3, { transactions: [], v3AndBelowTransactionalId: id, v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: producerEpoch, v3AndBelowTopics: [{ name: 'crash', partitions: [0, 1] }] });
      for (const partition of [0, 1]) {
        const values = [0, 1, 2].map((i) => `${id}/${n}/${partition}/${i}`);
        const batch = createBatch(values.map((v) => ({ key: null, value: Buffer.from(v) })), { producerId, producerEpoch, baseSequence: seq[partition], transactional: true });
        txn.values.push(...values); // before the request: it may land even if its answer is lost
        const r = await w.request(0, v2 ? 12 : 9, { transactionalId: id, acks: -1, timeoutMs: 5000, topicData: [{ name: 'crash', topicId: Z, partitionData: [{ index: partition, records: batch }] }] });
        expect(r.responses[0].partitionResponses[0].errorCode).toBe(0);
        seq[partition] += 3;
      }
      const end = await w.request(26, v2 ? 5 : 3, { transactionalId: id, producerId, producerEpoch, committed: txn.commit });
      expect(end.errorCode).toBe(0);
      txn.acked = true;
      if (v2) {
        // Version 2: the next transaction runs at the epoch the coordinator bumped to, from sequence 0.
        ({ producerId, producerEpoch } = end);
        seq = [0, 0];
      }
    }
  } catch (err) {
    if (!killed.now) throw err; // only the crash may end the loop
  } finally {
    await w.close().catch(() => undefined);
  }
}

async function readCommitted(port: number): Promise<string[]> {
  const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], clientId: 'crash-reader', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `crash-reader-${Date.now()}`, readUncommitted: false });
  const seen: string[] = [];
  let last = Date.now();
  await consumer.connect();
  await consumer.subscribe({ topic: 'crash', fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      seen.push(message.value!.toString());
      last = Date.now();
    },
  });
  const started = Date.now();
  while (Date.now() - last < 2500 || (seen.length === 0 && Date.now() - started < 15_000)) await sleep(100);
  await consumer.disconnect();
  return seen;
}

describe('kill -9 during transactions', () => {
  it('a restarted broker completes or aborts every transaction whole; acknowledged commits are all there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runnel-txn-crash-'));
    dirs.push(dir);
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin/runnel.js'), 'start', '--override', `listeners=PLAINTEXT://127.0.0.1:${port}`, '--override', `log.dirs=${dir}`, '--override', 'runnel.metrics.port=0'],
      { cwd: ROOT, detached: true, stdio: 'ignore' },
    );
    children.add(child);
    await waitListening(port, { exited: new Promise((r) => child.once('exit', r)), stderr: () => '(not captured)' });
    const admin = await KafkaWire.connect(port);
    await admin.request(19, 7, { topics: [{ name: 'crash', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    await admin.close();

    const killed = { now: false };
    const runs = [
      { id: 'v1-a', v2: false },
      { id: 'v1-b', v2: false },
      { id: 'v2-a', v2: true },
      { id: 'v2-b', v2: true },
    ].map((p) => ({ ...p, txns: [] as Txn[] }));
    const loops = runs.map((r) => producerLoop(port, r.id, r.v2, r.txns, killed));
    await sleep(1500);
    killed.now = true;
    process.kill(-child.pid!, 'SIGKILL');
    await Promise.all(loops);
    const acked = runs.flatMap((r) => r.txns).filter((t) => t.acked);
    expect(acked.filter((t) => t.commit).length).toBeGreaterThan(4); // the crash came mid-stream, not before it
    for (const r of runs) expect(r.txns.some((t) => !t.acked)).toBe(true); // each producer was cut mid-transaction

    const broker = await startBroker({ port: 0, dataDir: dir, config: { 'transaction.abort.timed.out.transaction.cleanup.interval.ms': 200 } });
    try {
      // Transactions open at the crash hold the stable offset back until their 3 s timeout aborts them.
      const w = await KafkaWire.connect(broker.port);
      const offsets = async (isolationLevel: number) =>
        (await w.request(2, 5, { replicaId: -1, isolationLevel, topics: [{ name: 'crash', partitions: [0, 1].map((p) => ({ partitionIndex: p, currentLeaderEpoch: -1, timestamp: -1n })) }] })).topics[0].partitions.map((p: any) => String(p.offset));
      const deadline = Date.now() + 15_000;
      while (JSON.stringify(await offsets(1)) !== JSON.stringify(await offsets(0)) && Date.now() < deadline) await sleep(200);
      expect(await offsets(1)).toEqual(await offsets(0));
      await w.close();

      const seen = new Set(await readCommitted(broker.port));
      for (const r of runs)
        for (const t of r.txns) {
          const present = t.values.filter((v) => seen.has(v)).length;
          const what = `${r.id} ${t.commit ? 'commit' : 'abort'}${t.acked ? ' (acknowledged)' : ''}: ${present}/${t.values.length} visible`;
          if (t.acked) expect(what).toBe(`${r.id} ${t.commit ? 'commit' : 'abort'} (acknowledged): ${t.commit ? t.values.length : 0}/${t.values.length} visible`);
          else if (!t.commit) expect(present, what).toBe(0);
          else expect([0, t.values.length], what).toContain(present); // whole or not at all
        }
    } finally {
      await broker.close();
    }
  }, 60_000);
});

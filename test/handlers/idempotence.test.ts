/**
 * Idempotent produce: InitProducerId hands out ids never reused; retried batches are answered with
 * their original offsets and not written twice; gaps, old epochs and unknown producers get Kafka's
 * errors; all of it holds across a broker restart, clean or not.
 */
import { describe, it, expect } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type Broker } from '../../src/broker.js';
import { KafkaWire } from '../helpers/kafka-wire.js';
import { createBatch } from '../../src/protocol/records.js';
import { batchRecords } from '../../src/protocol/batch-records.js';

const Z = '00000000-0000-0000-0000-000000000000';

function idBatch(pid: bigint, epoch: number, seq: number, values: string[]): Buffer {
  return createBatch(values.map((v) => ({ key: null, value: Buffer.from(v) })), { producerId: pid, producerEpoch: epoch, baseSequence: seq });
}

async function produce(w: KafkaWire, topic: string, batch: Buffer) {
  const r = await w.request(0, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, topicId: Z, partitionData: [{ index: 0, records: batch }] }] });
  return r.responses[0].partitionResponses[0];
}

async function consumeAll(w: KafkaWire, topic: string): Promise<string[]> {
  const r = await w.request(1, 12, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, topicId: Z, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: Z, highWatermark: 0n }] }],
    forgottenTopicsData: [], rackId: '',
  });
  const recs = r.responses[0].partitions[0].records as Buffer;
  const out: string[] = [];
  for (let p = 0; p < recs.length; ) {
    const size = recs.readInt32BE(p + 8) + 12;
    for (const x of await batchRecords(recs.subarray(p, p + size))) out.push(x.value!.toString());
    p += size;
  }
  return out;
}

async function initProducerId(w: KafkaWire, v = 4): Promise<{ producerId: bigint; producerEpoch: number; errorCode: number }> {
  return w.request(22, v, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 });
}

describe('idempotent producers', () => {
  it('dedupes retries, refuses gaps, old epochs and unknown producers, also across restarts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'runnel-idem-'));
    let broker: Broker = await startBroker({ port: 0, dataDir });
    let w = await KafkaWire.connect(broker.port);
    const ids = new Set<bigint>();
    const p1 = await initProducerId(w);
    expect(p1.errorCode).toBe(0);
    ids.add(p1.producerId);
    for (let v = 0; v <= 5; v++) ids.add((await initProducerId(w, v)).producerId);
    expect(ids.size).toBe(7);
    const pid = p1.producerId;
    const topic = 'idem';
    await w.request(3, 9, { topics: [{ topicId: Z, name: topic }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });

    const b0 = idBatch(pid, 0, 0, ['a', 'b']);
    const b1 = idBatch(pid, 0, 2, ['c']);
    expect((await produce(w, topic, Buffer.from(b0))).baseOffset).toBe(0n);
    expect((await produce(w, topic, Buffer.from(b1))).baseOffset).toBe(2n);
    // A retry of b0 (e.g. its answer was lost) gets its original offset and is not stored again.
    const retry = await produce(w, topic, Buffer.from(b0));
    expect([retry.errorCode, retry.baseOffset]).toEqual([0, 0n]);
    // A gap (sequence 5 when 3 is next) is refused; so is an unknown producer not starting at 0.
    expect((await produce(w, topic, idBatch(pid, 0, 5, ['x']))).errorCode).toBe(45);
    expect((await produce(w, topic, idBatch(999_999n, 0, 7, ['x']))).errorCode).toBe(59);

    // Clean restart: the state comes back from the snapshot.
    await w.close();
    await broker.close();
    broker = await startBroker({ port: 0, dataDir });
    w = await KafkaWire.connect(broker.port);
    expect((await produce(w, topic, Buffer.from(b1))).baseOffset).toBe(2n);
    expect((await produce(w, topic, idBatch(pid, 0, 3, ['d']))).baseOffset).toBe(3n);
    // A new epoch starts at sequence 0; after it, the old epoch is fenced.
    expect((await produce(w, topic, idBatch(pid, 1, 4, ['y']))).errorCode).toBe(45);
    expect((await produce(w, topic, idBatch(pid, 1, 0, ['e']))).baseOffset).toBe(4n);
    expect((await produce(w, topic, idBatch(pid, 0, 4, ['z']))).errorCode).toBe(47);
    const fresh = await initProducerId(w);
    expect(ids.has(fresh.producerId)).toBe(false); // ids are never handed out twice, restarts included

    // Unclean restart (no close): the state is rebuilt from the log's batch headers.
    await w.close();
    // Simulate a crash: reopen the same directory without closing the first broker's logs cleanly.
    const crashed = await startBroker({ port: 0, dataDir: await copyWithoutMarker(dataDir, broker) });
    w = await KafkaWire.connect(crashed.port);
    expect((await produce(w, topic, idBatch(pid, 1, 0, ['e']))).baseOffset).toBe(4n);
    expect((await produce(w, topic, idBatch(pid, 1, 1, ['f']))).baseOffset).toBe(5n);
    expect(await consumeAll(w, topic)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    await w.close();
    await crashed.close();
    await broker.close();
  });
});

/** A copy of a live broker's data directory, as a crash would leave it (no clean-shutdown marker, no snapshot). */
async function copyWithoutMarker(dir: string, _live: Broker): Promise<string> {
  const { cp, rm, readdir } = await import('node:fs/promises');
  const copy = await mkdtemp(join(tmpdir(), 'runnel-idem-crash-'));
  await cp(dir, copy, { recursive: true });
  await rm(join(copy, '.runnel_cleanshutdown'), { force: true });
  for (const d of await readdir(copy)) await rm(join(copy, d, 'producer-state.snapshot'), { force: true }).catch(() => undefined);
  return copy;
}

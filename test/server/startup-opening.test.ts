/**
 * Start-up with partition logs still opening (src/storage/log-opening.ts): the broker listens and
 * answers ApiVersions and Metadata before they are open; a Produce or Fetch for a partition not
 * open yet waits for it and then succeeds; and after a crash a torn tail is cut before anything
 * of the partition is served. The opening of the test topic is held with openingHooks, so nothing
 * here depends on how fast the machine is.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { appendFile, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type Broker } from '../../src/broker.js';
import { openingHooks } from '../../src/storage/log-opening.js';
import { createBatch } from '../../src/protocol/records.js';
import { KafkaWire, clientHost, fetchBody } from '../helpers/kafka-wire.js';

const Z = '00000000-0000-0000-0000-000000000000';
const TOPIC = 'held';

let dir = '';
let broker: Broker | undefined;
afterEach(async () => {
  openingHooks.beforeOpen = undefined;
  await broker?.close();
  broker = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

function batch(value: string): Buffer {
  return createBatch([{ key: null, value: Buffer.from(value) }]);
}

const produce = (partition: number, value: string) => ({ transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, topicId: Z, partitionData: [{ index: partition, records: batch(value) }] }] });

/** A broker on `dir` with TOPIC (2 partitions) holding `values` in partition 0, stopped cleanly. */
async function prepare(values: string[]): Promise<void> {
  dir = await mkdtemp(join(tmpdir(), 'runnel-opening-'));
  const b = await startBroker({ port: 0, dataDir: dir });
  const c = await KafkaWire.connect(b.port, clientHost(b.host));
  await c.request(19, 5, { topics: [{ name: TOPIC, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  for (const v of values) expect((await c.request(0, 9, produce(0, v))).responses[0].partitionResponses[0].errorCode).toBe(0);
  await c.close();
  await b.close();
}

/** Holds the opening of TOPIC's partitions until the returned function is called. */
function holdOpening(): { release: () => void; reached: Promise<void> } {
  let release!: () => void;
  let reached!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const reachedP = new Promise<void>((resolve) => (reached = resolve));
  openingHooks.beforeOpen = async (topic) => {
    if (topic !== TOPIC) return;
    reached();
    await gate;
  };
  return { release, reached: reachedP };
}

/** Whether a response arrives within `ms` (it stays queued on the connection for receive()). */
async function answeredWithin(c: KafkaWire, ms: number): Promise<boolean> {
  await new Promise((r) => setTimeout(r, ms));
  return c.framesAvailable > 0;
}

describe('start-up while partition logs are opening', () => {
  it('listens and answers ApiVersions and Metadata at once; Produce and Fetch wait for the partition and succeed', async () => {
    await prepare(['a']);
    const held = holdOpening();
    broker = await startBroker({ port: 0, dataDir: dir });
    await held.reached;
    const c = await KafkaWire.connect(broker.port, clientHost(broker.host));
    expect((await c.request(18, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })).errorCode).toBe(0);
    const md = await c.request(3, 9, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false });
    expect(md.topics[0].errorCode).toBe(0);
    expect(md.topics[0].partitions.map((p: { partitionIndex: number; leaderId: number; errorCode: number }) => [p.partitionIndex, p.leaderId, p.errorCode])).toEqual([
      [0, broker.nodeId, 0],
      [1, broker.nodeId, 0],
    ]);
    c.send(0, 9, produce(0, 'b'));
    c.send(1, 11, fetchBody(TOPIC, 0, 0n));
    // Still held: neither may have been answered (it would have been, wrongly, from a missing log).
    expect(await answeredWithin(c, 300)).toBe(false);
    held.release();
    const p = (await c.receive(10_000)).body.responses[0].partitionResponses[0];
    expect([p.errorCode, Number(p.baseOffset)]).toEqual([0, 1]);
    const f = (await c.receive(10_000)).body.responses[0].partitions[0];
    expect(f.errorCode).toBe(0);
    expect(Number(f.highWatermark)).toBe(2);
    await c.close();
  });

  it('after a crash, a torn tail is cut before the partition serves anything', async () => {
    await prepare(['a', 'b']);
    // A crash in the middle of a write: no clean-shutdown marker, half a batch at the end of the segment.
    await rm(join(dir, '.runnel_cleanshutdown'));
    const partDir = join(dir, `${TOPIC}-0`);
    const segment = join(partDir, (await readdir(partDir)).find((n) => n.endsWith('.log'))!);
    const intactSize = (await stat(segment)).size;
    await appendFile(segment, batch('torn').subarray(0, 40));
    const held = holdOpening();
    broker = await startBroker({ port: 0, dataDir: dir });
    await held.reached;
    const c = await KafkaWire.connect(broker.port, clientHost(broker.host));
    c.send(2, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] });
    c.send(1, 11, fetchBody(TOPIC, 0, 0n));
    expect(await answeredWithin(c, 300)).toBe(false);
    held.release();
    const lo = (await c.receive(10_000)).body.topics[0].partitions[0];
    expect([lo.errorCode, Number(lo.offset)]).toEqual([0, 2]);
    const f = (await c.receive(10_000)).body.responses[0].partitions[0];
    expect(f.errorCode).toBe(0);
    expect(Number(f.highWatermark)).toBe(2);
    expect((f.records as Buffer).length).toBe(intactSize);
    expect((await stat(segment)).size).toBe(intactSize);
    const p = (await c.request(0, 9, produce(0, 'c'))).responses[0].partitionResponses[0];
    expect([p.errorCode, Number(p.baseOffset)]).toEqual([0, 2]);
    await c.close();
  });
});

/**
 * producer_byte_rate end to end on one node: a kafkajs producer over its client id's quota is slowed
 * to within a margin of the quota while a producer with another client id is not; a raw client sees
 * throttle_time_ms in Produce responses and its next request waits out the throttle (the broker
 * stops reading the connection); consumer_byte_rate caps a Fetch to one quota window's worth and
 * answers a fetch over the quota empty, with throttle_time_ms.
 * Short quota windows (3 × 1 s) keep the first burst small so the steady rate shows in seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type Broker } from '../../src/broker.js';
import { KafkaWire, clientHost, fetchBody } from '../helpers/kafka-wire.js';
import { createTopic, removeTempDirs, tempDir } from '../helpers/admin-wire.js';
import { createBatch } from '../../src/protocol/records.js';

const QUOTA = 100_000; // bytes/s
const VALUE = Buffer.alloc(10_000, 7);

let broker: Broker;
let bootstrap: string;

async function setQuota(entity: Array<[string, string | null]>, key: string, value: number): Promise<void> {
  const w = await KafkaWire.connect(broker.port, clientHost(broker.host));
  const res = await w.request(49, 1, { entries: [{ entity: entity.map(([entityType, entityName]) => ({ entityType, entityName })), ops: [{ key, value, remove: false }] }], validateOnly: false });
  await w.close();
  expect(res.entries[0].errorCode).toBe(0);
}

beforeAll(async () => {
  broker = await startBroker({ port: 0, dataDir: await tempDir(), config: { 'quota.window.num': 3, 'quota.window.size.seconds': 1 } });
  bootstrap = `${clientHost(broker.host)}:${broker.port}`;
  const w = await KafkaWire.connect(broker.port, clientHost(broker.host));
  await createTopic(w, { name: 'q', numPartitions: 1 });
  await w.close();
  await setQuota([['client-id', 'slow']], 'producer_byte_rate', QUOTA);
});

afterAll(async () => {
  await broker?.close();
  await removeTempDirs();
});

/** Bytes of values acknowledged per second by a kafkajs producer sending one 10 kB record at a time, after a warm-up. */
async function produceRate(clientId: string, warmupMs: number, measureMs: number): Promise<number> {
  const kafka = new Kafka({ clientId, brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const p = kafka.producer({ allowAutoTopicCreation: false });
  await p.connect();
  try {
    const start = Date.now();
    let bytes = 0;
    let measureFrom = 0;
    while (Date.now() - start < warmupMs + measureMs) {
      await p.send({ topic: 'q', acks: 1, messages: [{ value: VALUE }] });
      if (measureFrom === 0 && Date.now() - start >= warmupMs) measureFrom = Date.now();
      else if (measureFrom > 0) bytes += VALUE.length;
    }
    return (bytes * 1000) / (Date.now() - measureFrom);
  } finally {
    await p.disconnect();
  }
}

describe('producer_byte_rate', () => {
  it('slows the client over its quota to about the quota; another client id is not slowed', async () => {
    const [slow, fast] = await Promise.all([produceRate('slow', 3000, 6000), produceRate('fast', 3000, 6000)]);
    // Generous margins: the machine is shared and loaded.
    expect(slow).toBeLessThan(QUOTA * 1.5);
    expect(slow).toBeGreaterThan(QUOTA * 0.4);
    expect(fast).toBeGreaterThan(QUOTA * 3);
  }, 60_000);

  it('answers throttle_time_ms and does not read the connection for that long', async () => {
    const w = await KafkaWire.connect(broker.port, clientHost(broker.host));
    try {
      const body = { acks: 1, timeoutMs: 5000, topicData: [{ name: 'q', partitionData: [{ index: 0, records: createBatch([{ key: null, value: Buffer.alloc(500_000, 1), timestamp: Date.now() }]) }] }] };
      // 500 kB against 100 kB/s, measured over at most 3 windows of 1 s: over the quota whatever came before.
      w.send(0, 9, body, { clientId: 'slow' });
      const first = (await w.receive(15_000)).body;
      expect(first.responses[0].partitionResponses[0].errorCode).toBe(0);
      expect(first.throttleTimeMs).toBeGreaterThan(0);
      const t0 = Date.now();
      w.send(18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }, { clientId: 'slow' });
      const second = (await w.receive(first.throttleTimeMs + 15_000)).body;
      const waited = Date.now() - t0;
      expect(second.errorCode).toBe(0);
      expect(waited).toBeGreaterThanOrEqual(first.throttleTimeMs - 50);
    } finally {
      await w.close();
    }
  }, 60_000);
});

describe('consumer_byte_rate', () => {
  it('caps a fetch to quota × (samples − 1) windows, then answers empty with throttle_time_ms', async () => {
    const CONSUMER_QUOTA = 50_000; // one window's worth: 100 kB with 3 × 1 s windows
    await setQuota([['client-id', 'slow-consumer']], 'consumer_byte_rate', CONSUMER_QUOTA);
    const w = await KafkaWire.connect(broker.port, clientHost(broker.host));
    try {
      const fetch = async (offset: bigint): Promise<any> => {
        w.send(1, 12, fetchBody('q', 0, offset, { maxBytes: 10 << 20 }, { partitionMaxBytes: 10 << 20 }), { clientId: 'slow-consumer' });
        return (await w.receive(30_000)).body;
      };
      const first = await fetch(0n);
      const bytes = first.responses[0].partitions[0].records.length;
      expect(first.throttleTimeMs).toBe(0);
      expect(bytes).toBeGreaterThan(0);
      // The cap, plus at most the one batch that crosses it.
      expect(bytes).toBeLessThanOrEqual(2 * CONSUMER_QUOTA + 12_000);
      const second = await fetch(0n);
      expect(second.throttleTimeMs).toBeGreaterThan(0);
      expect(second.responses).toEqual([]);
    } finally {
      await w.close();
    }
  }, 60_000);
});

describe('request_percentage', () => {
  it('throttles a client whose requests use more than its share of the broker', async () => {
    // 0.001 % of one thread over a 2 s span: 20 µs of work in total, so a few requests exceed it.
    await setQuota([['client-id', 'busy']], 'request_percentage', 0.001);
    const w = await KafkaWire.connect(broker.port, clientHost(broker.host));
    try {
      let throttled = 0;
      for (let i = 0; i < 5 && throttled === 0; i++) {
        w.send(3, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }, { clientId: 'busy' });
        throttled = (await w.receive(30_000)).body.throttleTimeMs;
      }
      expect(throttled).toBeGreaterThan(0);
      // Bounded by one quota window (1 s here), however far over the quota.
      expect(throttled).toBeLessThanOrEqual(1000);
      // Another client id on the same broker is not throttled.
      w.send(3, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }, { clientId: 'idle' });
      const other = await w.receive(throttled + 30_000);
      expect(other.body.throttleTimeMs).toBe(0);
    } finally {
      await w.close();
    }
  }, 60_000);
});

// Last: it refuses connections from 127.0.0.1, which every test here uses.
describe('connection_creation_rate', () => {
  it('closes connections over the IP rate (after holding them), and counts only accepted ones', async () => {
    // 1/s over a 2 s minimum span: 2 connections at once; the next is held, unanswered, then closed.
    await setQuota([['ip', '127.0.0.1']], 'connection_creation_rate', 1);
    const accepted: KafkaWire[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const w = await KafkaWire.connect(broker.port, '127.0.0.1');
        accepted.push(w);
        expect((await w.request(18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' })).errorCode).toBe(0);
      }
      const refused = await KafkaWire.connect(broker.port, '127.0.0.1');
      accepted.push(refused);
      refused.send(18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
      const t0 = Date.now();
      expect(await refused.waitClosed(15_000)).toBe(true);
      expect(Date.now() - t0).toBeGreaterThan(100);
      expect(refused.bytesReceived).toBe(0);
    } finally {
      for (const w of accepted) await w.close();
    }
  }, 60_000);
});

/** A real idempotent producer (kafkajs, idempotent: true) writes each message exactly once. */
import { describe, it, expect } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from '../../src/broker.js';

describe('kafkajs idempotent producer against Runnel', () => {
  it('InitProducerId, sequenced batches, every message once and in order', async () => {
    const broker = await startBroker({ port: 0 });
    const kafka = new Kafka({ clientId: 'idem', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = 0; i < 20; i++) await producer.send({ topic: 'idem-js', messages: Array.from({ length: 5 }, (_, j) => ({ key: 'k', value: `m${i * 5 + j}` })) });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchTopicOffsets('idem-js');
    expect(offsets.high).toBe('100');
    await admin.disconnect();
    await broker.close();
  }, 30_000);
});

/** A real client (kafkajs, Produce v7) sees Kafka's per-record refusals: a keyless message on a compacted topic. */
import { describe, it, expect } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from '../../src/broker.js';

describe('kafkajs against per-record validation', () => {
  it('a message without a key on a compacted topic fails with INVALID_RECORD; keyed messages are written', async () => {
    const broker = await startBroker({ port: 0 });
    const kafka = new Kafka({ clientId: 'records', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 50 } });
    const admin = kafka.admin();
    const producer = kafka.producer();
    try {
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'js-compacted', numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
      await producer.connect();
      const err = await producer.send({ topic: 'js-compacted', messages: [{ key: 'a', value: '1' }, { value: 'no key' }] }).then(
        () => undefined,
        (e: any) => e,
      );
      expect(err).toBeDefined();
      const causes: any[] = [];
      for (let e = err; e; e = e.cause ?? e.originalError) causes.push(e);
      expect(causes.some((e) => e.type === 'INVALID_RECORD')).toBe(true);
      expect(causes.some((e) => e.retriable === true && e.type === 'INVALID_RECORD')).toBe(false);
      await producer.send({ topic: 'js-compacted', messages: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] });
      const [offsets] = await admin.fetchTopicOffsets('js-compacted');
      expect(offsets.high).toBe('2');
    } finally {
      await producer.disconnect();
      await admin.disconnect();
      await broker.close();
    }
  }, 30_000);
});

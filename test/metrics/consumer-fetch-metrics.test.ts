/**
 * What consumers fetched, by leader or follower (KIP-392): record counts come from whole batches'
 * headers, and a single broker (always the leader) reports its consumer reads as served_as="leader".
 */
import { describe, it, expect } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { recordsIn } from '../../src/metrics/consumer-fetch-metrics.js';
import { startBroker } from '../../src/broker.js';
import { batch } from '../storage/helpers.js';

describe('consumer fetch metrics', () => {
  it('counts the records of whole batches only', () => {
    const two = Buffer.concat([batch(3), batch(4)]);
    expect(recordsIn(two)).toBe(7);
    expect(recordsIn(two.subarray(0, two.length - 1))).toBe(3);
    expect(recordsIn(Buffer.alloc(0))).toBe(0);
    expect(recordsIn(Buffer.alloc(30, 0xff))).toBe(0);
  });

  it('reports a single broker\'s consumer reads as served by the leader', async () => {
    const broker = await startBroker({ port: 0, metrics: true, config: { 'runnel.metrics.port': 0 } });
    try {
      const kafka = new Kafka({ clientId: 'cfm', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'served', messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
      await producer.disconnect();
      const consumer = kafka.consumer({ groupId: 'cfm', rackId: 'r1' });
      let got = 0;
      await consumer.connect();
      await consumer.subscribe({ topic: 'served', fromBeginning: true });
      await consumer.run({ eachMessage: async () => void got++ });
      for (let i = 0; i < 100 && got < 3; i++) await new Promise((r) => setTimeout(r, 100));
      await consumer.disconnect();
      expect(got).toBe(3);
      const text = await (await fetch(`http://127.0.0.1:${broker.metricsPort}/metrics`)).text();
      expect(text).toMatch(/runnel_consumer_fetch_records_total\{topic="served",served_as="leader"\} 3\n/);
      expect(text).toMatch(/runnel_consumer_fetch_bytes_total\{topic="served",served_as="leader"\} [1-9]/);
      expect(text).not.toMatch(/served_as="follower"/);
      expect(text).not.toMatch(/runnel_preferred_read_replica_responses_total\{/);
    } finally {
      await broker.close();
    }
  }, 30_000);
});

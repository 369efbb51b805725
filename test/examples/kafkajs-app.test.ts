/**
 * The README's example: testing a kafkajs application against Runnel started inside the test
 * process, on a free port, with a temporary data directory that close() removes.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type Broker } from '../../src/index.js';

// The application under test: counts words from 'lines' and publishes the counts to 'counts'.
async function runWordCount(kafka: Kafka, lines: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const consumer = kafka.consumer({ groupId: 'word-count', maxWaitTimeInMs: 100 });
  const producer = kafka.producer();
  await Promise.all([consumer.connect(), producer.connect()]);
  await consumer.subscribe({ topics: ['lines'], fromBeginning: true });
  let seen = 0;
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        for (const w of message.value!.toString().split(/\s+/)) counts.set(w, (counts.get(w) ?? 0) + 1);
        if (++seen === lines) resolve();
      },
    });
  });
  await done;
  await producer.send({ topic: 'counts', messages: [...counts].map(([word, n]) => ({ key: word, value: String(n) })) });
  await Promise.all([consumer.disconnect(), producer.disconnect()]);
  return counts;
}

describe('a kafkajs app tested against an in-process Runnel', () => {
  let broker: Broker;
  let kafka: Kafka;

  beforeAll(async () => {
    broker = await startBroker({ port: 0 }); // free port, temporary data directory
    kafka = new Kafka({ clientId: 'example', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'lines', numPartitions: 3 }, { topic: 'counts', numPartitions: 1 }] });
    await admin.disconnect();
  });

  afterAll(async () => {
    const dir = broker.dataDir;
    await broker.close();
    expect(existsSync(dir)).toBe(false); // the temporary directory is gone
  });

  it('counts words', async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'lines', messages: [{ value: 'a b a' }, { value: 'b c' }, { value: 'a' }] });
    await producer.disconnect();
    const counts = await runWordCount(kafka, 3);
    expect(Object.fromEntries(counts)).toEqual({ a: 3, b: 2, c: 1 });
    const admin = kafka.admin();
    await admin.connect();
    const [p0] = await admin.fetchTopicOffsets('counts');
    expect(p0.high).toBe('3');
    await admin.disconnect();
  }, 30_000);
});

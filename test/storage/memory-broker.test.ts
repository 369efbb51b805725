/**
 * startBroker({ storage: 'memory' }): kafkajs produces, consumes in a group that commits, and
 * runs a transaction, and nothing reaches the disk (the configured log.dirs is never created).
 */
import { describe, it, expect, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type Broker } from '../../src/index.js';
import { pino } from 'pino';
import { tempDir } from './helpers.js';

describe("a broker with storage: 'memory'", () => {
  let broker: Broker | undefined;
  afterAll(async () => broker?.close());

  it('serves produce, group consume with commits and transactions without touching the disk', async () => {
    const unused = join(await tempDir(), 'never-created');
    broker = await startBroker({ port: 0, storage: 'memory', config: { 'log.dirs': unused, 'offsets.topic.num.partitions': 3, 'transaction.state.log.num.partitions': 2 } });
    expect(broker.dataDir).toBe('');
    const kafka = new Kafka({ clientId: 'mem', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'events', numPartitions: 2 }] });

    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic: 'events', messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: 'g', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: ['events'], fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          seen.push(message.value!.toString());
          await consumer.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
          if (seen.length === 10) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(seen.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`).sort());
    const [committed] = await admin.fetchOffsets({ groupId: 'g', topics: ['events'] });
    expect(committed.partitions.reduce((s, p) => s + Number(p.offset), 0)).toBe(10);

    const txn = kafka.producer({ transactionalId: 'tx', maxInFlightRequests: 1, idempotent: true });
    await txn.connect();
    const t = await txn.transaction();
    await t.send({ topic: 'events', messages: [{ key: 'k0', value: 'in-txn' }] });
    await t.commit();
    await txn.disconnect();
    const offsets = await admin.fetchTopicOffsets('events');
    // 10 records and one transaction (a record and its commit marker).
    expect(offsets.reduce((s, p) => s + Number(p.high), 0)).toBe(12);
    await admin.disconnect();

    await broker.close();
    broker = undefined;
    expect(existsSync(unused)).toBe(false);
  }, 60_000);

  it('compacts a compacted topic: the latest value per key stays, at its offset', async () => {
    const compacted: Array<{ topic: string; recordsRemoved: number }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void (JSON.parse(line).msg === 'compacted segments' && compacted.push(JSON.parse(line))) });
    // Small segments so the overwrites end up in closed ones; the cleaner runs every 100 ms.
    broker = await startBroker({ port: 0, storage: 'memory', logger, config: { 'log.segment.bytes': 200, 'log.cleaner.backoff.ms': 100 } });
    const kafka = new Kafka({ clientId: 'mem-compact', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'table', numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < 12; i++) await producer.send({ topic: 'table', messages: [{ key: `k${i % 3}`, value: `v${i}` }] });
    await producer.disconnect();
    for (let waited = 0; !compacted.some((c) => c.topic === 'table') && waited < 20_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    expect(compacted.find((c) => c.topic === 'table')?.recordsRemoved).toBeGreaterThan(0);

    const consumer = kafka.consumer({ groupId: 'compact-reader', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: ['table'], fromBeginning: true });
    const seen: Array<[number, string, string]> = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push([Number(message.offset), message.key!.toString(), message.value!.toString()]);
          if (Number(message.offset) === 11) resolve();
        },
      });
    });
    await consumer.disconnect();
    await admin.disconnect();
    // Fewer records than were written, each at its original offset, and the latest of each key is there.
    expect(seen.length).toBeLessThan(12);
    for (const [offset, key, value] of seen) expect([key, value]).toEqual([`k${offset % 3}`, `v${offset}`]);
    expect(seen.slice(-3).map(([o]) => o)).toEqual([9, 10, 11]);
    await broker.close();
    broker = undefined;
  }, 60_000);

  it('refuses a data directory', async () => {
    await expect(startBroker({ port: 0, storage: 'memory', dataDir: await tempDir() })).rejects.toThrow(/storage: 'memory'/);
  });
});

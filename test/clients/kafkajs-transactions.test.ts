/**
 * Transactions with a real client (kafkajs): a committed and an aborted transaction, a read_committed
 * consumer that sees exactly the committed messages, a read_uncommitted one that sees both, and
 * offsets committed inside a transaction. Also a fenced producer and a broker restart mid-transaction.
 */
import { describe, it, expect } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type Broker } from '../../src/broker.js';

async function readAll(kafka: Kafka, topic: string, group: string, readUncommitted: boolean, expect: number, ms = 8000): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: group, readUncommitted, maxWaitTimeInMs: 100 });
  const seen: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
  const deadline = Date.now() + ms;
  while (seen.length < expect && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 300));
  await consumer.disconnect();
  return seen;
}

describe('kafkajs transactions against Runnel', () => {
  it('read_committed sees exactly the committed messages; offsets commit with the transaction', async () => {
    const broker = await startBroker({ port: 0 });
    const kafka = new Kafka({ clientId: 'txn', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'txn-out', numPartitions: 2 }, { topic: 'txn-in', numPartitions: 1 }] });
    const producer = kafka.producer({ transactionalId: 'tx-1', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const t1 = await producer.transaction();
    await t1.send({ topic: 'txn-out', messages: [{ key: 'a', value: 'committed-1' }, { key: 'b', value: 'committed-2' }] });
    await t1.commit();
    const t2 = await producer.transaction();
    await t2.send({ topic: 'txn-out', messages: [{ key: 'a', value: 'aborted-1' }, { key: 'b', value: 'aborted-2' }] });
    await t2.abort();
    const t3 = await producer.transaction();
    await t3.send({ topic: 'txn-out', messages: [{ key: 'c', value: 'committed-3' }] });
    await t3.sendOffsets({ consumerGroupId: 'txn-group', topics: [{ topic: 'txn-in', partitions: [{ partition: 0, offset: '42' }] }] });
    await t3.commit();
    await producer.disconnect();

    expect((await readAll(kafka, 'txn-out', 'rc', false, 3)).sort()).toEqual(['committed-1', 'committed-2', 'committed-3']);
    expect((await readAll(kafka, 'txn-out', 'ru', true, 5)).sort()).toEqual(['aborted-1', 'aborted-2', 'committed-1', 'committed-2', 'committed-3']);
    const offsets = await admin.fetchOffsets({ groupId: 'txn-group', topics: ['txn-in'] });
    expect(offsets[0].partitions[0].offset).toBe('42');
    await admin.disconnect();
    await broker.close();
  }, 60_000);

  it('a second producer with the same transactional id fences the first and aborts its open transaction, also across a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'runnel-txn-'));
    let broker: Broker = await startBroker({ port: 0, dataDir });
    let kafka = new Kafka({ clientId: 'txn', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
    const first = kafka.producer({ transactionalId: 'tx-fence', maxInFlightRequests: 1, idempotent: true });
    await first.connect();
    const open = await first.transaction();
    await open.send({ topic: 'fence-out', messages: [{ value: 'left-open' }] });
    // The broker restarts with the transaction still open.
    const port = broker.port;
    await broker.close();
    broker = await startBroker({ port, dataDir });
    kafka = new Kafka({ clientId: 'txn2', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const second = kafka.producer({ transactionalId: 'tx-fence', maxInFlightRequests: 1, idempotent: true });
    await second.connect(); // InitProducerId: aborts the open transaction, fences the first producer
    const t = await second.transaction();
    await t.send({ topic: 'fence-out', messages: [{ value: 'from-second' }] });
    await t.commit();
    await expect(open.commit()).rejects.toThrow();
    expect(await readAll(kafka, 'fence-out', 'fence-rc', false, 1)).toEqual(['from-second']);
    await second.disconnect();
    await first.disconnect().catch(() => undefined);
    await broker.close();
  }, 60_000);

  it('a fenced producer gets a fencing error kafkajs understands (INVALID_PRODUCER_EPOCH, not unknown code 90)', async () => {
    const broker = await startBroker({ port: 0 });
    const kafka = new Kafka({ clientId: 'txn', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 1 } });
    const old = kafka.producer({ transactionalId: 'tx-zombie', maxInFlightRequests: 1, idempotent: true });
    await old.connect();
    const open = await old.transaction();
    await open.send({ topic: 'zombie-out', messages: [{ value: 'zombie' }] });
    const next = kafka.producer({ transactionalId: 'tx-zombie', maxInFlightRequests: 1, idempotent: true });
    await next.connect();
    await (await next.transaction()).abort(); // InitProducerId with the id: fences the old instance
    // kafkajs speaks EndTxn v1, which predates PRODUCER_FENCED.
    await expect(open.commit()).rejects.toMatchObject({ name: 'KafkaJSProtocolError', type: 'INVALID_PRODUCER_EPOCH' });
    await next.disconnect();
    await old.disconnect().catch(() => undefined);
    await broker.close();
  }, 60_000);
});

/** Shared by the kafkajs scenario scripts (files starting with _ are not scenarios). */
import { Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import { readAll, type ReadRecord } from '../../lib/read-back.js';
import { check } from '../../lib/scenario.js';

export const CLIENT_ID = 'runnel-compat-kafkajs';

export function client(bootstrap: string): Kafka {
  return new Kafka({ clientId: CLIENT_ID, brokers: [bootstrap], logLevel: logLevel.WARN });
}

/**
 * A plain producer: not idempotent (kafkajs' default; the `idempotent` scenario covers that), no
 * auto-creation (the scripts create their topics first), and kafkajs 2's default
 * partitioner (murmur2 of the key, as the Java client) named explicitly, which also silences the
 * warning kafkajs logs about its change in 2.0.
 */
export function producer(kafka: Kafka): Producer {
  return kafka.producer({ allowAutoTopicCreation: false, idempotent: false, createPartitioner: Partitioners.DefaultPartitioner });
}

/**
 * Creates the topic with admin.createTopics(); where the broker does not serve CreateTopics
 * (KafkaJSServerDoesNotSupportApiKey), lets a consumer's subscribe() auto-create it through
 * Metadata, with the broker's num.partitions (kafkajs' admin client never asks for auto-creation,
 * see metadata.ts; subscribe() needs no group coordinator, only run() does). Waits until the
 * topic has `partitions` partitions with a leader and returns how it was created.
 */
export async function createTopic(kafka: Kafka, admin: Admin, topic: string, partitions: number): Promise<string> {
  let how = 'CreateTopics';
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  } catch (err) {
    if ((err as Error).name !== 'KafkaJSServerDoesNotSupportApiKey') throw err;
    how = 'auto-creation (the broker does not serve CreateTopics)';
    const consumer = kafka.consumer({ groupId: `${topic}-unused`, allowAutoTopicCreation: true });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic] });
    } finally {
      await consumer.disconnect();
    }
  }
  const deadline = Date.now() + 20_000;
  for (;;) {
    const meta = await admin.fetchTopicMetadata({ topics: [topic] }).catch((err: Error) => err);
    const parts = meta instanceof Error ? meta : meta.topics[0]?.partitions;
    if (Array.isArray(parts) && parts.length === partitions && parts.every((p) => p.leader >= 0)) return how;
    check(Date.now() < deadline, `${topic} should have ${partitions} partition(s) after ${how}`, parts);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A message as kafkajs' consumer hands it over, with its partition. */
export interface Consumed {
  partition: number;
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/**
 * Whether the broker serves consumer groups: kafkajs' consumer has no group-less mode (no
 * assign()), so without them it cannot read at all. Probed with admin.listGroups().
 */
export async function servesGroups(admin: Admin): Promise<boolean> {
  try {
    await admin.listGroups();
    return true;
  } catch (err) {
    if ((err as Error).name === 'KafkaJSServerDoesNotSupportApiKey') return false;
    throw err;
  }
}

/**
 * Reads the topic from the beginning with kafkajs' consumer, in a group of its own, until
 * `expected` messages have arrived and `settleMs` more have brought no further one (a duplicate
 * would be one). Returns them in the order eachMessage saw them.
 */
export async function consumeAll(
  kafka: Kafka,
  topic: string,
  expected: number,
  opts: { maxBytesPerPartition?: number; timeoutMs?: number; settleMs?: number } = {},
): Promise<Consumed[]> {
  const consumer = kafka.consumer({
    groupId: `${topic}-reader`,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 100,
    ...(opts.maxBytesPerPartition ? { maxBytesPerPartition: opts.maxBytesPerPartition, maxBytes: 2 * opts.maxBytesPerPartition } : {}),
  });
  const out: Consumed[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let crashed: Error | undefined;
    consumer.on(consumer.events.CRASH, (e) => {
      crashed = e.payload.error;
    });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        out.push({ partition, offset: message.offset, timestamp: message.timestamp, key: message.key, value: message.value, headers });
      },
    });
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    let lastCount = -1;
    let stableSince = Date.now();
    for (;;) {
      check(!crashed, `${topic}: the consumer crashed`, crashed?.message);
      if (out.length !== lastCount) {
        lastCount = out.length;
        stableSince = Date.now();
      }
      if (out.length >= expected && Date.now() - stableSince >= (opts.settleMs ?? 300)) return out;
      check(Date.now() < deadline, `${topic}: ${out.length} of ${expected} messages consumed in time`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await consumer.disconnect();
  }
}

/**
 * Reads everything back: with kafkajs' own consumer where the broker serves consumer groups, or
 * else with @platformatic/kafka's group-less Consumer#fetch() (compat/lib/read-back.ts), as
 * kafkajs cannot consume without a group. Records read by kafkajs carry no batch attributes (-1).
 */
export async function readBack(
  kafka: Kafka,
  admin: Admin,
  o: { bootstrap: string; topic: string; partitions: number; expected: number; maxBytesPerPartition?: number },
): Promise<{ records: ReadRecord[]; by: string }> {
  if (!(await servesGroups(admin))) {
    const records = await readAll({ bootstrap: o.bootstrap, topic: o.topic, partitions: o.partitions, partitionMaxBytes: o.maxBytesPerPartition });
    return { records, by: "@platformatic/kafka's group-less fetch (kafkajs' consumer needs consumer groups, which the broker does not serve)" };
  }
  const consumed = await consumeAll(kafka, o.topic, o.expected, { maxBytesPerPartition: o.maxBytesPerPartition });
  const records = consumed.map((m) => ({
    partition: m.partition,
    offset: BigInt(m.offset),
    timestamp: BigInt(m.timestamp),
    logAppendTime: false,
    key: m.key,
    value: m.value,
    headers: Object.entries(m.headers),
    batchAttributes: -1,
  }));
  return { records, by: "kafkajs' consumer (in a group of its own, fromBeginning)" };
}

/**
 * Helpers for the topic-administration tests: a broker with a raw wire client, request bodies for
 * the admin APIs, and writing records into a stopped broker's data directory (so the tests of
 * DeleteRecords, DescribeLogDirs and retention do not depend on Produce).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type Broker, type StartBrokerOptions } from '../../src/broker.js';
import { BrokerConfig } from '../../src/config/config.js';
import { TopicRegistry } from '../../src/cluster/topics.js';
import { LogManager } from '../../src/storage/log-manager.js';
import { createBatch } from '../../src/protocol/records.js';
import { validateProducedBatch } from '../../src/protocol/record-batch.js';
import { silentLogger } from '../../src/util/logger.js';
import { KafkaWire, clientHost } from './kafka-wire.js';

export const ZERO = '00000000-0000-0000-0000-000000000000';

export const API = {
  METADATA: 3,
  CREATE_TOPICS: 19,
  DELETE_TOPICS: 20,
  DELETE_RECORDS: 21,
  OFFSET_FOR_LEADER_EPOCH: 23,
  DESCRIBE_CONFIGS: 32,
  ALTER_CONFIGS: 33,
  DESCRIBE_LOG_DIRS: 35,
  CREATE_PARTITIONS: 37,
  INCREMENTAL_ALTER_CONFIGS: 44,
  DESCRIBE_TOPIC_PARTITIONS: 75,
} as const;

export const TOPIC = 2;
export const BROKER = 4;

export interface AdminBroker {
  broker: Broker;
  c: KafkaWire;
  dataDir: string;
  close(): Promise<void>;
}

const dirs: string[] = [];

export async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'runnel-admin-test-'));
  dirs.push(d);
  return d;
}

export async function removeTempDirs(): Promise<void> {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
}

/** A broker on a data directory of its own (kept until removeTempDirs) and a connected client. */
export async function startAdmin(opts: StartBrokerOptions & { dataDir?: string } = {}): Promise<AdminBroker> {
  const dataDir = opts.dataDir ?? (await tempDir());
  const broker = await startBroker({ port: 0, ...opts, dataDir });
  const c = await KafkaWire.connect(broker.port, clientHost(broker.host));
  return {
    broker,
    c,
    dataDir,
    async close() {
      await c.close();
      await broker.close();
    },
  };
}

export interface NewTopic {
  name: string;
  numPartitions?: number;
  replicationFactor?: number;
  assignments?: Array<{ partitionIndex: number; brokerIds: number[] }>;
  configs?: Record<string, string | null>;
}

export function createTopicsBody(topics: NewTopic[], validateOnly = false) {
  return {
    topics: topics.map((t) => ({
      name: t.name,
      numPartitions: t.numPartitions ?? 1,
      replicationFactor: t.replicationFactor ?? 1,
      assignments: t.assignments ?? [],
      configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
    })),
    timeoutMs: 10_000,
    validateOnly,
  };
}

/** Creates topics at CreateTopics v`version` and returns the results by name. */
export async function createTopics(c: KafkaWire, topics: NewTopic[], version = 7, validateOnly = false): Promise<Map<string, any>> {
  const res = await c.request(API.CREATE_TOPICS, version, createTopicsBody(topics, validateOnly));
  return new Map(res.topics.map((t: any) => [t.name, t]));
}

export async function createTopic(c: KafkaWire, t: NewTopic, version = 7): Promise<any> {
  const r = (await createTopics(c, [t], version)).get(t.name);
  if (r.errorCode !== 0) throw new Error(`creating ${t.name}: error ${r.errorCode} ${r.errorMessage}`);
  return r;
}

export async function metadataOf(c: KafkaWire, name: string): Promise<any> {
  const res = await c.request(API.METADATA, 12, { topics: [{ topicId: ZERO, name }], allowAutoTopicCreation: false });
  return res.topics[0];
}

export async function describeTopicConfigs(c: KafkaWire, name: string, keys: string[] | null = null, version = 4, extra: Record<string, unknown> = {}): Promise<any> {
  const res = await c.request(API.DESCRIBE_CONFIGS, version, {
    resources: [{ resourceType: TOPIC, resourceName: name, configurationKeys: keys }],
    includeSynonyms: true,
    includeDocumentation: true,
    ...extra,
  });
  return res.results[0];
}

/** The topic's configs as name → value. */
export async function topicConfigMap(c: KafkaWire, name: string): Promise<Map<string, any>> {
  const r = await describeTopicConfigs(c, name);
  if (r.errorCode !== 0) throw new Error(`describing ${name}: error ${r.errorCode} ${r.errorMessage}`);
  return new Map(r.configs.map((e: any) => [e.name, e]));
}

/** A batch of `n` records with values `${tag}${i}` and the given timestamp. */
export function batchOf(n: number, tag = 'v', timestamp = Date.now()): Buffer {
  return createBatch(
    Array.from({ length: n }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`${tag}${i}`), timestamp })),
    { baseTimestamp: timestamp },
  );
}

/**
 * Appends batches to partitions of existing topics in a stopped broker's data directory, as the
 * broker's own LogManager would, then closes it cleanly.
 */
/** Appends batches to partitions of a stopped broker's data dir; `epochs[i]`, when given, is the leader epoch assigned before batch i. */
export async function appendOffline(dataDir: string, writes: Array<{ topic: string; partition: number; batches: Buffer[]; epochs?: number[] }>): Promise<void> {
  const config = new BrokerConfig({ 'log.dirs': dataDir });
  const registry = await TopicRegistry.open(dataDir);
  const logs = await LogManager.open(config, registry.list(), (n) => registry.get(n)?.configs ?? {}, silentLogger);
  await logs.whenOpen();
  try {
    for (const w of writes) {
      const p = logs.partition(w.topic, w.partition);
      if (!p) throw new Error(`no partition ${w.topic}-${w.partition}`);
      for (const [i, b] of w.batches.entries()) {
        if (w.epochs) await p.assignLeaderEpoch(w.epochs[i]);
        await p.append(b, validateProducedBatch(b));
      }
    }
  } finally {
    await logs.close();
  }
}

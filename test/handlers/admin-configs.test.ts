/**
 * DescribeConfigs (32), AlterConfigs (33) and IncrementalAlterConfigs (44): topic and broker
 * resources at every version, sources and synonyms, validation, persistence, hostile input, and
 * that a changed topic config takes effect on the running logs without a restart.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { BrokerConfig } from '../../src/config/config.js';
import { TopicRegistry } from '../../src/cluster/topics.js';
import { singleNodeOwner } from '../helpers/metadata-owner.js';
import { LogManager } from '../../src/storage/log-manager.js';
import { validateProducedBatch } from '../../src/protocol/record-batch.js';
import { TOPIC_CONFIG_NAMES } from '../../src/config/topic-configs.js';
import incrementalAlterConfigs from '../../src/handlers/44-incremental-alter-configs.js';
import type { BrokerServices, HandlerContext } from '../../src/handlers/types.js';
import { silentLogger } from '../../src/util/logger.js';
import type { KafkaWire } from '../helpers/kafka-wire.js';
import {
  API,
  BROKER,
  TOPIC,
  appendOffline,
  batchOf,
  createTopic,
  describeTopicConfigs,
  removeTempDirs,
  startAdmin,
  tempDir,
  topicConfigMap,
  type AdminBroker,
} from '../helpers/admin-wire.js';
import { testClient } from '../helpers/client-info.js';
import { ALLOW_ALL } from '../../src/ports/authorizer.js';

const NODE = 3;
const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;
const E = { NONE: 0, UNKNOWN_TOPIC_OR_PARTITION: 3, INVALID_TOPIC_EXCEPTION: 17, INVALID_CONFIG: 40, INVALID_REQUEST: 42 };
const SRC = { TOPIC: 1, STATIC: 4, DEFAULT: 5 };

let a: AdminBroker;
let c: KafkaWire;

beforeAll(async () => {
  a = await startAdmin({ config: { 'node.id': NODE, 'log.retention.hours': 24, 'num.partitions': 2 } });
  c = a.c;
});

afterAll(async () => {
  await a?.close();
  await removeTempDirs();
});

const alter = (resources: Array<{ type?: number; name: string; configs: Record<string, string | null> }>, v = 2, validateOnly = false) =>
  c.request(API.ALTER_CONFIGS, v, {
    resources: resources.map((r) => ({
      resourceType: r.type ?? TOPIC,
      resourceName: r.name,
      configs: Object.entries(r.configs).map(([name, value]) => ({ name, value })),
    })),
    validateOnly,
  });

type Op = [name: string, op: number, value: string | null];
const incremental = (k: KafkaWire, resources: Array<{ type?: number; name: string; ops: Op[] }>, v = 1, validateOnly = false) =>
  k.request(API.INCREMENTAL_ALTER_CONFIGS, v, {
    resources: resources.map((r) => ({
      resourceType: r.type ?? TOPIC,
      resourceName: r.name,
      configs: r.ops.map(([name, configOperation, value]) => ({ name, configOperation, value })),
    })),
    validateOnly,
  });

const overrides = async (name: string) => {
  const m = await topicConfigMap(c, name);
  return Object.fromEntries([...m.values()].filter((e) => e.configSource === SRC.TOPIC).map((e) => [e.name, e.value]));
};

describe('DescribeConfigs', () => {
  for (let v = 0; v <= 4; v++) {
    it(`v${v} describes every topic key with value, source, synonyms, type and documentation as the version allows`, async () => {
      const name = `dc-v${v}`;
      await createTopic(c, { name, configs: { 'retention.bytes': '1000' } });
      const r = await describeTopicConfigs(c, name, null, v);
      expect(r).toMatchObject({ errorCode: 0, errorMessage: null, resourceType: TOPIC, resourceName: name });
      const byName = new Map<string, any>(r.configs.map((e: any) => [e.name, e]));
      expect([...byName.keys()].sort()).toEqual([...TOPIC_CONFIG_NAMES]);
      const bytes = byName.get('retention.bytes');
      const ms = byName.get('retention.ms');
      const seg = byName.get('segment.bytes');
      expect(bytes).toMatchObject({ value: '1000', readOnly: false, isSensitive: false });
      // log.retention.hours=24 in server.properties: the topic's retention.ms is a day.
      expect(ms.value).toBe(String(24 * 3_600_000));
      expect(seg.value).toBe(String(1024 ** 3));
      if (v === 0) {
        expect(bytes.isDefault).toBe(false);
        // Kafka ranks log.retention.ms first; with it unset the synonyms are dropped and the source is DEFAULT_CONFIG.
        expect(ms.isDefault).toBe(true);
        expect(seg.isDefault).toBe(true);
      } else {
        expect(bytes.configSource).toBe(SRC.TOPIC);
        expect(ms.configSource).toBe(SRC.DEFAULT);
        expect(seg.configSource).toBe(SRC.DEFAULT);
        expect(bytes.synonyms).toEqual([
          { name: 'retention.bytes', value: '1000', source: SRC.TOPIC },
          { name: 'log.retention.bytes', value: '-1', source: SRC.DEFAULT },
        ]);
        expect(ms.synonyms).toEqual([]);
      }
      if (v >= 3) {
        expect(ms.configType).toBe(5); // LONG
        expect(byName.get('cleanup.policy').configType).toBe(7); // LIST
        expect(byName.get('preallocate').configType).toBe(1); // BOOLEAN
        expect(typeof ms.documentation).toBe('string');
      }
      // Without includeSynonyms / includeDocumentation, none.
      const bare = await describeTopicConfigs(c, name, ['retention.ms'], v, { includeSynonyms: false, includeDocumentation: false });
      expect(bare.configs).toHaveLength(1);
      expect(bare.configs[0].synonyms ?? []).toEqual([]);
      if (v >= 3) expect(bare.configs[0].documentation).toBeNull();
    });
  }

  it('requested keys only (unknown ones left out); an empty list means all', async () => {
    await createTopic(c, { name: 'dc-keys' });
    const some = await describeTopicConfigs(c, 'dc-keys', ['segment.ms', 'no.such.key', 'cleanup.policy']);
    expect(some.configs.map((e: any) => e.name).sort()).toEqual(['cleanup.policy', 'segment.ms']);
    const all = await describeTopicConfigs(c, 'dc-keys', []);
    expect(all.configs).toHaveLength(TOPIC_CONFIG_NAMES.length);
  });

  it('broker resources: this node (all read-only keys), "" (no dynamic defaults), other ids refused', async () => {
    const res = await c.request(API.DESCRIBE_CONFIGS, 4, {
      resources: [
        { resourceType: BROKER, resourceName: String(NODE), configurationKeys: null },
        { resourceType: BROKER, resourceName: '', configurationKeys: null },
        { resourceType: BROKER, resourceName: String(NODE + 1), configurationKeys: null },
        { resourceType: BROKER, resourceName: 'one', configurationKeys: null },
      ],
      includeSynonyms: true,
      includeDocumentation: false,
    });
    const [self, dflt, other, nan] = res.results;
    expect(self.errorCode).toBe(0);
    const byName = new Map<string, any>(self.configs.map((e: any) => [e.name, e]));
    expect(byName.get('num.partitions')).toMatchObject({ value: '2', readOnly: true, configSource: SRC.STATIC, configType: 3 });
    expect(byName.get('delete.topic.enable')).toMatchObject({ value: 'true', readOnly: true, configSource: SRC.DEFAULT, configType: 1 });
    expect(byName.get('log.retention.hours').synonyms).toEqual([
      { name: 'log.retention.hours', value: '24', source: SRC.STATIC },
      { name: 'log.retention.hours', value: '168', source: SRC.DEFAULT },
    ]);
    expect(byName.get('log.retention.ms')).toMatchObject({ value: null, configSource: SRC.DEFAULT, synonyms: [] });
    expect(byName.get('log.dirs').value).toBe(a.dataDir);
    expect(dflt).toMatchObject({ errorCode: 0, configs: [] });
    expect(other).toMatchObject({ errorCode: E.INVALID_REQUEST, configs: [] });
    expect(other.errorMessage).toMatch(`expected ${NODE}`);
    expect(nan.errorCode).toBe(E.INVALID_REQUEST);
  });

  it('unknown topics, illegal names and unsupported resource types fail only their own resource', async () => {
    await createTopic(c, { name: 'dc-fine' });
    const res = await c.request(API.DESCRIBE_CONFIGS, 2, {
      resources: [
        { resourceType: TOPIC, resourceName: 'dc-missing', configurationKeys: null },
        { resourceType: TOPIC, resourceName: 'bad name', configurationKeys: null },
        { resourceType: TOPIC, resourceName: '', configurationKeys: null },
        { resourceType: 8, resourceName: String(NODE + 1), configurationKeys: null },
        { resourceType: 32, resourceName: '', configurationKeys: null },
        { resourceType: 99, resourceName: 'x', configurationKeys: null },
        { resourceType: -1, resourceName: 'x', configurationKeys: null },
        { resourceType: TOPIC, resourceName: 'dc-fine', configurationKeys: ['retention.ms'] },
      ],
      includeSynonyms: false,
    });
    expect(res.results.map((r: any) => r.errorCode)).toEqual([
      E.UNKNOWN_TOPIC_OR_PARTITION,
      E.INVALID_TOPIC_EXCEPTION,
      E.INVALID_TOPIC_EXCEPTION,
      E.INVALID_REQUEST,
      E.INVALID_REQUEST,
      E.INVALID_REQUEST,
      E.INVALID_REQUEST,
      0,
    ]);
    expect(res.results[7].configs).toHaveLength(1);
    const many = await c.request(API.DESCRIBE_CONFIGS, 4, {
      resources: Array.from({ length: 10_001 }, () => ({ resourceType: TOPIC, resourceName: 'dc-missing', configurationKeys: null })),
      includeSynonyms: false,
      includeDocumentation: false,
    });
    expect(many.results.slice(0, 10_000).every((r: any) => r.errorCode === E.UNKNOWN_TOPIC_OR_PARTITION)).toBe(true);
    expect(many.results[10_000].errorCode).toBe(E.INVALID_REQUEST);
    expect(res.results.map((r: any) => r.resourceType)).toEqual([TOPIC, TOPIC, TOPIC, 8, 32, 99, -1, TOPIC]);
  });
});

describe('AlterConfigs', () => {
  for (let v = 0; v <= 2; v++) {
    it(`v${v} replaces every override of a topic`, async () => {
      const name = `ac-v${v}`;
      await createTopic(c, { name, configs: { 'retention.ms': '1000', 'cleanup.policy': 'compact' } });
      const res = await alter([{ name, configs: { 'segment.ms': '60000', 'max.message.bytes': '5000' } }], v);
      expect(res.responses).toEqual([{ errorCode: 0, errorMessage: null, resourceType: TOPIC, resourceName: name }]);
      expect(await overrides(name)).toEqual({ 'segment.ms': '60000', 'max.message.bytes': '5000' });
      expect((await topicConfigMap(c, name)).get('retention.ms').value).toBe(String(24 * 3_600_000));
    });
  }

  it('validateOnly and invalid configs change nothing', async () => {
    await createTopic(c, { name: 'ac-keep', configs: { 'retention.ms': '1000' } });
    expect((await alter([{ name: 'ac-keep', configs: { 'retention.ms': '2000' } }], 1, true)).responses[0].errorCode).toBe(0);
    const bad = await alter([{ name: 'ac-keep', configs: { 'retention.ms': '2000', 'segment.bytes': '12' } }]);
    expect(bad.responses[0]).toMatchObject({ errorCode: E.INVALID_CONFIG });
    expect(bad.responses[0].errorMessage).toMatch(/segment.bytes: Value must be at least 1048576/);
    const unknown = await alter([{ name: 'ac-keep', configs: { 'retention.hours': '1' } }]);
    expect(unknown.responses[0]).toMatchObject({ errorCode: E.INVALID_CONFIG, errorMessage: 'Unknown topic config name: retention.hours' });
    expect(await overrides('ac-keep')).toEqual({ 'retention.ms': '1000' });
  });

  it('null values, repeated keys, repeated resources, unknown and illegal topics', async () => {
    await createTopic(c, { name: 'ac-hostile' });
    const res = await alter([
      { name: 'ac-hostile', configs: { 'retention.ms': null } },
      { name: 'ac-missing', configs: { 'retention.ms': '1' } },
      { name: 'no/such', configs: {} },
      { name: '', configs: {} },
      { name: 'ac-twice', configs: {} },
      { name: 'ac-twice', configs: {} },
    ]);
    expect(res.responses.map((r: any) => r.errorCode)).toEqual([E.INVALID_REQUEST, E.UNKNOWN_TOPIC_OR_PARTITION, E.INVALID_TOPIC_EXCEPTION, E.INVALID_REQUEST, E.INVALID_REQUEST, E.INVALID_REQUEST]);
    expect(res.responses[0].errorMessage).toBe('Null value not supported for : retention.ms');
    expect(res.responses[4].errorMessage).toBe('Each resource must appear at most once.');
    const dupKeys = await c.request(API.ALTER_CONFIGS, 1, {
      resources: [{ resourceType: TOPIC, resourceName: 'ac-hostile', configs: [{ name: 'retention.ms', value: '1' }, { name: 'retention.ms', value: '2' }] }],
      validateOnly: false,
    });
    expect(dupKeys.responses[0]).toMatchObject({ errorCode: E.INVALID_REQUEST, errorMessage: 'Error due to duplicate config keys' });
    expect(await overrides('ac-hostile')).toEqual({});
  });

  it('broker resources: non-dynamic keys and other ids are refused; an empty change succeeds; BROKER_LOGGER is unknown', async () => {
    const res = await alter([
      { type: BROKER, name: String(NODE), configs: { 'log.retention.hours': '1' } },
      { type: BROKER, name: '', configs: { 'num.partitions': '3' } },
      { type: BROKER, name: '77', configs: {} },
      { type: 8, name: String(NODE), configs: {} },
      { type: 99, name: 'x', configs: {} },
    ]);
    expect(res.responses.map((r: any) => r.errorCode)).toEqual([E.INVALID_REQUEST, E.INVALID_REQUEST, E.INVALID_REQUEST, E.INVALID_REQUEST, E.INVALID_REQUEST]);
    expect(res.responses[0].errorMessage).toBe('Cannot update these configs dynamically: Set(log.retention.hours)');
    expect(res.responses[3].errorMessage).toBe('Unknown resource type 8');
    expect((await alter([{ type: BROKER, name: String(NODE), configs: {} }])).responses[0].errorCode).toBe(0);
  });
});

describe('IncrementalAlterConfigs', () => {
  for (let v = 0; v <= 1; v++) {
    it(`v${v}: SET, DELETE, APPEND and SUBTRACT on a topic, other overrides kept`, async () => {
      const name = `iac-v${v}`;
      await createTopic(c, { name, configs: { 'retention.ms': '1000', 'max.message.bytes': '5000' } });
      const step = async (ops: Op[]) => {
        const r = await incremental(c, [{ name, ops }], v);
        expect(r.responses[0]).toMatchObject({ errorCode: 0, errorMessage: null, resourceName: name, resourceType: TOPIC });
        return overrides(name);
      };
      expect(await step([['retention.ms', SET, '2000']])).toEqual({ 'retention.ms': '2000', 'max.message.bytes': '5000' });
      expect(await step([['cleanup.policy', APPEND, 'compact']])).toEqual({ 'retention.ms': '2000', 'max.message.bytes': '5000', 'cleanup.policy': 'delete,compact' });
      expect(await step([['cleanup.policy', APPEND, 'compact,delete']])).toMatchObject({ 'cleanup.policy': 'delete,compact' });
      expect(await step([['cleanup.policy', SUBTRACT, 'delete']])).toMatchObject({ 'cleanup.policy': 'compact' });
      expect(await step([['max.message.bytes', DELETE, null], ['cleanup.policy', DELETE, 'ignored']])).toEqual({ 'retention.ms': '2000' });
      expect(await step([['no.such.key', DELETE, null]])).toEqual({ 'retention.ms': '2000' });
    });
  }

  it('refuses APPEND to a non-list key, unknown operations, SET null, and bad values, changing nothing', async () => {
    await createTopic(c, { name: 'iac-bad', configs: { 'retention.ms': '1000' } });
    const res = await incremental(c, [{ name: 'iac-bad', ops: [['retention.ms', APPEND, '5']] }]);
    expect(res.responses[0]).toMatchObject({ errorCode: E.INVALID_CONFIG, errorMessage: "Can't APPEND to key retention.ms because its type is not LIST." });
    for (const ops of [[['retention.ms', 9, '5']], [['retention.ms', -1, '5']]] as Op[][])
      expect((await incremental(c, [{ name: 'iac-bad', ops }])).responses[0].errorCode).toBe(E.INVALID_REQUEST);
    expect((await incremental(c, [{ name: 'iac-bad', ops: [['retention.ms', SET, null]] }])).responses[0].errorCode).toBe(E.INVALID_REQUEST);
    expect((await incremental(c, [{ name: 'iac-bad', ops: [['cleanup.policy', APPEND, 'forever']] }])).responses[0].errorCode).toBe(E.INVALID_CONFIG);
    expect((await incremental(c, [{ name: 'iac-bad', ops: [['retention.ms', SET, '1'], ['retention.ms', DELETE, null]] }])).responses[0].errorCode).toBe(E.INVALID_REQUEST);
    for (const key of ['__proto__', 'constructor', 'toString'])
      expect((await incremental(c, [{ name: 'iac-bad', ops: [[key, SET, '1']] }])).responses[0]).toMatchObject({ errorCode: E.INVALID_CONFIG, errorMessage: `Unknown topic config name: ${key}` });
    expect((await alter([{ name: 'iac-bad', configs: { ['__proto__']: '1' } }])).responses[0].errorCode).toBe(E.INVALID_CONFIG);
    expect((await incremental(c, [{ name: 'iac-missing', ops: [['retention.ms', SET, '1']] }])).responses[0].errorCode).toBe(E.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await incremental(c, [{ name: 'iac-bad', ops: [['retention.ms', SET, '5']] }], 1, true)).responses[0].errorCode).toBe(0);
    expect(await overrides('iac-bad')).toEqual({ 'retention.ms': '1000' });
  });

  it('broker: SET of a non-dynamic key refused, DELETE alone a no-op; CLIENT_METRICS unsupported', async () => {
    const res = await incremental(c, [
      { type: BROKER, name: String(NODE), ops: [['num.partitions', SET, '1']] },
      { type: BROKER, name: '', ops: [['log.retention.ms', DELETE, null]] },
      { type: 16, name: 'm', ops: [] },
    ]);
    expect(res.responses.map((r: any) => r.errorCode)).toEqual([E.INVALID_REQUEST, 0, E.INVALID_REQUEST]);
    expect(res.responses[2].errorMessage).toMatch(/CLIENT_METRICS/);
  });

  it('changes are persisted: they survive a restart', async () => {
    const b = await startAdmin();
    await createTopic(b.c, { name: 'iac-persist' });
    expect((await incremental(b.c, [{ name: 'iac-persist', ops: [['segment.ms', SET, '123456'], ['cleanup.policy', APPEND, 'compact']] }])).responses[0].errorCode).toBe(0);
    await b.close();
    const b2 = await startAdmin({ dataDir: b.dataDir });
    try {
      const m = await topicConfigMap(b2.c, 'iac-persist');
      expect(m.get('segment.ms')).toMatchObject({ value: '123456', configSource: SRC.TOPIC });
      expect(m.get('cleanup.policy')).toMatchObject({ value: 'delete,compact', configSource: SRC.TOPIC });
    } finally {
      await b2.close();
    }
  });
});

describe('keys Kafka 3.x accepts and 4.0 removed', () => {
  it('are accepted on CreateTopics and alters, not stored; the old timestamp bound becomes the before/after pair', async () => {
    const legacy = { 'message.format.version': '2.8-IV1', 'message.downconversion.enable': 'false', 'message.timestamp.difference.max.ms': '60000' };
    await createTopic(c, { name: 'legacy-keys', configs: legacy });
    expect(await overrides('legacy-keys')).toEqual({ 'message.timestamp.before.max.ms': '60000', 'message.timestamp.after.max.ms': '60000' });
    await createTopic(c, { name: 'legacy-keys-2', configs: { 'message.timestamp.difference.max.ms': '5000', 'message.timestamp.after.max.ms': '7000' } });
    expect(await overrides('legacy-keys-2')).toEqual({ 'message.timestamp.before.max.ms': '5000', 'message.timestamp.after.max.ms': '7000' });
    const r = await incremental(c, [{ name: 'legacy-keys', ops: [['message.format.version', SET, '3.0'], ['retention.ms', SET, '1000']] }]);
    expect(r.responses[0].errorCode).toBe(0);
    expect(await overrides('legacy-keys')).toMatchObject({ 'retention.ms': '1000' });
    expect((await alter([{ name: 'legacy-keys', configs: { 'message.downconversion.enable': 'true' } }])).responses[0].errorCode).toBe(0);
    expect(await overrides('legacy-keys')).toEqual({});
    const bad = await incremental(c, [{ name: 'legacy-keys', ops: [['message.format.version', SET, 'newest']] }]);
    expect(bad.responses[0].errorCode).toBe(E.INVALID_CONFIG);
  });
});

describe('topic configs apply to running logs without a restart', () => {
  it('over the wire: retention.ms lowered, and the next retention run deletes the old data', async () => {
    const settings = { 'log.retention.check.interval.ms': 100 };
    const b = await startAdmin({ config: settings });
    await createTopic(b.c, { name: 'live-retention' });
    await b.close();
    const hourAgo = Date.now() - 3_600_000;
    await appendOffline(b.dataDir, [{ topic: 'live-retention', partition: 0, batches: [batchOf(10, 'old', hourAgo), batchOf(10, 'old', hourAgo)] }]);
    const b2 = await startAdmin({ dataDir: b.dataDir, config: settings });
    try {
      const size = async () => {
        const r = await b2.c.request(API.DESCRIBE_LOG_DIRS, 1, { topics: [{ topic: 'live-retention', partitions: [0] }] });
        return r.results[0].topics[0].partitions[0].partitionSize as bigint;
      };
      await new Promise((r) => setTimeout(r, 300)); // a few retention runs: a week's retention keeps the data
      expect(await size()).toBeGreaterThan(0n);
      expect((await incremental(b2.c, [{ name: 'live-retention', ops: [['retention.ms', SET, '60000']] }])).responses[0].errorCode).toBe(0);
      const deadline = Date.now() + 5000;
      while ((await size()) > 0n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await size()).toBe(0n);
      const epoch = await b2.c.request(API.OFFSET_FOR_LEADER_EPOCH, 4, { replicaId: -1, topics: [{ topic: 'live-retention', partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }] });
      expect(epoch.topics[0].partitions[0].endOffset).toBe(20n); // offsets go on from where they were
    } finally {
      await b2.close();
    }
  });

  it('in process: the handler changes what LogManager and the partition logs obey (retention and segments)', async () => {
    const dir = await tempDir();
    const config = new BrokerConfig({ 'log.dirs': dir });
    const registry = await TopicRegistry.open(dir);
    const logs = await LogManager.open(config, [], (n) => registry.get(n)?.configs ?? {}, silentLogger);
    const topics = await singleNodeOwner(registry, logs);
    // Only what the config handlers use; the rest of BrokerServices is not needed here.
    const services = {
      config,
      clusterId: 'c',
      nodeId: 1,
      advertised: () => ({ name: 'PLAINTEXT', host: 'localhost', port: 9092 }),
      topics,
      logs,
      apiRanges: () => [],
      authorizer: ALLOW_ALL,
      log: silentLogger,
    } as unknown as BrokerServices;
    const ctx: HandlerContext = {
      apiVersion: 1,
      header: { requestApiKey: 44, requestApiVersion: 1, correlationId: 1, clientId: 'test' },
      client: testClient(),
      broker: services,
      log: silentLogger,
    };
    const set = async (name: string, value: string) => {
      const res = (await incrementalAlterConfigs.handle(
        { resources: [{ resourceType: TOPIC, resourceName: 'inproc', configs: [{ name, configOperation: SET, value }] }], validateOnly: false },
        ctx,
      )) as { responses: Array<{ errorCode: number }> };
      expect(res.responses[0].errorCode).toBe(0);
    };
    try {
      await topics.createNew('inproc', 1);
      const p = logs.partition('inproc', 0)!;
      const append = (b: Buffer) => p.append(b, validateProducedBatch(b));
      const old = Date.now() - 3_600_000;
      await append(batchOf(5, 'a', old));
      await logs.runRetention();
      expect(p.logStartOffset).toBe(0);

      // segment.ms: every append whose timestamp is 10 ms on now starts a new segment.
      await set('segment.ms', '1');
      for (let i = 1; i <= 3; i++) await append(batchOf(5, `s${i}`, old + 10 * i));
      expect(p.segments.length).toBe(4);
      expect(p.config().rollMs).toBe(1);

      // retention.ms: the next run deletes what is older.
      await set('retention.ms', '60000');
      await logs.runRetention();
      expect(p.logStartOffset).toBe(20);
      expect(p.size).toBe(0);
    } finally {
      await logs.close();
    }
  });
});

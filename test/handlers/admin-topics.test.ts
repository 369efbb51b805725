/**
 * CreateTopics (19), DeleteTopics (20) and CreatePartitions (37) over the wire: every version,
 * Kafka's error codes and messages, one-broker assignments, validateOnly, persistence across a
 * restart, and hostile input (bad names, negative and huge counts, duplicates).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readdir } from 'node:fs/promises';
import { Writable } from 'node:stream';
import pino from 'pino';
import { KafkaWire, apiVersionsWorks, rawFrame } from '../helpers/kafka-wire.js';
import {
  API,
  ZERO,
  appendOffline,
  batchOf,
  createTopic,
  createTopics,
  metadataOf,
  removeTempDirs,
  startAdmin,
  topicConfigMap,
  type AdminBroker,
} from '../helpers/admin-wire.js';

const NODE = 5;
const E = {
  NONE: 0,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  INVALID_TOPIC_EXCEPTION: 17,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_REPLICA_ASSIGNMENT: 39,
  INVALID_CONFIG: 40,
  INVALID_REQUEST: 42,
  TOPIC_DELETION_DISABLED: 73,
  UNKNOWN_TOPIC_ID: 100,
};

let a: AdminBroker;
let c: KafkaWire;
const lines: Array<{ msg: string; topic?: string }> = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  a = await startAdmin({ config: { 'node.id': NODE, 'num.partitions': 4 }, logger: pino({ level: 'info' }, sink) });
  c = a.c;
});

afterAll(async () => {
  await a?.close();
  await removeTempDirs();
});

const deleteBody = (v: number, names: string[], byId: Array<{ name: string | null; topicId: string }> = []) =>
  v >= 6 ? { topics: [...names.map((name) => ({ name, topicId: ZERO })), ...byId], timeoutMs: 5000 } : { topicNames: names, timeoutMs: 5000 };

async function partitionDirs(dataDir: string, topic: string): Promise<string[]> {
  return (await readdir(dataDir)).filter((d) => d.startsWith(`${topic}-`) && /-\d+$/.test(d)).sort();
}

describe('CreateTopics', () => {
  for (let v = 0; v <= 7; v++) {
    it(`v${v} creates a 3-partition topic that Metadata describes`, async () => {
      const name = `ct-v${v}`;
      const r = (await createTopics(c, [{ name, numPartitions: 3, replicationFactor: 1 }], v)).get(name);
      expect(r.errorCode).toBe(0);
      if (v >= 1) expect(r.errorMessage).toBeNull();
      const md = await metadataOf(c, name);
      expect(md.errorCode).toBe(0);
      expect(md.partitions.map((p: any) => [p.partitionIndex, p.leaderId, p.replicaNodes])).toEqual([0, 1, 2].map((i) => [i, NODE, [NODE]]));
      if (v >= 5) {
        expect(r.numPartitions).toBe(3);
        expect(r.replicationFactor).toBe(1);
        const cfg = new Map(r.configs.map((e: any) => [e.name, e]));
        expect(cfg.get('retention.ms')).toMatchObject({ value: '604800000', readOnly: false, configSource: 5, isSensitive: false });
        expect(cfg.get('cleanup.policy')).toMatchObject({ value: 'delete', configSource: 5 });
        expect([...cfg.keys()]).toEqual([...cfg.keys()].sort());
      }
      if (v >= 7) expect(r.topicId).toBe(md.topicId);
      if (v >= 7) expect(r.topicId).not.toBe(ZERO);
    });
  }

  it('configs are validated, normalized, stored, described (v5+) and survive nothing else', async () => {
    const r = await createTopic(c, {
      name: 'ct-configs',
      numPartitions: 3,
      configs: { 'retention.ms': '3600000', 'cleanup.policy': 'compact, delete', 'max.message.bytes': '+2000', preallocate: 'TRUE' },
    });
    const cfg = new Map(r.configs.map((e: any) => [e.name, e]));
    expect(cfg.get('retention.ms')).toMatchObject({ value: '3600000', configSource: 1 });
    expect(cfg.get('cleanup.policy')).toMatchObject({ value: 'compact,delete', configSource: 1 });
    expect(cfg.get('max.message.bytes')).toMatchObject({ value: '2000', configSource: 1 });
    expect(cfg.get('preallocate')).toMatchObject({ value: 'true', configSource: 1 });
    const described = await topicConfigMap(c, 'ct-configs');
    expect(described.get('retention.ms').value).toBe('3600000');
    expect(described.get('segment.bytes')).toMatchObject({ value: String(1024 ** 3), configSource: 5 });
  });

  it('-1 takes num.partitions and default.replication.factor, at every version (kafkajs sends it at v3)', async () => {
    for (const v of [0, 3, 4, 5, 7]) {
      const r = (await createTopics(c, [{ name: `ct-default-v${v}`, numPartitions: -1, replicationFactor: -1 }], v)).get(`ct-default-v${v}`);
      expect(r.errorCode).toBe(0);
      expect((await metadataOf(c, `ct-default-v${v}`)).partitions).toHaveLength(4);
      if (v >= 5) expect(r).toMatchObject({ numPartitions: 4, replicationFactor: 1 });
    }
    const b = await startAdmin({ config: { 'default.replication.factor': 3 } });
    try {
      const r = (await createTopics(b.c, [{ name: 'ct-default-rf3', replicationFactor: -1 }])).get('ct-default-rf3');
      expect(r.errorCode).toBe(E.INVALID_REPLICATION_FACTOR);
    } finally {
      await b.close();
    }
  });

  it('bad partition counts and replication factors get Kafka’s errors and messages', async () => {
    const res = await createTopics(c, [
      { name: 'ct-p0', numPartitions: 0 },
      { name: 'ct-pm2', numPartitions: -2 },
      { name: 'ct-pmin', numPartitions: -2147483648 },
      { name: 'ct-rf0', replicationFactor: 0 },
      { name: 'ct-rfm2', replicationFactor: -2 },
      { name: 'ct-rf3', replicationFactor: 3 },
      { name: 'ct-huge', numPartitions: 10_001 },
      { name: 'ct-max', numPartitions: 2147483647 },
    ]);
    expect(res.get('ct-p0')).toMatchObject({ errorCode: E.INVALID_PARTITIONS, errorMessage: 'Number of partitions was set to an invalid non-positive value.' });
    expect(res.get('ct-pm2').errorCode).toBe(E.INVALID_PARTITIONS);
    expect(res.get('ct-pmin').errorCode).toBe(E.INVALID_PARTITIONS);
    expect(res.get('ct-rf0')).toMatchObject({ errorCode: E.INVALID_REPLICATION_FACTOR, errorMessage: 'Replication factor must be larger than 0, or -1 to use the default value.' });
    expect(res.get('ct-rfm2').errorCode).toBe(E.INVALID_REPLICATION_FACTOR);
    expect(res.get('ct-rf3').errorCode).toBe(E.INVALID_REPLICATION_FACTOR);
    expect(res.get('ct-rf3').errorMessage).toMatch(/replication factor of 3 cannot be reached because only 1 broker/);
    expect(res.get('ct-huge')).toMatchObject({ errorCode: E.INVALID_PARTITIONS });
    expect(res.get('ct-huge').errorMessage).toMatch(/at most 10000 partitions/);
    expect(res.get('ct-max').errorCode).toBe(E.INVALID_PARTITIONS);
    for (const r of res.values()) expect(r).toMatchObject({ numPartitions: -1, replicationFactor: -1, topicId: ZERO });
    const all = await c.request(API.METADATA, 12, { topics: null, allowAutoTopicCreation: false });
    expect(all.topics.map((t: any) => t.name).filter((n: string) => n.startsWith('ct-p') || n.startsWith('ct-rf') || n.startsWith('ct-h') || n.startsWith('ct-max'))).toEqual([]);
  });

  it('one request may create at most 10,000 partitions in all (checked with validateOnly)', async () => {
    const topics = [{ name: 'ct-budget-0', numPartitions: 6000 }, { name: 'ct-budget-1', numPartitions: 4001 }, { name: 'ct-budget-2', numPartitions: 4000 }];
    const res = await createTopics(c, topics, 7, true);
    expect([...res.values()].map((r) => r.errorCode)).toEqual([0, E.INVALID_PARTITIONS, 0]);
    expect(res.get('ct-budget-1').errorMessage).toMatch(/at most 10000 partitions per CreateTopics request/);
    expect((await metadataOf(c, 'ct-budget-0')).errorCode).toBe(E.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('so at most 10,000 topics (checked with validateOnly)', async () => {
    const topics = Array.from({ length: 10_001 }, (_, i) => ({ name: `ct-many-${i}` }));
    const res = await createTopics(c, topics, 4, true);
    expect([...res.values()].filter((r) => r.errorCode === 0)).toHaveLength(10_000);
    expect(res.get('ct-many-10000')).toMatchObject({ errorCode: E.INVALID_PARTITIONS });
  });

  it('manual assignments: each replica list must be exactly [this node]', async () => {
    const ok = await createTopic(c, { name: 'ct-assign', numPartitions: -1, replicationFactor: -1, assignments: [0, 1].map((i) => ({ partitionIndex: i, brokerIds: [NODE] })) });
    expect(ok.numPartitions).toBe(2);
    expect((await metadataOf(c, 'ct-assign')).partitions).toHaveLength(2);
    const bad = (name: string, assignments: Array<{ partitionIndex: number; brokerIds: number[] }>, np = -1, rf = -1) => ({ name, numPartitions: np, replicationFactor: rf, assignments });
    const res = await createTopics(c, [
      bad('ca-np', [{ partitionIndex: 0, brokerIds: [NODE] }], 1, -1),
      bad('ca-rf', [{ partitionIndex: 0, brokerIds: [NODE] }], -1, 1),
      bad('ca-other', [{ partitionIndex: 0, brokerIds: [NODE + 1] }]),
      bad('ca-twice', [{ partitionIndex: 0, brokerIds: [NODE, NODE] }]),
      // Kafka walks the list in ascending id order: the duplicate of NODE comes before NODE + 5.
      bad('ca-order', [{ partitionIndex: 0, brokerIds: [NODE + 5, NODE, NODE] }]),
      bad('ca-empty', [{ partitionIndex: 0, brokerIds: [] }]),
      bad('ca-gap', [{ partitionIndex: 0, brokerIds: [NODE] }, { partitionIndex: 2, brokerIds: [NODE] }]),
      bad('ca-dup', [{ partitionIndex: 0, brokerIds: [NODE] }, { partitionIndex: 0, brokerIds: [NODE] }]),
      bad('ca-neg', [{ partitionIndex: -1, brokerIds: [NODE] }]),
      bad('ca-huge', Array.from({ length: 10_001 }, (_, i) => ({ partitionIndex: i, brokerIds: [NODE] }))),
    ]);
    expect(res.get('ca-np').errorCode).toBe(E.INVALID_REQUEST);
    expect(res.get('ca-rf').errorCode).toBe(E.INVALID_REQUEST);
    expect(res.get('ca-other')).toMatchObject({ errorCode: E.INVALID_REPLICA_ASSIGNMENT });
    expect(res.get('ca-other').errorMessage).toMatch(`broker ${NODE + 1}, but no such broker`);
    expect(res.get('ca-twice')).toMatchObject({ errorCode: E.INVALID_REPLICA_ASSIGNMENT, errorMessage: `The manual partition assignment includes the broker ${NODE} more than once.` });
    expect(res.get('ca-order')).toMatchObject({ errorCode: E.INVALID_REPLICA_ASSIGNMENT, errorMessage: `The manual partition assignment includes the broker ${NODE} more than once.` });
    expect(res.get('ca-gap').errorMessage).toBe('partitions should be a consecutive 0-based integer sequence');
    expect(res.get('ca-np').errorMessage).toBe('A manual partition assignment was specified, but numPartitions was not set to -1.');
    expect(res.get('ca-empty').errorCode).toBe(E.INVALID_REPLICA_ASSIGNMENT);
    expect(res.get('ca-gap').errorCode).toBe(E.INVALID_REPLICA_ASSIGNMENT);
    expect(res.get('ca-dup').errorCode).toBe(E.INVALID_REPLICA_ASSIGNMENT);
    expect(res.get('ca-neg').errorCode).toBe(E.INVALID_REPLICA_ASSIGNMENT);
    expect(res.get('ca-huge').errorCode).toBe(E.INVALID_PARTITIONS);
  });

  it('unknown keys, bad values and null values are INVALID_CONFIG with a message', async () => {
    const res = await createTopics(c, [
      { name: 'cc-unknown', configs: { 'retention.msx': '1' } },
      { name: 'cc-notnum', configs: { 'retention.ms': 'soon' } },
      { name: 'cc-range', configs: { 'retention.ms': '-2' } },
      { name: 'cc-segment', configs: { 'segment.bytes': '1000' } },
      { name: 'cc-enum', configs: { 'message.timestamp.type': 'WallClock' } },
      { name: 'cc-list', configs: { 'cleanup.policy': 'delete,forever' } },
      { name: 'cc-bool', configs: { preallocate: 'yes' } },
      { name: 'cc-int', configs: { 'max.message.bytes': '3000000000' } },
      { name: 'cc-null', configs: { 'retention.ms': null } },
      { name: 'cc-lag', configs: { 'min.compaction.lag.ms': '10', 'max.compaction.lag.ms': '5' } },
      { name: 'cc-remote', configs: { 'remote.storage.enable': 'true' } },
      { name: 'cc-removed', configs: { 'message.format.version': 'newest' } }, // accepted as Kafka 3.x, but checked
      { name: 'cc-proto', configs: { ['__proto__']: '1' } },
      { name: 'cc-ctor', configs: { constructor: '1' } },
    ]);
    for (const r of res.values()) expect(r.errorCode, r.name).toBe(E.INVALID_CONFIG);
    expect(res.get('cc-unknown').errorMessage).toBe('Unknown topic config name: retention.msx');
    expect(res.get('cc-proto').errorMessage).toBe('Unknown topic config name: __proto__');
    expect(res.get('cc-ctor').errorMessage).toBe('Unknown topic config name: constructor');
    expect(res.get('cc-notnum').errorMessage).toBe('Invalid value soon for configuration retention.ms: Not a number of type LONG');
    expect(res.get('cc-range').errorMessage).toBe('Invalid value -2 for configuration retention.ms: Value must be at least -1');
    expect(res.get('cc-null').errorMessage).toBe('Null value not supported for topic configs: retention.ms');
    expect(res.get('cc-lag').errorMessage).toMatch(/min.compaction.lag.ms \(10\) > max.compaction.lag.ms \(5\)/);
    for (const name of res.keys()) expect((await metadataOf(c, name)).errorCode).toBe(E.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('validateOnly checks everything and creates nothing', async () => {
    const res = await createTopics(c, [{ name: 'ct-validate', numPartitions: 2, configs: { 'retention.ms': '1000' } }, { name: 'ct-validate-bad', numPartitions: 0 }], 7, true);
    expect(res.get('ct-validate')).toMatchObject({ errorCode: 0, numPartitions: 2, replicationFactor: 1, topicId: ZERO });
    expect(res.get('ct-validate').configs.find((e: any) => e.name === 'retention.ms')).toMatchObject({ value: '1000', configSource: 1 });
    expect(res.get('ct-validate-bad').errorCode).toBe(E.INVALID_PARTITIONS);
    expect((await metadataOf(c, 'ct-validate')).errorCode).toBe(E.UNKNOWN_TOPIC_OR_PARTITION);
    expect(await partitionDirs(a.dataDir, 'ct-validate')).toEqual([]);
  });

  it('an existing topic is TOPIC_ALREADY_EXISTS; a "."/"_" collision INVALID_TOPIC_EXCEPTION', async () => {
    await createTopic(c, { name: 'ct.exists' });
    const res = await createTopics(c, [{ name: 'ct.exists' }, { name: 'ct_exists' }]);
    expect(res.get('ct.exists')).toMatchObject({ errorCode: E.TOPIC_ALREADY_EXISTS, errorMessage: "Topic 'ct.exists' already exists." });
    expect(res.get('ct_exists')).toMatchObject({ errorCode: E.INVALID_TOPIC_EXCEPTION });
    expect(res.get('ct_exists').errorMessage).toMatch(/collides with existing topic: ct.exists/);
    // v0 carries no message but the same code.
    const v0 = await createTopics(c, [{ name: 'ct.exists' }], 0);
    expect(v0.get('ct.exists')).toMatchObject({ errorCode: E.TOPIC_ALREADY_EXISTS });
  });

  it('illegal names are INVALID_TOPIC_EXCEPTION and nothing is created', async () => {
    const names = ['', '.', '..', 'has space', 'slash/x', 'ünïcode', 'x'.repeat(250), 'nul\u0000'];
    const res = await c.request(API.CREATE_TOPICS, 7, {
      topics: names.map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })),
      timeoutMs: 1000,
      validateOnly: false,
    });
    expect(res.topics.map((t: any) => t.name)).toEqual(names);
    for (const t of res.topics) expect(t.errorCode, JSON.stringify(t.name)).toBe(E.INVALID_TOPIC_EXCEPTION);
    expect(await readdir(a.dataDir)).not.toContain('has space-0');
  });

  it('a name given twice is one INVALID_REQUEST result and is not created; the others are', async () => {
    const res = await c.request(API.CREATE_TOPICS, 7, {
      topics: ['ct-dup', 'ct-single', 'ct-dup', 'ct-dup'].map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })),
      timeoutMs: 1000,
      validateOnly: false,
    });
    expect(res.topics.map((t: any) => [t.name, t.errorCode])).toEqual([
      ['ct-dup', E.INVALID_REQUEST],
      ['ct-single', 0],
    ]);
    expect(res.topics[0].errorMessage).toBe('Duplicate topic name.');
    expect((await metadataOf(c, 'ct-dup')).errorCode).toBe(E.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('concurrent creation of one name from several connections succeeds exactly once', async () => {
    const conns = await Promise.all([0, 1, 2, 3].map(() => KafkaWire.connect(a.broker.port, '127.0.0.1')));
    try {
      const results = await Promise.all(conns.map((k) => createTopics(k, [{ name: 'ct-race', numPartitions: 2 }])));
      const codes = results.map((r) => r.get('ct-race').errorCode).sort();
      expect(codes).toEqual([0, E.TOPIC_ALREADY_EXISTS, E.TOPIC_ALREADY_EXISTS, E.TOPIC_ALREADY_EXISTS]);
    } finally {
      for (const k of conns) await k.close();
    }
  });

  it('a body claiming 2^31-1 topics closes the connection; the broker keeps serving', async () => {
    const k = await KafkaWire.connect(a.broker.port, '127.0.0.1');
    const body = Buffer.alloc(4);
    body.writeInt32BE(0x7fffffff);
    k.sendRaw(rawFrame(API.CREATE_TOPICS, 4, 1, body));
    expect(await k.waitClosed(3000)).toBe(true);
    expect(await apiVersionsWorks(a.broker.port)).toBe(true);
  });

  it('logs one line per topic created', async () => {
    await createTopics(c, [{ name: 'ct-log-a' }, { name: 'ct-log-b' }, { name: 'ct-log-a-bad', numPartitions: 0 }]);
    const created = lines.filter((l) => l.msg === 'topic created' && l.topic?.startsWith('ct-log-')).map((l) => l.topic);
    expect(created).toEqual(['ct-log-a', 'ct-log-b']);
  });
});

describe('DeleteTopics', () => {
  for (let v = 0; v <= 6; v++) {
    it(`v${v} deletes by name and removes the data directories`, async () => {
      const name = `dt-v${v}`;
      const created = await createTopic(c, { name, numPartitions: 2 });
      expect(await partitionDirs(a.dataDir, name)).toEqual([`${name}-0`, `${name}-1`]);
      const res = await c.request(API.DELETE_TOPICS, v, deleteBody(v, [name, `${name}-missing`]));
      const byName = new Map<string, any>(res.responses.map((r: any) => [r.name, r]));
      expect(byName.get(name)).toMatchObject({ errorCode: 0 });
      if (v >= 6) expect(byName.get(name).topicId).toBe(created.topicId);
      expect(byName.get(`${name}-missing`)).toMatchObject({ errorCode: E.UNKNOWN_TOPIC_OR_PARTITION });
      if (v >= 5) expect(byName.get(`${name}-missing`).errorMessage).toBeTruthy();
      expect((await metadataOf(c, name)).errorCode).toBe(E.UNKNOWN_TOPIC_OR_PARTITION);
      expect(await partitionDirs(a.dataDir, name)).toEqual([]);
    });
  }

  it('v6 deletes by topic id; unknown ids, both or neither, and duplicates are refused', async () => {
    const t = await createTopic(c, { name: 'dt-byid' });
    const keep = await createTopic(c, { name: 'dt-keep' });
    const unknownId = '11111111-2222-4333-8444-555555555555';
    const res = await c.request(API.DELETE_TOPICS, 6, {
      topics: [
        { name: null, topicId: t.topicId },
        { name: null, topicId: unknownId },
        { name: 'dt-keep', topicId: keep.topicId },
        { name: null, topicId: ZERO },
        { name: 'dt-keep', topicId: ZERO },
        { name: 'dt-keep', topicId: ZERO },
      ],
      timeoutMs: 1000,
    });
    expect(res.responses.map((r: any) => [r.name, r.topicId, r.errorCode])).toEqual([
      ['dt-byid', t.topicId, 0],
      [null, unknownId, E.UNKNOWN_TOPIC_ID],
      ['dt-keep', keep.topicId, E.INVALID_REQUEST],
      [null, ZERO, E.INVALID_REQUEST],
      ['dt-keep', ZERO, E.INVALID_REQUEST],
    ]);
    expect((await metadataOf(c, 'dt-byid')).errorCode).toBe(E.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await metadataOf(c, 'dt-keep')).errorCode).toBe(0);
  });

  it('a topic given by name and by its id is refused both ways and kept', async () => {
    const t = await createTopic(c, { name: 'dt-both' });
    const res = await c.request(API.DELETE_TOPICS, 6, { topics: [{ name: null, topicId: t.topicId }, { name: 'dt-both', topicId: ZERO }], timeoutMs: 1000 });
    expect(res.responses.map((r: any) => r.errorCode)).toEqual([E.INVALID_REQUEST, E.INVALID_REQUEST]);
    expect((await metadataOf(c, 'dt-both')).errorCode).toBe(0);
  });

  it('a recreated topic gets a new id and starts at offset 0', async () => {
    const b = await startAdmin();
    const first = await createTopic(b.c, { name: 'dt-again' });
    await b.close();
    await appendOffline(b.dataDir, [{ topic: 'dt-again', partition: 0, batches: [batchOf(5), batchOf(5)] }]);
    const b2 = await startAdmin({ dataDir: b.dataDir });
    try {
      const endOffset = async () => {
        const r = await b2.c.request(API.OFFSET_FOR_LEADER_EPOCH, 4, { replicaId: -1, topics: [{ topic: 'dt-again', partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }] });
        return r.topics[0].partitions[0].endOffset;
      };
      expect(await endOffset()).toBe(10n);
      const del = await b2.c.request(API.DELETE_TOPICS, 6, { topics: [{ name: 'dt-again', topicId: ZERO }], timeoutMs: 1000 });
      expect(del.responses[0].errorCode).toBe(0);
      const second = await createTopic(b2.c, { name: 'dt-again' });
      expect(second.topicId).not.toBe(first.topicId);
      expect(await endOffset()).toBe(0n);
      expect((await metadataOf(b2.c, 'dt-again')).topicId).toBe(second.topicId);
    } finally {
      await b2.close();
    }
  });

  it('delete.topic.enable=false: TOPIC_DELETION_DISABLED from v3, INVALID_REQUEST before; nothing is deleted', async () => {
    const b = await startAdmin({ config: { 'delete.topic.enable': false } });
    try {
      await createTopic(b.c, { name: 'dt-kept' });
      for (const v of [0, 2, 3, 5, 6]) {
        const res = await b.c.request(API.DELETE_TOPICS, v, deleteBody(v, ['dt-kept', 'dt-unknown']));
        expect(res.responses).toHaveLength(2);
        for (const r of res.responses) expect(r.errorCode).toBe(v >= 3 ? E.TOPIC_DELETION_DISABLED : E.INVALID_REQUEST);
      }
      expect((await metadataOf(b.c, 'dt-kept')).errorCode).toBe(0);
    } finally {
      await b.close();
    }
  });

  it('internal topics are neither deleted nor given partitions (the broker keeps group state there)', async () => {
    const before = await metadataOf(c, '__consumer_offsets');
    expect(before).toMatchObject({ errorCode: 0, isInternal: true });
    const del = await c.request(API.DELETE_TOPICS, 6, { topics: [{ name: '__consumer_offsets', topicId: ZERO }], timeoutMs: 1000 });
    expect(del.responses[0]).toMatchObject({ errorCode: E.INVALID_REQUEST, topicId: before.topicId });
    const cp = await c.request(API.CREATE_PARTITIONS, 3, { topics: [{ name: '__consumer_offsets', count: before.partitions.length + 1, assignments: null }], timeoutMs: 1000, validateOnly: false });
    expect(cp.results[0].errorCode).toBe(E.INVALID_REQUEST);
    expect(await metadataOf(c, '__consumer_offsets')).toEqual(before);
  });

  it('a name given twice is one INVALID_REQUEST and the topic stays; logs one line per topic deleted', async () => {
    await createTopic(c, { name: 'dt-twice' });
    await createTopic(c, { name: 'dt-logged' });
    const res = await c.request(API.DELETE_TOPICS, 4, { topicNames: ['dt-twice', 'dt-logged', 'dt-twice'], timeoutMs: 1000 });
    expect(res.responses.map((r: any) => [r.name, r.errorCode])).toEqual([
      ['dt-twice', E.INVALID_REQUEST],
      ['dt-logged', 0],
    ]);
    expect((await metadataOf(c, 'dt-twice')).errorCode).toBe(0);
    expect(lines.filter((l) => l.msg === 'topic deleted' && l.topic === 'dt-logged')).toHaveLength(1);
  });
});

describe('CreatePartitions', () => {
  for (let v = 0; v <= 3; v++) {
    it(`v${v} raises the partition count; logs and Metadata follow`, async () => {
      const name = `cp-v${v}`;
      await createTopic(c, { name, numPartitions: 1 });
      const res = await c.request(API.CREATE_PARTITIONS, v, { topics: [{ name, count: 3, assignments: null }], timeoutMs: 1000, validateOnly: false });
      expect(res.results).toEqual([{ name, errorCode: 0, errorMessage: null }]);
      expect((await metadataOf(c, name)).partitions).toHaveLength(3);
      expect(await partitionDirs(a.dataDir, name)).toEqual([0, 1, 2].map((i) => `${name}-${i}`));
    });
  }

  it('counts that do not grow are INVALID_PARTITIONS; unknown topics UNKNOWN_TOPIC_OR_PARTITION; caps apply', async () => {
    await createTopic(c, { name: 'cp-bad', numPartitions: 2 });
    const res = await c.request(API.CREATE_PARTITIONS, 3, {
      topics: [
        { name: 'cp-bad', count: 2, assignments: null },
        { name: 'cp-missing', count: 5, assignments: null },
      ],
      timeoutMs: 1000,
      validateOnly: false,
    });
    expect(res.results[0]).toEqual({ name: 'cp-bad', errorCode: E.INVALID_PARTITIONS, errorMessage: 'Topic already has 2 partition(s).' });
    expect(res.results[1].errorCode).toBe(E.UNKNOWN_TOPIC_OR_PARTITION);
    for (const count of [1, 0, -5]) {
      const r = await c.request(API.CREATE_PARTITIONS, 3, { topics: [{ name: 'cp-bad', count, assignments: null }], timeoutMs: 1000, validateOnly: false });
      expect(r.results[0].errorCode).toBe(E.INVALID_PARTITIONS);
      expect(r.results[0].errorMessage).toMatch(/would not be an increase/);
    }
    for (const count of [10_001, 2147483647]) {
      const r = await c.request(API.CREATE_PARTITIONS, 3, { topics: [{ name: 'cp-bad', count, assignments: null }], timeoutMs: 1000, validateOnly: false });
      expect(r.results[0].errorCode).toBe(E.INVALID_PARTITIONS);
    }
    expect((await metadataOf(c, 'cp-bad')).partitions).toHaveLength(2);
  });

  it('assignments: one [this node] list per new partition', async () => {
    await createTopic(c, { name: 'cp-assign', numPartitions: 1 });
    const attempt = (assignments: number[][] | null, count = 3, validateOnly = false) =>
      c.request(API.CREATE_PARTITIONS, 2, {
        topics: [{ name: 'cp-assign', count, assignments: assignments?.map((brokerIds) => ({ brokerIds })) ?? null }],
        timeoutMs: 1000,
        validateOnly,
      });
    expect((await attempt([[NODE]])).results[0]).toMatchObject({ errorCode: E.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'Attempted to add 2 additional partition(s), but only 1 assignment(s) were specified.' });
    expect((await attempt([[NODE], [NODE], [NODE]])).results[0]).toMatchObject({ errorCode: E.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'Attempted to add 2 additional partition(s), but only 3 assignment(s) were specified.' });
    expect((await attempt([[NODE], [NODE + 1]])).results[0].errorCode).toBe(E.INVALID_REPLICA_ASSIGNMENT);
    expect((await attempt([[NODE], [NODE, NODE]])).results[0].errorCode).toBe(E.INVALID_REPLICA_ASSIGNMENT);
    expect((await attempt([[NODE], []])).results[0].errorCode).toBe(E.INVALID_REPLICA_ASSIGNMENT);
    expect((await attempt([[NODE], [NODE]], 3, true)).results[0].errorCode).toBe(0);
    expect((await metadataOf(c, 'cp-assign')).partitions).toHaveLength(1);
    expect((await attempt([[NODE], [NODE]])).results[0].errorCode).toBe(0);
    expect((await metadataOf(c, 'cp-assign')).partitions).toHaveLength(3);
  });

  it('a topic named twice is one INVALID_REQUEST and is not changed', async () => {
    await createTopic(c, { name: 'cp-twice', numPartitions: 1 });
    const res = await c.request(API.CREATE_PARTITIONS, 1, {
      topics: [
        { name: 'cp-twice', count: 2, assignments: null },
        { name: 'cp-twice', count: 3, assignments: null },
      ],
      timeoutMs: 1000,
      validateOnly: false,
    });
    expect(res.results).toHaveLength(1);
    expect(res.results[0]).toMatchObject({ name: 'cp-twice', errorCode: E.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' });
    expect((await metadataOf(c, 'cp-twice')).partitions).toHaveLength(1);
  });
});

describe('persistence', () => {
  it('topics, their partition counts, configs and ids survive a restart', async () => {
    const b = await startAdmin();
    const t = await createTopic(b.c, { name: 'persist-me', numPartitions: 2, configs: { 'retention.ms': '5000' } });
    await b.c.request(API.CREATE_PARTITIONS, 3, { topics: [{ name: 'persist-me', count: 4, assignments: null }], timeoutMs: 1000, validateOnly: false });
    await createTopic(b.c, { name: 'persist-gone' });
    await b.c.request(API.DELETE_TOPICS, 6, { topics: [{ name: 'persist-gone', topicId: ZERO }], timeoutMs: 1000 });
    await b.close();
    const b2 = await startAdmin({ dataDir: b.dataDir });
    try {
      const md = await metadataOf(b2.c, 'persist-me');
      expect(md.topicId).toBe(t.topicId);
      expect(md.partitions).toHaveLength(4);
      expect((await topicConfigMap(b2.c, 'persist-me')).get('retention.ms')).toMatchObject({ value: '5000', configSource: 1 });
      expect((await metadataOf(b2.c, 'persist-gone')).errorCode).toBe(E.UNKNOWN_TOPIC_OR_PARTITION);
    } finally {
      await b2.close();
    }
  });
});

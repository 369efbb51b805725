/**
 * Configuration that changes at run time: dynamic broker configs (BROKER resources, this node and
 * the cluster default), per-group configs (GROUP resources, used by the consumer-protocol
 * coordinator) and log levels (BROKER_LOGGER resources); DescribeConfigs sources, synonyms and
 * precedence; persistence across a restart; Kafka's refusals.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KafkaWire } from '../helpers/kafka-wire.js';
import { API, BROKER, TOPIC, createTopic, removeTempDirs, startAdmin, topicConfigMap, type AdminBroker } from '../helpers/admin-wire.js';
import { Member, sleep } from '../helpers/consumer-group.js';

const NODE = 5;
const GROUP = 32;
const BROKER_LOGGER = 8;
const SET = 0;
const DELETE = 1;
const APPEND = 2;
const E = { NONE: 0, INVALID_CONFIG: 40, INVALID_REQUEST: 42 };
const SRC = { TOPIC: 1, DYNAMIC_BROKER: 2, DYNAMIC_DEFAULT: 3, STATIC: 4, DEFAULT: 5, LOGGER: 6, GROUP: 8 };

type Op = [name: string, op: number, value: string | null];
const incremental = (k: KafkaWire, type: number, name: string, ops: Op[], validateOnly = false) =>
  k
    .request(API.INCREMENTAL_ALTER_CONFIGS, 1, {
      resources: [{ resourceType: type, resourceName: name, configs: ops.map(([n, configOperation, value]) => ({ name: n, configOperation, value })) }],
      validateOnly,
    })
    .then((r: any) => r.responses[0]);
const alter = (k: KafkaWire, type: number, name: string, configs: Record<string, string>) =>
  k
    .request(API.ALTER_CONFIGS, 2, {
      resources: [{ resourceType: type, resourceName: name, configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
      validateOnly: false,
    })
    .then((r: any) => r.responses[0]);
const describeRes = async (k: KafkaWire, type: number, name: string, keys: string[] | null = null, includeSynonyms = true) => {
  const r = await k.request(API.DESCRIBE_CONFIGS, 4, { resources: [{ resourceType: type, resourceName: name, configurationKeys: keys }], includeSynonyms, includeDocumentation: true });
  return r.results[0];
};
const byName = (r: any) => new Map<string, any>(r.configs.map((e: any) => [e.name, e]));

let a: AdminBroker;
let c: KafkaWire;

beforeAll(async () => {
  a = await startAdmin({ config: { 'node.id': NODE, 'message.max.bytes': 2000000, 'group.consumer.min.session.timeout.ms': 1000, 'group.consumer.min.heartbeat.interval.ms': 100 } });
  c = a.c;
});

afterAll(async () => {
  await a?.close();
  await removeTempDirs();
});

describe('dynamic broker configs', () => {
  it('precedence per-broker > cluster default > server.properties > default, in values, sources and synonyms; topics follow', async () => {
    await createTopic(c, { name: 'dyn-follow' });
    const key = 'message.max.bytes';
    const show = async () => byName(await describeRes(c, BROKER, String(NODE), [key])).get(key);
    expect(await show()).toMatchObject({ value: '2000000', configSource: SRC.STATIC, readOnly: false });

    expect(await incremental(c, BROKER, '', [[key, SET, '3000000']])).toMatchObject({ errorCode: 0 });
    expect(await show()).toMatchObject({ value: '3000000', configSource: SRC.DYNAMIC_DEFAULT });
    expect((await topicConfigMap(c, 'dyn-follow')).get('max.message.bytes')).toMatchObject({ value: '3000000', configSource: SRC.DYNAMIC_DEFAULT });

    expect(await incremental(c, BROKER, String(NODE), [[key, SET, '4000000']])).toMatchObject({ errorCode: 0 });
    const own = await show();
    expect(own).toMatchObject({ value: '4000000', configSource: SRC.DYNAMIC_BROKER });
    expect(own.synonyms).toEqual([
      { name: key, value: '4000000', source: SRC.DYNAMIC_BROKER },
      { name: key, value: '3000000', source: SRC.DYNAMIC_DEFAULT },
      { name: key, value: '2000000', source: SRC.STATIC },
      { name: key, value: '1048588', source: SRC.DEFAULT },
    ]);
    // The cluster-default resource shows only its own layer.
    const dflt = await describeRes(c, BROKER, '');
    expect(dflt.configs).toEqual([expect.objectContaining({ name: key, value: '3000000', configSource: SRC.DYNAMIC_DEFAULT, synonyms: [{ name: key, value: '3000000', source: SRC.DYNAMIC_DEFAULT }] })]);

    expect(await incremental(c, BROKER, String(NODE), [[key, DELETE, null]])).toMatchObject({ errorCode: 0 });
    expect(await show()).toMatchObject({ value: '3000000', configSource: SRC.DYNAMIC_DEFAULT });
    expect(await alter(c, BROKER, '', {})).toMatchObject({ errorCode: 0 }); // the legacy API replaces the whole layer
    expect(await show()).toMatchObject({ value: '2000000', configSource: SRC.STATIC });
    expect((await describeRes(c, BROKER, '')).configs).toEqual([]);
  });

  it('applies live: a lowered message.max.bytes refuses a larger batch at once', async () => {
    await createTopic(c, { name: 'dyn-live' });
    const { batchOf } = await import('../helpers/admin-wire.js');
    const produce = async () => {
      const r = await c.request(0, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'dyn-live', partitionData: [{ index: 0, records: batchOf(20, 'x'.repeat(50)) }] }] });
      return r.responses[0].partitionResponses[0].errorCode;
    };
    expect(await produce()).toBe(0);
    expect(await incremental(c, BROKER, String(NODE), [['message.max.bytes', SET, '200']])).toMatchObject({ errorCode: 0 });
    expect(await produce()).toBe(10); // MESSAGE_TOO_LARGE
    expect(await incremental(c, BROKER, String(NODE), [['message.max.bytes', DELETE, null]])).toMatchObject({ errorCode: 0 });
    expect(await produce()).toBe(0);
  });

  it("refuses keys Kafka cannot change at run time, bad values, APPEND to non-lists and other ids, as Kafka; validateOnly changes nothing", async () => {
    const r1 = await incremental(c, BROKER, String(NODE), [['num.partitions', SET, '3'], ['log.retention.ms', SET, '1000']]);
    expect(r1).toMatchObject({ errorCode: E.INVALID_REQUEST, errorMessage: 'Cannot update these configs dynamically: Set(num.partitions)' });
    const r2 = await incremental(c, BROKER, '', [['log.retention.ms', SET, 'soon']]);
    expect(r2.errorCode).toBe(E.INVALID_REQUEST);
    expect(r2.errorMessage).toMatch(/^Invalid value soon for configuration log.retention.ms/);
    expect(await incremental(c, BROKER, '', [['message.max.bytes', APPEND, '5']])).toMatchObject({ errorCode: E.INVALID_CONFIG });
    expect(await incremental(c, BROKER, '', [['log.cleanup.policy', APPEND, 'compact']], true)).toMatchObject({ errorCode: 0 });
    expect(await incremental(c, BROKER, '', [['num.io.threads', SET, '8']])).toMatchObject({ errorCode: E.INVALID_REQUEST });
    expect(await incremental(c, BROKER, '', [['no.such.key', SET, '8']])).toMatchObject({ errorCode: E.INVALID_REQUEST });
    expect(await incremental(c, BROKER, String(NODE + 1), [['log.retention.ms', SET, '1']])).toMatchObject({
      errorCode: E.INVALID_REQUEST,
      errorMessage: `Unexpected broker id, expected ${NODE}, but received ${NODE + 1}`,
    });
    expect(await incremental(c, BROKER, String(NODE), [['log.retention.ms', SET, '1000']], true)).toMatchObject({ errorCode: 0 });
    const m = byName(await describeRes(c, BROKER, String(NODE), ['log.retention.ms', 'log.cleanup.policy', 'num.partitions']));
    expect(m.get('log.retention.ms')).toMatchObject({ value: null, configSource: SRC.DEFAULT, readOnly: false });
    expect(m.get('log.cleanup.policy')).toMatchObject({ value: 'delete', configSource: SRC.DEFAULT });
    expect(m.get('num.partitions')).toMatchObject({ readOnly: true });
  });

  it('survive a restart (persisted in the data directory)', async () => {
    const b = await startAdmin({ config: { 'node.id': 2 } });
    await createTopic(b.c, { name: 'dyn-persist' });
    expect(await incremental(b.c, BROKER, '2', [['log.retention.ms', SET, '123456']])).toMatchObject({ errorCode: 0 });
    expect(await incremental(b.c, BROKER, '', [['log.segment.bytes', SET, '2000000']])).toMatchObject({ errorCode: 0 });
    await b.close();
    expect(JSON.parse(await readFile(join(b.dataDir, 'dynamic-configs.json'), 'utf8'))).toMatchObject({ broker: { 'log.retention.ms': '123456' }, clusterDefault: { 'log.segment.bytes': '2000000' } });
    const b2 = await startAdmin({ dataDir: b.dataDir, config: { 'node.id': 2 } });
    try {
      const t = await topicConfigMap(b2.c, 'dyn-persist');
      expect(t.get('retention.ms')).toMatchObject({ value: '123456', configSource: SRC.DYNAMIC_BROKER });
      expect(t.get('segment.bytes')).toMatchObject({ value: '2000000', configSource: SRC.DYNAMIC_DEFAULT });
    } finally {
      await b2.close();
    }
  });
});

describe('DescribeConfigs synonyms and ids', () => {
  it('synonyms only when asked; node.id and broker.id from the file are STATIC_BROKER_CONFIG', async () => {
    const bare = byName(await describeRes(c, BROKER, String(NODE), ['message.max.bytes', 'node.id', 'broker.id'], false));
    expect(bare.get('message.max.bytes').synonyms).toEqual([]);
    expect(bare.get('node.id')).toMatchObject({ value: String(NODE), configSource: SRC.STATIC });
    expect(bare.get('broker.id')).toMatchObject({ value: String(NODE), configSource: SRC.STATIC });
    const t = await describeRes(c, TOPIC, '__consumer_offsets', ['retention.ms'], false);
    expect(t.configs[0].synonyms).toEqual([]);
  });
});

describe('group configs', () => {
  it('describe: broker values (DEFAULT/STATIC) until overridden (GROUP_CONFIG); the coordinator uses the override', async () => {
    const before = byName(await describeRes(c, GROUP, 'gc-1'));
    expect([...before.keys()]).toEqual(['consumer.heartbeat.interval.ms', 'consumer.session.timeout.ms']);
    expect(before.get('consumer.session.timeout.ms')).toMatchObject({ value: '45000', configSource: SRC.DEFAULT, readOnly: false, configType: 3 });
    const m = await Member.connect(a.broker.port, 'gc-1', { topics: ['dyn-follow'] });
    try {
      expect((await m.join()).heartbeatIntervalMs).toBe(5000);
      const r = await incremental(c, GROUP, 'gc-1', [['consumer.heartbeat.interval.ms', SET, '250'], ['consumer.session.timeout.ms', SET, '1500']]);
      expect(r).toMatchObject({ errorCode: 0, errorMessage: null });
      const after = byName(await describeRes(c, GROUP, 'gc-1'));
      expect(after.get('consumer.heartbeat.interval.ms')).toMatchObject({ value: '250', configSource: SRC.GROUP });
      expect(after.get('consumer.heartbeat.interval.ms').synonyms).toEqual([
        { name: 'consumer.heartbeat.interval.ms', value: '250', source: SRC.GROUP },
        { name: 'group.consumer.heartbeat.interval.ms', value: '5000', source: SRC.DEFAULT },
      ]);
      expect((await m.beat()).heartbeatIntervalMs).toBe(250);
      // The member stops heartbeating: fenced after the group's 1.5 s, not the broker's 45 s.
      await sleep(3500);
      expect((await m.beat()).errorCode).not.toBe(0);
    } finally {
      await m.close();
    }
  });

  it("validation as Kafka's GroupConfig (INVALID_CONFIG); AlterConfigs replaces; validateOnly and empty names", async () => {
    const bad: Array<[Op[], string]> = [
      [[['consumer.session.timeout.ms', SET, '500']], 'consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms'],
      [[['consumer.session.timeout.ms', SET, '70000']], 'consumer.session.timeout.ms must be less than or equal to group.consumer.max.session.timeout.ms'],
      [[['consumer.heartbeat.interval.ms', SET, '20000']], 'consumer.heartbeat.interval.ms must be less than or equal to group.consumer.max.heartbeat.interval.ms'],
      [[['consumer.session.timeout.ms', SET, '2000'], ['consumer.heartbeat.interval.ms', SET, '2000']], 'consumer.session.timeout.ms must be greater than consumer.heartbeat.interval.ms'],
      [[['consumer.session.timeout.ms', SET, 'x']], 'Invalid value x for configuration consumer.session.timeout.ms: Not a number of type INT'],
      [[['share.session.timeout.ms', SET, '1']], 'Unknown group config name: share.session.timeout.ms'],
    ];
    for (const [ops, message] of bad) expect(await incremental(c, GROUP, 'gc-2', ops)).toEqual(expect.objectContaining({ errorCode: E.INVALID_CONFIG, errorMessage: message }));
    expect(await incremental(c, GROUP, 'gc-2', [['consumer.session.timeout.ms', SET, '50000']], true)).toMatchObject({ errorCode: 0 });
    expect(byName(await describeRes(c, GROUP, 'gc-2')).get('consumer.session.timeout.ms').configSource).toBe(SRC.DEFAULT);
    expect(await incremental(c, GROUP, 'gc-2', [['consumer.session.timeout.ms', SET, '50000']])).toMatchObject({ errorCode: 0 });
    expect(await alter(c, GROUP, 'gc-2', { 'consumer.heartbeat.interval.ms': '6000' })).toMatchObject({ errorCode: 0 });
    const m = byName(await describeRes(c, GROUP, 'gc-2'));
    expect(m.get('consumer.session.timeout.ms').configSource).toBe(SRC.DEFAULT);
    expect(m.get('consumer.heartbeat.interval.ms')).toMatchObject({ value: '6000', configSource: SRC.GROUP });
    expect(await incremental(c, GROUP, '', [['consumer.session.timeout.ms', SET, '50000']])).toMatchObject({ errorCode: E.INVALID_REQUEST });
    expect((await describeRes(c, GROUP, '')).errorCode).toBe(E.INVALID_REQUEST);
  });

  it('survive a restart', async () => {
    const b = await startAdmin();
    expect(await incremental(b.c, GROUP, 'gp', [['consumer.heartbeat.interval.ms', SET, '7000']])).toMatchObject({ errorCode: 0 });
    await b.close();
    const b2 = await startAdmin({ dataDir: b.dataDir });
    try {
      expect(byName(await describeRes(b2.c, GROUP, 'gp')).get('consumer.heartbeat.interval.ms')).toMatchObject({ value: '7000', configSource: SRC.GROUP });
    } finally {
      await b2.close();
    }
  });
});

describe('broker loggers', () => {
  const levels = async () => new Map<string, string>((await describeRes(c, BROKER_LOGGER, String(NODE))).configs.map((e: any) => [e.name, e.value]));

  it('describe every logger; SET and DELETE; the rest refused as Kafka', async () => {
    const d = await describeRes(c, BROKER_LOGGER, String(NODE));
    expect(d.errorCode).toBe(0);
    expect(d.configs.map((e: any) => e.name)).toEqual(['root', 'runnel.server', 'runnel.storage', 'runnel.groups', 'runnel.transactions', 'runnel.cluster', 'kafka.authorizer.logger']);
    expect(d.configs.every((e: any) => e.configSource === SRC.LOGGER && e.readOnly === false)).toBe(true);
    expect((await levels()).get('root')).toBe('OFF'); // the embedded broker is silent

    expect(await incremental(c, BROKER_LOGGER, String(NODE), [['root', SET, 'WARN'], ['runnel.groups', SET, 'DEBUG']])).toMatchObject({ errorCode: 0 });
    let l = await levels();
    expect([l.get('root'), l.get('runnel.groups'), l.get('runnel.server')]).toEqual(['WARN', 'DEBUG', 'WARN']);
    expect(await incremental(c, BROKER_LOGGER, String(NODE), [['root', SET, 'ERROR']])).toMatchObject({ errorCode: 0 });
    l = await levels();
    expect([l.get('root'), l.get('runnel.groups'), l.get('runnel.server')]).toEqual(['ERROR', 'DEBUG', 'ERROR']);
    expect(await incremental(c, BROKER_LOGGER, String(NODE), [['runnel.groups', DELETE, null]])).toMatchObject({ errorCode: 0 });
    expect((await levels()).get('runnel.groups')).toBe('ERROR');

    const refused: Array<[Op[], number, string]> = [
      [[['runnel.nope', SET, 'INFO']], E.INVALID_CONFIG, 'Logger runnel.nope does not exist!'],
      [[['root', SET, 'LOUD']], E.INVALID_CONFIG, 'Cannot set the log level of root to LOUD as it is not a supported log level. Valid log levels are FATAL, ERROR, WARN, INFO, DEBUG, TRACE'],
      [[['root', DELETE, null]], E.INVALID_REQUEST, 'Removing the log level of the root logger is not allowed'],
      [[['root', APPEND, 'INFO']], E.INVALID_REQUEST, 'APPEND operation is not allowed for the BROKER_LOGGER resource'],
      [[['runnel.server', SET, 'TRACE'], ['root', SET, 'bad']], E.INVALID_CONFIG, 'Cannot set the log level of root to bad as it is not a supported log level. Valid log levels are FATAL, ERROR, WARN, INFO, DEBUG, TRACE'],
    ];
    for (const [ops, code, message] of refused) expect(await incremental(c, BROKER_LOGGER, String(NODE), ops)).toMatchObject({ errorCode: code, errorMessage: message });
    expect((await levels()).get('runnel.server')).toBe('ERROR'); // nothing of a refused request applied
    expect(await incremental(c, BROKER_LOGGER, String(NODE), [['runnel.server', SET, 'TRACE']], true)).toMatchObject({ errorCode: 0 });
    expect((await levels()).get('runnel.server')).toBe('ERROR');
    expect(await incremental(c, BROKER_LOGGER, String(NODE + 1), [['root', SET, 'INFO']])).toMatchObject({ errorCode: E.INVALID_REQUEST });
    expect((await describeRes(c, BROKER_LOGGER, '')).errorCode).toBe(E.INVALID_REQUEST);
    // AlterConfigs never had BROKER_LOGGER.
    expect(await alter(c, BROKER_LOGGER, String(NODE), { root: 'INFO' })).toMatchObject({ errorCode: E.INVALID_REQUEST, errorMessage: 'Unknown resource type 8' });
    expect(await incremental(c, BROKER_LOGGER, String(NODE), [['root', SET, 'FATAL']])).toMatchObject({ errorCode: 0 });
  });
});

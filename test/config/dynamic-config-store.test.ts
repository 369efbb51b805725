/**
 * The stores behind DynamicConfigs: the data directory's file on a single node, etcd in a cluster
 * (two brokers' stores on one real etcd: a change on one is seen and applied on the other, per
 * broker layers stay with their broker, concurrent changes are not lost, a local file is uploaded
 * once).
 */
import { describe, it, expect } from 'vitest';
import { mkdtemp, readFile, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDynamicConfigStore, DYNAMIC_CONFIGS_FILE } from '../../src/config/dynamic-config-store.js';
import { EtcdDynamicConfigStore } from '../../src/cluster/etcd/etcd-config-store.js';
import { DynamicConfigs, ConfigChangeError } from '../../src/config/dynamic-configs.js';
import { BrokerConfig } from '../../src/config/config.js';
import { silentLogger } from '../../src/util/logger.js';
import { useTestEtcd, newPrefix, openBroker } from '../cluster/etcd/brokers.js';
import { until } from '../helpers/until.js';

const eventually = (what: string, cond: () => boolean) => until(what, () => (cond() ? true : undefined), 10_000, 50);

const SET = 0;
const DELETE = 1;
const set = (name: string, value: string) => ({ name, op: SET, value });
const del = (name: string) => ({ name, op: DELETE, value: null });

describe('FileDynamicConfigStore', () => {
  it('keeps scopes in the data directory and reads them back; a refused change writes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runnel-dcs-'));
    const s = await FileDynamicConfigStore.open(dir);
    await s.update({ kind: 'default' }, () => new Map([['log.retention.ms', '1000']]));
    await s.update({ kind: 'broker' }, () => new Map([['message.max.bytes', '5000']]));
    await s.update({ kind: 'group', id: 'g' }, () => new Map([['consumer.session.timeout.ms', '50000']]));
    await expect(s.update({ kind: 'default' }, () => { throw new Error('no'); })).rejects.toThrow('no');
    const again = await FileDynamicConfigStore.open(dir);
    expect(again.current().clusterDefault.get('log.retention.ms')).toBe('1000');
    expect(again.current().broker.get('message.max.bytes')).toBe('5000');
    expect(again.current().groups.get('g')?.get('consumer.session.timeout.ms')).toBe('50000');
    await again.update({ kind: 'group', id: 'g' }, () => new Map());
    expect(JSON.parse(await readFile(join(dir, DYNAMIC_CONFIGS_FILE), 'utf8')).groups).toEqual({});
  });
});

describe('EtcdDynamicConfigStore', () => {
  const etcd = useTestEtcd();

  async function broker(prefix: string, id: number, dataDir?: string) {
    const control = etcd.closeAfterTest(await openBroker(etcd.endpoints, prefix, id));
    const store = await EtcdDynamicConfigStore.open(control, id, dataDir, silentLogger);
    const config = new BrokerConfig({ 'node.id': id });
    return { control, store, config, configs: DynamicConfigs.open(config, store, silentLogger) };
  }

  it('the cluster default altered on one broker applies on every broker; a per-broker layer only on its own', async () => {
    const prefix = newPrefix();
    const b1 = await broker(prefix, 1);
    const b2 = await broker(prefix, 2);
    await b1.configs.alterBroker('', [set('message.max.bytes', '4096')], 'incremental', false);
    // The writer's own view has it when the call resolves; the other broker once the watch delivers it.
    expect(b1.config.int('message.max.bytes')).toBe(4096);
    await eventually('b2.config.int(message.max.bytes) === 4', () => b2.config.int('message.max.bytes') === 4096);
    expect(b2.config.layers('message.max.bytes')[0].layer).toBe('dynamic-default');

    await b2.configs.alterBroker('2', [set('message.max.bytes', '8192')], 'incremental', false);
    expect(b2.config.layers('message.max.bytes')[0]).toEqual({ layer: 'dynamic-broker', value: '8192' });
    const raw = await b1.control.client.get(`${prefix}/configs/brokers/2`).string();
    expect(JSON.parse(raw!)).toEqual({ 'message.max.bytes': '8192' });
    await new Promise((r) => setTimeout(r, 300));
    expect(b1.config.int('message.max.bytes')).toBe(4096);
    expect(b1.config.dynamicValues('dynamic-broker').size).toBe(0);

    // Deleting the last key removes the scope's key.
    await b1.configs.alterBroker('', [del('message.max.bytes')], 'incremental', false);
    expect(await b1.control.client.get(`${prefix}/configs/brokers/default`).string()).toBeNull();
    await eventually('b2.config.dynamicValues(dynamic-default', () => b2.config.dynamicValues('dynamic-default').size === 0);
  });

  it('validation as before: a refused change writes nothing; validateOnly writes nothing', async () => {
    const prefix = newPrefix();
    const b1 = await broker(prefix, 1);
    await expect(b1.configs.alterBroker('', [set('num.partitions', '3')], 'incremental', false)).rejects.toBeInstanceOf(ConfigChangeError);
    await b1.configs.alterBroker('', [set('log.retention.ms', '1234')], 'incremental', true);
    expect((await b1.control.client.getAll().prefix(`${prefix}/configs/`).keys()).length).toBe(0);
  });

  it('concurrent increments of the same scope on two brokers: neither is lost (compare-and-swap)', async () => {
    const prefix = newPrefix();
    const b1 = await broker(prefix, 1);
    const b2 = await broker(prefix, 2);
    await Promise.all([
      b1.configs.alterBroker('', [set('log.retention.ms', '1000')], 'incremental', false),
      b2.configs.alterBroker('', [set('log.segment.bytes', '2000000')], 'incremental', false),
      b1.configs.alterGroup('g', [set('consumer.session.timeout.ms', '50000')], 'incremental', false),
      b2.configs.alterGroup('g', [set('consumer.heartbeat.interval.ms', '6000')], 'incremental', false),
    ]);
    const def = JSON.parse((await b1.control.client.get(`${prefix}/configs/brokers/default`).string())!);
    expect(def).toEqual({ 'log.retention.ms': '1000', 'log.segment.bytes': '2000000' });
    await eventually('b1.configs.groupOverrides(g).size === ', () => b1.configs.groupOverrides('g').size === 2 && b2.configs.groupOverrides('g').size === 2);
    expect(b1.configs.groupSettings('g')).toEqual({ sessionTimeoutMs: 50000, heartbeatIntervalMs: 6000 });
  });

  it('a broker opened after a change gets it from etcd', async () => {
    const prefix = newPrefix();
    const b1 = await broker(prefix, 1);
    await b1.configs.alterBroker('', [set('log.retention.ms', '777')], 'incremental', false);
    await b1.configs.alterBroker('1', [set('message.max.bytes', '3333')], 'incremental', false);
    const b3 = await broker(prefix, 3);
    expect(b3.config.get('log.retention.ms')).toBe('777');
    expect(b3.config.dynamicValues('dynamic-broker').size).toBe(0);
  });

  it('a value not understood, or a key that cannot be applied, is ignored; the rest applies', async () => {
    const prefix = newPrefix();
    const b1 = await broker(prefix, 1);
    await b1.control.client.put(`${prefix}/configs/brokers/default`).value('not json');
    await b1.control.client.put(`${prefix}/configs/brokers/1`).value(JSON.stringify({ 'num.partitions': '7', 'log.retention.ms': '4242', 'message.max.bytes': 'big' }));
    await eventually('broker 1 applies its layer', () => b1.config.get('log.retention.ms') === '4242');
    expect([...b1.config.dynamicValues('dynamic-broker')]).toEqual([['log.retention.ms', '4242']]);
    expect(b1.config.dynamicValues('dynamic-default').size).toBe(0);
    // An incremental change keeps what this broker cannot apply (another version may), unless it names it.
    await b1.configs.alterBroker('1', [set('log.segment.bytes', '2000000'), del('num.partitions')], 'incremental', false);
    expect(JSON.parse((await b1.control.client.get(`${prefix}/configs/brokers/1`).string())!)).toEqual({ 'log.retention.ms': '4242', 'log.segment.bytes': '2000000', 'message.max.bytes': 'big' });
    expect(b1.config.get('log.segment.bytes')).toBe('2000000');
  });

  it('a local dynamic-configs.json is uploaded where etcd has none, then moved aside; an existing cluster default wins', async () => {
    const prefix = newPrefix();
    const b1 = await broker(prefix, 1);
    await b1.configs.alterBroker('', [set('log.retention.ms', '1000')], 'incremental', false);
    const dir = await mkdtemp(join(tmpdir(), 'runnel-dcs-'));
    const file = join(dir, DYNAMIC_CONFIGS_FILE);
    await writeFile(file, JSON.stringify({ broker: { 'message.max.bytes': '5555' }, clusterDefault: { 'log.retention.ms': '9' }, groups: { g: { 'consumer.session.timeout.ms': '50000' } } }));
    const b2 = await broker(prefix, 2, dir);
    expect(b2.config.get('message.max.bytes')).toBe('5555');
    expect(b2.config.get('log.retention.ms')).toBe('1000');
    expect(b2.configs.groupOverrides('g').get('consumer.session.timeout.ms')).toBe('50000');
    await expect(access(file)).rejects.toThrow();
    await access(`${file}.uploaded`);
  });
});

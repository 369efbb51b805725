/**
 * DescribeClientQuotas (48) and AlterClientQuotas (49) on the wire: Kafka's filters and validation
 * messages, validate_only, persistence across a restart, and hostile input (a bad request is an
 * error code or a closed connection, and the broker keeps serving).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker.js';
import { KafkaWire, clientHost, rawFrame, apiVersionsWorks } from '../helpers/kafka-wire.js';
import { removeTempDirs, startAdmin, tempDir, type AdminBroker } from '../helpers/admin-wire.js';

const DESCRIBE = 48;
const ALTER = 49;
const E = { NONE: 0, UNSUPPORTED_VERSION: 35, INVALID_REQUEST: 42 };
const EXACT = 0;
const DEFAULT = 1;
const SPECIFIED = 2;

type Entity = Array<[string, string | null]>;
const entity = (e: Entity) => e.map(([entityType, entityName]) => ({ entityType, entityName }));
const set = (key: string, value: number) => ({ key, value, remove: false });
const remove = (key: string) => ({ key, value: 0, remove: true });

let a: AdminBroker;
let c: KafkaWire;

async function alter(entries: Array<{ entity: Entity; ops: any[] }>, validateOnly = false, version = 1): Promise<any[]> {
  const res = await c.request(ALTER, version, { entries: entries.map((e) => ({ entity: entity(e.entity), ops: e.ops })), validateOnly });
  return res.entries;
}

async function describeQuotas(components: Array<[string, number, string | null]>, strict = false, version = 1): Promise<any> {
  return c.request(DESCRIBE, version, { components: components.map(([entityType, matchType, match]) => ({ entityType, matchType, match })), strict });
}

/** Describe results as "type=name,type=name" → values, for order-free comparison. */
function byEntity(res: any): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const e of res.entries) {
    const name = e.entity.map((d: any) => `${d.entityType}=${d.entityName ?? '<default>'}`).sort().join(',');
    out[name] = Object.fromEntries(e.values.map((v: any) => [v.key, v.value]));
  }
  return out;
}

beforeAll(async () => {
  a = await startAdmin();
  c = a.c;
});

afterAll(async () => {
  await a?.close();
  await removeTempDirs();
});

describe('AlterClientQuotas', () => {
  it('sets, describes, removes; every entity combination Kafka allows', async () => {
    const res = await alter([
      { entity: [['user', 'alice']], ops: [set('producer_byte_rate', 1024), set('request_percentage', 12.5)] },
      { entity: [['user', 'alice'], ['client-id', 'app']], ops: [set('consumer_byte_rate', 2048)] },
      { entity: [['client-id', null]], ops: [set('producer_byte_rate', 4096), set('controller_mutation_rate', 3.5)] },
      { entity: [['user', null]], ops: [set('consumer_byte_rate', 10)] },
      { entity: [['ip', '127.0.0.1']], ops: [set('connection_creation_rate', 100)] },
      { entity: [['ip', null]], ops: [set('connection_creation_rate', 1000)] },
    ]);
    expect(res.map((r) => [r.errorCode, r.errorMessage])).toEqual(Array(6).fill([E.NONE, null]));
    expect(byEntity(await describeQuotas([]))).toEqual({
      'user=alice': { producer_byte_rate: 1024, request_percentage: 12.5 },
      'client-id=app,user=alice': { consumer_byte_rate: 2048 },
      'client-id=<default>': { producer_byte_rate: 4096, controller_mutation_rate: 3.5 },
      'user=<default>': { consumer_byte_rate: 10 },
      'ip=127.0.0.1': { connection_creation_rate: 100 },
      'ip=<default>': { connection_creation_rate: 1000 },
    });
    // Removing the last key removes the entity; removing an absent (even unknown) key is a no-op.
    const removed = await alter([
      { entity: [['user', null]], ops: [remove('consumer_byte_rate'), remove('no_such_key')] },
      { entity: [['ip', null]], ops: [remove('connection_creation_rate')] },
      { entity: [['ip', '127.0.0.1']], ops: [remove('connection_creation_rate')] },
    ]);
    expect(removed.every((r) => r.errorCode === E.NONE)).toBe(true);
    const after = byEntity(await describeQuotas([]));
    expect(after['user=<default>']).toBeUndefined();
    expect(after['ip=<default>']).toBeUndefined();
  });

  it("refuses with Kafka's messages, entry by entry, and applies the valid ones", async () => {
    const res = await alter([
      { entity: [], ops: [set('producer_byte_rate', 1)] },
      { entity: [['group', 'g']], ops: [set('producer_byte_rate', 1)] },
      { entity: [['user', '']], ops: [set('producer_byte_rate', 1)] },
      { entity: [['ip', '1.2.3.4'], ['user', 'x']], ops: [set('connection_creation_rate', 1)] },
      { entity: [['ip', 'not a host!']], ops: [set('connection_creation_rate', 1)] },
      { entity: [['user', 'v1']], ops: [set('connection_creation_rate', 1)] },
      { entity: [['ip', '1.2.3.4']], ops: [set('producer_byte_rate', 1)] },
      { entity: [['user', 'v2']], ops: [set('producer_byte_rate', 0)] },
      { entity: [['user', 'v3']], ops: [set('producer_byte_rate', 1.5)] },
      { entity: [['ip', '1.2.3.5']], ops: [set('connection_creation_rate', 2 ** 31)] },
      { entity: [['user', 'v4']], ops: [set('producer_byte_rate', 1), set('producer_byte_rate', 2)] },
      { entity: [['user', 'ok']], ops: [set('producer_byte_rate', 5)] },
      { entity: [['user', 'ok']], ops: [set('producer_byte_rate', 6)] },
      { entity: [['user', 'good']], ops: [set('producer_byte_rate', 7)] },
    ]);
    const msgs = res.map((r) => [r.errorCode, r.errorMessage]);
    expect(msgs).toEqual([
      [E.INVALID_REQUEST, 'Invalid empty client quota entity'],
      [E.INVALID_REQUEST, 'Unhandled client quota entity type: group'],
      [E.INVALID_REQUEST, 'Empty user not supported'],
      [E.INVALID_REQUEST, 'Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId'],
      [E.INVALID_REQUEST, 'not a host! is not a valid IP or resolvable host.'],
      [E.INVALID_REQUEST, 'Invalid configuration key connection_creation_rate'],
      [E.INVALID_REQUEST, 'Invalid configuration key producer_byte_rate'],
      [E.INVALID_REQUEST, 'Quota producer_byte_rate must be greater than 0'],
      [E.INVALID_REQUEST, 'producer_byte_rate cannot be a fractional value.'],
      [E.INVALID_REQUEST, 'Proposed value for connection_creation_rate is too large for an INT.'],
      [E.INVALID_REQUEST, 'Ignoring duplicate entity ClientQuotaEntity(entries={user=v4})'],
      [E.INVALID_REQUEST, 'Ignoring duplicate entity ClientQuotaEntity(entries={user=ok})'],
      [E.NONE, null],
    ]);
    const now = byEntity(await describeQuotas([['user', SPECIFIED, null]], true));
    expect(now['user=good']).toEqual({ producer_byte_rate: 7 });
    for (const u of ['v1', 'v2', 'v3', 'v4', 'ok']) expect(now[`user=${u}`]).toBeUndefined();
  });

  it('validate_only validates and changes nothing (v0 too)', async () => {
    const res = await alter([{ entity: [['client-id', 'dry']], ops: [set('producer_byte_rate', 99)] }, { entity: [['client-id', 'dry2']], ops: [set('bad_key', 1)] }], true, 0);
    expect(res.map((r) => r.errorCode)).toEqual([E.NONE, E.INVALID_REQUEST]);
    expect(byEntity(await describeQuotas([['client-id', EXACT, 'dry']], false, 0))).toEqual({});
  });
});

describe('DescribeClientQuotas', () => {
  beforeAll(async () => {
    await alter([
      { entity: [['user', 'd1'], ['client-id', 'c1']], ops: [set('producer_byte_rate', 1)] },
      { entity: [['user', 'd1']], ops: [set('producer_byte_rate', 2)] },
      { entity: [['user', 'd1'], ['client-id', null]], ops: [set('producer_byte_rate', 3)] },
      { entity: [['client-id', 'c1']], ops: [set('producer_byte_rate', 4)] },
    ]);
  });

  it('exact, default and specified matches; strict leaves out entities with other types', async () => {
    expect(Object.keys(byEntity(await describeQuotas([['user', EXACT, 'd1']]))).sort()).toEqual(['client-id=<default>,user=d1', 'client-id=c1,user=d1', 'user=d1']);
    expect(Object.keys(byEntity(await describeQuotas([['user', EXACT, 'd1']], true)))).toEqual(['user=d1']);
    expect(Object.keys(byEntity(await describeQuotas([['user', EXACT, 'd1'], ['client-id', DEFAULT, null]])))).toEqual(['client-id=<default>,user=d1']);
    expect(Object.keys(byEntity(await describeQuotas([['user', EXACT, 'd1'], ['client-id', SPECIFIED, null]]))).sort()).toEqual(['client-id=<default>,user=d1', 'client-id=c1,user=d1']);
    expect(Object.keys(byEntity(await describeQuotas([['client-id', EXACT, 'c1']], true)))).toEqual(['client-id=c1']);
    expect(byEntity(await describeQuotas([['user', EXACT, 'nobody']]))).toEqual({});
  });

  it("refuses a bad filter as a whole with Kafka's message", async () => {
    const cases: Array<[Array<[string, number, string | null]>, number, string]> = [
      [[['', EXACT, 'x']], E.INVALID_REQUEST, 'Invalid empty entity type.'],
      [[['user', EXACT, 'a'], ['user', SPECIFIED, null]], E.INVALID_REQUEST, 'Entity type user cannot appear more than once in the filter.'],
      [[['group', EXACT, 'a']], E.UNSUPPORTED_VERSION, 'Unsupported entity type group'],
      [[['user', EXACT, null]], E.INVALID_REQUEST, 'Request specified MATCH_TYPE_EXACT, but set match string to null.'],
      [[['user', DEFAULT, 'x']], E.INVALID_REQUEST, 'Request specified MATCH_TYPE_DEFAULT, but also specified a match string.'],
      [[['user', SPECIFIED, 'x']], E.INVALID_REQUEST, 'Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.'],
      [[['user', 7, null]], E.INVALID_REQUEST, 'Unknown match type 7'],
      [[['ip', SPECIFIED, null], ['user', SPECIFIED, null]], E.INVALID_REQUEST, 'Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.'],
    ];
    for (const [components, code, message] of cases) {
      const res = await describeQuotas(components);
      expect([res.errorCode, res.errorMessage, res.entries]).toEqual([code, message, null]);
    }
  });
});

describe('hostile input', () => {
  it('truncated and garbage bodies close the connection; the broker keeps serving', async () => {
    for (const [key, version, body] of [
      [ALTER, 1, Buffer.from([0x05, 0x02])],
      [ALTER, 0, Buffer.from([0x7f, 0xff, 0xff, 0xff])],
      [DESCRIBE, 1, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])],
      [DESCRIBE, 0, Buffer.alloc(0)],
    ] as Array<[number, number, Buffer]>) {
      const w = await KafkaWire.connect(a.broker.port, clientHost(a.broker.host));
      w.socket.write(rawFrame(key, version, 1, body));
      expect(await w.waitClosed(5000)).toBe(true);
      await w.close();
    }
    expect(await apiVersionsWorks(a.broker.port, clientHost(a.broker.host))).toBe(true);
  });

  it('NaN, infinite and huge values are refused; long names and many entries are answered', async () => {
    const res = await alter([
      { entity: [['user', 'n']], ops: [set('producer_byte_rate', NaN)] },
      { entity: [['user', 'i']], ops: [set('producer_byte_rate', Infinity)] },
      { entity: [['user', 'h']], ops: [set('consumer_byte_rate', 1e300)] },
      { entity: [['user', 'x'.repeat(10_000)]], ops: [set('request_percentage', 1e-9)] },
    ]);
    expect(res.map((r) => r.errorCode)).toEqual([E.INVALID_REQUEST, E.INVALID_REQUEST, E.INVALID_REQUEST, E.NONE]);
    const many = await alter(Array.from({ length: 500 }, (_, i) => ({ entity: [['client-id', `bulk-${i}`]] as Entity, ops: [set('producer_byte_rate', 1000 + i)] })));
    expect(many.every((r) => r.errorCode === E.NONE)).toBe(true);
    expect(Object.keys(byEntity(await describeQuotas([['client-id', SPECIFIED, null]], true))).length).toBeGreaterThanOrEqual(500);
  });
});

describe('persistence', () => {
  it('quotas survive a restart of the broker', async () => {
    const dir = await tempDir();
    const b = await startBroker({ port: 0, dataDir: dir });
    let w = await KafkaWire.connect(b.port, clientHost(b.host));
    await w.request(ALTER, 1, { entries: [{ entity: entity([['user', 'kept']]), ops: [set('producer_byte_rate', 777)] }], validateOnly: false });
    await w.close();
    await b.close();
    const b2 = await startBroker({ port: 0, dataDir: dir });
    w = await KafkaWire.connect(b2.port, clientHost(b2.host));
    const res = await w.request(DESCRIBE, 1, { components: [{ entityType: 'user', matchType: EXACT, match: 'kept' }], strict: true });
    await w.close();
    await b2.close();
    expect(byEntity(res)).toEqual({ 'user=kept': { producer_byte_rate: 777 } });
  });
});

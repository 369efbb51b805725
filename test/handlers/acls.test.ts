/**
 * DescribeAcls (29), CreateAcls (30) and DeleteAcls (31) on the wire, as Kafka's AclApis and
 * AclControlManager answer: SECURITY_DISABLED without an authorizer, CLUSTER_AUTHORIZATION_FAILED
 * without DESCRIBE / ALTER on the cluster, per-creation validation, ANY / MATCH / LITERAL /
 * PREFIXED filters, per-filter delete results, v0 through v3, ACLs kept in the data directory,
 * authorizer.class.name refused when unknown, and hostile input (error codes, never a crash).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker.js';
import { ConfigError } from '../../src/config/config.js';
import { KafkaWire, apiVersionsWorks, rawFrame } from '../helpers/kafka-wire.js';
import { removeTempDirs, startAdmin, tempDir, type AdminBroker } from '../helpers/admin-wire.js';

const DESCRIBE = 29;
const CREATE = 30;
const DELETE = 31;
const E = { NONE: 0, CLUSTER_AUTHORIZATION_FAILED: 31, INVALID_REQUEST: 42, SECURITY_DISABLED: 54 };
const T = { ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5 };
const P = { ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 };
const OP = { ANY: 1, ALL: 2, READ: 3, WRITE: 4, DESCRIBE: 8 };
const PERM = { ANY: 1, DENY: 2, ALLOW: 3 };
const AUTHORIZER = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';

const creation = (resourceType: number, resourceName: string, resourcePatternType: number, principal = 'User:alice', operation = OP.READ, permissionType = PERM.ALLOW, host = '*') => ({ resourceType, resourceName, resourcePatternType, principal, host, operation, permissionType });
const filter = (o: Partial<{ resourceTypeFilter: number; resourceNameFilter: string | null; patternTypeFilter: number; principalFilter: string | null; hostFilter: string | null; operation: number; permissionType: number }> = {}) => ({
  resourceTypeFilter: T.ANY,
  resourceNameFilter: null,
  patternTypeFilter: P.ANY,
  principalFilter: null,
  hostFilter: null,
  operation: OP.ANY,
  permissionType: PERM.ANY,
  ...o,
});
/** Describe results as sorted "type:pattern:name principal host op perm" lines. */
const lines = (res: any): string[] =>
  res.resources.flatMap((r: any) => r.acls.map((a: any) => `${r.resourceType}:${r.patternType}:${r.resourceName} ${a.principal} ${a.host} ${a.operation} ${a.permissionType}`)).sort();

afterAll(removeTempDirs);

describe('without an authorizer', () => {
  let a: AdminBroker;
  beforeAll(async () => {
    a = await startAdmin();
  });
  afterAll(async () => a?.close());

  it('answers SECURITY_DISABLED as Kafka does', async () => {
    const d = await a.c.request(DESCRIBE, 3, filter());
    expect(d).toMatchObject({ errorCode: E.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured on the broker', resources: [] });
    const c = await a.c.request(CREATE, 3, { creations: [creation(T.TOPIC, 't', P.LITERAL), creation(T.TOPIC, 'u', P.LITERAL)] });
    expect(c.results).toEqual([
      { errorCode: E.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured.' },
      { errorCode: E.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured.' },
    ]);
    const del = await a.c.request(DELETE, 3, { filters: [filter()] });
    expect(del.filterResults).toEqual([{ errorCode: E.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured.', matchingAcls: [] }]);
  });

  it('refuses an authorizer.class.name it does not know', async () => {
    await expect(startBroker({ port: 0, storage: 'memory', config: { 'authorizer.class.name': 'com.example.MyAuthorizer' } })).rejects.toThrow(ConfigError);
  });
});

describe('with an authorizer, as a super user', () => {
  let a: AdminBroker;
  let c: KafkaWire;
  beforeAll(async () => {
    a = await startAdmin({ config: { 'authorizer.class.name': AUTHORIZER, 'super.users': 'User:admin;User:ANONYMOUS' } });
    c = a.c;
  });
  afterAll(async () => a?.close());

  it('creates, with Kafka\'s per-creation validation', async () => {
    const res = await c.request(CREATE, 3, {
      creations: [
        creation(T.TOPIC, 'orders', P.LITERAL),
        creation(T.TOPIC, 'ord', P.PREFIXED, 'User:bob', OP.WRITE),
        creation(T.TOPIC, '*', P.LITERAL, 'User:*', OP.DESCRIBE, PERM.DENY, '10.0.0.1'),
        creation(T.GROUP, 'g1', P.LITERAL),
        creation(T.CLUSTER, 'kafka-cluster', P.LITERAL, 'User:alice', OP.ALL),
        creation(T.ANY, 'x', P.LITERAL),
        creation(T.TOPIC, 'x', P.MATCH),
        creation(T.TOPIC, 'x', P.ANY),
        creation(T.TOPIC, 'x', P.LITERAL, 'User:a', OP.ANY),
        creation(T.TOPIC, 'x', P.LITERAL, 'User:a', OP.READ, PERM.ANY),
        creation(T.CLUSTER, 'my-cluster', P.LITERAL),
        creation(T.TOPIC, '', P.LITERAL),
        creation(T.TOPIC, 'x', P.LITERAL, 'alice'),
        creation(99, 'x', P.LITERAL),
        creation(T.TOPIC, 'x', -7),
        creation(T.TOPIC, 'x', P.LITERAL, 'User:a', 120),
      ],
    });
    expect(res.results).toEqual([
      { errorCode: 0, errorMessage: null },
      { errorCode: 0, errorMessage: null },
      { errorCode: 0, errorMessage: null },
      { errorCode: 0, errorMessage: null },
      { errorCode: 0, errorMessage: null },
      { errorCode: E.INVALID_REQUEST, errorMessage: 'Invalid resourceType ANY' },
      { errorCode: E.INVALID_REQUEST, errorMessage: 'Invalid patternType MATCH' },
      { errorCode: E.INVALID_REQUEST, errorMessage: 'Invalid patternType ANY' },
      { errorCode: E.INVALID_REQUEST, errorMessage: 'Invalid operation ANY' },
      { errorCode: E.INVALID_REQUEST, errorMessage: 'Invalid permissionType ANY' },
      { errorCode: E.INVALID_REQUEST, errorMessage: 'The only valid name for the CLUSTER resource is kafka-cluster' },
      { errorCode: E.INVALID_REQUEST, errorMessage: 'Invalid empty resource name' },
      { errorCode: E.INVALID_REQUEST, errorMessage: 'expected a string in format principalType:principalName but got alice' },
      { errorCode: E.INVALID_REQUEST, errorMessage: 'Invalid resourceType UNKNOWN' },
      { errorCode: E.INVALID_REQUEST, errorMessage: 'Invalid patternType UNKNOWN' },
      { errorCode: E.INVALID_REQUEST, errorMessage: 'Invalid operation UNKNOWN' },
    ]);
    // Creating an ACL again keeps one.
    expect((await c.request(CREATE, 1, { creations: [creation(T.TOPIC, 'orders', P.LITERAL)] })).results).toEqual([{ errorCode: 0, errorMessage: null }]);
    expect(lines(await c.request(DESCRIBE, 3, filter()))).toHaveLength(5);
  });

  it('describes with ANY, MATCH, LITERAL and PREFIXED filters', async () => {
    const all = await c.request(DESCRIBE, 3, filter());
    expect(all).toMatchObject({ errorCode: 0, errorMessage: null });
    expect(lines(all)).toEqual([
      '2:3:* User:* 10.0.0.1 8 2',
      '2:3:orders User:alice * 3 3',
      '2:4:ord User:bob * 4 3',
      '3:3:g1 User:alice * 3 3',
      '4:3:kafka-cluster User:alice * 2 3',
    ]);
    // MATCH: every pattern that applies to topic "orders": the literal, the wildcard and the prefix.
    expect(lines(await c.request(DESCRIBE, 3, filter({ resourceTypeFilter: T.TOPIC, resourceNameFilter: 'orders', patternTypeFilter: P.MATCH })))).toEqual(['2:3:* User:* 10.0.0.1 8 2', '2:3:orders User:alice * 3 3', '2:4:ord User:bob * 4 3']);
    // ANY: any pattern type, exact name.
    expect(lines(await c.request(DESCRIBE, 3, filter({ resourceNameFilter: 'ord' })))).toEqual(['2:4:ord User:bob * 4 3']);
    expect(lines(await c.request(DESCRIBE, 3, filter({ patternTypeFilter: P.PREFIXED })))).toEqual(['2:4:ord User:bob * 4 3']);
    expect(lines(await c.request(DESCRIBE, 3, filter({ patternTypeFilter: P.LITERAL, resourceNameFilter: 'ord' })))).toEqual([]);
    expect(lines(await c.request(DESCRIBE, 3, filter({ principalFilter: 'User:*', hostFilter: '10.0.0.1', operation: OP.DESCRIBE, permissionType: PERM.DENY })))).toEqual(['2:3:* User:* 10.0.0.1 8 2']);
    // v0 has no pattern type field: LITERAL.
    expect(lines(await c.request(DESCRIBE, 0, filter({ resourceTypeFilter: T.TOPIC })))).toEqual(['2:3:* User:* 10.0.0.1 8 2', '2:3:orders User:alice * 3 3']);
    // A resource's ACLs come back grouped under one resource.
    await c.request(CREATE, 3, { creations: [creation(T.GROUP, 'g1', P.LITERAL, 'User:bob')] });
    const g = await c.request(DESCRIBE, 2, filter({ resourceTypeFilter: T.GROUP }));
    expect(g.resources).toHaveLength(1);
    expect(g.resources[0].acls).toHaveLength(2);
  });

  it('refuses a filter with UNKNOWN elements with INVALID_REQUEST', async () => {
    for (const f of [filter({ resourceTypeFilter: 0 }), filter({ patternTypeFilter: 0 }), filter({ operation: 0 }), filter({ permissionType: 0 }), filter({ resourceTypeFilter: 99 }), filter({ operation: -3 })]) {
      const d = await c.request(DESCRIBE, 3, f);
      expect(d).toMatchObject({ errorCode: E.INVALID_REQUEST, resources: [] });
    }
    const del = await c.request(DELETE, 3, { filters: [filter({ resourceTypeFilter: 0 }), filter({ permissionType: 0 }), filter({ resourceNameFilter: 'nothing-matches' })] });
    expect(del.filterResults).toEqual([
      { errorCode: E.INVALID_REQUEST, errorMessage: 'Unknown patternFilter.', matchingAcls: [] },
      { errorCode: E.INVALID_REQUEST, errorMessage: 'Unknown entryFilter.', matchingAcls: [] },
      { errorCode: 0, errorMessage: null, matchingAcls: [] },
    ]);
  });

  it('deletes per filter and lists what each filter matched', async () => {
    const del = await c.request(DELETE, 3, {
      filters: [filter({ resourceTypeFilter: T.TOPIC, resourceNameFilter: 'orders-eu', patternTypeFilter: P.MATCH, operation: OP.WRITE }), filter({ resourceTypeFilter: T.GROUP, principalFilter: 'User:bob' })],
    });
    expect(del.filterResults).toEqual([
      { errorCode: 0, errorMessage: null, matchingAcls: [{ errorCode: 0, errorMessage: null, resourceType: T.TOPIC, resourceName: 'ord', patternType: P.PREFIXED, principal: 'User:bob', host: '*', operation: OP.WRITE, permissionType: PERM.ALLOW }] },
      { errorCode: 0, errorMessage: null, matchingAcls: [{ errorCode: 0, errorMessage: null, resourceType: T.GROUP, resourceName: 'g1', patternType: P.LITERAL, principal: 'User:bob', host: '*', operation: OP.READ, permissionType: PERM.ALLOW }] },
    ]);
    expect(lines(await c.request(DESCRIBE, 3, filter()))).toHaveLength(4);
  });

  it('keeps the ACLs in the data directory across a restart', async () => {
    const dir = a.dataDir;
    const before = lines(await c.request(DESCRIBE, 3, filter()));
    await a.close();
    a = await startAdmin({ dataDir: dir, config: { 'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer', 'super.users': 'User:ANONYMOUS' } });
    c = a.c;
    expect(lines(await c.request(DESCRIBE, 3, filter()))).toEqual(before);
  });

  it('survives hostile input: huge, empty and garbage requests', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => creation(T.TOPIC, `bulk-${i}`, P.LITERAL, `User:u${i % 7}`));
    const res = await c.request(CREATE, 3, { creations: many }, 30_000);
    expect(res.results.every((r: any) => r.errorCode === 0)).toBe(true);
    // MATCH deletes the literal bulk-1 and the wildcard ACL created earlier, not bulk-10..bulk-1999.
    const matched = (await c.request(DELETE, 3, { filters: [filter({ resourceTypeFilter: T.TOPIC, patternTypeFilter: P.MATCH, resourceNameFilter: 'bulk-1' })] })).filterResults[0].matchingAcls;
    expect(matched.map((m: any) => m.resourceName).sort()).toEqual(['*', 'bulk-1']);
    const gone = await c.request(DELETE, 3, { filters: [filter({ resourceTypeFilter: T.TOPIC }), filter({ resourceTypeFilter: T.TOPIC })] }, 30_000);
    // Both filters match the same ACLs, and both report them, as Kafka does.
    expect(gone.filterResults[0].matchingAcls.length).toBe(gone.filterResults[1].matchingAcls.length);
    expect(gone.filterResults[0].matchingAcls.length).toBeGreaterThan(4000);
    expect((await c.request(CREATE, 3, { creations: [] })).results).toEqual([]);
    expect((await c.request(DELETE, 3, { filters: [] })).filterResults).toEqual([]);
    const junk = await KafkaWire.connect(a.broker.port);
    junk.sendRaw(rawFrame(CREATE, 3, 7, Buffer.from([0xff, 0xff, 0xff, 0x7f, 1, 2, 3])));
    junk.sendRaw(rawFrame(DESCRIBE, 1, 8, Buffer.from([9])));
    await junk.waitClosed(5000);
    await junk.close();
    expect(await apiVersionsWorks(a.broker.port)).toBe(true);
    expect((await c.request(DESCRIBE, 3, filter())).errorCode).toBe(0);
  });
});

describe('the ACL APIs are themselves authorized', () => {
  it('needs DESCRIBE on the cluster to describe and ALTER to create or delete', async () => {
    const dataDir = await tempDir();
    // ANONYMOUS may describe the cluster (ACL read from acls.json at start), nothing else.
    await writeFile(join(dataDir, 'acls.json'), JSON.stringify([{ resourceType: 'CLUSTER', name: 'kafka-cluster', patternType: 'LITERAL', principal: 'User:ANONYMOUS', host: '*', operation: 'DESCRIBE', permission: 'ALLOW' }]));
    const a = await startAdmin({ dataDir, config: { 'authorizer.class.name': 'runnel.StandardAuthorizer', 'super.users': 'User:admin' } });
    try {
      const d = await a.c.request(DESCRIBE, 3, filter());
      expect(d.errorCode).toBe(0);
      expect(lines(d)).toEqual(['4:3:kafka-cluster User:ANONYMOUS * 8 3']);
      const c = await a.c.request(CREATE, 3, { creations: [creation(T.TOPIC, 't', P.LITERAL), creation(T.ANY, 'bad', P.LITERAL)] });
      expect(c.results.map((r: any) => r.errorCode)).toEqual([E.CLUSTER_AUTHORIZATION_FAILED, E.CLUSTER_AUTHORIZATION_FAILED]);
      const del = await a.c.request(DELETE, 3, { filters: [filter()] });
      expect(del.filterResults).toEqual([{ errorCode: E.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.', matchingAcls: [] }]);
      expect(lines(await a.c.request(DESCRIBE, 3, filter()))).toHaveLength(1);
    } finally {
      await a.close();
    }
    const b = await startAdmin({ config: { 'authorizer.class.name': AUTHORIZER } });
    try {
      expect(await b.c.request(DESCRIBE, 3, filter())).toMatchObject({ errorCode: E.CLUSTER_AUTHORIZATION_FAILED, resources: [] });
    } finally {
      await b.close();
    }
  });
});

/**
 * ACL stores: one node's acls.json in the data directory (survives a restart, ignores entries it
 * does not understand, keeps an ACL once) and the cluster's keys in etcd (an ACL created through
 * one broker's store reaches another's through the watch; Kafka-like key paths; deletes by filter
 * with what each filter removed; concurrent writers both land; a new store reads what is there).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Etcd3 } from 'etcd3';
import { PatternType, Permission, type AclBinding, type AclBindingFilter } from '../../../src/ports/acls.js';
import { AclOp, ResourceType } from '../../../src/ports/authorizer.js';
import { ACLS_FILE, LocalAclStore } from '../../../src/security/acl/acl-store.js';
import { EtcdAclStore } from '../../../src/security/acl/etcd-acl-store.js';
import { StandardAuthorizer } from '../../../src/security/acl/standard-authorizer.js';
import { silentLogger } from '../../../src/util/logger.js';
import { newPrefix, openBroker, useTestEtcd } from '../../cluster/etcd/brokers.js';

const read = (name: string, principal = 'User:alice', patternType: number = PatternType.LITERAL): AclBinding =>
  ({ resourceType: ResourceType.TOPIC, name, patternType, principal, host: '*', operation: AclOp.READ, permission: Permission.ALLOW }) as AclBinding;
const anyFilter = (over: Partial<AclBindingFilter> = {}): AclBindingFilter => ({ resourceType: ResourceType.ANY, name: null, patternType: PatternType.ANY, principal: null, host: null, operation: AclOp.ANY, permission: Permission.ANY, ...over });

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('LocalAclStore', () => {
  it('keeps ACLs in acls.json across a restart, once each', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runnel-acls-'));
    try {
      const s = await LocalAclStore.open(dir);
      await s.create([read('a'), read('a'), read('b', 'User:bob', PatternType.PREFIXED)]);
      await s.create([read('a')]);
      expect(s.snapshot()).toHaveLength(2);
      const stored = JSON.parse(await readFile(join(dir, ACLS_FILE), 'utf8'));
      expect(stored[1]).toEqual({ resourceType: 'TOPIC', name: 'b', patternType: 'PREFIXED', principal: 'User:bob', host: '*', operation: 'READ', permission: 'ALLOW' });
      await s.close();
      const again = await LocalAclStore.open(dir);
      expect(again.snapshot()).toEqual([read('a'), read('b', 'User:bob', PatternType.PREFIXED)]);
      const deleted = await again.delete([anyFilter({ principal: 'User:bob' }), anyFilter({ name: 'zzz' })]);
      expect(deleted).toEqual([[read('b', 'User:bob', PatternType.PREFIXED)], []]);
      expect((await LocalAclStore.open(dir)).snapshot()).toEqual([read('a')]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ignores stored entries it does not understand, with a warning', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runnel-acls-'));
    try {
      await writeFile(join(dir, ACLS_FILE), JSON.stringify([{ resourceType: 'TOPIC', name: 'x', patternType: 'MATCH', principal: 'User:a', host: '*', operation: 'READ', permission: 'ALLOW' }, 42, { resourceType: 'GROUP', name: 'g', patternType: 'LITERAL', principal: 'User:a', host: '*', operation: 'Read', permission: 'Allow' }]));
      const warnings: string[] = [];
      const s = await LocalAclStore.open(dir, (m) => warnings.push(m));
      expect(s.snapshot()).toEqual([{ ...read('g', 'User:a'), resourceType: ResourceType.GROUP }]);
      expect(warnings).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const etcd = useTestEtcd();
let nextId = 1;
const open = async (prefix: string): Promise<EtcdAclStore> => {
  const control = etcd.closeAfterTest(await openBroker(etcd.endpoints, prefix, nextId++));
  return etcd.closeAfterTest(new EtcdAclStore(control, silentLogger));
};

describe('EtcdAclStore', () => {
  it('an ACL created through one broker is enforced by another; keys follow Kafka-like paths', async () => {
    const prefix = newPrefix();
    const a = await open(prefix);
    const b = await open(prefix);
    const authzB = new StandardAuthorizer(b, { superUsers: new Set(), allowIfNoAcl: false }, silentLogger);
    const who = { principal: 'User:alice', host: '10.1.1.1' };
    expect(authzB.authorize(who, AclOp.READ, ResourceType.TOPIC, 'a/b c')).toBe(false);
    await a.create([read('a/b c'), read('pay', 'User:bob', PatternType.PREFIXED), { ...read('g'), resourceType: ResourceType.TRANSACTIONAL_ID }]);
    expect(a.snapshot()).toHaveLength(3);
    await until('b enforces the ACL', () => authzB.authorize(who, AclOp.READ, ResourceType.TOPIC, 'a/b c'));
    const raw = new Etcd3({ hosts: `http://${etcd.endpoints}` });
    try {
      const keys = (await raw.getAll().prefix(`${prefix}/acls/`).keys()).sort();
      expect(keys).toEqual([`${prefix}/acls/literal/Topic/a%2Fb%20c`, `${prefix}/acls/literal/TransactionalId/g`, `${prefix}/acls/prefixed/Topic/pay`]);
      expect(JSON.parse((await raw.get(`${prefix}/acls/prefixed/Topic/pay`).string())!)).toEqual([{ principal: 'User:bob', host: '*', operation: 'READ', permission: 'ALLOW' }]);
    } finally {
      raw.close();
    }
    // A delete through b, by filter: the last entry of a key removes the key, everywhere.
    const deleted = await b.delete([anyFilter({ resourceType: ResourceType.TOPIC, patternType: PatternType.MATCH, name: 'payments' })]);
    expect(deleted).toEqual([[read('pay', 'User:bob', PatternType.PREFIXED)]]);
    await until('a sees the removal', () => a.snapshot().length === 2);
  });

  it('concurrent creates from two brokers on one resource both land', async () => {
    const prefix = newPrefix();
    const a = await open(prefix);
    const b = await open(prefix);
    await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => a.create([read('shared', `User:a${i}`)])),
      ...Array.from({ length: 5 }, (_, i) => b.create([read('shared', `User:b${i}`)])),
    ]);
    await until('both see ten ACLs', () => a.snapshot().length === 10 && b.snapshot().length === 10);
  });

  it('a new store reads what is there', async () => {
    const prefix = newPrefix();
    const a = await open(prefix);
    await a.create([read('t')]);
    const later = await open(prefix);
    expect(later.snapshot()).toEqual([read('t')]);
  });
});

/**
 * The authorizer's decisions against Kafka's StandardAuthorizer semantics, as a table: LITERAL,
 * PREFIXED and wildcard patterns, `User:*`, host `*`, DENY winning, implied operations (for ALLOW
 * only), super.users, allow.everyone.if.no.acl.found (which applies only where a resource has no
 * ACL at all); authorizeByResourceType as Kafka's default method; the audit log lines.
 */
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { Writable } from 'node:stream';
import { PatternType, Permission, type AclBinding } from '../../../src/ports/acls.js';
import { AclOp, ResourceType } from '../../../src/ports/authorizer.js';
import { LocalAclStore } from '../../../src/security/acl/acl-store.js';
import { StandardAuthorizer } from '../../../src/security/acl/standard-authorizer.js';
import { silentLogger } from '../../../src/util/logger.js';

const { TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID } = ResourceType;
const { LITERAL, PREFIXED } = PatternType;
const { ALLOW, DENY } = Permission;

function acl(resourceType: number, name: string, patternType: number, principal: string, operation: number, permission: number, host = '*'): AclBinding {
  return { resourceType, name, patternType, principal, host, operation, permission } as AclBinding;
}

async function authorizer(acls: AclBinding[], opts: { superUsers?: string[]; allowIfNoAcl?: boolean; log?: pino.Logger } = {}): Promise<StandardAuthorizer> {
  const store = await LocalAclStore.open(undefined);
  await store.create(acls);
  return new StandardAuthorizer(store, { superUsers: new Set(opts.superUsers ?? []), allowIfNoAcl: opts.allowIfNoAcl ?? false }, opts.log ?? silentLogger);
}

const alice = { principal: 'User:alice', host: '10.0.0.1' };
const bob = { principal: 'User:bob', host: '10.0.0.2' };

type Case = [string, AclBinding[], { principal: string; host: string }, number, number, string, boolean, { superUsers?: string[]; allowIfNoAcl?: boolean }?];

const cases: Case[] = [
  ['no ACLs, default deny', [], alice, AclOp.READ, TOPIC, 'orders', false],
  ['no ACLs, allow.everyone.if.no.acl.found', [], alice, AclOp.READ, TOPIC, 'orders', true, { allowIfNoAcl: true }],
  ['ACLs on the resource for someone else: deny even with allow.everyone', [acl(TOPIC, 'orders', LITERAL, 'User:bob', AclOp.READ, ALLOW)], alice, AclOp.READ, TOPIC, 'orders', false, { allowIfNoAcl: true }],
  ['ACLs only on another resource: allow.everyone applies', [acl(TOPIC, 'other', LITERAL, 'User:bob', AclOp.READ, ALLOW)], alice, AclOp.READ, TOPIC, 'orders', true, { allowIfNoAcl: true }],
  ['literal allow', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.READ, ALLOW)], alice, AclOp.READ, TOPIC, 'orders', true],
  ['literal allow is exact: not a longer name', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.READ, ALLOW)], alice, AclOp.READ, TOPIC, 'orders-2', false],
  ['literal allow on another type', [acl(GROUP, 'orders', LITERAL, 'User:alice', AclOp.READ, ALLOW)], alice, AclOp.READ, TOPIC, 'orders', false],
  ['other operation', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.WRITE, ALLOW)], alice, AclOp.READ, TOPIC, 'orders', false],
  ['ALL allows any operation', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.ALL, ALLOW)], alice, AclOp.ALTER_CONFIGS, TOPIC, 'orders', true],
  ['prefixed allow', [acl(TOPIC, 'ord', PREFIXED, 'User:alice', AclOp.READ, ALLOW)], alice, AclOp.READ, TOPIC, 'orders', true],
  ['prefixed allow, name equal to prefix', [acl(TOPIC, 'orders', PREFIXED, 'User:alice', AclOp.READ, ALLOW)], alice, AclOp.READ, TOPIC, 'orders', true],
  ['prefixed allow, name shorter than prefix', [acl(TOPIC, 'ordersX', PREFIXED, 'User:alice', AclOp.READ, ALLOW)], alice, AclOp.READ, TOPIC, 'orders', false],
  ['prefixed allow, other prefix', [acl(TOPIC, 'pay', PREFIXED, 'User:alice', AclOp.READ, ALLOW)], alice, AclOp.READ, TOPIC, 'orders', false],
  ['wildcard resource', [acl(TOPIC, '*', LITERAL, 'User:alice', AclOp.READ, ALLOW)], alice, AclOp.READ, TOPIC, 'anything', true],
  ['a prefixed "*" is not a wildcard', [acl(TOPIC, '*', PREFIXED, 'User:alice', AclOp.READ, ALLOW)], alice, AclOp.READ, TOPIC, 'anything', false],
  ['User:* principal', [acl(TOPIC, 'orders', LITERAL, 'User:*', AclOp.READ, ALLOW)], bob, AclOp.READ, TOPIC, 'orders', true],
  ['host must match', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.READ, ALLOW, '10.0.0.9')], alice, AclOp.READ, TOPIC, 'orders', false],
  ['host matches exactly', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.READ, ALLOW, '10.0.0.1')], alice, AclOp.READ, TOPIC, 'orders', true],
  ['DENY wins over ALLOW', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.READ, ALLOW), acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.READ, DENY)], alice, AclOp.READ, TOPIC, 'orders', false],
  ['prefixed DENY wins over literal ALLOW', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.READ, ALLOW), acl(TOPIC, 'or', PREFIXED, 'User:alice', AclOp.READ, DENY)], alice, AclOp.READ, TOPIC, 'orders', false],
  ['wildcard DENY for User:* wins', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.ALL, ALLOW), acl(TOPIC, '*', LITERAL, 'User:*', AclOp.READ, DENY)], alice, AclOp.READ, TOPIC, 'orders', false],
  ['DENY from another host does not deny', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.READ, ALLOW), acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.READ, DENY, '10.9.9.9')], alice, AclOp.READ, TOPIC, 'orders', true],
  ['DENY ALL denies every operation', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.READ, ALLOW), acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.ALL, DENY)], alice, AclOp.READ, TOPIC, 'orders', false],
  ['READ implies DESCRIBE', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.READ, ALLOW)], alice, AclOp.DESCRIBE, TOPIC, 'orders', true],
  ['WRITE implies DESCRIBE', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.WRITE, ALLOW)], alice, AclOp.DESCRIBE, TOPIC, 'orders', true],
  ['DELETE implies DESCRIBE', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.DELETE, ALLOW)], alice, AclOp.DESCRIBE, TOPIC, 'orders', true],
  ['ALTER implies DESCRIBE', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.ALTER, ALLOW)], alice, AclOp.DESCRIBE, TOPIC, 'orders', true],
  ['CREATE does not imply DESCRIBE', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.CREATE, ALLOW)], alice, AclOp.DESCRIBE, TOPIC, 'orders', false],
  ['ALTER_CONFIGS implies DESCRIBE_CONFIGS', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.ALTER_CONFIGS, ALLOW)], alice, AclOp.DESCRIBE_CONFIGS, TOPIC, 'orders', true],
  ['DESCRIBE does not imply READ', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.DESCRIBE, ALLOW)], alice, AclOp.READ, TOPIC, 'orders', false],
  ['a DENY of READ does not deny DESCRIBE', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.ALL, ALLOW), acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.READ, DENY)], alice, AclOp.DESCRIBE, TOPIC, 'orders', true],
  ['super user despite a DENY', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.ALL, DENY)], alice, AclOp.READ, TOPIC, 'orders', true, { superUsers: ['User:alice'] }],
  ['super users are exact principals', [], bob, AclOp.READ, TOPIC, 'orders', false, { superUsers: ['User:alice'] }],
  ['cluster resource', [acl(CLUSTER, 'kafka-cluster', LITERAL, 'User:alice', AclOp.IDEMPOTENT_WRITE, ALLOW)], alice, AclOp.IDEMPOTENT_WRITE, CLUSTER, 'kafka-cluster', true],
  ['IPv4-mapped client address matches the IPv4 ACL host', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.READ, ALLOW, '10.0.0.1')], { principal: 'User:alice', host: '::ffff:10.0.0.1' }, AclOp.READ, TOPIC, 'orders', true],
  ['several prefixes of different lengths', [acl(TOPIC, 'a', PREFIXED, 'User:bob', AclOp.READ, ALLOW), acl(TOPIC, 'abc', PREFIXED, 'User:alice', AclOp.READ, ALLOW), acl(TOPIC, 'abcdefgh', PREFIXED, 'User:alice', AclOp.READ, DENY)], alice, AclOp.READ, TOPIC, 'abcdef', true],
];

describe('StandardAuthorizer.authorize', () => {
  it.each(cases)('%s', async (_name, acls, who, op, type, name, expected, opts) => {
    const a = await authorizer(acls, opts);
    expect(a.authorize(who, op as never, type as never, name)).toBe(expected);
  });

  it('follows the store: an ACL created or deleted applies to the next check', async () => {
    const store = await LocalAclStore.open(undefined);
    const a = new StandardAuthorizer(store, { superUsers: new Set(), allowIfNoAcl: false }, silentLogger);
    expect(a.authorize(alice, AclOp.READ, TOPIC, 'orders')).toBe(false);
    await a.create([acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.READ, ALLOW)]);
    expect(a.authorize(alice, AclOp.READ, TOPIC, 'orders')).toBe(true);
    await a.delete([{ resourceType: TOPIC, name: null, patternType: PatternType.ANY, principal: null, host: null, operation: AclOp.ANY, permission: Permission.ANY }]);
    expect(a.authorize(alice, AclOp.READ, TOPIC, 'orders')).toBe(false);
  });
});

describe('StandardAuthorizer.authorizeByResourceType', () => {
  const byType: Array<[string, AclBinding[], number, number, boolean, { superUsers?: string[]; allowIfNoAcl?: boolean }?]> = [
    ['nothing', [], AclOp.WRITE, TOPIC, false],
    ['super user', [], AclOp.WRITE, TOPIC, true, { superUsers: ['User:alice'] }],
    ['allow.everyone with no ACL that applies', [], AclOp.WRITE, TOPIC, true, { allowIfNoAcl: true }],
    ['a literal ALLOW on one topic', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.WRITE, ALLOW)], AclOp.WRITE, TOPIC, true],
    ['a literal ALLOW denied by the same literal DENY', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.WRITE, ALLOW), acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.WRITE, DENY)], AclOp.WRITE, TOPIC, false],
    ['a literal ALLOW dominated by a prefixed DENY', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.WRITE, ALLOW), acl(TOPIC, 'ord', PREFIXED, 'User:alice', AclOp.WRITE, DENY)], AclOp.WRITE, TOPIC, false],
    ['a prefixed ALLOW not dominated', [acl(TOPIC, 'ord', PREFIXED, 'User:alice', AclOp.WRITE, ALLOW), acl(TOPIC, 'orders', PREFIXED, 'User:alice', AclOp.WRITE, DENY)], AclOp.WRITE, TOPIC, true],
    ['a wildcard DENY denies all', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.WRITE, ALLOW), acl(TOPIC, '*', LITERAL, 'User:alice', AclOp.WRITE, DENY)], AclOp.WRITE, TOPIC, false],
    ['a wildcard DENY after a wildcard ALLOW still denies', [acl(TOPIC, '*', LITERAL, 'User:alice', AclOp.WRITE, ALLOW), acl(TOPIC, '*', LITERAL, 'User:alice', AclOp.WRITE, DENY)], AclOp.WRITE, TOPIC, false],
    ['no implied operations: READ does not give DESCRIBE by type', [acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.READ, ALLOW)], AclOp.DESCRIBE, TOPIC, false],
    ['ALL counts', [acl(TRANSACTIONAL_ID, 'tx', PREFIXED, 'User:*', AclOp.ALL, ALLOW)], AclOp.WRITE, TRANSACTIONAL_ID, true],
    ['another principal does not count', [acl(TOPIC, 'orders', LITERAL, 'User:bob', AclOp.WRITE, ALLOW)], AclOp.WRITE, TOPIC, false],
  ];
  it.each(byType)('%s', async (_name, acls, op, type, expected, opts) => {
    const a = await authorizer(acls, opts);
    expect(a.authorizeByResourceType(alice, op as never, type as never)).toBe(expected);
  });
});

describe('audit log (kafka.authorizer.logger)', () => {
  function capture(level: string): { log: pino.Logger; lines: () => Array<{ level: number; msg: string }> } {
    const out: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        out.push(chunk.toString());
        cb();
      },
    });
    return { log: pino({ level }, stream), lines: () => out.join('').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
  }

  it('logs a denial at INFO with Kafka\'s line, nothing for an allowed access at INFO', async () => {
    const c = capture('info');
    const a = await authorizer([acl(TOPIC, 'orders', LITERAL, 'User:alice', AclOp.READ, DENY), acl(TOPIC, 'ok', LITERAL, 'User:alice', AclOp.READ, ALLOW)], { log: c.log });
    a.authorize(alice, AclOp.READ, TOPIC, 'orders');
    a.authorize(alice, AclOp.READ, TOPIC, 'ok');
    a.authorize(alice, AclOp.READ, TOPIC, 'quiet', false);
    expect(c.lines()).toEqual([
      expect.objectContaining({
        level: 30,
        msg: 'Principal = User:alice is Denied operation = READ from host = 10.0.0.1 on resource = Topic:LITERAL:orders based on rule MatchingAcl(acl=StandardAcl(resourceType=TOPIC, resourceName=orders, patternType=LITERAL, principal=User:alice, host=*, operation=READ, permissionType=DENY))',
      }),
    ]);
  });

  it('logs allowed accesses at DEBUG', async () => {
    const c = capture('debug');
    const a = await authorizer([], { log: c.log, superUsers: ['User:alice'] });
    a.authorize(alice, AclOp.ALTER, CLUSTER, 'kafka-cluster');
    expect(c.lines()).toEqual([expect.objectContaining({ level: 20, msg: 'Principal = User:alice is Allowed operation = ALTER from host = 10.0.0.1 on resource = Cluster:LITERAL:kafka-cluster based on rule SuperUser' })]);
  });
});

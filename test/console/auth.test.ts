/**
 * The console with authentication on (a SASL_PLAINTEXT listener serving PLAIN) and an authorizer:
 * the login checked by the listener's mechanism, the session cookie's flags, 401 without a session,
 * failed logins delayed and logged without the password, logout, and requests made as the
 * logged-in principal so that its ACLs apply (a user without ACLs is refused, one with them is not).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import WebSocket from 'ws';
import { startBroker, type Broker } from '../../src/broker.js';
import { until } from '../helpers/until.js';

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="admin-secret" user_alice="alice-secret" user_bob="bob-secret";';
const DELAY_MS = 400;

let broker: Broker;
let base: string;
const logLines: string[] = [];

interface Res {
  status: number;
  body: any;
  headers: Headers;
}

async function call(path: string, opts: { method?: string; body?: unknown; cookie?: string } = {}): Promise<Res> {
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.cookie) headers.cookie = opts.cookie;
  const r = await fetch(base + path, { method: opts.method ?? 'GET', body: opts.body === undefined ? undefined : JSON.stringify(opts.body), headers });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined, headers: r.headers };
}

/** Logs in and returns the cookie to send back. */
async function login(user: string, password: string, mechanism = 'PLAIN'): Promise<string> {
  const r = await call('/api/auth/login', { method: 'POST', body: { user, password, mechanism } });
  expect(r.status).toBe(200);
  const set = r.headers.get('set-cookie') ?? '';
  return set.split(';')[0];
}

function wsStatus(path: string, cookie?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(base.replace('http', 'ws') + path, { headers: cookie ? { cookie } : {} });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', reject);
  });
}

beforeAll(async () => {
  const logger = pino({ level: 'debug' }, { write: (s: string) => void logLines.push(s) });
  broker = await startBroker({
    port: 0,
    host: '127.0.0.1',
    storage: 'memory',
    console: true,
    logger,
    config: {
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:admin',
      'connection.failed.authentication.delay.ms': DELAY_MS,
      'runnel.metrics.port': 0,
      'runnel.console.lag.sample.ms': 200,
    },
  });
  base = `http://127.0.0.1:${broker.consolePort}`;
}, 60_000);

afterAll(async () => {
  await broker?.close();
});

describe('console login', () => {
  it('says a login is needed, with the listener’s password mechanisms', async () => {
    const r = await call('/api/auth');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ required: true, mechanisms: ['PLAIN', 'SCRAM-SHA-256'], user: null, security: true });
  });

  it('answers 401 to API calls and live feeds without a session', async () => {
    expect((await call('/api/topics')).status).toBe(401);
    expect((await call('/api/overview', { cookie: 'runnel_console_session=forged' })).status).toBe(401);
    expect(await wsStatus('/api/live/overview')).toBe(401);
  });

  it('refuses a wrong password after the failed-authentication delay, logging no credential', async () => {
    const t0 = Date.now();
    const r = await call('/api/auth/login', { method: 'POST', body: { user: 'alice', password: 'not-the-secret-xyz', mechanism: 'PLAIN' } });
    expect(r.status).toBe(401);
    expect(r.headers.get('set-cookie')).toBeNull();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(DELAY_MS - 20);
    const text = logLines.join('');
    expect(text).toContain('console: failed authentication');
    expect(text).not.toContain('not-the-secret-xyz');
    // An unknown mechanism is refused the same way.
    expect((await call('/api/auth/login', { method: 'POST', body: { user: 'alice', password: 'alice-secret', mechanism: 'GSSAPI' } })).status).toBe(401);
  });

  it('logs in with a HttpOnly SameSite=Strict cookie and logs out', async () => {
    const r = await call('/api/auth/login', { method: 'POST', body: { user: 'alice', password: 'alice-secret' } });
    expect(r.status).toBe(200);
    expect(r.body.user).toBe('alice');
    const set = r.headers.get('set-cookie') ?? '';
    expect(set).toMatch(/^runnel_console_session=[A-Za-z0-9_-]{40,};/);
    expect(set).toContain('HttpOnly');
    expect(set).toContain('SameSite=Strict');
    expect(set).toContain('Path=/');
    const maxAge = Number(/Max-Age=(\d+)/.exec(set)?.[1]);
    expect(maxAge).toBeGreaterThan(7 * 3600);
    expect(maxAge).toBeLessThanOrEqual(8 * 3600);
    const cookie = set.split(';')[0];
    expect((await call('/api/auth', { cookie })).body.user).toBe('alice');
    expect((await call('/api/topics', { cookie })).status).toBe(200);

    const out = await call('/api/auth/logout', { method: 'POST', cookie });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await call('/api/topics', { cookie })).status).toBe(401);
    expect(logLines.join('')).not.toContain('alice-secret');
  });
});

describe('acting as the principal', () => {
  let admin: string;
  let bob: string;

  beforeAll(async () => {
    admin = await login('admin', 'admin-secret');
    bob = await login('bob', 'bob-secret');
    for (const name of ['orders', 'secrets']) expect((await call('/api/topics', { method: 'POST', cookie: admin, body: { name, partitions: 1 } })).status).toBe(201);
    expect((await call('/api/topics/orders/records', { method: 'POST', cookie: admin, body: { key: 'k', value: 'v' } })).status).toBe(201);
  });

  it('refuses a user without ACLs where the super user succeeds', async () => {
    const adminTopics = await call('/api/topics', { cookie: admin });
    expect(adminTopics.body.topics.map((t: any) => t.name)).toEqual(expect.arrayContaining(['orders', 'secrets']));
    expect((await call('/api/topics', { cookie: bob })).body.topics).toEqual([]);
    const detail = await call('/api/topics/orders', { cookie: bob });
    expect(detail.status).toBe(403);
    expect(detail.body.error).toContain('TOPIC_AUTHORIZATION_FAILED');
    expect((await call('/api/topics/orders/records', { cookie: bob })).status).toBe(403);
    const create = await call('/api/topics', { method: 'POST', cookie: bob, body: { name: 'bobs', partitions: 1 } });
    expect(create.status).toBe(403);
    expect(create.body.error).toContain('AUTHORIZATION_FAILED');
    expect(await wsStatus('/api/live/tail/orders', bob)).toBe(403);
    const acls = await call('/api/security', { cookie: bob });
    expect(acls.status).toBe(403);
    expect(acls.body.error).toContain('CLUSTER_AUTHORIZATION_FAILED');
    expect((await call('/api/security/acls', { method: 'POST', cookie: bob, body: { resourceType: 'TOPIC', resourceName: 'orders', principal: 'User:bob', operation: 'READ' } })).status).toBe(403);
  });

  it('reads a group’s lag as the logged-in user, and hides the group from one without ACLs', async () => {
    const reset = await call('/api/groups/audit/reset', { method: 'POST', cookie: admin, body: { strategy: 'earliest', topic: 'orders' } });
    expect(reset.status).toBe(201);
    const g = await call('/api/groups/audit', { cookie: admin });
    expect(g.status).toBe(200);
    expect(g.body.lag).toEqual([expect.objectContaining({ topic: 'orders', partition: 0, committed: 0, lag: 1 })]);
    expect((await call('/api/groups', { cookie: bob })).body).toEqual([]);
    expect((await call('/api/groups/audit', { cookie: bob })).status).toBe(404);
    expect(await wsStatus('/api/live/groups/audit', bob)).toBe(403);
  });

  it('applies ACLs created on the Security API, and their deletion', async () => {
    const acl = { resourceType: 'TOPIC', resourceName: 'orders', patternType: 'LITERAL', principal: 'User:bob', host: '*', operation: 'READ', permission: 'ALLOW' };
    const created = await call('/api/security/acls', { method: 'POST', cookie: admin, body: acl });
    expect(created.status).toBe(201);
    const listed = await call('/api/security', { cookie: admin });
    expect(listed.status).toBe(200);
    expect(listed.body.acls).toContainEqual(acl);

    // READ implies DESCRIBE, as in Kafka: bob now sees and reads orders, and still not secrets.
    expect((await call('/api/topics', { cookie: bob })).body.topics.map((t: any) => t.name)).toEqual(['orders']);
    const records = await call('/api/topics/orders/records?from=beginning', { cookie: bob });
    expect(records.status).toBe(200);
    expect(records.body.records.length).toBe(1);
    expect((await call('/api/topics/secrets', { cookie: bob })).status).toBe(403);
    expect(await wsStatus('/api/live/tail/orders', bob)).toBe(101);

    expect((await call('/api/security/acls', { method: 'DELETE', cookie: admin, body: acl })).status).toBe(200);
    expect((await call('/api/topics/orders', { cookie: bob })).status).toBe(403);
    expect((await call('/api/security/acls', { method: 'POST', cookie: admin, body: { ...acl, operation: 'NOPE' } })).status).toBe(400);
  });
});

describe('lag history with an authorizer', () => {
  let admin: string;
  let alice: string;
  let bob: string;
  const acl = (resourceType: string, resourceName: string, principal: string) => ({ resourceType, resourceName, patternType: 'LITERAL', principal, host: '*', operation: 'DESCRIBE', permission: 'ALLOW' });

  beforeAll(async () => {
    admin = await login('admin', 'admin-secret');
    alice = await login('alice', 'alice-secret');
    bob = await login('bob', 'bob-secret');
    for (const name of ['ledger', 'vault']) {
      expect((await call('/api/topics', { method: 'POST', cookie: admin, body: { name, partitions: 1 } })).status).toBe(201);
      for (let i = 0; i < (name === 'ledger' ? 3 : 5); i++) expect((await call(`/api/topics/${name}/records`, { method: 'POST', cookie: admin, body: { value: `v${i}`, partition: 0 } })).status).toBe(201);
      expect((await call('/api/groups/billing/reset', { method: 'POST', cookie: admin, body: { strategy: 'earliest', topic: name } })).status).toBe(201);
    }
    // Alice may describe the group and one of its two topics; bob nothing.
    for (const a of [acl('GROUP', 'billing', 'User:alice'), acl('TOPIC', 'ledger', 'User:alice')]) expect((await call('/api/security/acls', { method: 'POST', cookie: admin, body: a })).status).toBe(201);
  });

  it('is sampled in the background although the console’s own client has no ACLs', async () => {
    const history = await until('lag samples of billing', async () => {
      const r = await call('/api/groups/billing', { cookie: admin });
      return r.status === 200 && r.body.history.length >= 2 ? r.body.history : undefined;
    }, 15_000);
    expect(history.at(-1)).toMatchObject({ lag: 8, partitions: { 'ledger-0': [3, expect.any(Number)], 'vault-0': [5, expect.any(Number)] } });
  });

  it('shows a user allowed to describe the group its history, with only the topics that user may describe', async () => {
    const r = await until('alice sees billing’s history', async () => {
      const g = await call('/api/groups/billing', { cookie: alice });
      return g.status === 200 && g.body.history.length >= 2 ? g.body : undefined;
    }, 15_000);
    for (const s of r.history) {
      expect(Object.keys(s.partitions)).toEqual(['ledger-0']);
      expect(s.lag).toBe(3);
    }
    expect(r.lag.map((l: any) => l.topic)).toEqual(['ledger']);
    expect((await call('/api/groups', { cookie: alice })).body).toEqual([expect.objectContaining({ groupId: 'billing', lag: 3 })]);
  });

  it('shows a user not allowed to describe the group nothing of it', async () => {
    expect((await call('/api/groups/billing', { cookie: bob })).status).toBe(404);
    expect((await call('/api/groups', { cookie: bob })).body).toEqual([]);
    expect(await wsStatus('/api/live/groups/billing', bob)).toBe(403);
  });

  it('feeds live samples filtered the same way', async () => {
    const ws = new WebSocket(base.replace('http', 'ws') + '/api/live/groups/billing', { headers: { cookie: alice } });
    const msg = await new Promise<any>((resolve, reject) => {
      ws.on('message', (d) => resolve(JSON.parse(String(d))));
      ws.on('error', reject);
    });
    ws.close();
    expect(msg.type).toBe('lag');
    expect(Object.keys(msg.sample.partitions)).toEqual(['ledger-0']);
    expect(msg.sample.lag).toBe(3);
    expect(msg.lags.map((l: any) => l.topic)).toEqual(['ledger']);
  });
});

describe('SCRAM users on the Security API', () => {
  let admin: string;
  let bob: string;
  const scramLogin = (user: string, password: string) => call('/api/auth/login', { method: 'POST', body: { user, password, mechanism: 'SCRAM-SHA-256' } });

  beforeAll(async () => {
    admin = await login('admin', 'admin-secret');
    bob = await login('bob', 'bob-secret');
  });

  it('refuses listing and changing users without DESCRIBE / ALTER on the cluster', async () => {
    const list = await call('/api/security/users', { cookie: bob });
    expect(list.status).toBe(403);
    expect(list.body.error).toContain('CLUSTER_AUTHORIZATION_FAILED');
    const create = await call('/api/security/users', { method: 'POST', cookie: bob, body: { user: 'bobby', mechanism: 'SCRAM-SHA-256', password: 'bobby-pass-1' } });
    expect(create.status).toBe(403);
    expect(create.body.error).toContain('CLUSTER_AUTHORIZATION_FAILED');
    expect((await scramLogin('bobby', 'bobby-pass-1')).status).toBe(401);
    expect((await call('/api/security/users/admin', { method: 'DELETE', cookie: bob, body: { mechanism: 'SCRAM-SHA-256' } })).status).toBe(403);
  });

  it('creates a user who can then log in, updates its password, deletes it; passwords are never echoed or logged', async () => {
    const created = await call('/api/security/users', { method: 'POST', cookie: admin, body: { user: 'carol', mechanism: 'SCRAM-SHA-256', iterations: 8192, password: 'carol-first-pw' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ user: 'carol', mechanism: 'SCRAM-SHA-256', iterations: 8192 });
    const listed = await call('/api/security', { cookie: admin });
    expect(listed.status).toBe(200);
    expect(listed.body.users).toContainEqual({ user: 'carol', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 8192 }] });
    expect(JSON.stringify(listed.body)).not.toContain('carol-first-pw');
    const ok = await scramLogin('carol', 'carol-first-pw');
    expect(ok.status).toBe(200);
    expect(ok.body.user).toBe('carol');

    // Updating replaces the credential: the old password no longer logs in.
    expect((await call('/api/security/users', { method: 'POST', cookie: admin, body: { user: 'carol', mechanism: 'SCRAM-SHA-256', password: 'carol-second-pw' } })).status).toBe(201);
    expect((await call('/api/security/users', { cookie: admin })).body.users).toContainEqual({ user: 'carol', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }] });
    expect((await scramLogin('carol', 'carol-first-pw')).status).toBe(401);
    expect((await scramLogin('carol', 'carol-second-pw')).status).toBe(200);

    const deleted = await call('/api/security/users/carol', { method: 'DELETE', cookie: admin, body: { mechanism: 'SCRAM-SHA-256' } });
    expect(deleted.status).toBe(200);
    expect((await call('/api/security/users', { cookie: admin })).body.users.map((u: any) => u.user)).not.toContain('carol');
    expect((await scramLogin('carol', 'carol-second-pw')).status).toBe(401);
    const logs = logLines.join('');
    expect(logs).toContain('SCRAM credentials altered');
    for (const pw of ['carol-first-pw', 'carol-second-pw']) expect(logs).not.toContain(pw);
  });

  it('refuses bad input with a 4xx and Kafka’s error name', async () => {
    const post = (body: unknown) => call('/api/security/users', { method: 'POST', cookie: admin, body });
    expect((await post({ mechanism: 'SCRAM-SHA-256', password: 'x-pass' })).status).toBe(400);
    expect((await post({ user: 'dan', mechanism: 'SCRAM-MD5', password: 'x-pass' })).status).toBe(400);
    expect((await post({ user: 'dan', mechanism: 'SCRAM-SHA-256' })).status).toBe(400);
    expect((await post({ user: 'dan', mechanism: 'SCRAM-SHA-256', password: 'x-pass', iterations: 'many' })).status).toBe(400);
    const few = await post({ user: 'dan', mechanism: 'SCRAM-SHA-256', password: 'x-pass', iterations: 100 });
    expect(few.status).toBe(400);
    expect(few.body.error).toContain('UNACCEPTABLE_CREDENTIAL');
    const many = await post({ user: 'dan', mechanism: 'SCRAM-SHA-512', password: 'x-pass', iterations: 1_000_000 });
    expect(many.status).toBe(400);
    expect(many.body.error).toContain('UNACCEPTABLE_CREDENTIAL');
    const missing = await call('/api/security/users/nobody', { method: 'DELETE', cookie: admin, body: { mechanism: 'SCRAM-SHA-256' } });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toContain('RESOURCE_NOT_FOUND');
    expect((await call('/api/security/users/nobody', { method: 'DELETE', cookie: admin, body: {} })).status).toBe(400);
    expect((await call('/api/security/users', { cookie: admin })).body.users.map((u: any) => u.user)).not.toContain('dan');
  });
});

describe('without a SASL listener', () => {
  it('needs no login and has no Security API without an authorizer', async () => {
    const plain = await startBroker({ port: 0, storage: 'memory', console: true, config: { 'runnel.metrics.port': 0 } });
    try {
      const b = `http://127.0.0.1:${plain.consolePort}`;
      expect(await (await fetch(b + '/api/auth')).json()).toMatchObject({ required: false, user: null, security: false });
      expect((await fetch(b + '/api/topics')).status).toBe(200);
      expect((await fetch(b + '/api/security')).status).toBe(404);
    } finally {
      await plain.close();
    }
  }, 60_000);
});

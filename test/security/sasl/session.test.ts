import { describe, it, expect } from 'vitest';
import { SaslSession, saslSessionOf, type SaslMechanisms } from '../../../src/security/sasl/session.js';
import { plainMechanism } from '../../../src/security/sasl/plain.js';
import { SaslAuthenticationError, type SaslMechanismFactory } from '../../../src/security/sasl/mechanism.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { silentLogger } from '../../../src/util/logger.js';
import type { ClientInfo } from '../../../src/handlers/types.js';

const users = new Map([
  ['alice', 'alice-pw'],
  ['bob', 'bob-pw'],
]);
const plain = plainMechanism(() => users);
/** A mechanism whose credential expires at a given time (as OAUTHBEARER tokens do). */
const expiring = (expiresAt: number): SaslMechanismFactory => ({
  name: 'EXPIRING',
  create: () => ({ evaluate: async (t) => ({ response: Buffer.from('ok'), principal: t.toString(), credentialExpiresAtMs: expiresAt }) }),
});
const broken: SaslMechanismFactory = { name: 'BROKEN', create: () => ({ evaluate: async () => { throw new Error('internal detail user=alice pw=alice-pw'); } }) };

function setup(opts: { maxReauthMs?: number; mechanisms?: SaslMechanismFactory[]; enabled?: string[] } = {}) {
  let now = 1_000_000;
  const factories = new Map((opts.mechanisms ?? [plain]).map((f) => [f.name, f]));
  const mechanisms: SaslMechanisms = {
    enabled: () => opts.enabled ?? [...factories.keys()],
    factory: (n) => factories.get(n),
    maxReauthMs: () => opts.maxReauthMs ?? 0,
  };
  const client: ClientInfo = { connectionId: 1, remoteAddress: '127.0.0.1:5', host: '127.0.0.1', listenerName: 'SASL_PLAINTEXT', securityProtocol: 'SASL_PLAINTEXT', authenticated: false };
  const session = new SaslSession({ listenerName: 'SASL_PLAINTEXT', client, mechanisms, failedAuthDelayMs: 100, log: silentLogger, now: () => now });
  return { session, client, advance: (ms: number) => (now += ms), now: () => now };
}

/** The first bytes of a request frame (after the size): api key and version. */
const frame = (apiKey: number, version = 0): Buffer => {
  const b = Buffer.alloc(10);
  b.writeInt16BE(apiKey, 0);
  b.writeInt16BE(version, 2);
  return b;
};
const plainToken = (user: string, pw: string): Buffer => Buffer.from(`\u0000${user}\u0000${pw}`);

async function login(s: SaslSession, user = 'alice', pw = 'alice-pw') {
  expect(s.gate(frame(17, 1))).toEqual({ action: 'dispatch' });
  expect(s.handshake('PLAIN', 1).errorCode).toBe(ErrorCode.NONE);
  expect(s.gate(frame(36, 2))).toEqual({ action: 'dispatch' });
  return s.authenticate(plainToken(user, pw));
}

describe('SASL session state machine', () => {
  it('is found from the connection\'s ClientInfo', () => {
    const { session, client } = setup();
    expect(saslSessionOf(client)).toBe(session);
    expect(saslSessionOf({ ...client, connectionId: 2 })).toBeUndefined();
  });

  it('ApiVersions, SaslHandshake v1, SaslAuthenticate: authenticated with the user as principal', async () => {
    const { session, client } = setup();
    expect(session.gate(frame(18, 3))).toEqual({ action: 'dispatch' });
    expect(session.gate(frame(17, 1))).toEqual({ action: 'dispatch' });
    expect(session.handshake('PLAIN', 1)).toEqual({ errorCode: ErrorCode.NONE, mechanisms: ['PLAIN'] });
    expect(session.authenticating).toBe(true);
    expect(session.gate(frame(36, 2))).toEqual({ action: 'dispatch' });
    const res = await session.authenticate(plainToken('alice', 'alice-pw'));
    expect(res).toEqual({ errorCode: ErrorCode.NONE, errorMessage: null, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n });
    expect(session.authenticating).toBe(false);
    expect(client.principal).toBe('alice');
    expect(client.authenticated).toBe(true);
    expect(session.gate(frame(0, 9))).toEqual({ action: 'dispatch' });
    expect(session.takeClose()).toBeUndefined();
  });

  it('closes on any other request before authentication', () => {
    for (const key of [0, 1, 3, 36, 19]) {
      const { session } = setup();
      expect(session.gate(frame(key))).toMatchObject({ action: 'close', delayMs: 0 });
    }
  });

  it('serves ApiVersions only once, before the handshake', () => {
    const { session } = setup();
    expect(session.gate(frame(18))).toEqual({ action: 'dispatch' });
    expect(session.gate(frame(18))).toMatchObject({ action: 'close' });
  });

  it('after a v1 handshake only SaslAuthenticate is served', () => {
    const { session } = setup();
    session.gate(frame(17, 1));
    session.handshake('PLAIN', 1);
    expect(session.gate(frame(3, 12))).toMatchObject({ action: 'close', reason: expect.stringContaining('during SASL authentication') });
  });

  it('a frame too short for a header closes', () => {
    expect(setup().session.gate(Buffer.alloc(1))).toMatchObject({ action: 'close' });
  });

  it('an unknown mechanism gets UNSUPPORTED_SASL_MECHANISM with the enabled list, then a delayed close', () => {
    const { session } = setup({ mechanisms: [plain, expiring(0)], enabled: ['PLAIN', 'EXPIRING'] });
    session.gate(frame(17, 1));
    expect(session.handshake('SCRAM-SHA-512', 1)).toEqual({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['PLAIN', 'EXPIRING'] });
    expect(session.takeClose()).toEqual({ reason: 'Unsupported SASL mechanism SCRAM-SHA-512', delayMs: 100, respond: true });
    expect(session.takeClose()).toBeUndefined();
  });

  it('a mechanism that is registered but not enabled is unsupported', () => {
    const { session } = setup({ mechanisms: [plain, expiring(0)], enabled: ['PLAIN'] });
    session.gate(frame(17, 1));
    expect(session.handshake('EXPIRING', 1).errorCode).toBe(ErrorCode.UNSUPPORTED_SASL_MECHANISM);
  });

  it('a wrong password gets SASL_AUTHENTICATION_FAILED without credentials, then a delayed close', async () => {
    const { session, client } = setup();
    const res = await login(session, 'alice', 'wrong-pw');
    expect(res.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    expect(res.errorMessage).toBe('Authentication failed: Invalid username or password');
    expect(session.takeClose()).toMatchObject({ delayMs: 100, respond: true });
    expect(client.principal).toBeUndefined();
    expect(session.state).toBe('failed');
  });

  it('a mechanism\'s unexpected error becomes Kafka\'s generic message, never its text', async () => {
    const { session } = setup({ mechanisms: [broken] });
    session.gate(frame(17, 1));
    session.handshake('BROKEN', 1);
    const res = await session.authenticate(Buffer.from('x'));
    expect(res.errorMessage).toBe('Authentication failed during authentication due to invalid credentials with SASL mechanism BROKEN');
  });

  it('SaslHandshake v0: raw tokens, answered raw; a failure sends nothing', async () => {
    const ok = setup();
    ok.session.gate(frame(17, 0));
    ok.session.handshake('PLAIN', 0);
    expect(ok.session.gate(Buffer.from('\u0000alice\u0000alice-pw'))).toEqual({ action: 'token' });
    expect(await ok.session.rawToken(plainToken('alice', 'alice-pw'))).toEqual(Buffer.alloc(0));
    expect(ok.client.principal).toBe('alice');
    expect(ok.session.gate(frame(3, 1))).toEqual({ action: 'dispatch' });

    const bad = setup();
    bad.session.gate(frame(17, 0));
    bad.session.handshake('PLAIN', 0);
    expect(await bad.session.rawToken(plainToken('alice', 'nope'))).toBeNull();
    expect(bad.session.takeClose()).toMatchObject({ respond: false, delayMs: 100 });
  });

  it('after authentication SaslAuthenticate and (without an expiry) SaslHandshake are ILLEGAL_SASL_STATE', async () => {
    const { session } = setup();
    await login(session);
    expect(session.gate(frame(36, 2))).toEqual({ action: 'dispatch' });
    expect((await session.authenticate(Buffer.from('x'))).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    expect(session.gate(frame(17, 1))).toEqual({ action: 'dispatch' });
    expect(session.handshake('PLAIN', 1)).toEqual({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] });
    expect(session.authenticating).toBe(false);
  });

  describe('KIP-368', () => {
    it('session_lifetime_ms is connections.max.reauth.ms; the session is closed after it on the next request', async () => {
      const t = setup({ maxReauthMs: 5000 });
      expect((await login(t.session)).sessionLifetimeMs).toBe(5000n);
      t.advance(5000);
      expect(t.session.gate(frame(3))).toEqual({ action: 'dispatch' });
      t.advance(1);
      expect(t.session.gate(frame(3))).toMatchObject({ action: 'close', reason: expect.stringContaining('expired') });
    });

    it('is the smaller of max reauth and the credential expiry', async () => {
      const a = setup({ maxReauthMs: 5000, mechanisms: [expiring(1_000_000 + 3000)] });
      a.session.gate(frame(17, 1));
      a.session.handshake('EXPIRING', 1);
      expect((await a.session.authenticate(Buffer.from('carol'))).sessionLifetimeMs).toBe(3000n);
      const b = setup({ mechanisms: [expiring(1_000_000 + 7000)] });
      b.session.gate(frame(17, 1));
      b.session.handshake('EXPIRING', 1);
      expect((await b.session.authenticate(Buffer.from('carol'))).sessionLifetimeMs).toBe(7000n);
      const c = setup({ maxReauthMs: 5000, mechanisms: [expiring(1_000_000 - 10)] });
      c.session.gate(frame(17, 1));
      c.session.handshake('EXPIRING', 1);
      expect((await c.session.authenticate(Buffer.from('carol'))).sessionLifetimeMs).toBe(0n);
    });

    it('re-authenticates with the same principal and extends the session, even after expiry', async () => {
      const t = setup({ maxReauthMs: 5000 });
      await login(t.session);
      t.advance(6000);
      const res = await login(t.session);
      expect(res).toMatchObject({ errorCode: ErrorCode.NONE, sessionLifetimeMs: 5000n });
      expect(t.session.gate(frame(3))).toEqual({ action: 'dispatch' });
      expect(t.client.principal).toBe('alice');
    });

    it('refuses a different principal', async () => {
      const t = setup({ maxReauthMs: 5000 });
      await login(t.session);
      t.advance(2000);
      const res = await login(t.session, 'bob', 'bob-pw');
      expect(res.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
      expect(res.errorMessage).toBe('Cannot change principals during re-authentication from User.alice: User.bob');
      expect(t.session.takeClose()).toMatchObject({ respond: true });
      expect(t.client.principal).toBe('alice');
    });

    it('refuses a different mechanism on the next token', async () => {
      const t = setup({ maxReauthMs: 5000, mechanisms: [plain, expiring(Number.MAX_SAFE_INTEGER)] });
      await login(t.session);
      t.advance(2000);
      t.session.gate(frame(17, 1));
      expect(t.session.handshake('EXPIRING', 1).errorCode).toBe(ErrorCode.NONE);
      expect(t.session.gate(frame(36, 2))).toMatchObject({ action: 'close', delayMs: 100, reason: expect.stringContaining("not supported for re-authentication of mechanism 'PLAIN'") });
    });

    it('at most one re-authentication a second: a quicker SaslHandshake is ILLEGAL_SASL_STATE', async () => {
      const t = setup({ maxReauthMs: 5000 });
      await login(t.session);
      t.advance(1000);
      await login(t.session);
      t.advance(500);
      expect(t.session.gate(frame(17, 1))).toEqual({ action: 'dispatch' });
      expect(t.session.handshake('PLAIN', 1).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    });
  });
});

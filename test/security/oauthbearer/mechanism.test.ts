import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { utimesSync, writeFileSync } from 'node:fs';
import pino from 'pino';
import { OAuthBearerMechanismFactory } from '../../../src/security/oauthbearer/mechanism.js';
import { OAuthBearerConfigError } from '../../../src/security/oauthbearer/settings.js';
import { SaslAuthenticationError, type SaslServerMechanism } from '../../../src/security/sasl/mechanism.js';
import { clientMessage, jwksFile, jwksServer, sign, signingKey, unsecured, type SigningKey } from './oauth-tokens.js';

const NOW = Date.UTC(2026, 0, 1);
const nowS = NOW / 1000;
const JWKS_HANDLER = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler';
const ctx = { listenerName: 'SASL_PLAINTEXT', remoteAddress: '127.0.0.1' };

/** A logger whose lines the test can read. */
function capture(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
  return { log, lines };
}

function factory(settings: Record<string, string>, log = capture().log): OAuthBearerMechanismFactory {
  return new OAuthBearerMechanismFactory({ lookup: (k) => settings[k], log, now: () => NOW });
}

/** Runs the exchange as a Kafka client does: on an error challenge it answers %x01. */
async function login(m: SaslServerMechanism, msg: Buffer): Promise<{ principal?: string; expiresAt?: number; challenge?: string; error?: string }> {
  const step = await m.evaluate(msg);
  if (step.principal !== undefined) {
    expect(step.response.length).toBe(0);
    return { principal: step.principal, expiresAt: step.credentialExpiresAtMs };
  }
  const challenge = step.response.toString();
  try {
    await m.evaluate(Buffer.from([1]));
  } catch (err) {
    expect(err).toBeInstanceOf(SaslAuthenticationError);
    return { challenge, error: (err as Error).message };
  }
  throw new Error('exchange neither succeeded nor failed');
}

const good = { sub: 'alice', iss: 'https://idp.example', aud: 'kafka', iat: nowS - 10, exp: nowS + 600, scope: 'kafka' };

describe('OAUTHBEARER with a JWKS over HTTP', () => {
  let key: SigningKey;
  let other: SigningKey;
  let jwks: Awaited<ReturnType<typeof jwksServer>>;
  let f: OAuthBearerMechanismFactory;

  beforeAll(async () => {
    key = await signingKey('k1');
    other = await signingKey('k2');
    jwks = await jwksServer([key.jwk]);
    f = factory({
      'listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class': JWKS_HANDLER,
      'listener.name.sasl_plaintext.oauthbearer.sasl.oauthbearer.jwks.endpoint.url': jwks.url,
      'sasl.oauthbearer.expected.issuer': 'https://idp.example',
      'sasl.oauthbearer.expected.audience': 'other,kafka',
    });
  });
  afterAll(() => jwks.server.close());

  it('accepts a signed token: principal = sub, session bounded by exp', async () => {
    expect(await login(f.create(ctx), clientMessage(await sign(key, good)))).toEqual({ principal: 'alice', expiresAt: good.exp * 1000 });
  });

  it('accepts extensions and an authorization id equal to the principal', async () => {
    const r = await login(f.create(ctx), clientMessage(await sign(key, good), 'alice', '\x01traceId=1'));
    expect(r.principal).toBe('alice');
  });

  it('refuses an authorization id that is not the token principal', async () => {
    await expect(f.create(ctx).evaluate(clientMessage(await sign(key, good), 'bob'))).rejects.toThrow(/authorization id \(bob\).*\(alice\)/);
  });

  it.each([
    ['expired', { ...good, exp: nowS - 31, iat: nowS - 100 }],
    ['not yet valid (nbf)', { ...good, nbf: nowS + 60 }],
    ['wrong issuer', { ...good, iss: 'https://evil.example' }],
    ['wrong audience', { ...good, aud: 'nobody' }],
    ['without exp', { sub: 'alice', iss: good.iss, aud: good.aud, iat: good.iat }],
    ['without iat', { sub: 'alice', iss: good.iss, aud: good.aud, exp: good.exp }],
    ['without sub', { iss: good.iss, aud: good.aud, iat: good.iat, exp: good.exp }],
    ['with a blank sub', { ...good, sub: '  ' }],
    ['with duplicate scopes', { ...good, scope: ['a', 'a'] }],
  ])('refuses a token %s with an invalid_token challenge, then SaslAuthenticationError', async (_what, claims) => {
    const r = await login(f.create(ctx), clientMessage(await sign(key, claims)));
    expect(r.challenge).toBe('{"status":"invalid_token"}');
    expect(r.error).toBe('{"status":"invalid_token"}');
  });

  it('accepts exp within the clock skew (30 s by default)', async () => {
    const r = await login(f.create(ctx), clientMessage(await sign(key, { ...good, exp: nowS - 20, iat: nowS - 100 })));
    expect(r.principal).toBe('alice');
  });

  it('refuses a token signed by a key not in the JWKS', async () => {
    expect((await login(f.create(ctx), clientMessage(await sign(other, good)))).error).toBe('{"status":"invalid_token"}');
    // A right kid with the wrong key's signature.
    expect((await login(f.create(ctx), clientMessage(await sign(other, good, { kid: 'k1' })))).error).toBe('{"status":"invalid_token"}');
  });

  it('refuses a tampered payload (bad signature)', async () => {
    const [h, , s] = (await sign(key, good)).split('.');
    const forged = Buffer.from(JSON.stringify({ ...good, sub: 'admin' })).toString('base64url');
    expect((await login(f.create(ctx), clientMessage(`${h}.${forged}.${s}`))).error).toBe('{"status":"invalid_token"}');
  });

  it('refuses an unsigned alg none token', async () => {
    expect((await login(f.create(ctx), clientMessage(unsecured(good)))).error).toBe('{"status":"invalid_token"}');
    expect((await login(f.create(ctx), clientMessage(unsecured(good, { alg: 'none', kid: 'k1' })))).error).toBe('{"status":"invalid_token"}');
  });

  it('a token no key can match (alg none) does not hold up the next good login', async () => {
    // Found by CI: it started the fetch retry backoff, so a login right after it failed.
    expect((await login(f.create(ctx), clientMessage(unsecured(good, { alg: 'none', kid: 'k1' })))).error).toBe('{"status":"invalid_token"}');
    expect((await login(f.create(ctx), clientMessage(await sign(key, good)))).principal).toBe('alice');
  });

  it('fetches the key set again for a new kid (key rotation)', async () => {
    const rotated = await signingKey('k3');
    jwks.setKeys([key.jwk, rotated.jwk]);
    expect((await login(f.create(ctx), clientMessage(await sign(rotated, good)))).principal).toBe('alice');
  });

  it('fails the exchange on a malformed message, and on anything but %x01 after the challenge', async () => {
    await expect(f.create(ctx).evaluate(Buffer.from('n,,\x01auth=Basic x\x01\x01'))).rejects.toThrow(
      'Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER',
    );
    const m = f.create(ctx);
    await m.evaluate(clientMessage('a.b.c'));
    await expect(m.evaluate(clientMessage(await sign(key, good)))).rejects.toThrow(SaslAuthenticationError);
  });

  it('refuses an oversized client message without parsing it', async () => {
    const big = clientMessage('a'.repeat(70_000));
    await expect(f.create(ctx).evaluate(big)).rejects.toThrow(SaslAuthenticationError);
  });
});

describe('OAUTHBEARER JWKS settings', () => {
  it('an unreachable endpoint fails logins and is not asked again during the retry backoff', async () => {
    const key = await signingKey('k1');
    const jwks = await jwksServer([key.jwk]);
    try {
      jwks.down(true);
      const f = factory({ 'sasl.oauthbearer.jwks.endpoint.url': jwks.url, 'sasl.oauthbearer.jwks.endpoint.retry.backoff.ms': '60000' });
      const token = clientMessage(await sign(key, good));
      expect((await login(f.create(ctx), token)).error).toBe('{"status":"invalid_token"}');
      const after = jwks.fetches();
      for (let i = 0; i < 5; i++) expect((await login(f.create(ctx), token)).error).toBe('{"status":"invalid_token"}');
      expect(jwks.fetches()).toBe(after);
    } finally {
      jwks.server.close();
    }
  });

  it('tokens with made-up kids fetch the key set at most once per kid and 100 kids a minute', async () => {
    const key = await signingKey('k1');
    const jwks = await jwksServer([key.jwk]);
    try {
      const f = factory({ 'sasl.oauthbearer.jwks.endpoint.url': jwks.url });
      expect((await login(f.create(ctx), clientMessage(await sign(key, good)))).principal).toBe('alice');
      const before = jwks.fetches();
      const forged = await sign(key, good, { kid: 'made-up-0' });
      for (let i = 0; i < 3; i++) await login(f.create(ctx), clientMessage(forged));
      expect(jwks.fetches() - before).toBe(1);
      for (let i = 1; i <= 150; i++) await login(f.create(ctx), clientMessage(await sign(key, good, { kid: `made-up-${i}` })));
      expect(jwks.fetches() - before).toBe(100);
    } finally {
      jwks.server.close();
    }
  });

  it('runnel.sasl.oauthbearer.required.scope refuses a token without the scope (insufficient_scope)', async () => {
    const key = await signingKey('k1');
    const file = jwksFile([key.jwk]);
    const f = factory({ 'sasl.oauthbearer.jwks.endpoint.url': file.url, 'runnel.sasl.oauthbearer.required.scope': 'kafka' });
    const { scope: _drop, ...noScope } = good;
    const r = await login(f.create(ctx), clientMessage(await sign(key, noScope)));
    expect(r.error).toBe('{"status":"insufficient_scope", "scope":"kafka"}');
    expect((await login(f.create(ctx), clientMessage(await sign(key, { ...good, scope: 'other' })))).error).toContain('insufficient_scope');
    expect((await login(f.create(ctx), clientMessage(await sign(key, { ...good, scope: ['other', 'kafka'] })))).principal).toBe('alice');
    // Without the Runnel key, as in Kafka, the scope is not required.
    const plain = factory({ 'sasl.oauthbearer.jwks.endpoint.url': file.url });
    expect((await login(plain.create(ctx), clientMessage(await sign(key, noScope)))).principal).toBe('alice');
  });

  it('reads a JWKS file, and reads it again when it changes', async () => {
    const k1 = await signingKey('k1');
    const k2 = await signingKey('k2');
    const file = jwksFile([k1.jwk]);
    const f = factory({ 'sasl.oauthbearer.jwks.endpoint.url': file.url, 'sasl.oauthbearer.sub.claim.name': 'client_id' });
    const claims = { ...good, client_id: 'svc-orders' };
    expect((await login(f.create(ctx), clientMessage(await sign(k1, claims)))).principal).toBe('svc-orders');
    expect((await login(f.create(ctx), clientMessage(await sign(k2, claims)))).error).toBe('{"status":"invalid_token"}');
    file.write([k2.jwk]);
    const later = new Date(Date.now() + 5000);
    utimesSync(file.path, later, later);
    expect((await login(f.create(ctx), clientMessage(await sign(k2, claims)))).principal).toBe('svc-orders');
    expect((await login(f.create(ctx), clientMessage(await sign(k1, claims)))).error).toBe('{"status":"invalid_token"}');
  });

  it('a JWKS file that is missing or not JSON stops the start; one caught half-written keeps the last good keys', async () => {
    const start = (url: string): OAuthBearerMechanismFactory =>
      new OAuthBearerMechanismFactory({ lookup: (k) => ({ 'sasl.oauthbearer.jwks.endpoint.url': url })[k], log: capture().log, listeners: ['SASL_SSL'] });
    expect(() => start('file:///nonexistent/runnel/jwks.json')).toThrow(OAuthBearerConfigError);
    const k1 = await signingKey('k1');
    const file = jwksFile([k1.jwk]);
    writeFileSync(file.path, '{"keys": [');
    expect(() => start(file.url)).toThrow(/not JSON/);
    for (const notASet of ['{"keys": 5}', '[]', 'null', '{"keys": [1]}']) {
      writeFileSync(file.path, notASet);
      expect(() => start(file.url)).toThrow(/not a JSON Web Key Set/);
    }
    file.write([k1.jwk]);
    const f = factory({ 'sasl.oauthbearer.jwks.endpoint.url': file.url });
    expect((await login(f.create(ctx), clientMessage(await sign(k1, good)))).principal).toBe('alice');
    writeFileSync(file.path, '{"keys": [');
    const later = new Date(Date.now() + 10_000);
    utimesSync(file.path, later, later);
    expect((await login(f.create(ctx), clientMessage(await sign(k1, good)))).principal).toBe('alice');
  });

  it('refuses at start-up what Kafka refuses: JWKS handler without URL, bad URL scheme, unknown handler class', () => {
    const start = (s: Record<string, string>): OAuthBearerMechanismFactory =>
      new OAuthBearerMechanismFactory({ lookup: (k) => s[k], log: capture().log, listeners: ['SASL_SSL'] });
    expect(() => start({ 'listener.name.sasl_ssl.oauthbearer.sasl.server.callback.handler.class': JWKS_HANDLER })).toThrow(OAuthBearerConfigError);
    expect(() => start({ 'sasl.oauthbearer.jwks.endpoint.url': 'ftp://x/jwks' })).toThrow(/only "http", "https" and "file"/);
    expect(() => start({ 'listener.name.sasl_ssl.oauthbearer.sasl.server.callback.handler.class': 'com.example.Custom' })).toThrow(/not supported/);
  });

  it('the listener-prefixed key wins over the plain one', async () => {
    const k1 = await signingKey('k1');
    const file = jwksFile([k1.jwk]);
    const f = factory({
      'sasl.oauthbearer.jwks.endpoint.url': file.url,
      'sasl.oauthbearer.expected.issuer': 'https://other',
      'listener.name.sasl_plaintext.oauthbearer.sasl.oauthbearer.expected.issuer': 'https://idp.example',
    });
    expect((await login(f.create(ctx), clientMessage(await sign(k1, good)))).principal).toBe('alice');
  });
});

describe("OAUTHBEARER with Kafka's unsecured validator", () => {
  const tok = { sub: 'dev', iat: nowS - 5, exp: nowS + 60, scope: ['a', 'b'] };

  it('logs at start that it is for development only, and accepts unsigned tokens', async () => {
    const { log, lines } = capture();
    const f = new OAuthBearerMechanismFactory({ lookup: () => undefined, log, listeners: ['SASL_PLAINTEXT'], now: () => NOW });
    expect(lines.join('')).toMatch(/UNSECURED validator.*For development only/);
    expect(await login(f.create(ctx), clientMessage(unsecured(tok)))).toEqual({ principal: 'dev', expiresAt: tok.exp * 1000 });
  });

  it('honours the JAAS options: principal claim, scope claim, required scope, clock skew', async () => {
    const f = factory({
      'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config':
        'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredValidatorPrincipalClaimName="user" unsecuredValidatorScopeClaimName="roles" unsecuredValidatorRequiredScope="write read" unsecuredValidatorAllowableClockSkewMs="5000";',
    });
    const base = { user: 'carol', iat: nowS - 30, exp: nowS + 60, roles: ['read', 'write'] };
    expect((await login(f.create(ctx), clientMessage(unsecured(base)))).principal).toBe('carol');
    expect((await login(f.create(ctx), clientMessage(unsecured({ ...base, exp: nowS - 4 })))).principal).toBe('carol');
    expect((await login(f.create(ctx), clientMessage(unsecured({ ...base, exp: nowS - 6 })))).error).toBe('{"status":"invalid_token"}');
    const r = await login(f.create(ctx), clientMessage(unsecured({ ...base, roles: ['read'] })));
    expect(r.error).toBe('{"status":"insufficient_scope", "scope":"[write, read]"}');
    expect((await login(f.create(ctx), clientMessage(unsecured({ ...base, user: undefined, sub: 'x' })))).error).toBe('{"status":"invalid_token"}');
  });

  it.each([
    ['a signed token', async () => sign(await signingKey('k'), tok)],
    ['an expired token', async () => unsecured({ ...tok, exp: nowS - 1 })],
    ['a token issued in the future', async () => unsecured({ ...tok, iat: nowS + 10 })],
    ['a token without exp', async () => unsecured({ sub: 'dev' })],
    ['a token with a non-string sub', async () => unsecured({ ...tok, sub: 42 })],
    ['a token that is not JSON', async () => 'eyJhbGciOiJub25lIn0.bm90LWpzb24.'],
  ])('refuses %s', async (_what, make) => {
    const f = factory({});
    expect((await login(f.create(ctx), clientMessage(await make()))).error).toBe('{"status":"invalid_token"}');
  });

  it('never logs the token', async () => {
    const { log, lines } = capture();
    const f = factory({}, log);
    const token = unsecured({ ...tok, exp: nowS - 100 });
    await login(f.create(ctx), clientMessage(token));
    await login(f.create(ctx), clientMessage(unsecured(tok)));
    const all = lines.join('');
    expect(all).toContain('token refused');
    expect(all).not.toContain(token.split('.')[1]);
    expect(all).not.toContain(unsecured(tok).split('.')[1]);
  });
});

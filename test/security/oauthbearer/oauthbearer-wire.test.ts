/**
 * OAUTHBEARER through the SASL session of a SASL_PLAINTEXT listener, on the wire: the session
 * lifetime from the token's exp (KIP-368), Kafka's error challenge then SASL_AUTHENTICATION_FAILED,
 * the development-only warning of the unsecured validator at start-up, no token in the log.
 */
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { KafkaWire } from '../../helpers/kafka-wire.js';
import { startSaslBroker, type SaslBroker } from '../../helpers/sasl.js';
import { clientMessage, jwksFile, sign, signingKey, unsecured, type SigningKey } from './oauth-tokens.js';

const open: KafkaWire[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.destroy();
});

async function login(sb: SaslBroker, msg: Buffer): Promise<{ c: KafkaWire; auth: any }> {
  const c = await KafkaWire.connect(sb.broker.port, '127.0.0.1');
  open.push(c);
  const hs = await c.request(17, 1, { mechanism: 'OAUTHBEARER' });
  expect(hs.errorCode).toBe(ErrorCode.NONE);
  return { c, auth: await c.request(36, 2, { authBytes: msg }) };
}

const nowS = (): number => Math.floor(Date.now() / 1000);

describe('OAUTHBEARER with a JWKS file, on the wire', () => {
  let sb: SaslBroker;
  let key: SigningKey;

  beforeAll(async () => {
    key = await signingKey('k1');
    const file = jwksFile([key.jwk]);
    sb = await startSaslBroker({
      'sasl.enabled.mechanisms': 'OAUTHBEARER',
      'listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
      'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
      'sasl.oauthbearer.jwks.endpoint.url': file.url,
      'sasl.oauthbearer.expected.audience': 'kafka',
      'connections.max.reauth.ms': 3_600_000,
      'connection.failed.authentication.delay.ms': 100,
    });
  });
  afterAll(async () => {
    await sb?.broker.close();
  });

  it('a valid token authenticates; the session lasts until its exp', async () => {
    const exp = nowS() + 600;
    const { c, auth } = await login(sb, clientMessage(await sign(key, { sub: 'alice', aud: 'kafka', iat: nowS(), exp })));
    expect(auth.errorCode).toBe(ErrorCode.NONE);
    expect(auth.authBytes.length).toBe(0);
    const lifetime = Number(auth.sessionLifetimeMs);
    expect(lifetime).toBeGreaterThan(540_000);
    expect(lifetime).toBeLessThanOrEqual(600_000);
    const md = await c.request(3, 12, { topics: null, allowAutoTopicCreation: false });
    expect(md.brokers.length).toBe(1);
    expect(sb.logText()).toMatch(/validates tokens against JWKS file/);
  });

  it('KIP-368: a session whose token expires is closed unless re-authenticated with a fresh token', async () => {
    const short = async (secs: number): Promise<Buffer> => clientMessage(await sign(key, { sub: 'alice', aud: 'kafka', iat: nowS(), exp: nowS() + secs }));
    const { c, auth } = await login(sb, await short(2));
    expect(auth.errorCode).toBe(ErrorCode.NONE);
    expect(Number(auth.sessionLifetimeMs)).toBeLessThanOrEqual(2000);
    // Re-authenticate on the same connection with a longer-lived token before expiry.
    expect((await c.request(17, 1, { mechanism: 'OAUTHBEARER' })).errorCode).toBe(ErrorCode.NONE);
    const re = await c.request(36, 2, { authBytes: await short(600) });
    expect(re.errorCode).toBe(ErrorCode.NONE);
    await new Promise((r) => setTimeout(r, 3000));
    expect((await c.request(3, 12, { topics: null, allowAutoTopicCreation: false })).brokers.length).toBe(1);
    // Without re-authentication the connection does not outlive the token.
    const { c: c2 } = await login(sb, await short(2));
    await new Promise((r) => setTimeout(r, 3000));
    await c2.request(3, 12, { topics: null, allowAutoTopicCreation: false }).catch(() => undefined);
    expect(await c2.waitClosed(5000)).toBe(true);
  }, 20_000);

  it('a token for another audience: the invalid_token challenge, then %x01 gets SASL_AUTHENTICATION_FAILED and the connection closes', async () => {
    const token = await sign(key, { sub: 'alice', aud: 'other', iat: nowS(), exp: nowS() + 600 });
    const { c, auth } = await login(sb, clientMessage(token));
    expect(auth.errorCode).toBe(ErrorCode.NONE);
    expect(Buffer.from(auth.authBytes).toString()).toBe('{"status":"invalid_token"}');
    const fin = await c.request(36, 2, { authBytes: Buffer.from([1]) });
    expect(fin.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    expect(fin.errorMessage).toBe('{"status":"invalid_token"}');
    expect(await c.waitClosed(5000)).toBe(true);
    expect(sb.logText()).toMatch(/OAUTHBEARER token refused: Could not validate the access token/);
    expect(sb.logText()).not.toContain(token.split('.')[2]);
  });

  it('a malformed client message fails at once', async () => {
    const { c, auth } = await login(sb, Buffer.from('n,,\x01auth=Basic abc\x01\x01'));
    expect(auth.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    expect(auth.errorMessage).toBe('Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER');
    expect(await c.waitClosed(5000)).toBe(true);
  });
});

describe("OAUTHBEARER with Kafka's unsecured validator, on the wire", () => {
  let sb: SaslBroker;
  beforeAll(async () => {
    sb = await startSaslBroker({ 'sasl.enabled.mechanisms': 'OAUTHBEARER', 'connection.failed.authentication.delay.ms': 100 });
  });
  afterAll(async () => {
    await sb?.broker.close();
  });

  it('warns at start-up that it is for development only', () => {
    const warn = sb.logs.find((l) => String(l.msg).includes('UNSECURED validator'));
    expect(warn?.level).toBe(40);
    expect(String(warn?.msg)).toMatch(/For development only/);
  });

  it('accepts an unsigned token, principal from sub', async () => {
    const { auth } = await login(sb, clientMessage(unsecured({ sub: 'dev', exp: nowS() + 60 })));
    expect(auth.errorCode).toBe(ErrorCode.NONE);
  });
});

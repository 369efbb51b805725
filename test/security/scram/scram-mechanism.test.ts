/**
 * The SCRAM server mechanism against RFC 7677's SCRAM-SHA-256 example (byte for byte) and an RFC 5802
 * client for SCRAM-SHA-512: a right password succeeds with the server's signature, a wrong one, an
 * unknown user, a bad proof, nonce or channel binding, Kafka's tokenauth extension and a foreign
 * authorization id fail with a SaslAuthenticationError that carries nothing the client sent; an
 * unknown user is not told apart from a wrong password.
 */
import { describe, expect, it } from 'vitest';
import { SaslAuthenticationError } from '../../../src/security/sasl/mechanism.js';
import { credentialFromPassword, mechanismByName, type ScramCredential } from '../../../src/security/scram/scram-formatter.js';
import { scramMechanismFactory } from '../../../src/security/scram/scram-mechanism.js';
import { TestScramClient } from './scram-client.js';

const SHA256 = mechanismByName('SCRAM-SHA-256')!;
const SHA512 = mechanismByName('SCRAM-SHA-512')!;
const ctx = { listenerName: 'SASL_PLAINTEXT', remoteAddress: '127.0.0.1' };

async function users(m: typeof SHA512, entries: Record<string, string>, iterations = 4096): Promise<Map<string, ScramCredential>> {
  const out = new Map<string, ScramCredential>();
  for (const [u, p] of Object.entries(entries)) out.set(u, await credentialFromPassword(m, p, iterations));
  return out;
}

async function failure(p: Promise<unknown>): Promise<SaslAuthenticationError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SaslAuthenticationError);
  return e as SaslAuthenticationError;
}

describe('SCRAM server mechanism', () => {
  it('RFC 7677 SCRAM-SHA-256 example: server-first and server-final byte for byte', async () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    const cred = await credentialFromPassword(SHA256, 'pencil', 4096, salt);
    const mech = scramMechanismFactory(SHA256, { lookup: (u) => (u === 'user' ? cred : undefined), nonce: () => '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0' }).create(ctx);
    const first = await mech.evaluate(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'));
    expect(first.response.toString()).toBe('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
    expect(first.principal).toBeUndefined();
    const fin = await mech.evaluate(Buffer.from('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='));
    expect(fin.response.toString()).toBe('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
    expect(fin.principal).toBe('user');
  });

  it('SCRAM-SHA-512 with an RFC 5802 client: the right password succeeds, the server proves it knows the key', async () => {
    const creds = await users(SHA512, { 'ali,ce=': 'alice-secret' }, 8192);
    const factory = scramMechanismFactory(SHA512, { lookup: (u) => creds.get(u) });
    expect(factory.name).toBe('SCRAM-SHA-512');
    const client = new TestScramClient('sha512', 'ali,ce=', 'alice-secret');
    const mech = factory.create(ctx);
    const sf = await mech.evaluate(client.first());
    expect(sf.response.toString()).toMatch(new RegExp(`^r=${client.clientNonce.replace(/[+/]/g, '\\$&')}[^,]+,s=[A-Za-z0-9+/=]+,i=8192$`));
    const fin = await mech.evaluate(client.final(sf.response));
    expect(fin.response.toString()).toBe(client.expectedServerFinal());
    expect(fin.principal).toBe('ali,ce=');
    // The exchange is over: another token is refused.
    await failure(mech.evaluate(client.first()));
  });

  it('an authorization id equal to the user is accepted (its GS2 header is the channel binding)', async () => {
    const creds = await users(SHA512, { alice: 'pw' });
    const client = new TestScramClient('sha512', 'alice', 'pw', { gs2Header: 'n,a=alice,' });
    const mech = scramMechanismFactory(SHA512, { lookup: (u) => creds.get(u) }).create(ctx);
    const sf = await mech.evaluate(client.first());
    expect((await mech.evaluate(client.final(sf.response))).principal).toBe('alice');
  });

  it('a wrong password and an unknown user fail alike, at client-final, with a message that carries no credential', async () => {
    const creds = await users(SHA512, { alice: 'alice-secret' });
    const factory = scramMechanismFactory(SHA512, { lookup: (u) => creds.get(u) });
    const wrong = new TestScramClient('sha512', 'alice', 'not-the-secret');
    const m1 = factory.create(ctx);
    const sf1 = await m1.evaluate(wrong.first());
    const e1 = await failure(m1.evaluate(wrong.final(sf1.response)));

    const ghost = new TestScramClient('sha512', 'mallory', 'whatever');
    const m2 = factory.create(ctx);
    const sf2 = await m2.evaluate(ghost.first());
    expect(sf2.response.toString()).toMatch(/,s=[A-Za-z0-9+/=]+,i=4096$/);
    const e2 = await failure(m2.evaluate(ghost.final(sf2.response)));
    expect(e2.message).toBe(e1.message);
    expect(e1.message).toBe('Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512');
    for (const secret of ['not-the-secret', 'mallory', 'alice']) expect(e1.message + e2.message).not.toContain(secret);

    // The unknown user's salt is the same on every attempt, as a real user's is.
    const m3 = factory.create(ctx);
    const salt = (r: Buffer) => r.toString().split(',')[1];
    expect(salt((await m3.evaluate(new TestScramClient('sha512', 'mallory', 'x').first())).response)).toBe(salt(sf2.response));
    // Also through another factory (another listener of this broker).
    const other = scramMechanismFactory(SHA512, { lookup: (u) => creds.get(u) }).create(ctx);
    expect(salt((await other.evaluate(new TestScramClient('sha512', 'mallory', 'x').first())).response)).toBe(salt(sf2.response));
  });

  it('a bad proof, nonce or channel binding fails', async () => {
    const creds = await users(SHA256, { bob: 'bob-pw' });
    const factory = scramMechanismFactory(SHA256, { lookup: (u) => creds.get(u) });
    const cases: Array<(c: TestScramClient, sf: Buffer) => Buffer> = [
      (c, sf) => c.final(sf, { binding: Buffer.from('y,,').toString('base64') }),
      (c, sf) => c.final(sf, { binding: 'eSws' }),
      (c, sf) => c.final(sf, { nonce: `${c.clientNonce}other` }),
      (c, sf) => c.final(sf, { nonce: `x${sf.toString().split(',')[0].slice(2)}` }),
      (c, sf) => c.final(sf, { nonce: `${c.clientNonce}${c.clientNonce}${c.clientNonce}${sf.toString().split(',')[0].slice(2)}` }),
      (c, sf) => Buffer.from(c.final(sf).toString().replace(/p=.*$/, 'p=AAAA')),
      (c, sf) => Buffer.from(c.final(sf).toString().replace(/,p=.*$/, '')),
      () => Buffer.from('garbage'),
    ];
    for (const make of cases) {
      const c = new TestScramClient('sha256', 'bob', 'bob-pw');
      const mech = factory.create(ctx);
      const sf = await mech.evaluate(c.first());
      await failure(mech.evaluate(make(c, sf.response)));
    }
    // librdkafka < 2.6.1 repeats its nonce in front of the combined one: accepted, as Kafka 3.8.1-3.9 do.
    const rdkafka = new TestScramClient('sha256', 'bob', 'bob-pw');
    const m = factory.create(ctx);
    const rsf = await m.evaluate(rdkafka.first());
    expect((await m.evaluate(rdkafka.final(rsf.response, { nonce: rdkafka.clientNonce + rsf.response.toString().split(',')[0].slice(2) }))).principal).toBe('bob');
    // The same client with nothing altered succeeds: the cases above fail for their alteration alone.
    const c = new TestScramClient('sha256', 'bob', 'bob-pw');
    const mech = factory.create(ctx);
    expect((await mech.evaluate(c.final((await mech.evaluate(c.first())).response))).principal).toBe('bob');
  });

  it('malformed client-first messages, tokenauth and a foreign authorization id are refused at once', async () => {
    const creds = await users(SHA512, { alice: 'pw' });
    const factory = scramMechanismFactory(SHA512, { lookup: (u) => creds.get(u) });
    for (const msg of ['', 'n,,', 'p=tls-unique,,n=alice,r=abc', 'x,,n=alice,r=abc', 'n,,n=,r=abc', 'n,,n=al=ice,r=abc', 'n,,r=abc,n=alice', 'n,,m=ext,n=alice,r=abc', 'n,,n=alice,r=a,b']) {
      await failure(factory.create(ctx).evaluate(Buffer.from(msg)));
    }
    await failure(factory.create(ctx).evaluate(new TestScramClient('sha512', 'alice', 'pw').first(',tokenauth=true')));
    const foreign = await failure(factory.create(ctx).evaluate(new TestScramClient('sha512', 'alice', 'pw', { gs2Header: 'n,a=admin,' }).first()));
    expect(foreign.message).toBe('Authentication failed: Client requested an authorization id that is different from username');
    // Other extensions are ignored, as Kafka ignores them.
    const ok = new TestScramClient('sha512', 'alice', 'pw');
    const mech = factory.create(ctx);
    const sf = await mech.evaluate(ok.first(',foo=bar'));
    expect((await mech.evaluate(ok.final(sf.response))).principal).toBe('alice');
  });

  it('a stored credential below the minimum iterations is refused like a wrong password', async () => {
    const cred = await credentialFromPassword(SHA256, 'pw', 1024);
    const c = new TestScramClient('sha256', 'old', 'pw');
    const mech = scramMechanismFactory(SHA256, { lookup: () => cred }).create(ctx);
    const sf = await mech.evaluate(c.first());
    await failure(mech.evaluate(c.final(sf.response)));
  });
});

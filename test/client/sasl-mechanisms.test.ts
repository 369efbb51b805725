import { describe, expect, it } from 'vitest';
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { oauthBearerMechanism, plainMechanism, scramMechanism, unsecuredExtensions, unsecuredJwt } from '../../src/client/security/sasl-mechanisms.js';
import { clientJaasEntry } from '../../src/client/security/jaas.js';
import { ClientError } from '../../src/client/errors.js';

describe('SCRAM client', () => {
  // RFC 7677 section 3: user "user", password "pencil".
  const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';

  it('produces the RFC 7677 SCRAM-SHA-256 messages and accepts the server signature', () => {
    const m = scramMechanism('SCRAM-SHA-256', 'user', 'pencil', { nonce: 'rOprNGfwEbeRWgbNEkqO' });
    expect(m.initial().toString()).toBe('n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    expect(m.respond(Buffer.from(serverFirst))!.toString()).toBe('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
    expect(m.respond(Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='))).toBeUndefined();
  });

  it('refuses a server whose signature is wrong (it does not know the password)', () => {
    const m = scramMechanism('SCRAM-SHA-256', 'user', 'pencil', { nonce: 'rOprNGfwEbeRWgbNEkqO' });
    m.initial();
    m.respond(Buffer.from(serverFirst));
    expect(() => m.respond(Buffer.from('v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='))).toThrow(/invalid server signature/);
  });

  it('refuses a server nonce that does not extend ours, too few iterations, and a server error', () => {
    const a = scramMechanism('SCRAM-SHA-256', 'user', 'pencil', { nonce: 'abc' });
    expect(() => a.respond(Buffer.from('r=xyz123,s=AAAA,i=4096'))).toThrow(/nonce/);
    const b = scramMechanism('SCRAM-SHA-256', 'user', 'pencil', { nonce: 'abc' });
    expect(() => b.respond(Buffer.from('r=abc123,s=AAAA,i=4095'))).toThrow(/iterations 4095 is less than the minimum 4096/);
    const c = scramMechanism('SCRAM-SHA-512', 'user', 'pencil', { nonce: 'abc' });
    expect(() => c.respond(Buffer.from('e=unknown-user'))).toThrow(/unknown-user/);
  });

  it('SCRAM-SHA-512 proof is what a server computing from the salted password expects; names are escaped', () => {
    const m = scramMechanism('SCRAM-SHA-512', 'a=b,c', 'pw', { nonce: 'N1' });
    const first = m.initial().toString();
    expect(first).toBe('n,,n=a=3Db=2Cc,r=N1');
    const sf = `r=N1S2,s=${Buffer.from('salt').toString('base64')},i=4096`;
    const final = m.respond(Buffer.from(sf))!.toString();
    const salted = pbkdf2Sync('pw', 'salt', 4096, 64, 'sha512');
    const clientKey = createHmac('sha512', salted).update('Client Key').digest();
    const storedKey = createHash('sha512').update(clientKey).digest();
    const authMessage = `${first.slice(3)},${sf},c=biws,r=N1S2`;
    const proof = Buffer.from(/p=(.*)$/.exec(final)![1], 'base64');
    const sig = createHmac('sha512', storedKey).update(authMessage).digest();
    const recovered = Buffer.from(proof.map((x, i) => x ^ sig[i]));
    expect(createHash('sha512').update(recovered).digest().equals(storedKey)).toBe(true);
    const serverSig = createHmac('sha512', createHmac('sha512', salted).update('Server Key').digest()).update(authMessage).digest();
    expect(m.respond(Buffer.from(`v=${serverSig.toString('base64')}`))).toBeUndefined();
  });
});

describe('PLAIN and OAUTHBEARER clients', () => {
  it('PLAIN sends authzid NUL user NUL password', () => {
    expect(plainMechanism('alice', 's3cret').initial().toString()).toBe('\0alice\0s3cret');
  });

  it('OAUTHBEARER sends the RFC 7628 client message and answers a refusal with ^A', () => {
    const m = oauthBearerMechanism('a.b.c', { traceId: '42' });
    expect(m.initial().toString()).toBe('n,,\x01auth=Bearer a.b.c\x01traceId=42\x01\x01');
    expect(m.respond(Buffer.alloc(0))).toBeUndefined();
    expect(m.respond(Buffer.from('{"status":"invalid_token"}'))!.toString()).toBe('\x01');
  });

  it("builds Kafka's unsecured JWT from the unsecuredLogin options", () => {
    const opts = new Map([
      ['unsecuredLoginStringClaim_sub', 'alice'],
      ['unsecuredLoginListClaim_scope', '|read|write'],
      ['unsecuredLoginNumberClaim_n', '7'],
      ['unsecuredLoginLifetimeSeconds', '60'],
      ['unsecuredLoginExtension_traceId', 'x'],
    ]);
    const jwt = unsecuredJwt(opts, 1_000_000);
    const [h, p, s] = jwt.split('.');
    expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({ alg: 'none' });
    expect(JSON.parse(Buffer.from(p, 'base64url').toString())).toEqual({ sub: 'alice', scope: ['read', 'write'], n: 7, iat: 1000, exp: 1060 });
    expect(s).toBe('');
    expect(unsecuredExtensions(opts)).toEqual({ traceId: 'x' });
    expect(() => unsecuredJwt(new Map())).toThrow(/unsecuredLoginStringClaim_sub/);
  });
});

describe('JAAS config', () => {
  it('reads login module, flag and options: quoted, bare, comments, escapes', () => {
    const e = clientJaasEntry(`org.apache.kafka.common.security.plain.PlainLoginModule required
      username="alice" /* who */ password='p"w;=x' // trailing
      serviceName=kafka-1 quoted="a\\"b";`);
    expect(e.loginModule).toBe('org.apache.kafka.common.security.plain.PlainLoginModule');
    expect(e.controlFlag).toBe('required');
    expect([...e.options]).toEqual([
      ['username', 'alice'],
      ['password', 'p"w;=x'],
      ['serviceName', 'kafka-1'],
      ['quoted', 'a"b'],
    ]);
  });

  it("says what is wrong in Kafka's words without echoing values, as a ClientError naming the property", () => {
    expect(() => clientJaasEntry('org.x.PlainLoginModule username="a";')).toThrow(/^sasl\.jaas\.config: Invalid login module control flag/);
    expect(() => clientJaasEntry('org.x.PlainLoginModule required username="secret"')).toThrow(/not terminated by semi-colon/);
    expect(() => clientJaasEntry('org.x.PlainLoginModule required username=;')).toThrow(/Value not specified for key 'username'/);
    expect(() => clientJaasEntry('a.B required; c.D required;')).toThrow(/2 login modules, should be 1/);
    expect(() => clientJaasEntry('  ')).toThrow(/Login module not specified/);
    expect(() => clientJaasEntry('  ')).toThrow(ClientError);
    try {
      clientJaasEntry('org.x.PlainLoginModule required password="hunter2"');
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
  });
});

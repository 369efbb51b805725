import { afterEach, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '../../src/client/connection.js';
import { clientSecurity } from '../../src/client/security/client-security.js';
import { fakeBroker, testCerts, type FakeBroker } from './fake-broker.js';

const brokers: FakeBroker[] = [];
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.close()));
});

async function start(...args: Parameters<typeof fakeBroker>): Promise<FakeBroker> {
  const b = await fakeBroker(...args);
  brokers.push(b);
  return b;
}

function props(o: Record<string, string | undefined>): Map<string, string> {
  return new Map(Object.entries(o).filter((e): e is [string, string] => e[1] !== undefined));
}

describe('TLS', () => {
  const certs = testCerts();
  const serverTls = { key: certs.serverKey, cert: certs.serverCert };

  it('connects with a PEM truststore file and verifies the host name', async () => {
    const b = await start({ tls: serverTls });
    const security = clientSecurity(props({ 'security.protocol': 'SSL', 'ssl.truststore.location': certs.caFile, 'ssl.truststore.type': 'PEM' }));
    const c = await Connection.open({ host: 'localhost', port: b.port }, { security });
    expect(c.versions.get(18)).toBeDefined();
    await c.close();
  });

  it('connects with inline ssl.truststore.certificates and with a PKCS12 truststore (type guessed)', async () => {
    const b = await start({ tls: serverTls });
    for (const p of [
      { 'ssl.truststore.type': 'PEM', 'ssl.truststore.certificates': certs.caPem },
      { 'ssl.truststore.location': certs.trustP12, 'ssl.truststore.password': 'changeit' },
      { 'ssl.truststore.location': certs.caFile },
    ]) {
      const c = await Connection.open({ host: '127.0.0.1', port: b.port }, { security: clientSecurity(props({ 'security.protocol': 'SSL', ...p })) });
      await c.close();
    }
  });

  it('refuses a broker its truststore does not vouch for, and a wrong PKCS12 password', async () => {
    const b = await start({ tls: serverTls });
    const security = clientSecurity(props({ 'security.protocol': 'SSL', 'ssl.truststore.location': certs.otherCaFile }));
    await expect(Connection.open({ host: 'localhost', port: b.port }, { security, connectTimeoutMs: 5000 })).rejects.toThrow(/over TLS.*certificate/);
    expect(() => clientSecurity(props({ 'security.protocol': 'SSL', 'ssl.truststore.location': certs.trustP12, 'ssl.truststore.password': 'nope' }))).toThrow(/wrong password/);
  });

  it('checks the host name unless ssl.endpoint.identification.algorithm is empty', async () => {
    // A certificate our CA signed, but for another host.
    const b = await start({ tls: { key: certs.elsewhereKey, cert: certs.elsewhereCert } });
    const base = { 'security.protocol': 'SSL', 'ssl.truststore.location': certs.caFile };
    const wrongName = { host: 'localhost', port: b.port };
    await expect(Connection.open(wrongName, { security: clientSecurity(props(base)), connectTimeoutMs: 5000 })).rejects.toThrow(/Hostname|altnames|does not match/i);
    const c = await Connection.open(wrongName, { security: clientSecurity(props({ ...base, 'ssl.endpoint.identification.algorithm': '' })) });
    await c.close();
  });

  it('presents a client certificate from PEM (inline, file) and PKCS12 keystores (mutual TLS)', async () => {
    const b = await start({ tls: { ...serverTls, ca: certs.caPem, requestCert: true, rejectUnauthorized: true } });
    const trust = { 'security.protocol': 'SSL', 'ssl.truststore.location': certs.caFile };
    for (const p of [
      { 'ssl.keystore.type': 'PEM', 'ssl.keystore.certificate.chain': certs.clientCert, 'ssl.keystore.key': certs.clientKey },
      { 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.clientPemFile },
      { 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': certs.clientP12, 'ssl.keystore.password': 'changeit' },
    ]) {
      const c = await Connection.open({ host: 'localhost', port: b.port }, { security: clientSecurity(props({ ...trust, ...p })) });
      await c.close();
    }
    expect(b.peerCNs).toEqual(['client-app', 'client-app', 'client-app']);
    // Without a certificate the broker ends the handshake.
    await expect(Connection.open({ host: 'localhost', port: b.port }, { security: clientSecurity(props(trust)), connectTimeoutMs: 5000 })).rejects.toThrow();
  });
});

describe('SASL', () => {
  it('runs SaslHandshake then SaslAuthenticate with PLAIN after ApiVersions', async () => {
    const seen: string[] = [];
    const b = await start({
      mechanisms: ['PLAIN'],
      authenticate: (_m, bytes) => {
        seen.push(bytes.toString());
        return bytes.toString() === '\0alice\0alice-secret' ? {} : { errorCode: 58, errorMessage: 'Authentication failed: Invalid username or password' };
      },
    });
    const jaas = (pw: string) => `org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="${pw}";`;
    const ok = clientSecurity(props({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': jaas('alice-secret') }));
    const c = await Connection.open({ host: '127.0.0.1', port: b.port }, { security: ok });
    await c.close();
    expect(b.requests).toEqual([18, 17, 36]);
    const bad = clientSecurity(props({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': jaas('wrong') }));
    await expect(Connection.open({ host: '127.0.0.1', port: b.port }, { security: bad })).rejects.toThrow(/authentication to 127\.0\.0\.1:\d+ with PLAIN failed: Authentication failed: Invalid username or password/);
  });

  it('names the enabled mechanisms when the broker does not enable ours', async () => {
    const b = await start({ mechanisms: ['SCRAM-SHA-512'], authenticate: () => ({}) });
    const s = clientSecurity(props({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': 'x.PlainLoginModule required username=a password=b;' }));
    await expect(Connection.open({ host: '127.0.0.1', port: b.port }, { security: s })).rejects.toThrow(/does not enable SASL mechanism PLAIN \(enabled: SCRAM-SHA-512\)/);
  });

  it('re-authenticates before the session lifetime the broker gave runs out', async () => {
    const b = await start({ mechanisms: ['PLAIN'], authenticate: () => ({ sessionLifetimeMs: 400 }) });
    const s = clientSecurity(props({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': 'x.PlainLoginModule required username=a password=b;' }));
    const c = await Connection.open({ host: '127.0.0.1', port: b.port }, { security: s });
    await sleep(1500);
    const handshakes = b.requests.filter((k) => k === 17).length;
    expect(handshakes).toBeGreaterThanOrEqual(3);
    // Requests still work between re-authentications.
    await c.request(18, {}, 0);
    await c.close();
  });

  it('SASL_SSL: TLS first, then SCRAM with the server signature checked', async () => {
    const certs = testCerts();
    let serverNonce = '';
    const b = await start({
      tls: { key: certs.serverKey, cert: certs.serverCert },
      mechanisms: ['SCRAM-SHA-256'],
      authenticate: (_m, bytes, step) => {
        if (step === 0) {
          serverNonce = /r=([^,]+)/.exec(bytes.toString())![1] + 'SRV';
          return { authBytes: Buffer.from(`r=${serverNonce},s=${Buffer.from('salt').toString('base64')},i=4096`) };
        }
        // A server that does not know the password cannot sign: the client must refuse it.
        return { authBytes: Buffer.from(`v=${Buffer.alloc(32).toString('base64')}`) };
      },
    });
    const s = clientSecurity(
      props({
        'security.protocol': 'SASL_SSL',
        'ssl.truststore.location': certs.caFile,
        'sasl.mechanism': 'SCRAM-SHA-256',
        'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="pw";',
      }),
    );
    await expect(Connection.open({ host: 'localhost', port: b.port }, { security: s })).rejects.toThrow(/invalid server signature/);
    expect(b.requests).toEqual([18, 17, 36, 36]);
  });
});

describe('client security settings', () => {
  it("refuses GSSAPI (Kafka's default mechanism) and unknown protocols with one clear line", () => {
    expect(() => clientSecurity(props({ 'security.protocol': 'SASL_SSL' }))).toThrow(/GSSAPI \(Kerberos\) is not supported/);
    expect(() => clientSecurity(props({ 'security.protocol': 'TLS' }))).toThrow(/security.protocol TLS is not one of/);
    expect(() => clientSecurity(props({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN' }))).toThrow(/sasl.jaas.config is required/);
    expect(() => clientSecurity(props({ 'security.protocol': 'SSL', 'ssl.truststore.location': '/nonexistent' }))).toThrow(/cannot read ssl.truststore.location/);
  });
});

describe('plaintext', () => {
  it('an explicitly undefined security (a caller passing its optional setting through) means PLAINTEXT', async () => {
    const b = await start({});
    const c = await Connection.open({ host: '127.0.0.1', port: b.port }, { security: undefined, connectTimeoutMs: 5000 });
    expect(b.requests).toEqual([18]);
    await c.close();
  });
});

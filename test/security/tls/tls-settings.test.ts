/**
 * A listener's TLS from Kafka's ssl.* keys: PEM (inline, file, encrypted key) and PKCS12
 * keystores, PEM and PKCS12 truststores, JKS refused, listener-prefixed overrides, protocols and
 * IANA cipher names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../../src/config/config.js';
import { opensslCiphers } from '../../../src/security/tls/cipher-suites.js';
import { buildListenerTls } from '../../../src/security/tls/tls-settings.js';
import { rfc2253Subject } from '../../../src/security/tls/subject.js';
import { makeCerts, type Certs } from '../../helpers/certs.js';
import { X509Certificate } from 'node:crypto';

let certs: Certs;
beforeAll(() => {
  certs = makeCerts({ clients: ['alice'] });
});
afterAll(() => certs?.cleanup());

const from = (settings: Record<string, string>) => (key: string) => settings[key];
const read = (p: string) => readFileSync(p, 'utf8');

describe('keystores', () => {
  it('PEM file holding key and chain', () => {
    const t = buildListenerTls(from({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.server.pemStore }), 'SSL', 'SSL');
    expect(t.leaf?.subject).toContain('CN=localhost');
    expect(t.files).toEqual([certs.server.pemStore]);
    expect(String(t.secureContext.cert)).toContain('BEGIN CERTIFICATE');
  });

  it('PEM inline, with an encrypted key and ssl.key.password', () => {
    const s = { 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': read(certs.server.encryptedKey), 'ssl.keystore.certificate.chain': read(certs.server.chain), 'ssl.key.password': certs.password };
    expect(buildListenerTls(from(s), 'SSL', 'SSL').leaf?.subject).toContain('CN=localhost');
    expect(() => buildListenerTls(from({ ...s, 'ssl.key.password': 'wrong' }), 'SSL', 'SSL')).toThrow(/wrong ssl.key.password/);
    const { ['ssl.key.password']: _, ...noPassword } = s;
    expect(() => buildListenerTls(from(noPassword), 'SSL', 'SSL')).toThrow(/encrypted: set ssl.key.password/);
  });

  it('PEM: a store password, a half inline store, a key of another certificate are refused', () => {
    expect(() => buildListenerTls(from({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.server.pemStore, 'ssl.keystore.password': 'x' }), 'SSL', 'SSL')).toThrow(ConfigError);
    expect(() => buildListenerTls(from({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': read(certs.server.key) }), 'SSL', 'SSL')).toThrow(/both ssl.keystore.key and ssl.keystore.certificate.chain/);
    expect(() =>
      buildListenerTls(from({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': read(certs.clients.alice.key), 'ssl.keystore.certificate.chain': read(certs.server.chain) }), 'SSL', 'SSL'),
    ).toThrow(/does not belong/);
  });

  it('PKCS12 with its password; a wrong or missing password is a ConfigError', () => {
    const t = buildListenerTls(from({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': certs.server.p12, 'ssl.keystore.password': certs.password }), 'SSL', 'SSL');
    expect(t.secureContext.pfx).toBeInstanceOf(Buffer);
    expect(() => buildListenerTls(from({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': certs.server.p12, 'ssl.keystore.password': 'nope' }), 'SSL', 'SSL')).toThrow(/wrong ssl.keystore.password/);
    expect(() => buildListenerTls(from({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': certs.server.p12 }), 'SSL', 'SSL')).toThrow(/ssl.keystore.password is required/);
  });

  it('the default type (JKS) reads a PKCS12 file, as Java 9+ does; a real JKS file is refused with how to convert', () => {
    expect(() => buildListenerTls(from({ 'ssl.keystore.location': certs.server.p12, 'ssl.keystore.password': certs.password }), 'SSL', 'SSL')).not.toThrow();
    const jks = join(certs.dir, 'server.jks');
    writeFileSync(jks, Buffer.concat([Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]), Buffer.alloc(64)]));
    expect(() => buildListenerTls(from({ 'ssl.keystore.location': jks, 'ssl.keystore.password': 'x' }), 'SSL', 'SSL')).toThrow(/JKS.*Convert it to PKCS12.*deststoretype PKCS12/s);
  });

  it('no keystore at all is a ConfigError', () => {
    expect(() => buildListenerTls(from({}), 'SSL', 'SSL')).toThrow(/no keystore/);
  });
});

describe('truststores, client auth, listener prefix', () => {
  const ks = () => ({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.server.pemStore });

  it('PEM location, PEM inline and PKCS12 give the CA certificate', () => {
    const ca = new X509Certificate(read(certs.ca)).fingerprint256;
    const fp = (s: Record<string, string>) => new X509Certificate(String(buildListenerTls(from({ ...ks(), ...s }), 'SSL', 'SSL').secureContext.ca)).fingerprint256;
    expect(fp({ 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': certs.ca })).toBe(ca);
    expect(fp({ 'ssl.truststore.type': 'PEM', 'ssl.truststore.certificates': read(certs.ca) })).toBe(ca);
    expect(fp({ 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': certs.caP12, 'ssl.truststore.password': certs.password })).toBe(ca);
    expect(() => fp({ 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': certs.caP12, 'ssl.truststore.password': 'bad' })).toThrow(/wrong ssl.truststore.password/);
  });

  it('ssl.client.auth: values, and a truststore is needed to verify clients', () => {
    expect(buildListenerTls(from(ks()), 'SSL', 'SSL').clientAuth).toBe('none');
    expect(() => buildListenerTls(from({ ...ks(), 'ssl.client.auth': 'required' }), 'SSL', 'SSL')).toThrow(/needs a truststore/);
    expect(() => buildListenerTls(from({ ...ks(), 'ssl.client.auth': 'maybe' }), 'SSL', 'SSL')).toThrow(/none, requested, required/);
    const withTrust = { ...ks(), 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': certs.ca };
    expect(buildListenerTls(from({ ...withTrust, 'ssl.client.auth': 'requested' }), 'SSL', 'SSL').clientAuth).toBe('requested');
    // KIP-684: on SASL_SSL only the listener's own key asks for client certificates.
    expect(buildListenerTls(from({ ...withTrust, 'ssl.client.auth': 'required' }), 'SASL_SSL', 'SASL_SSL').clientAuth).toBe('none');
    expect(buildListenerTls(from({ ...withTrust, 'listener.name.sasl_ssl.ssl.client.auth': 'required' }), 'SASL_SSL', 'SASL_SSL').clientAuth).toBe('required');
  });

  it('listener.name.<listener lower case>.ssl.* overrides ssl.* for that listener only', () => {
    const s = { 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': '/nonexistent.p12', 'ssl.keystore.password': 'x', 'listener.name.secure.ssl.keystore.type': 'PEM', 'listener.name.secure.ssl.keystore.location': certs.server.pemStore, 'listener.name.secure.ssl.keystore.password': undefined as unknown as string };
    // The prefixed keys replace the unprefixed ones key by key; an unset prefixed key falls back.
    expect(() => buildListenerTls(from(s), 'SECURE', 'SSL')).toThrow(/ssl.keystore.password cannot be set with ssl.keystore.type=PEM/);
    const { ['ssl.keystore.password']: _, ...noPw } = s;
    expect(buildListenerTls(from(noPw), 'SECURE', 'SSL').leaf?.subject).toContain('CN=localhost');
    expect(() => buildListenerTls(from(noPw), 'OTHER', 'SSL')).toThrow(/cannot read \/nonexistent.p12/);
  });

  it('protocols and IANA cipher names', () => {
    const t = buildListenerTls(from({ ...ks(), 'ssl.enabled.protocols': 'TLSv1.2', 'ssl.cipher.suites': 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384' }), 'SSL', 'SSL');
    expect(t.secureContext).toMatchObject({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_256_GCM_SHA384' });
    expect(buildListenerTls(from(ks()), 'SSL', 'SSL').secureContext).toMatchObject({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
    expect(() => buildListenerTls(from({ ...ks(), 'ssl.enabled.protocols': 'SSLv3' }), 'SSL', 'SSL')).toThrow(/unknown protocol SSLv3/);
    expect(() => opensslCiphers(['TLS_MADE_UP'])).toThrow(/unknown cipher suite TLS_MADE_UP/);
    expect(opensslCiphers(['SSL_RSA_WITH_AES_128_CBC_SHA', 'ECDHE-RSA-AES256-GCM-SHA384'])).toBe('AES128-SHA:ECDHE-RSA-AES256-GCM-SHA384');
  });
});

describe('subject', () => {
  it('is RFC 2253, most specific first, as Kafka names a client certificate', () => {
    expect(rfc2253Subject(readFileSync(certs.clients.alice.cert))).toBe('CN=alice,OU=clients,O=Runnel,C=US');
    const odd = certs.issue('odd', { subject: '/C=US/O=Acme, Inc./CN=bob+UID=b42/emailAddress=bob@example.com', file: 'odd' });
    expect(rfc2253Subject(readFileSync(odd.cert))).toBe('1.2.840.113549.1.9.1=#160f626f62406578616d706c652e636f6d,CN=bob+UID=b42,O=Acme\\, Inc.,C=US');
  });
});

/**
 * Kafka's keystores and truststores as Node's TLS options. `setting` reads one ssl.* key for the
 * listener (listener.name.<l>.ssl.* over ssl.*, see tls-settings.ts).
 *
 * Keystore: PEM (ssl.keystore.type=PEM, the key and certificate chain inline in
 * ssl.keystore.key / ssl.keystore.certificate.chain, or both in the file at ssl.keystore.location;
 * an encrypted key needs ssl.key.password) or PKCS12 (ssl.keystore.location and
 * ssl.keystore.password). Truststore: PEM certificates (inline ssl.truststore.certificates or the
 * file at ssl.truststore.location) or PKCS12. JKS cannot be read: refused with how to convert.
 *
 * Deviations: a PKCS12 keystore's key must be protected by the store password (Node opens a
 * PKCS12 with one password); a PKCS12 truststore (certificates without a key, which Node's TLS
 * cannot open) is read with the `openssl` command, so it needs openssl installed.
 */
import { Pkcs12Error, pkcs12CertificatePems } from './pkcs12.js';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { ConfigError } from '../../config/config.js';

export type Setting = (key: string) => string | undefined;

export interface Keystore {
  options: Pick<SecureContextOptions, 'key' | 'cert' | 'pfx' | 'passphrase'>;
  /** The leaf certificate, when it could be read (to compare a renewed one with). */
  leaf?: X509Certificate;
  /** Files read, to watch for a renewed certificate. */
  files: string[];
}

export interface Truststore {
  /** PEM certificates; undefined: Node's default CAs (as Kafka falls back to the JVM's). */
  ca?: string;
  files: string[];
}

const JKS_MAGIC = 0xfeedfeed;
const JCEKS_MAGIC = 0xcececece;

function readStore(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${key}: cannot read ${path}: ${(err as Error).message}`);
  }
}

/** JKS and JCEKS files, whatever type they are declared as, are refused with the conversion to use. */
function refuseJks(data: Buffer, path: string, store: 'keystore' | 'truststore'): void {
  if (data.length < 4) return;
  const magic = data.readUInt32BE(0);
  if (magic === JKS_MAGIC || magic === JCEKS_MAGIC)
    throw new ConfigError(
      `ssl.${store}.location: ${path} is a JKS/JCEKS ${store}, which Runnel cannot read. Convert it to PKCS12 ` +
        `(keytool -importkeystore -srckeystore ${path} -destkeystore ${path.replace(/\.[^./]*$/, '')}.p12 -deststoretype PKCS12) ` +
        `and set ssl.${store}.type=PKCS12, or use PEM files (ssl.${store}.type=PEM)`,
    );
}

/** The declared store type; JKS (Kafka's default) is read as PKCS12 when the file is one, as Java 9+ does. */
function storeType(setting: Setting, store: 'keystore' | 'truststore'): string {
  return (setting(`ssl.${store}.type`) ?? 'JKS').toUpperCase();
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

function pemBlocks(text: string): Array<{ label: string; pem: string }> {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1], pem: m[0] }));
}

function privateKey(pem: string, password: string | undefined, where: string): KeyObject {
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem);
  if (encrypted && password === undefined) throw new ConfigError(`${where}: the private key is encrypted: set ssl.key.password`);
  try {
    return createPrivateKey({ key: pem, format: 'pem', passphrase: encrypted ? password : undefined });
  } catch (err) {
    throw new ConfigError(`${where}: cannot read the private key${encrypted ? ' (wrong ssl.key.password?)' : ''}: ${(err as Error).message}`);
  }
}

function certificates(pem: string, where: string): X509Certificate[] {
  const blocks = pemBlocks(pem).filter((b) => b.label === 'CERTIFICATE' || b.label === 'X509 CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE');
  if (blocks.length === 0) throw new ConfigError(`${where}: no certificate found`);
  return blocks.map((b) => {
    try {
      return new X509Certificate(b.pem);
    } catch (err) {
      throw new ConfigError(`${where}: invalid certificate: ${(err as Error).message}`);
    }
  });
}

export function loadKeystore(setting: Setting): Keystore {
  const type = storeType(setting, 'keystore');
  const location = setting('ssl.keystore.location');
  const inlineKey = setting('ssl.keystore.key');
  const inlineChain = setting('ssl.keystore.certificate.chain');
  const keyPassword = setting('ssl.key.password');
  if (type === 'PEM') {
    // Kafka's DefaultSslEngineFactory refuses a store password for PEM: only the key has one.
    if (setting('ssl.keystore.password') !== undefined)
      throw new ConfigError('ssl.keystore.password cannot be set with ssl.keystore.type=PEM: only ssl.key.password (of an encrypted key) may be given');
    let keyPem: string;
    let chainPem: string;
    let files: string[] = [];
    if (inlineKey !== undefined || inlineChain !== undefined) {
      if (location !== undefined) throw new ConfigError('ssl.keystore.location cannot be set with an inline PEM keystore (ssl.keystore.key / ssl.keystore.certificate.chain)');
      if (inlineKey === undefined || inlineChain === undefined) throw new ConfigError('a PEM keystore needs both ssl.keystore.key and ssl.keystore.certificate.chain');
      keyPem = inlineKey;
      chainPem = inlineChain;
    } else {
      if (location === undefined) throw new ConfigError('no keystore: set ssl.keystore.location, or ssl.keystore.key and ssl.keystore.certificate.chain with ssl.keystore.type=PEM');
      const text = readStore(location, 'ssl.keystore.location').toString('utf8');
      keyPem = pemBlocks(text).filter((b) => /PRIVATE KEY$/.test(b.label)).map((b) => b.pem).join('\n');
      chainPem = text;
      if (keyPem === '') throw new ConfigError(`ssl.keystore.location: ${location} holds no private key (a PEM keystore holds the key and the certificate chain)`);
      files = [location];
    }
    const where = location ?? 'ssl.keystore.key';
    const key = privateKey(keyPem, keyPassword, where);
    const chain = certificates(chainPem, location ?? 'ssl.keystore.certificate.chain');
    if (!chain[0].checkPrivateKey(key)) throw new ConfigError(`${where}: the private key does not belong to the first certificate of the chain`);
    return {
      options: { key: keyPem, cert: chain.map((c) => c.toString()).join(''), passphrase: keyPassword },
      leaf: chain[0],
      files,
    };
  }
  if (inlineKey !== undefined || inlineChain !== undefined) throw new ConfigError(`ssl.keystore.key and ssl.keystore.certificate.chain need ssl.keystore.type=PEM (not ${type})`);
  if (location === undefined) throw new ConfigError('no keystore: set ssl.keystore.location (and ssl.keystore.type)');
  const data = readStore(location, 'ssl.keystore.location');
  refuseJks(data, location, 'keystore');
  if (type !== 'PKCS12' && type !== 'JKS') throw new ConfigError(`ssl.keystore.type: ${type} is not supported (PKCS12 or PEM)`);
  const password = setting('ssl.keystore.password');
  if (password === undefined) throw new ConfigError('ssl.keystore.password is required for a PKCS12 keystore');
  if (keyPassword !== undefined && keyPassword !== password)
    throw new ConfigError('ssl.key.password differs from ssl.keystore.password: Runnel opens a PKCS12 keystore with one password; give its key the store password');
  let leaf: X509Certificate | undefined;
  try {
    const ctx = createSecureContext({ pfx: data, passphrase: password });
    // SecureContext's getCertificate() (Node internals) gives the leaf as DER; without it a renewed certificate is not compared.
    const der = (ctx.context as { getCertificate?: () => Buffer | null }).getCertificate?.();
    if (der) leaf = new X509Certificate(der);
  } catch (err) {
    throw new ConfigError(`ssl.keystore.location: cannot open the PKCS12 keystore ${location} (wrong ssl.keystore.password?): ${(err as Error).message}`);
  }
  return { options: { pfx: data, passphrase: password }, leaf, files: [location] };
}

export function loadTruststore(setting: Setting): Truststore | undefined {
  const type = storeType(setting, 'truststore');
  const location = setting('ssl.truststore.location');
  const inline = setting('ssl.truststore.certificates');
  if (inline !== undefined) {
    if (type !== 'PEM') throw new ConfigError(`ssl.truststore.certificates needs ssl.truststore.type=PEM (not ${type})`);
    if (location !== undefined) throw new ConfigError('ssl.truststore.location cannot be set with inline ssl.truststore.certificates');
    return { ca: certificates(inline, 'ssl.truststore.certificates').map((c) => c.toString()).join(''), files: [] };
  }
  if (location === undefined) return undefined;
  const data = readStore(location, 'ssl.truststore.location');
  refuseJks(data, location, 'truststore');
  if (type === 'PEM') return { ca: certificates(data.toString('utf8'), location).map((c) => c.toString()).join(''), files: [location] };
  if (type !== 'PKCS12' && type !== 'JKS') throw new ConfigError(`ssl.truststore.type: ${type} is not supported (PKCS12 or PEM)`);
  return { ca: pkcs12Certificates(location, setting('ssl.truststore.password')), files: [location] };
}

/** The certificates of a PKCS12 truststore (pkcs12.ts), checked as certificates. */
function pkcs12Certificates(location: string, password: string | undefined): string {
  let pems: string[];
  try {
    pems = pkcs12CertificatePems(location, password);
  } catch (err) {
    if (!(err instanceof Pkcs12Error)) throw err;
    if (err.noOpenssl) throw new ConfigError(`ssl.truststore.location: reading a PKCS12 truststore needs the openssl command; install it or give the CA certificates as PEM (ssl.truststore.type=PEM)`);
    throw new ConfigError(`ssl.truststore.location: cannot open the PKCS12 truststore ${location} (wrong ssl.truststore.password?): ${err.message}`);
  }
  return certificates(pems.join('\n'), location).map((c) => c.toString()).join('');
}

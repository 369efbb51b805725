/**
 * Kafka's client ssl.* keys as node:tls connect options: a truststore (PEM file or inline
 * ssl.truststore.certificates, PKCS12 with its password), a keystore for a client certificate
 * (PEM inline or as a file with ssl.key.password for an encrypted key, PKCS12), and
 * ssl.endpoint.identification.algorithm (https: the broker's certificate must name the host we
 * dialled; empty: it need not). Without a truststore the system's CAs are trusted, as the JVM's
 * default truststore is.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsConnectOptions, SecureVersion } from 'node:tls';
import { ClientError } from '../errors.js';
import { Pkcs12Error, pkcs12CertificatePems } from '../../security/tls/pkcs12.js';

export type Props = ReadonlyMap<string, string>;

function readFile(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ClientError(`cannot read ${key} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * The store's type: as given, else guessed from the file (Kafka's default JKS; a JKS file cannot
 * be read here, and PKCS12 is what keytool writes by default since Java 9).
 */
function storeType(given: string | undefined, data: Buffer | undefined, key: string): 'PEM' | 'PKCS12' {
  const t = given?.trim().toUpperCase();
  if (t === 'PEM' || t === 'PKCS12') return t;
  if (t && t !== 'JKS') throw new ClientError(`${key} ${given} is not supported (PEM or PKCS12)`);
  if (data && data.readUInt32BE(0) === 0xfeedfeed) throw new ClientError(`${key}: JKS stores cannot be read; convert it with keytool -importkeystore -deststoretype PKCS12`);
  if (data && data.subarray(0, 64).toString('latin1').includes('-----BEGIN')) return 'PEM';
  return 'PKCS12';
}

/** The certificates of a PKCS12 truststore, as PEM (src/security/tls/pkcs12.ts). */
export function pkcs12Certificates(path: string, password: string | undefined, key: string): string {
  let certs: string[];
  try {
    certs = pkcs12CertificatePems(path, password);
  } catch (err) {
    if (!(err instanceof Pkcs12Error)) throw err;
    throw new ClientError(`cannot read the PKCS12 ${key} ${path} (${err.noOpenssl ? 'the openssl command is needed' : 'wrong password?'}): ${err.message}`);
  }
  if (certs.length === 0) throw new ClientError(`the PKCS12 ${key} ${path} holds no certificate`);
  return certs.join('\n') + '\n';
}

const PROTOCOLS: Record<string, SecureVersion> = { 'TLSV1.2': 'TLSv1.2', 'TLSV1.3': 'TLSv1.3', 'TLSV1.1': 'TLSv1.1', TLSV1: 'TLSv1' };

/** node:tls options from the ssl.* keys of `props` (files are read now); see tlsForHost. */
export function tlsConnectOptions(props: Props): TlsConnectOptions {
  const opts: TlsConnectOptions = {};
  const get = (k: string) => {
    const v = props.get(k);
    return v === undefined || v.trim() === '' ? undefined : v;
  };

  // Trust.
  const inlineTrust = get('ssl.truststore.certificates');
  const trustLocation = get('ssl.truststore.location');
  if (inlineTrust && trustLocation) throw new ClientError('give ssl.truststore.certificates or ssl.truststore.location, not both');
  if (inlineTrust) {
    if (storeType(get('ssl.truststore.type') ?? 'PEM', undefined, 'ssl.truststore.type') !== 'PEM') throw new ClientError('ssl.truststore.certificates needs ssl.truststore.type=PEM');
    opts.ca = inlineTrust;
  } else if (trustLocation) {
    const data = readFile(trustLocation, 'ssl.truststore.location');
    opts.ca = storeType(get('ssl.truststore.type'), data, 'ssl.truststore.type') === 'PEM' ? data : pkcs12Certificates(trustLocation, get('ssl.truststore.password'), 'truststore');
  }

  // Our own certificate (mutual TLS).
  const chain = get('ssl.keystore.certificate.chain');
  const inlineKey = get('ssl.keystore.key');
  const keyLocation = get('ssl.keystore.location');
  const keyPassword = get('ssl.key.password');
  if ((chain || inlineKey) && keyLocation) throw new ClientError('give ssl.keystore.certificate.chain/ssl.keystore.key or ssl.keystore.location, not both');
  if (chain || inlineKey) {
    if (!chain || !inlineKey) throw new ClientError('ssl.keystore.certificate.chain and ssl.keystore.key go together');
    opts.cert = chain;
    opts.key = inlineKey;
    if (keyPassword) opts.passphrase = keyPassword;
  } else if (keyLocation) {
    const data = readFile(keyLocation, 'ssl.keystore.location');
    if (storeType(get('ssl.keystore.type'), data, 'ssl.keystore.type') === 'PEM') {
      // One file with the key and the chain; openssl picks the blocks it needs from each.
      opts.cert = data;
      opts.key = data;
      if (keyPassword) opts.passphrase = keyPassword;
    } else {
      opts.pfx = data;
      opts.passphrase = get('ssl.keystore.password') ?? keyPassword ?? '';
    }
  }

  // Protocol versions.
  const enabled = (get('ssl.enabled.protocols') ?? 'TLSv1.2,TLSv1.3')
    .split(',')
    .map((p) => p.trim().toUpperCase())
    .filter(Boolean);
  const versions = enabled.map((p) => PROTOCOLS[p]).filter((v): v is SecureVersion => v !== undefined);
  if (versions.length === 0) throw new ClientError(`ssl.enabled.protocols names no protocol this client knows (TLSv1.2, TLSv1.3)`);
  const order: SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
  versions.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  opts.minVersion = versions[0];
  opts.maxVersion = versions[versions.length - 1];

  // Host name verification: Kafka's default is https (verify); an empty value turns it off.
  const algorithm = props.get('ssl.endpoint.identification.algorithm') ?? 'https';
  if (algorithm.trim() === '') opts.checkServerIdentity = () => undefined;
  else if (algorithm.trim().toLowerCase() !== 'https') throw new ClientError(`ssl.endpoint.identification.algorithm ${algorithm} is not supported (https or empty)`);

  return opts;
}

/** The options for one broker: SNI only for names, as an IP address is not allowed as servername (RFC 6066). */
export function tlsForHost(base: TlsConnectOptions, host: string): TlsConnectOptions {
  return { ...base, host, ...(/^[\d.]+$/.test(host) || host.includes(':') ? {} : { servername: host }) };
}

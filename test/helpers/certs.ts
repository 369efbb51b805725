/**
 * Test certificates made with Debian's openssl in a temporary directory: a CA, a server
 * certificate for localhost / 127.0.0.1 and client certificates, as PEM files (key plain and
 * encrypted) and PKCS12 stores. Shared by the TLS tests, the SASL_SSL tests and the compat setup
 * hooks, so every suite trusts the same kind of material.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One certificate and its key, as files in the certificates' directory. */
export interface Issued {
  /** The certificate (PEM). */
  cert: string;
  /** The private key, unencrypted PKCS#8 PEM (what OpenSSL 3's req writes). */
  key: string;
  /** The same key encrypted with `password` (PKCS#8, AES-256). */
  encryptedKey: string;
  /** The certificate, then the CA's: a chain as Kafka's ssl.keystore.certificate.chain takes it. */
  chain: string;
  /** Key then chain in one PEM file, as ssl.keystore.location of a PEM keystore. */
  pemStore: string;
  /** PKCS12 keystore (key, certificate, CA) protected by `password`. */
  p12: string;
  /** The subject as Kafka names it (RFC 2253, most specific first). */
  dn: string;
}

export interface Certs {
  dir: string;
  /** The password of every encrypted key and PKCS12 store. */
  password: string;
  /** The CA certificate (PEM), the truststore of clients and of the broker. */
  ca: string;
  caKey: string;
  /** A PKCS12 truststore holding only the CA certificate. */
  caP12: string;
  server: Issued;
  /** Client certificates by common name. */
  clients: Record<string, Issued>;
  /** Issues another certificate from the same CA (a renewed server certificate, a new client). */
  issue(name: string, opts?: IssueOptions): Issued;
  /** Removes the directory. */
  cleanup(): void;
}

export interface IssueOptions {
  /** subjectAltName, e.g. 'DNS:localhost,IP:127.0.0.1'. */
  san?: string;
  /** Subject in openssl's /A=b/C=d form; default /C=US/O=Runnel/OU=<ou>/CN=<name>. */
  subject?: string;
  ou?: string;
  days?: number;
  /** Signed by another CA (a client the broker must refuse). */
  ca?: { cert: string; key: string };
  /** Files are named <file>.*; default the name. */
  file?: string;
}

const SERVER_SAN = 'DNS:localhost,IP:127.0.0.1';

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA of its own in `dir` (the material for the broker and clients, or a stranger to refuse). */
export function makeCa(dir: string, name = 'ca', cn = 'Runnel Test CA'): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/O=Runnel/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  return { cert, key };
}

/** Kafka's form of an openssl /A=b/C=d subject: RFC 2253, most specific RDN first. */
function rfc2253(subject: string): string {
  return subject.split('/').filter(Boolean).reverse().join(',');
}

export function issueCert(dir: string, password: string, ca: { cert: string; key: string }, name: string, opts: IssueOptions = {}): Issued {
  const f = (ext: string): string => join(dir, `${opts.file ?? name}.${ext}`);
  const subject = opts.subject ?? `/C=US/O=Runnel/OU=${opts.ou ?? 'clients'}/CN=${name}`;
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('key'), '-out', f('csr'), '-subj', subject], dir);
  const ext = [`basicConstraints=CA:FALSE`, `keyUsage=digitalSignature,keyEncipherment`, `extendedKeyUsage=serverAuth,clientAuth`];
  if (opts.san) ext.push(`subjectAltName=${opts.san}`);
  writeFileSync(f('ext'), ext.join('\n') + '\n');
  openssl(['x509', '-req', '-in', f('csr'), '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', f('pem'), '-days', String(opts.days ?? 2), '-extfile', f('ext')], dir);
  openssl(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', f('key'), '-out', f('enc.key'), '-passout', `pass:${password}`], dir);
  const chain = f('chain.pem');
  writeFileSync(chain, readFileSync(f('pem'), 'utf8') + readFileSync(ca.cert, 'utf8'));
  const pemStore = f('store.pem');
  writeFileSync(pemStore, readFileSync(f('key'), 'utf8') + readFileSync(chain, 'utf8'));
  openssl(['pkcs12', '-export', '-in', f('pem'), '-inkey', f('key'), '-certfile', ca.cert, '-name', name, '-out', f('p12'), '-passout', `pass:${password}`], dir);
  return { cert: f('pem'), key: f('key'), encryptedKey: f('enc.key'), chain, pemStore, p12: f('p12'), dn: rfc2253(subject) };
}

/**
 * A CA, a server certificate (CN=localhost, SAN DNS:localhost,IP:127.0.0.1) and one client
 * certificate per name in `clients` (default alice), in a fresh temporary directory.
 */
export function makeCerts(opts: { clients?: string[]; password?: string } = {}): Certs {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-certs-'));
  const password = opts.password ?? 'test-secret';
  const ca = makeCa(dir);
  const caP12 = join(dir, 'ca.p12');
  openssl(['pkcs12', '-export', '-nokeys', '-in', ca.cert, '-out', caP12, '-passout', `pass:${password}`], dir);
  const issue = (name: string, o?: IssueOptions): Issued => issueCert(dir, password, ca, name, o);
  const server = issue('localhost', { file: 'server', ou: 'brokers', san: SERVER_SAN });
  const clients: Record<string, Issued> = {};
  for (const c of opts.clients ?? ['alice']) clients[c] = issue(c);
  return {
    dir,
    password,
    ca: ca.cert,
    caKey: ca.key,
    caP12,
    server,
    clients,
    issue,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Broker settings for a TLS listener with a PEM keystore and truststore from `certs`, keys prefixed by `prefix` (e.g. 'listener.name.ssl.'). */
export function pemBrokerSettings(certs: Certs, prefix = ''): Record<string, string> {
  return {
    [`${prefix}ssl.keystore.type`]: 'PEM',
    [`${prefix}ssl.keystore.location`]: certs.server.pemStore,
    [`${prefix}ssl.truststore.type`]: 'PEM',
    [`${prefix}ssl.truststore.location`]: certs.ca,
  };
}

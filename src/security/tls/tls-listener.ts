/**
 * The TLS side of an SSL or SASL_SSL listener: a tls.Server with the listener's keystore,
 * truststore, protocols and suites, that
 *  - hands each connection on once its handshake is done, with the client certificate's
 *    principal name (ssl.principal.mapping.rules over its RFC 2253 subject) on SSL listeners;
 *  - refuses a client certificate that does not verify (also with ssl.client.auth=requested) or
 *    that no mapping rule applies to, closing the connection with a log line;
 *  - logs and closes a failed handshake (plaintext Kafka bytes on the TLS port, an untrusted
 *    client, no common protocol) without affecting anything else;
 *  - picks up a renewed certificate without a restart: when a keystore or truststore file changes
 *    (checked every `reloadIntervalMs`) or the listener's ssl.* settings change (a dynamic
 *    listener.name.<l>.ssl.keystore.* update), the stores are read again and the server's secure
 *    context replaced; established connections keep theirs. As Kafka does for a dynamic keystore
 *    update, the new certificate must have the same subject and subject alternative names; a
 *    store that cannot be read (say, half written) leaves the current context in place.
 */
import { statSync } from 'node:fs';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { ConfigError } from '../../config/config.js';
import type { Logger } from '../../util/logger.js';
import { NoMatchingRule } from './principal-mapper.js';
import { rfc2253Subject } from './subject.js';
import { buildListenerTls, listenerSetting, type ListenerTls } from './tls-settings.js';

export interface TlsListenerOptions {
  listenerName: string;
  securityProtocol: 'SSL' | 'SASL_SSL';
  /** Reads a broker key (dynamic layers included), e.g. BrokerConfig#get. */
  get: (key: string) => string | undefined;
  /** How often files and settings are checked for a renewed certificate; 0 never. */
  reloadIntervalMs: number;
  log: Logger;
}

/** Every ssl.* key a listener's TLS reads: a change to one of them (for the listener) rebuilds it. */
export const LISTENER_SSL_KEYS = [
  'ssl.keystore.type',
  'ssl.keystore.location',
  'ssl.keystore.password',
  'ssl.keystore.key',
  'ssl.keystore.certificate.chain',
  'ssl.key.password',
  'ssl.truststore.type',
  'ssl.truststore.location',
  'ssl.truststore.password',
  'ssl.truststore.certificates',
  'ssl.enabled.protocols',
  'ssl.cipher.suites',
  'ssl.principal.mapping.rules',
] as const;

/** A verified connection: its socket and, on SSL with a client certificate, the principal's name. */
export type OnSecureConnection = (socket: TLSSocket, principal: string | undefined) => void;

export class TlsListener {
  private current: ListenerTls;
  private signature: string;
  private timer: NodeJS.Timeout | undefined;
  private server: Server | undefined;

  /** Builds the listener's TLS at once: a ConfigError stops the broker's start-up. */
  constructor(private readonly opts: TlsListenerOptions) {
    this.current = buildListenerTls(opts.get, opts.listenerName, opts.securityProtocol);
    this.signature = this.sign(this.current.files);
  }

  get clientAuth(): ListenerTls['clientAuth'] {
    return this.current.clientAuth;
  }

  createServer(onConnection: OnSecureConnection): Server {
    const auth = this.current.clientAuth;
    const server = createServer({
      ...this.current.secureContext,
      requestCert: auth !== 'none',
      // 'requested': a client without a certificate is let in as ANONYMOUS; one whose certificate
      // does not verify is refused below.
      rejectUnauthorized: auth === 'required',
    });
    server.on('secureConnection', (socket: TLSSocket) => this.accept(socket, onConnection));
    server.on('tlsClientError', (err: Error & { code?: string }, socket: TLSSocket) => {
      this.opts.log.info({ listener: this.opts.listenerName, remote: socket.remoteAddress, code: err.code, err: err.message }, 'TLS handshake failed; connection closed');
      socket.destroy();
    });
    this.server = server;
    if (this.opts.reloadIntervalMs > 0) {
      this.timer = setInterval(() => this.check(), this.opts.reloadIntervalMs);
      this.timer.unref();
    }
    return server;
  }

  private accept(socket: TLSSocket, onConnection: OnSecureConnection): void {
    socket.on('error', () => undefined); // errors after this point are the connection's to report
    if (this.opts.securityProtocol !== 'SSL' || this.current.clientAuth === 'none') return onConnection(socket, undefined);
    const cert = socket.getPeerX509Certificate();
    if (cert === undefined) return onConnection(socket, undefined);
    if (!socket.authorized) {
      this.opts.log.info({ listener: this.opts.listenerName, remote: socket.remoteAddress, err: String(socket.authorizationError) }, 'client certificate not trusted; connection closed');
      socket.destroy();
      return;
    }
    const dn = rfc2253Subject(cert);
    let principal: string;
    try {
      principal = this.current.mapper.getName(dn);
    } catch (err) {
      const why = err instanceof NoMatchingRule ? 'no ssl.principal.mapping.rules rule applies to the client certificate' : `client principal: ${(err as Error).message}`;
      this.opts.log.info({ listener: this.opts.listenerName, remote: socket.remoteAddress, subject: dn }, `${why}; connection closed`);
      socket.destroy();
      return;
    }
    onConnection(socket, principal);
  }

  /** The settings and store files as they are now; a change means the context must be rebuilt. */
  private sign(files: readonly string[]): string {
    const setting = listenerSetting(this.opts.get, this.opts.listenerName);
    const values = LISTENER_SSL_KEYS.map((k) => setting(k) ?? null);
    const stats = files.map((f) => {
      try {
        const s = statSync(f);
        return [s.ino, s.size, s.mtimeMs];
      } catch {
        return null;
      }
    });
    return JSON.stringify([values, stats]);
  }

  /**
   * Re-reads the stores when a file or a setting changed, and installs them. Returns whether the
   * context was replaced. Also what a dynamic config change calls to apply at once.
   */
  check(): boolean {
    const sig = this.sign(this.current.files);
    if (sig === this.signature) return false;
    let next: ListenerTls;
    try {
      next = buildListenerTls(this.opts.get, this.opts.listenerName, this.opts.securityProtocol);
      const why = incompatible(this.current, next);
      if (why) throw new Error(why);
    } catch (err) {
      // Not retried until something changes again: a half-written file changes again when complete.
      this.signature = sig;
      this.opts.log.error({ listener: this.opts.listenerName, err: (err as Error).message }, 'renewed TLS keystore or truststore not applied; the current one stays in use');
      return false;
    }
    this.current = next;
    this.signature = this.sign(next.files);
    this.server?.setSecureContext(next.secureContext);
    this.opts.log.info({ listener: this.opts.listenerName, subject: next.leaf?.subject.replace(/\n/g, ', '), validTo: next.leaf?.validTo }, 'TLS keystore/truststore reloaded');
    return true;
  }

  /** Refuses (ConfigError) a configuration whose stores for this listener cannot be read or name another subject. */
  validate(next: (key: string) => string | undefined): void {
    const why = incompatible(this.current, buildListenerTls(next, this.opts.listenerName, this.opts.securityProtocol));
    if (why) throw new ConfigError(why);
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * Why a renewed keystore may not replace the current one: Kafka's dynamic keystore update
 * requires the same subject and subject alternative names (SslFactory's CertificateEntries), so
 * clients verifying the broker's name keep working.
 */
export function incompatible(current: Pick<ListenerTls, 'leaf'>, next: Pick<ListenerTls, 'leaf'>): string | undefined {
  if (!current.leaf || !next.leaf) return undefined;
  if (current.leaf.subject !== next.leaf.subject || (current.leaf.subjectAltName ?? '') !== (next.leaf.subjectAltName ?? ''))
    return `Keystore DistinguishedName or SubjectAltNames do not match: the current certificate is for ${rfc2253Subject(current.leaf)} [${current.leaf.subjectAltName ?? ''}], the new one for ${rfc2253Subject(next.leaf)} [${next.leaf.subjectAltName ?? ''}]`;
  return undefined;
}

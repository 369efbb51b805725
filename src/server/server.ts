import { createServer, type Server, type Socket } from 'node:net';
import { Connection, type ConnectionOptions } from './connection.js';
import { usesSasl, usesTls, type ListenerSpec } from '../security/listener-spec.js';
import { SaslListener } from '../security/sasl/listener-sasl.js';
import type { BrokerServices } from '../handlers/types.js';
import type { Logger } from '../util/logger.js';
import { normalizeIp } from '../quotas/quota-entity.js';
import { TlsListener } from '../security/tls/tls-listener.js';

/**
 * The one place a listener's socket server is made: plain TCP for PLAINTEXT and SASL_PLAINTEXT;
 * SSL and SASL_SSL are served over TLS (src/security/tls/), a socket handed on once its handshake
 * is done, with the client certificate's principal name on SSL. A TLS listener whose ssl.*
 * settings are wrong throws a ConfigError; it follows dynamic changes of its keystore keys.
 */
export function socketServerFor(spec: ListenerSpec, onSocket: (socket: Socket, principal?: string) => void, broker: Pick<BrokerServices, 'config' | 'dynamicConfigs'>, log: Logger): Server {
  if (!usesTls(spec.securityProtocol)) return createServer((socket) => onSocket(socket));
  const tls = new TlsListener({
    listenerName: spec.name,
    securityProtocol: spec.securityProtocol as 'SSL' | 'SASL_SSL',
    get: (key) => broker.config.get(key),
    reloadIntervalMs: broker.config.num('runnel.ssl.reload.check.interval.ms'),
    log,
  });
  const server = tls.createServer(onSocket);
  const unwatch = broker.dynamicConfigs.watchBroker({ validate: (next) => tls.validate(next), applied: () => void tls.check() });
  server.once('close', () => {
    unwatch();
    tls.close();
  });
  return server;
}

/** One listener: its socket server and the set of live connections. */
export class KafkaServer {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private nextId = 1;
  /** Connections refused by connection_creation_rate, waiting out their throttle time. */
  private readonly held = new Set<Socket>();

  constructor(
    readonly spec: ListenerSpec,
    private readonly broker: BrokerServices,
    private opts: ConnectionOptions,
    private readonly log: Logger,
  ) {
    // SASL listeners authenticate every connection first; a bad SASL configuration fails here, at start-up.
    if (usesSasl(spec.securityProtocol)) this.opts = { ...opts, sasl: new SaslListener(spec.name, broker.config, broker, log) };
    this.server = socketServerFor(spec, (socket, principal) => this.accept(socket, principal), broker, log);
    this.server.on('error', (err) => log.error({ err, listener: spec.name }, 'listener error'));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host: host || undefined, port }, () => {
        this.server.off('error', onError);
        const addr = this.server.address();
        if (addr === null || typeof addr === 'string') return reject(new Error('listener has no TCP address'));
        resolve({ host: addr.address, port: addr.port });
      });
    });
  }

  /** A new connection; `principal` is the name of an SSL client's certificate (undefined: ANONYMOUS until SASL, if any). */
  private accept(socket: Socket, principal?: string): void {
    // connection_creation_rate: as Kafka does, a connection over its IP's rate is held (not read)
    // for the throttle time and then closed, so the client cannot retry at once.
    const throttleMs = this.broker.quotas.connections.recordAndGetThrottleMs(normalizeIp(socket.remoteAddress), Date.now());
    if (throttleMs > 0) {
      this.log.debug({ remote: socket.remoteAddress, throttleMs }, 'connection creation rate exceeded; closing the connection after the throttle time');
      socket.pause();
      socket.on('error', () => undefined);
      const timer = setTimeout(() => socket.destroy(), throttleMs);
      this.held.add(socket);
      socket.once('close', () => {
        clearTimeout(timer);
        this.held.delete(socket);
      });
      return;
    }
    const conn = new Connection(socket, this.nextId++, this.spec, this.broker, this.opts, this.log, (c) => {
      this.connections.delete(c);
      this.broker.metrics.connectionClosed();
    });
    if (principal !== undefined) {
      conn.client.principal = principal;
      this.log.debug({ conn: conn.client.connectionId, listener: this.spec.name, remote: conn.client.remoteAddress, principal }, 'client authenticated by its certificate');
    }
    this.connections.add(conn);
    this.broker.metrics.connectionOpened();
  }

  /**
   * Graceful close: stop accepting, stop reading new requests, let in-flight ones answer (up to
   * timeoutMs), then close every connection.
   */
  async close(timeoutMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.held) s.destroy();
    for (const c of this.connections) c.stopReading();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.all([...this.connections].map((c) => c.idle())), timeout]);
    clearTimeout(timer);
    for (const c of this.connections) c.end();
    // Half-closed clients that never close their side must not keep us waiting.
    const forced = setTimeout(() => {
      for (const c of this.connections) c.destroy('shutdown');
    }, 1000);
    await closed;
    clearTimeout(forced);
    this.opts.sasl?.close();
  }
}

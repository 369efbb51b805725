/**
 * The broker's registration: P/brokers/<id> under a lease whose TTL is broker.session.timeout.ms,
 * renewed every broker.heartbeat.interval.ms (Kafka's ephemeral broker znode and its ZooKeeper
 * session). When no renewal has succeeded for the session timeout the broker counts itself
 * unregistered (fenced: it must not lead) and, once etcd answers again, registers anew under a new
 * lease; a lease etcd reports gone has the same effect at once.
 */
import { randomBytes } from 'node:crypto';
import { EtcdLeaseInvalidError, type Etcd3, type Lease } from 'etcd3';
import type { Logger } from '../../util/logger.js';
import type { BrokerImage } from '../metadata-image.js';
import { within } from './client.js';
import type { KeyLayout, StoredBroker } from './keys.js';

/** Another live broker holds this node id. */
export class NodeIdInUseError extends Error {}

export class BrokerSession {
  private lease: Lease | undefined;
  private leaseId = '';
  private incarnation = '';
  private lastRenewed = 0;
  private timer: NodeJS.Timeout | undefined;
  private renewing = false;
  private closed = false;
  private isRegistered = false;
  private readonly listeners = new Set<(registered: boolean) => void>();

  constructor(
    private readonly client: Etcd3,
    private readonly keys: KeyLayout,
    private broker: BrokerImage,
    private readonly sessionTimeoutMs: number,
    private readonly heartbeatMs: number,
    private readonly log: Logger,
  ) {}

  get registered(): boolean {
    return this.isRegistered;
  }

  /** The lease the registration lives under (the controller key and shutdown requests use it too). */
  get currentLease(): Lease | undefined {
    return this.isRegistered ? this.lease : undefined;
  }

  get currentLeaseId(): string {
    return this.isRegistered ? this.leaseId : '';
  }

  onRegistration(fn: (registered: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The registration's contents, before start() (a broker learns its bound port late). */
  setBroker(broker: BrokerImage): void {
    if (broker.id !== this.broker.id) throw new Error(`broker id ${broker.id} is not this session's (${this.broker.id})`);
    this.broker = broker;
  }

  /** First registration: a node id held by a live broker beyond one session timeout is an error. */
  async start(): Promise<void> {
    // A broker restarted right after a crash finds its previous incarnation's key, which goes when
    // that lease expires: wait that long (as a KRaft broker retries its registration) before
    // calling the id taken. The lease may have just been renewed, etcd rounds its TTL up to whole
    // seconds (at least its minimum TTL, about 2 s) and checks expiries every 500 ms.
    const deadline = Date.now() + 2 * Math.max(this.sessionTimeoutMs, 2000) + 1000;
    for (;;) {
      try {
        await this.register();
        break;
      } catch (e) {
        if (!(e instanceof NodeIdInUseError) || Date.now() >= deadline || this.closed) throw e;
        this.log.info({ brokerId: this.broker.id }, 'broker id still registered by a previous incarnation; waiting for its lease to expire');
        await new Promise((r) => setTimeout(r, Math.min(500, this.heartbeatMs)));
      }
    }
    this.timer = setInterval(() => void this.tick(), this.heartbeatMs);
    this.timer.unref();
  }

  private setRegistered(v: boolean): void {
    if (this.isRegistered === v) return;
    this.isRegistered = v;
    for (const fn of this.listeners) fn(v);
  }

  private async register(): Promise<void> {
    const ttl = Math.max(1, Math.ceil(this.sessionTimeoutMs / 1000));
    const lease = this.client.lease(ttl, { autoKeepAlive: false, ...within(this.sessionTimeoutMs) });
    lease.on('lost', () => undefined); // losses are seen through keepaliveOnce's result
    const sent = Date.now();
    let id: string;
    try {
      id = await lease.grant();
    } catch (e) {
      lease.release();
      throw e;
    }
    const incarnation = randomBytes(8).toString('hex');
    const value: StoredBroker = { id: this.broker.id, endpoints: [...this.broker.endpoints], rack: this.broker.rack, incarnation };
    const key = this.keys.broker(this.broker.id);
    const res = await this.client
      .if(key, 'Create', '==', 0)
      .then(this.client.put(key).value(JSON.stringify(value)).lease(id))
      .else(this.client.get(key))
      .options(within(this.sessionTimeoutMs))
      .commit();
    if (!res.succeeded) {
      await lease.revoke(within(this.sessionTimeoutMs)).catch(() => undefined);
      const held = res.responses[0]?.response_range?.kvs[0];
      // Our own earlier lease (given up after etcd was away too long) may still hold the key.
      if (held && held.lease === this.leaseId && this.leaseId !== '') {
        await this.client.leaseClient.leaseRevoke({ ID: held.lease }, within(this.sessionTimeoutMs)).catch(() => undefined);
        this.leaseId = '';
        return this.register();
      }
      throw new NodeIdInUseError(
        `broker id ${this.broker.id} is already registered in etcd (${key}, lease ${held?.lease ?? '?'}) by a live broker; ` +
          `if that broker has just stopped, its registration goes within broker.session.timeout.ms`,
      );
    }
    this.lease?.release();
    this.lease = lease;
    this.leaseId = id;
    this.incarnation = incarnation;
    this.lastRenewed = sent;
    this.log.info({ brokerId: this.broker.id, lease: id, ttlSeconds: ttl }, 'registered in etcd');
    this.setRegistered(true);
  }

  private async tick(): Promise<void> {
    if (this.renewing || this.closed) return;
    this.renewing = true;
    try {
      if (this.isRegistered && this.lease) await this.renew(this.lease);
      else await this.reregister();
    } finally {
      this.renewing = false;
    }
  }

  private async renew(lease: Lease): Promise<void> {
    const sent = Date.now();
    try {
      await lease.keepaliveOnce(within(Math.max(this.heartbeatMs, 500)));
      this.lastRenewed = sent;
    } catch (e) {
      if (e instanceof EtcdLeaseInvalidError) {
        this.log.warn({ brokerId: this.broker.id, lease: this.leaseId }, 'etcd lease expired: unregistered');
        this.setRegistered(false);
        return;
      }
      if (Date.now() - this.lastRenewed >= this.sessionTimeoutMs) {
        this.log.warn({ brokerId: this.broker.id, err: (e as Error).message }, 'etcd lease not renewed for the session timeout: unregistered');
        this.setRegistered(false);
      }
    }
  }

  private async reregister(): Promise<void> {
    try {
      await this.register();
    } catch (e) {
      this.log.warn({ brokerId: this.broker.id, err: (e as Error).message }, 'etcd registration failed; retrying');
    }
  }

  /** New endpoints or rack for this broker (once its listener is bound): re-written under the same lease. */
  async update(broker: BrokerImage): Promise<number | undefined> {
    if (broker.id !== this.broker.id) throw new Error(`broker ${this.broker.id} cannot register as ${broker.id}`);
    this.broker = broker;
    const lease = this.currentLeaseId;
    if (lease === '') return undefined; // the next registration writes it
    const key = this.keys.broker(broker.id);
    const value: StoredBroker = { id: broker.id, endpoints: [...broker.endpoints], rack: broker.rack, incarnation: this.incarnation };
    const res = await this.client.if(key, 'Lease', '==', lease).then(this.client.put(key).value(JSON.stringify(value)).lease(lease)).options(within(this.sessionTimeoutMs)).commit();
    if (res.succeeded) return Number(res.header.revision);
    this.log.warn({ brokerId: broker.id }, 'etcd registration changed under this broker; it registers again at the next heartbeat');
    return undefined;
  }

  /** Revokes the lease: the registration (and the controller key, if held) goes at once. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.setRegistered(false);
    await this.lease?.revoke(within(2000)).catch(() => undefined);
  }

  /** Stops renewing without revoking (a crash, for tests): the registration lives until the TTL ends. */
  abandon(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.lease?.release();
    this.setRegistered(false);
  }
}

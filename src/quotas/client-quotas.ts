/**
 * Quota enforcement, as Kafka's ClientQuotaManager (per quota type) and ConnectionQuotas (per IP)
 * do it, over the entries of a QuotaStore.
 *
 * The quota for a request is the first entity, in Kafka's order of precedence, that sets the type's
 * key for the request's user (principal; ANONYMOUS without authentication) and client id:
 *   users/<user>/clients/<client-id>, users/<user>/clients/<default>, users/<user>,
 *   users/<default>/clients/<client-id>, users/<default>/clients/<default>, users/<default>,
 *   clients/<client-id>, clients/<default>.
 * Usage is measured per matched level the way Kafka tags its sensors: a user+client level per
 * (user, client id), a user level per user (all its clients share it), a client level per client
 * id (all users share it). A default entity applies to each user / client id on its own.
 *
 * The common case costs one boolean test: a type without any entity setting its key is disabled.
 * Resolutions are cached per (user, client id) until the store changes.
 */
import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { ANONYMOUS, CLIENT_ID, IP, normalizeIp, USER } from './quota-entity.js';
import { CONNECTION_CREATION_RATE, CONSUMER_BYTE_RATE, PRODUCER_BYTE_RATE, REQUEST_PERCENTAGE } from './quota-keys.js';
import { SampledRate, type RateWindows } from './rate.js';
import type { QuotaStore } from './quota-store.js';

/** Idle sensors are dropped after this long, as Kafka expires quota sensors after an hour of inactivity. */
const SENSOR_IDLE_MS = 3_600_000;
const SWEEP_EVERY_MS = 60_000;

interface Resolved {
  /** Which usage counts against the bound (see the header). */
  tag: string;
  bound: number;
}

const key = (pairs: Array<[string, string | null]>): string => JSON.stringify(pairs);

/** The entity keys to look at for (user, clientId), in precedence order, with the sensor tag each level uses. */
function candidates(user: string, clientId: string): Array<{ entity: string; tag: string }> {
  const both = `${user}\u0000${clientId}`;
  const userOnly = `${user}\u0000`;
  const clientOnly = `\u0000${clientId}`;
  return [
    { entity: key([[USER, user], [CLIENT_ID, clientId]]), tag: both },
    { entity: key([[USER, user], [CLIENT_ID, null]]), tag: both },
    { entity: key([[USER, user]]), tag: userOnly },
    { entity: key([[USER, null], [CLIENT_ID, clientId]]), tag: both },
    { entity: key([[USER, null], [CLIENT_ID, null]]), tag: both },
    { entity: key([[USER, null]]), tag: userOnly },
    { entity: key([[CLIENT_ID, clientId]]), tag: clientOnly },
    { entity: key([[CLIENT_ID, null]]), tag: clientOnly },
  ];
}

class Sensors {
  private readonly rates = new Map<string, SampledRate>();
  private lastSweep = 0;

  constructor(private readonly windows: RateWindows) {}

  get(tag: string, nowMs: number): SampledRate {
    if (nowMs - this.lastSweep > SWEEP_EVERY_MS) {
      this.lastSweep = nowMs;
      for (const [t, r] of this.rates) if (nowMs - r.lastRecordMs > SENSOR_IDLE_MS) this.rates.delete(t);
    }
    let r = this.rates.get(tag);
    if (!r) this.rates.set(tag, (r = new SampledRate(this.windows)));
    return r;
  }

  clear(): void {
    this.rates.clear();
  }
}

/** One quota type (a key such as producer_byte_rate) for users and client ids. */
export class QuotaManager {
  /** False while no entity sets this key: then nothing is recorded or looked up. */
  enabled = false;
  private readonly cache = new Map<string, Resolved | null>();
  private readonly sensors: Sensors;

  constructor(
    readonly quotaKey: string,
    private readonly store: QuotaStore,
    private readonly windows: RateWindows,
    /** A bound on one throttle (Kafka bounds request_percentage's to one quota window, not the byte rates'). */
    private readonly maxThrottleMs = Infinity,
  ) {
    this.sensors = new Sensors(windows);
  }

  /** Called when the store changed. */
  refresh(): void {
    this.cache.clear();
    let enabled = false;
    for (const e of this.store.snapshot().values()) if (this.quotaKey in e.values && !e.entity.has(IP)) enabled = true;
    if (!enabled) this.sensors.clear();
    this.enabled = enabled;
  }

  /** The bound for (user, clientId) and the usage it applies to, or null without a quota. */
  resolve(user: string, clientId: string): Resolved | null {
    const ck = `${user}\u0000${clientId}`;
    const hit = this.cache.get(ck);
    if (hit !== undefined) return hit;
    const entries = this.store.snapshot();
    let found: Resolved | null = null;
    for (const c of candidates(user, clientId)) {
      const v = entries.get(c.entity)?.values[this.quotaKey];
      if (v !== undefined) {
        found = { tag: c.tag, bound: v };
        break;
      }
    }
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(ck, found);
    return found;
  }

  /** Records `value` and answers how long (ms) to throttle the client, 0 within its quota. */
  recordAndGetThrottleMs(user: string, clientId: string, value: number, nowMs: number): number {
    if (!this.enabled) return 0;
    const q = this.resolve(user, clientId);
    if (!q) return 0;
    const rate = this.sensors.get(q.tag, nowMs);
    rate.record(value, nowMs);
    return Math.min(rate.throttleMs(q.bound, nowMs), this.maxThrottleMs);
  }

  /** Takes back a recorded value (a throttled Fetch returns no data, so its bytes do not count). */
  unrecord(user: string, clientId: string, value: number, nowMs: number): void {
    if (!this.enabled) return;
    const q = this.resolve(user, clientId);
    if (q) this.sensors.get(q.tag, nowMs).record(-value, nowMs);
  }

  /** The most a client may use in one quota window (Kafka caps a Fetch's size with it); Infinity without a quota. */
  maxValueInQuotaWindow(user: string, clientId: string): number {
    if (!this.enabled) return Infinity;
    const q = this.resolve(user, clientId);
    return q ? q.bound * (this.windows.samples - 1) * (this.windows.windowMs / 1000) : Infinity;
  }
}

/**
 * connection_creation_rate per client IP: ips/<ip>, else ips/<default>. An ip entity named by a
 * host name applies to the addresses it resolves to (Kafka resolves it too), once the lookup is done.
 */
export class ConnectionQuotas {
  enabled = false;
  private byIp = new Map<string, number>();
  private defaultBound: number | undefined;
  private generation = 0;
  private readonly sensors: Sensors;

  constructor(
    private readonly store: QuotaStore,
    windows: RateWindows,
  ) {
    this.sensors = new Sensors(windows);
  }

  refresh(): void {
    const generation = ++this.generation;
    const byIp = new Map<string, number>();
    const hosts: Array<[string, number]> = [];
    let defaultBound: number | undefined;
    for (const e of this.store.snapshot().values()) {
      const bound = e.values[CONNECTION_CREATION_RATE];
      if (bound === undefined || !e.entity.has(IP)) continue;
      const name = e.entity.get(IP) ?? null;
      if (name === null) defaultBound = bound;
      else if (isIP(name)) byIp.set(normalizeIp(name), bound);
      else hosts.push([name, bound]);
    }
    this.byIp = byIp;
    this.defaultBound = defaultBound;
    this.enabled = byIp.size > 0 || hosts.length > 0 || defaultBound !== undefined;
    if (!this.enabled) this.sensors.clear();
    for (const [host, bound] of hosts) {
      lookup(host, { all: true }).then(
        (addrs) => {
          if (generation !== this.generation) return;
          for (const a of addrs) if (!this.byIp.has(normalizeIp(a.address))) this.byIp.set(normalizeIp(a.address), bound);
        },
        () => undefined,
      );
    }
  }

  /**
   * Counts a new connection from `ip`; 0 to accept it, else how long (ms) to hold it before closing
   * it. A refused connection is not counted, as in Kafka.
   */
  recordAndGetThrottleMs(ip: string, nowMs: number): number {
    if (!this.enabled) return 0;
    const bound = this.byIp.get(ip) ?? this.defaultBound;
    if (bound === undefined) return 0;
    const rate = this.sensors.get(ip, nowMs);
    rate.record(1, nowMs);
    const ms = rate.throttleMs(bound, nowMs);
    if (ms > 0) rate.record(-1, nowMs);
    return ms;
  }
}

/** The broker's quota managers, kept in step with the store. */
export class ClientQuotas {
  readonly produce: QuotaManager;
  readonly fetch: QuotaManager;
  readonly request: QuotaManager;
  readonly connections: ConnectionQuotas;

  constructor(
    readonly store: QuotaStore,
    windows: RateWindows,
  ) {
    this.produce = new QuotaManager(PRODUCER_BYTE_RATE, store, windows);
    this.fetch = new QuotaManager(CONSUMER_BYTE_RATE, store, windows);
    this.request = new QuotaManager(REQUEST_PERCENTAGE, store, windows, windows.windowMs);
    this.connections = new ConnectionQuotas(store, windows);
    const refresh = (): void => {
      this.produce.refresh();
      this.fetch.refresh();
      this.request.refresh();
      this.connections.refresh();
    };
    store.onChange(refresh);
    refresh();
  }
}

/** The user quotas see for a connection: its principal once authentication exists (issue 15), else ANONYMOUS. */
export function quotaUser(client: { principal?: string }): string {
  return client.principal ?? ANONYMOUS;
}

/**
 * Client quotas in a cluster: one etcd key per entity under <prefix>/quotas/, named like Kafka's old
 * ZooKeeper paths (users/<user>/clients/<client-id>, users/<user>, clients/<client-id>, ips/<ip>;
 * names URL-encoded, "<default>" for the default entity), each holding the entity and its values as
 * JSON. Every broker keeps a snapshot of that prefix and a watch on it, so that an alteration made
 * through any broker applies on all of them; an alteration is one etcd transaction guarded by the
 * revisions of the keys it read (retried on a conflict), and returns once this broker has seen it.
 */
import type { Etcd3, IKeyValue, IWatchResponse, Watcher } from 'etcd3';
import { etcdClient, within } from '../cluster/etcd/client.js';
import type { Logger } from '../util/logger.js';
import { CLIENT_ID, entityKey, entityPairs, IP, USER, type QuotaEntity, type QuotaEntry } from './quota-entity.js';
import { applyChanges, parseEntry, storedEntry, type QuotaChange, type QuotaStore } from './quota-store.js';

const DEFAULT_NAME = '<default>';
const SEGMENT: Record<string, string> = { [USER]: 'users', [CLIENT_ID]: 'clients', [IP]: 'ips' };
const MAX_ATTEMPTS = 20;

/** The etcd key of an entity under `root` (the cluster prefix without a trailing '/'). */
export function quotaKey(root: string, entity: QuotaEntity): string {
  const path = entityPairs(entity)
    .map(([type, name]) => `${SEGMENT[type] ?? encodeURIComponent(type)}/${name === null ? DEFAULT_NAME : encodeURIComponent(name)}`)
    .join('/');
  return `${root}/quotas/${path}`;
}

export class EtcdQuotaStore implements QuotaStore {
  private entries: ReadonlyMap<string, QuotaEntry> = new Map();
  /** etcd key → entity key, for deletions (a deleted key carries no value). */
  private readonly byEtcdKey = new Map<string, string>();
  private readonly listeners: Array<() => void> = [];
  private revision = 0;
  private waiters: Array<{ revision: number; resolve: () => void }> = [];
  private watcher: Watcher | undefined;
  private closed = false;
  private readonly root: string;

  private constructor(
    private readonly client: Etcd3,
    prefix: string,
    private readonly timeoutMs: number,
    private readonly log: Logger,
    private readonly ownsClient: boolean,
  ) {
    this.root = prefix.replace(/\/+$/, '');
  }

  static async open(opts: { endpoints: string | readonly string[] | Etcd3; prefix: string; timeoutMs?: number; log: Logger }): Promise<EtcdQuotaStore> {
    const own = typeof opts.endpoints === 'string' || Array.isArray(opts.endpoints);
    const client = own ? etcdClient(opts.endpoints as string | readonly string[]) : (opts.endpoints as Etcd3);
    const s = new EtcdQuotaStore(client, opts.prefix, opts.timeoutMs ?? 5000, opts.log, own);
    try {
      await s.load();
    } catch (err) {
      if (own) client.close();
      throw err;
    }
    return s;
  }

  private get dir(): string {
    return `${this.root}/quotas/`;
  }

  private async load(): Promise<void> {
    await this.watcher?.cancel().catch(() => undefined);
    this.watcher = undefined;
    const res = await this.client.getAll().prefix(this.dir).options(within(this.timeoutMs)).exec();
    const entries = new Map<string, QuotaEntry>();
    this.byEtcdKey.clear();
    for (const kv of res.kvs) this.put(entries, kv);
    this.revision = Number(res.header.revision);
    this.publish(entries);
    const watcher = await this.client.watch().prefix(this.dir).startRevision(String(this.revision + 1)).create();
    watcher.on('data', (r) => this.onWatch(r));
    watcher.on('error', (err) => {
      this.log.warn({ err: err.message }, 'etcd quota watch failed; reloading the client quotas');
      if (!this.closed) void this.reload();
    });
    this.watcher = watcher;
  }

  private async reload(): Promise<void> {
    for (let delay = 200; !this.closed; delay = Math.min(delay * 2, 2000)) {
      try {
        return await this.load();
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'etcd: reloading the client quotas failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private put(entries: Map<string, QuotaEntry>, kv: IKeyValue): void {
    const key = kv.key.toString();
    let parsed: QuotaEntry | undefined;
    try {
      parsed = parseEntry(JSON.parse(kv.value.toString()));
    } catch {
      parsed = undefined;
    }
    const old = this.byEtcdKey.get(key);
    if (old !== undefined) entries.delete(old);
    if (!parsed) {
      this.byEtcdKey.delete(key);
      this.log.warn({ key }, 'ignoring a client quota key it does not understand');
      return;
    }
    const ek = entityKey(parsed.entity);
    this.byEtcdKey.set(key, ek);
    entries.set(ek, parsed);
  }

  private onWatch(res: IWatchResponse): void {
    if (res.events.length === 0) return;
    const entries = new Map(this.entries);
    for (const ev of res.events) {
      const key = ev.kv.key.toString();
      if (ev.type === 'Put') this.put(entries, ev.kv);
      else {
        const ek = this.byEtcdKey.get(key);
        if (ek !== undefined) entries.delete(ek);
        this.byEtcdKey.delete(key);
      }
      this.revision = Math.max(this.revision, Number(ev.kv.mod_revision));
    }
    this.revision = Math.max(this.revision, Number(res.header.revision));
    this.publish(entries);
  }

  private publish(entries: ReadonlyMap<string, QuotaEntry>): void {
    this.entries = entries;
    for (const fn of this.listeners) {
      try {
        fn();
      } catch (e) {
        this.log.error({ err: e }, 'client quota listener failed');
      }
    }
    const ready = this.waiters.filter((w) => w.revision <= this.revision);
    this.waiters = this.waiters.filter((w) => w.revision > this.revision);
    for (const w of ready) w.resolve();
  }

  snapshot(): ReadonlyMap<string, QuotaEntry> {
    return this.entries;
  }

  async apply(changes: readonly QuotaChange[]): Promise<void> {
    const keys = [...new Set(changes.map((c) => quotaKey(this.root, c.entity)))];
    for (let attempt = 1; ; attempt++) {
      // Read what is there now (this broker's copy may lag), then write guarded by those revisions.
      const current = new Map<string, QuotaEntry>();
      const revisions = new Map<string, string>();
      for (const k of keys) {
        const res = await this.client.get(k).options(within(this.timeoutMs)).exec();
        const kv = res.kvs[0];
        revisions.set(k, kv ? kv.mod_revision : '0');
        const e = kv ? parseEntry(JSON.parse(kv.value.toString())) : undefined;
        if (e) current.set(entityKey(e.entity), e);
      }
      const next = applyChanges(current, changes);
      let txn = this.client.if(keys[0], 'Mod', '==', Number(revisions.get(keys[0])));
      for (const k of keys.slice(1)) txn = txn.and(k, 'Mod', '==', Number(revisions.get(k)));
      const ops = changes.map((c) => {
        const e = next.get(entityKey(c.entity));
        const k = quotaKey(this.root, c.entity);
        return e ? this.client.put(k).value(JSON.stringify(storedEntry(e))) : this.client.delete().key(k);
      });
      const res = await txn.then(...ops).options(within(this.timeoutMs)).commit();
      if (res.succeeded) {
        await this.caughtUp(Number(res.header.revision));
        return;
      }
      if (attempt >= MAX_ATTEMPTS) throw new Error('client quotas changed concurrently too often; giving up');
    }
  }

  /** Resolves once the watch has delivered revision `revision` (bounded: a stalled watch must not hang the request). */
  private caughtUp(revision: number): Promise<void> {
    if (this.revision >= revision) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.timeoutMs);
      this.waiters.push({
        revision,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.watcher?.cancel().catch(() => undefined);
    for (const w of this.waiters.splice(0)) w.resolve();
    if (this.ownsClient) this.client.close();
  }
}

/**
 * Client quotas in a cluster: one etcd key per entity under <prefix>/quotas/, named like Kafka's old
 * ZooKeeper paths (users/<user>/clients/<client-id>, users/<user>, clients/<client-id>, ips/<ip>;
 * names URL-encoded, "<default>" for the default entity), each holding the entity and its values as
 * JSON. The store reads them from the broker's control state (EtcdControl: its one connection and
 * its watch on the whole prefix), so an alteration made through any broker, or while this one was
 * down, applies on all of them. An alteration is one etcd transaction over the keys it touches,
 * guarded by their revisions (guarded-write.ts, retried on a conflict), and returns once this
 * broker's state has it.
 */
import { guardedWrite } from '../cluster/etcd/guarded-write.js';
import type { EtcdControl } from '../cluster/etcd/etcd-control.js';
import type { Logger } from '../util/logger.js';
import { PrefixWatch } from '../cluster/etcd/prefix-watch.js';
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

/** A stored value as an entry, or undefined when it is not one this broker understands. */
function parseStored(text: string): QuotaEntry | undefined {
  try {
    return parseEntry(JSON.parse(text));
  } catch {
    return undefined;
  }
}

export class EtcdQuotaStore implements QuotaStore {
  private entries: ReadonlyMap<string, QuotaEntry> = new Map();
  private readonly root: string;
  private readonly watch: PrefixWatch;

  constructor(
    private readonly control: EtcdControl,
    log: Logger,
  ) {
    this.root = control.keys.root;
    this.watch = new PrefixWatch(control, 'quotas', 'client quota', log, (stored, bad) => {
      const entries = new Map<string, QuotaEntry>();
      for (const [key, value] of stored) {
        const e = parseStored(value);
        if (e) entries.set(entityKey(e.entity), e);
        else bad(key);
      }
      this.entries = entries;
    });
  }

  snapshot(): ReadonlyMap<string, QuotaEntry> {
    return this.entries;
  }

  async apply(changes: readonly QuotaChange[]): Promise<void> {
    const keys = [...new Set(changes.map((c) => quotaKey(this.root, c.entity)))];
    await guardedWrite(
      this.control,
      keys,
      (stored) => {
        const current = new Map<string, QuotaEntry>();
        for (const text of stored.values()) {
          const e = parseStored(text);
          if (e) current.set(entityKey(e.entity), e);
        }
        const next = applyChanges(current, changes);
        return new Map(
          changes.map((c) => {
            const e = next.get(entityKey(c.entity));
            return [quotaKey(this.root, c.entity), e ? JSON.stringify(storedEntry(e)) : null];
          }),
        );
      },
      MAX_ATTEMPTS,
    );
  }

  onChange(fn: () => void): void {
    this.watch.onChange(fn);
  }

  /** The control connection is the broker's; the store only stops listening to it. */
  async close(): Promise<void> {
    this.watch.close();
  }
}

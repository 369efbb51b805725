/**
 * ACLs in a cluster: one etcd key per resource pattern under <prefix>/acls/, named like Kafka's
 * ZooKeeper ACL paths (acls/literal/Topic/<name>, acls/prefixed/Group/<name>; names URL-encoded),
 * each holding that pattern's entries as JSON. The store reads them from the broker's control state
 * (EtcdControl: its one connection and its watch on the whole prefix), so an ACL created through
 * any broker, or while this one was down, is enforced by all of them. A change is one etcd
 * transaction over the keys it touches, guarded by their revisions (guarded-write.ts, retried on a
 * conflict), and returns once this broker's state has it.
 */
import { guardedWrite } from '../../cluster/etcd/guarded-write.js';
import { within } from '../../cluster/etcd/client.js';
import type { EtcdControl } from '../../cluster/etcd/etcd-control.js';
import type { Logger } from '../../util/logger.js';
import { PrefixWatch } from '../../cluster/etcd/prefix-watch.js';
import { PatternType, type AclBinding, type AclBindingFilter } from '../../ports/acls.js';
import { pascal, resourceTypeName } from './acl-names.js';
import { parseAcl, storedAcl, withAdded, withDeleted, type AclStore, type StoredAcl } from './acl-store.js';

const MAX_ATTEMPTS = 20;

type Entry = Omit<StoredAcl, 'resourceType' | 'name' | 'patternType'>;

/** The etcd key of a binding's resource pattern under `root` (the cluster prefix without a trailing '/'). */
export function aclKey(root: string, b: Pick<AclBinding, 'resourceType' | 'name' | 'patternType'>): string {
  const kind = b.patternType === PatternType.PREFIXED ? 'prefixed' : 'literal';
  return `${root}/acls/${kind}/${pascal(resourceTypeName(b.resourceType))}/${encodeURIComponent(b.name)}`;
}

/** The bindings stored at one key, or undefined when the key or its value is not one this broker understands. */
function parseKey(dir: string, key: string, text: string): AclBinding[] | undefined {
  const m = /^(literal|prefixed)\/([A-Za-z]+)\/(.*)$/s.exec(key.slice(dir.length));
  if (!m) return undefined;
  let entries: unknown;
  let name: string;
  try {
    entries = JSON.parse(text);
    name = decodeURIComponent(m[3]);
  } catch {
    return undefined;
  }
  if (!Array.isArray(entries)) return undefined;
  const out: AclBinding[] = [];
  for (const e of entries) {
    const b = parseAcl({ ...(e as object), resourceType: m[2], name, patternType: m[1].toUpperCase() });
    if (!b) return undefined;
    out.push(b);
  }
  return out;
}

const entryOf = (b: AclBinding): Entry => {
  const { principal, host, operation, permission } = storedAcl(b);
  return { principal, host, operation, permission };
};

export class EtcdAclStore implements AclStore {
  private acls: readonly AclBinding[] = [];
  private readonly root: string;
  private readonly dir: string;
  private readonly watch: PrefixWatch;

  constructor(
    private readonly control: EtcdControl,
    log: Logger,
  ) {
    this.root = control.keys.root;
    this.dir = `${this.root}/acls/`;
    this.watch = new PrefixWatch(control, 'acls', 'ACL', log, (stored, bad) => {
      const acls: AclBinding[] = [];
      for (const [key, value] of stored) {
        const bs = parseKey(this.dir, key, value);
        if (bs) acls.push(...bs);
        else bad(key);
      }
      this.acls = acls;
    });
  }

  snapshot(): readonly AclBinding[] {
    return this.acls;
  }

  async create(bindings: readonly AclBinding[]): Promise<void> {
    const byKey = new Map<string, AclBinding[]>();
    for (const b of bindings) {
      const k = aclKey(this.root, b);
      byKey.set(k, [...(byKey.get(k) ?? []), b]);
    }
    // One transaction per call; a large CreateAcls stays within etcd's max-txn-ops by chunks of keys.
    const keys = [...byKey.keys()];
    for (let i = 0; i < keys.length; i += 64) {
      const chunk = keys.slice(i, i + 64);
      await guardedWrite(
        this.control,
        chunk,
        (stored) => {
          const writes = new Map<string, string | null>();
          for (const k of chunk) {
            const current = stored.has(k) ? (parseKey(this.dir, k, stored.get(k)!) ?? []) : [];
            const next = withAdded(current, byKey.get(k)!);
            if (next.length !== current.length) writes.set(k, JSON.stringify(next.map(entryOf)));
          }
          return writes;
        },
        MAX_ATTEMPTS,
      );
    }
  }

  async delete(filters: readonly AclBindingFilter[]): Promise<AclBinding[][]> {
    // Which keys to touch is decided on what etcd has now, not on this broker's copy, which may lag.
    const all = await this.control.client.getAll().prefix(this.dir).options(within(this.control.timeoutMs)).strings();
    const keys = Object.entries(all)
      .filter(([k, v]) => withDeleted(parseKey(this.dir, k, v) ?? [], filters).deleted.some((d) => d.length > 0))
      .map(([k]) => k);
    let deleted: AclBinding[][] = filters.map(() => []);
    for (let i = 0; i < keys.length; i += 64) {
      const chunk = keys.slice(i, i + 64);
      let chunkDeleted: AclBinding[][] = [];
      await guardedWrite(
        this.control,
        chunk,
        (stored) => {
          chunkDeleted = filters.map(() => []);
          const writes = new Map<string, string | null>();
          for (const k of chunk) {
            const current = stored.has(k) ? (parseKey(this.dir, k, stored.get(k)!) ?? []) : [];
            const { left, deleted: d } = withDeleted(current, filters);
            if (left.length === current.length) continue;
            d.forEach((list, j) => chunkDeleted[j].push(...list));
            writes.set(k, left.length === 0 ? null : JSON.stringify(left.map(entryOf)));
          }
          return writes;
        },
        MAX_ATTEMPTS,
      );
      deleted = deleted.map((list, j) => [...list, ...(chunkDeleted[j] ?? [])]);
    }
    return deleted;
  }

  onChange(fn: () => void): void {
    this.watch.onChange(fn);
  }

  /** The control connection is the broker's; the store only stops listening to it. */
  async close(): Promise<void> {
    this.watch.close();
  }
}

/**
 * Where ACLs live: the port, the stored form, and the single node's implementation (a JSON file in
 * the data directory, replaced atomically; in memory without one). A cluster keeps them in etcd
 * (etcd-acl-store.ts). Readers get a list that is replaced, never mutated, on every change.
 *
 * Stored ACLs use Kafka's enum names ({"resourceType":"TOPIC","patternType":"LITERAL",
 * "operation":"READ","permission":"ALLOW",...}) so the file reads like kafka-acls.sh output.
 */
import { join } from 'node:path';
import { readJsonArray, writeFileAtomic } from '../../util/fs.js';
import { filterMatches, type AclBinding, type AclBindingFilter } from '../../ports/acls.js';
import { opByName, opName, patternTypeByName, patternTypeName, permissionByName, permissionName, resourceTypeByName, resourceTypeName } from './acl-names.js';

export interface AclStore {
  /** Every ACL, in the order they were added. */
  snapshot(): readonly AclBinding[];
  /** Adds the bindings not stored yet; resolves once snapshot() shows them. */
  create(bindings: readonly AclBinding[]): Promise<void>;
  /** Removes what each filter matches (all filters over the same ACLs); per filter, what it removed. */
  delete(filters: readonly AclBindingFilter[]): Promise<AclBinding[][]>;
  /** Called after every change of the snapshot, whoever made it. */
  onChange(fn: () => void): void;
  close(): Promise<void>;
}

/** One key per distinct ACL. */
export const aclKey = (b: AclBinding): string => JSON.stringify([b.resourceType, b.name, b.patternType, b.principal, b.host, b.operation, b.permission]);

/** The ACLs after adding `bindings` (duplicates kept once). */
export function withAdded(current: readonly AclBinding[], bindings: readonly AclBinding[]): AclBinding[] {
  const next = [...current];
  const seen = new Set(current.map(aclKey));
  for (const b of bindings) {
    const k = aclKey(b);
    if (seen.has(k)) continue;
    seen.add(k);
    next.push(b);
  }
  return next;
}

/** The ACLs left after the filters, and what each one matched (an ACL two filters match is reported by both, as Kafka does). */
export function withDeleted(current: readonly AclBinding[], filters: readonly AclBindingFilter[]): { left: AclBinding[]; deleted: AclBinding[][] } {
  const deleted = filters.map((f) => current.filter((b) => filterMatches(f, b)));
  const gone = new Set(deleted.flat());
  return { left: current.filter((b) => !gone.has(b)), deleted };
}

export interface StoredAcl {
  resourceType: string;
  name: string;
  patternType: string;
  principal: string;
  host: string;
  operation: string;
  permission: string;
}

export function storedAcl(b: AclBinding): StoredAcl {
  return {
    resourceType: resourceTypeName(b.resourceType),
    name: b.name,
    patternType: patternTypeName(b.patternType),
    principal: b.principal,
    host: b.host,
    operation: opName(b.operation),
    permission: permissionName(b.permission),
  };
}

/** A stored ACL, or undefined when it is not one this broker understands (a concrete, valid binding). */
export function parseAcl(v: unknown): AclBinding | undefined {
  const s = v as Partial<StoredAcl> | null | undefined;
  if (!s || typeof s !== 'object') return undefined;
  if (![s.resourceType, s.name, s.patternType, s.principal, s.host, s.operation, s.permission].every((x) => typeof x === 'string')) return undefined;
  const b: AclBinding = {
    resourceType: resourceTypeByName(s.resourceType!),
    name: s.name!,
    patternType: patternTypeByName(s.patternType!),
    principal: s.principal!,
    host: s.host!,
    operation: opByName(s.operation!),
    permission: permissionByName(s.permission!),
  };
  // Only what CreateAcls accepts: concrete type, LITERAL/PREFIXED, a real operation, ALLOW/DENY.
  if (b.resourceType < 2 || b.patternType < 3 || b.operation < 2 || b.permission < 2 || b.name === '') return undefined;
  return b;
}

export const ACLS_FILE = 'acls.json';

/** One node's ACLs: `<data dir>/acls.json`, or memory only (storage: 'memory'). */
export class LocalAclStore implements AclStore {
  private acls: readonly AclBinding[] = [];
  private readonly listeners: Array<() => void> = [];
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly path: string | undefined) {}

  static async open(dataDir: string | undefined, warn: (msg: string) => void = () => {}): Promise<LocalAclStore> {
    const s = new LocalAclStore(dataDir === undefined ? undefined : join(dataDir, ACLS_FILE));
    if (!s.path) return s;
    const stored = await readJsonArray(s.path);
    if (!stored) return s;
    const acls: AclBinding[] = [];
    for (const raw of stored) {
      const b = parseAcl(raw);
      if (b) acls.push(b);
      else warn(`ignoring a stored ACL it does not understand: ${JSON.stringify(raw)}`);
    }
    s.acls = withAdded([], acls);
    return s;
  }

  snapshot(): readonly AclBinding[] {
    return this.acls;
  }

  create(bindings: readonly AclBinding[]): Promise<void> {
    return this.change((current) => ({ next: withAdded(current, bindings), result: undefined }));
  }

  delete(filters: readonly AclBindingFilter[]): Promise<AclBinding[][]> {
    return this.change((current) => {
      const { left, deleted } = withDeleted(current, filters);
      return { next: left, result: deleted };
    });
  }

  /** Serialized: each change starts from the result of the previous one, and is on disk before it shows. */
  private change<T>(fn: (current: readonly AclBinding[]) => { next: AclBinding[]; result: T }): Promise<T> {
    const run = this.queue.then(async () => {
      const { next, result } = fn(this.acls);
      if (next.length !== this.acls.length || next.some((b, i) => b !== this.acls[i])) {
        if (this.path) await writeFileAtomic(this.path, JSON.stringify(next.map(storedAcl), null, 1));
        this.acls = next;
        for (const l of this.listeners) l();
      }
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  async close(): Promise<void> {
    await this.queue;
  }
}

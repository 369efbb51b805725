/**
 * Where client quotas live: the port, and the single node's implementation (a JSON file in the data
 * directory, replaced atomically; in memory without one). A cluster keeps them in etcd
 * (etcd-quota-store.ts). Readers get a snapshot that is replaced, never mutated, on every change,
 * so a lookup never sees half of an AlterClientQuotas.
 */
import { join } from 'node:path';
import { readJsonArray, writeFileAtomic } from '../util/fs.js';
import { entityKey, entityOf, entityPairs, ENTITY_TYPES, type QuotaEntity, type QuotaEntry } from './quota-entity.js';

/** One entity's change: key → new value, or null to remove the key. */
export interface QuotaChange {
  entity: QuotaEntity;
  ops: ReadonlyMap<string, number | null>;
}

export interface QuotaStore {
  /** Every entity with quotas, by entityKey(). */
  snapshot(): ReadonlyMap<string, QuotaEntry>;
  /** Applies all changes at once (all or none) and resolves once snapshot() shows them. */
  apply(changes: readonly QuotaChange[]): Promise<void>;
  /** Called after every change of the snapshot, whoever made it. */
  onChange(fn: () => void): void;
  close(): Promise<void>;
}

/** The entries after `changes`; entities left without values disappear. */
export function applyChanges(current: ReadonlyMap<string, QuotaEntry>, changes: readonly QuotaChange[]): Map<string, QuotaEntry> {
  const next = new Map(current);
  for (const c of changes) {
    const key = entityKey(c.entity);
    const values: Record<string, number> = { ...(next.get(key)?.values ?? {}) };
    for (const [k, v] of c.ops) {
      if (v === null) delete values[k];
      else values[k] = v;
    }
    if (Object.keys(values).length === 0) next.delete(key);
    else next.set(key, { entity: c.entity, values });
  }
  return next;
}

interface StoredEntry {
  entity: Array<[string, string | null]>;
  values: Record<string, number>;
}

/** An entry read from storage, or undefined when it is not one this broker understands. */
export function parseEntry(v: unknown): QuotaEntry | undefined {
  const e = v as Partial<StoredEntry> | undefined;
  if (!e || !Array.isArray(e.entity) || typeof e.values !== 'object' || e.values === null) return undefined;
  const pairs: Array<[string, string | null]> = [];
  for (const p of e.entity) {
    if (!Array.isArray(p) || !(ENTITY_TYPES as readonly string[]).includes(p[0]) || !(p[1] === null || typeof p[1] === 'string')) return undefined;
    pairs.push([p[0], p[1]]);
  }
  const values: Record<string, number> = {};
  for (const [k, n] of Object.entries(e.values)) if (typeof n === 'number') values[k] = n;
  if (pairs.length === 0 || Object.keys(values).length === 0) return undefined;
  return { entity: entityOf(pairs), values };
}

export function storedEntry(e: QuotaEntry): StoredEntry {
  return { entity: entityPairs(e.entity), values: { ...e.values } };
}

export const QUOTAS_FILE = 'client-quotas.json';

export class LocalQuotaStore implements QuotaStore {
  private entries: ReadonlyMap<string, QuotaEntry> = new Map();
  private readonly listeners: Array<() => void> = [];
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly path: string | undefined) {}

  /** The quotas of `dataDir` (none stored yet: empty); in memory without a data directory. */
  static async open(dataDir: string | undefined, warn: (msg: string) => void = () => {}): Promise<LocalQuotaStore> {
    const s = new LocalQuotaStore(dataDir === undefined ? undefined : join(dataDir, QUOTAS_FILE));
    if (!s.path) return s;
    const stored = await readJsonArray(s.path);
    if (!stored) return s;
    const entries = new Map<string, QuotaEntry>();
    for (const raw of stored) {
      const e = parseEntry(raw);
      if (e) entries.set(entityKey(e.entity), e);
      else warn(`ignoring a stored client quota entry it does not understand: ${JSON.stringify(raw)}`);
    }
    s.entries = entries;
    return s;
  }

  snapshot(): ReadonlyMap<string, QuotaEntry> {
    return this.entries;
  }

  apply(changes: readonly QuotaChange[]): Promise<void> {
    // Serialized: each change starts from the result of the previous one.
    const run = this.queue.then(async () => {
      const next = applyChanges(this.entries, changes);
      if (this.path) await writeFileAtomic(this.path, JSON.stringify([...next.values()].map(storedEntry), null, 1));
      this.entries = next;
      for (const fn of this.listeners) fn();
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

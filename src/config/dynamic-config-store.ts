/**
 * Where dynamic configs (KIP-226 broker layers, KIP-848 group configs) are kept, behind one port:
 * a single node keeps them in <data dir>/dynamic-configs.json (FileDynamicConfigStore, here), a
 * member of a cluster in etcd (src/cluster/etcd/etcd-config-store.ts), where every broker sees
 * every change. DynamicConfigs validates and applies; the store only keeps values and says when
 * they changed elsewhere.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs.js';

export const DYNAMIC_CONFIGS_FILE = 'dynamic-configs.json';

/** What one store call addresses: this broker's layer, the cluster default, or one group. */
export type ConfigScope = { kind: 'broker' } | { kind: 'default' } | { kind: 'group'; id: string };

export type ConfigValues = ReadonlyMap<string, string>;

export interface DynamicConfigSnapshot {
  /** This broker's own layer (BROKER resource "<node id>"). */
  broker: ConfigValues;
  /** The cluster default (BROKER resource ""). */
  clusterDefault: ConfigValues;
  groups: ReadonlyMap<string, ConfigValues>;
}

export interface DynamicConfigStore {
  /** What is stored now, as this broker last saw it. */
  current(): DynamicConfigSnapshot;
  /**
   * Replaces one scope's values by `compute(stored values)`, which may throw to refuse or return
   * undefined to leave them as they are. In a cluster, compute may run again when another broker
   * changed the same scope meanwhile. Resolves once current() has the new values.
   */
  update(scope: ConfigScope, compute: (stored: ConfigValues) => Map<string, string> | undefined): Promise<void>;
  /** Told when the stored values changed by another way than this store's own update() (another broker). */
  onChange(fn: () => void): () => void;
}

interface StoredFile {
  broker?: Record<string, string>;
  clusterDefault?: Record<string, string>;
  groups?: Record<string, Record<string, string>>;
}

const EMPTY: DynamicConfigSnapshot = { broker: new Map(), clusterDefault: new Map(), groups: new Map() };

/** The contents of a dynamic-configs.json (an empty snapshot when there is none). */
export async function readConfigsFile(path: string): Promise<DynamicConfigSnapshot | undefined> {
  let stored: StoredFile;
  try {
    stored = JSON.parse(await readFile(path, 'utf8')) as StoredFile;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
  return {
    broker: stringMap(stored.broker),
    clusterDefault: stringMap(stored.clusterDefault),
    groups: new Map(Object.entries(stored.groups ?? {}).map(([g, v]) => [g, stringMap(v)])),
  };
}

function stringMap(o: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (o && typeof o === 'object') for (const [k, v] of Object.entries(o)) if (typeof v === 'string') out.set(k, v);
  return out;
}

/** A single node's store: one JSON file in the data directory, replaced atomically; none without a data directory. */
export class FileDynamicConfigStore implements DynamicConfigStore {
  private state: DynamicConfigSnapshot = EMPTY;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly path: string | undefined) {}

  static async open(dataDir: string | undefined): Promise<FileDynamicConfigStore> {
    const s = new FileDynamicConfigStore(dataDir === undefined ? undefined : join(dataDir, DYNAMIC_CONFIGS_FILE));
    if (s.path) s.state = (await readConfigsFile(s.path)) ?? EMPTY;
    return s;
  }

  current(): DynamicConfigSnapshot {
    return this.state;
  }

  update(scope: ConfigScope, compute: (stored: ConfigValues) => Map<string, string> | undefined): Promise<void> {
    // Serialized: each change starts from the result of the previous one.
    const run = this.queue.then(async () => {
      const next = compute(scopeValues(this.state, scope));
      if (next === undefined) return;
      const state = withScope(this.state, scope, next);
      if (this.path) await writeFileAtomic(this.path, JSON.stringify(toFile(state), null, 2) + '\n');
      this.state = state;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  onChange(): () => void {
    // Nobody else writes this file while the broker holds its data directory.
    return () => undefined;
  }
}

export function scopeValues(s: DynamicConfigSnapshot, scope: ConfigScope): ConfigValues {
  if (scope.kind === 'broker') return s.broker;
  if (scope.kind === 'default') return s.clusterDefault;
  return s.groups.get(scope.id) ?? new Map();
}

function withScope(s: DynamicConfigSnapshot, scope: ConfigScope, values: Map<string, string>): DynamicConfigSnapshot {
  if (scope.kind === 'broker') return { ...s, broker: values };
  if (scope.kind === 'default') return { ...s, clusterDefault: values };
  const groups = new Map(s.groups);
  if (values.size === 0) groups.delete(scope.id);
  else groups.set(scope.id, values);
  return { ...s, groups };
}

function toFile(s: DynamicConfigSnapshot): StoredFile {
  return {
    broker: Object.fromEntries(s.broker),
    clusterDefault: Object.fromEntries(s.clusterDefault),
    groups: Object.fromEntries([...s.groups].map(([g, m]) => [g, Object.fromEntries(m)])),
  };
}

export function sameValues(a: ConfigValues, b: ConfigValues): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

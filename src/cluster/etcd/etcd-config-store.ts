/**
 * Dynamic configs of a cluster in etcd (the DynamicConfigStore of a broker in a cluster), one key
 * per scope under P/configs/, each value a JSON object of key → value:
 *
 *   P/configs/brokers/default   the cluster default (BROKER resource "")
 *   P/configs/brokers/<id>      broker <id>'s own layer (BROKER resource "<id>")
 *   P/configs/groups/<group>    a group's configs (GROUP resource)
 *
 * A scope with no values has no key. Every broker sees every key through the control state's watch
 * (control-state.ts), so a change made on any broker, or while a broker was down, reaches it; each
 * broker applies the default and its own layer. A change is a compare-and-swap on the key's
 * mod_revision, recomputed from the stored values when another broker changed them meanwhile (in
 * Kafka the controller serializes these writes).
 *
 * Migration: a broker that joins a cluster with a <data dir>/dynamic-configs.json (written while
 * it was a single node) uploads each of its scopes once, only where etcd has no key for it yet
 * (the first broker's cluster default wins; others are ignored with a log line), then renames the
 * file to dynamic-configs.json.uploaded so that it is never read again.
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../util/logger.js';
import { DYNAMIC_CONFIGS_FILE, readConfigsFile, sameValues, type ConfigScope, type ConfigValues, type DynamicConfigSnapshot, type DynamicConfigStore } from '../../config/dynamic-config-store.js';
import { within } from './client.js';
import type { EtcdControl } from './etcd-control.js';
import type { StoredKey } from './control-state.js';
import { guardedWrite } from './guarded-write.js';
import { tellListeners } from '../../util/listeners.js';

/** The keys of the configs scopes under the cluster prefix `root`. */
export class ConfigKeys {
  constructor(private readonly root: string) {}

  get all(): string {
    return `${this.root}/configs/`;
  }
  get brokers(): string {
    return `${this.root}/configs/brokers/`;
  }
  get groups(): string {
    return `${this.root}/configs/groups/`;
  }
  get clusterDefault(): string {
    return `${this.brokers}default`;
  }
  broker(id: number): string {
    return `${this.brokers}${id}`;
  }
  group(id: string): string {
    return `${this.groups}${id}`;
  }
}

/** A stored value: a JSON object of strings; anything else reads as undefined. */
export function parseConfigValues(text: string): Map<string, string> | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out = new Map<string, string>();
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out.set(k, val);
  return out;
}

const encode = (values: ConfigValues): string => JSON.stringify(Object.fromEntries([...values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));

export class EtcdDynamicConfigStore implements DynamicConfigStore {
  readonly keys: ConfigKeys;
  private snapshot: DynamicConfigSnapshot;
  private readonly listeners = new Set<() => void>();
  /** Values not understood, by key and revision: each is logged once, not at every watch batch. */
  private readonly badValues = new Set<string>();

  private constructor(
    private readonly control: EtcdControl,
    private readonly nodeId: number,
    private readonly log: Logger,
  ) {
    this.keys = new ConfigKeys(control.keys.root);
    this.snapshot = this.read();
    // As long as the control connection lives (the broker's life).
    control.onImage(() => this.refresh());
  }

  /** The store of broker `nodeId`, after migrating a local dynamic-configs.json of `dataDir` (see the header). */
  static async open(control: EtcdControl, nodeId: number, dataDir: string | undefined, log: Logger): Promise<EtcdDynamicConfigStore> {
    const store = new EtcdDynamicConfigStore(control, nodeId, log);
    if (dataDir !== undefined) await store.migrate(join(dataDir, DYNAMIC_CONFIGS_FILE));
    return store;
  }

  current(): DynamicConfigSnapshot {
    return this.snapshot;
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async update(scope: ConfigScope, compute: (stored: ConfigValues) => Map<string, string> | undefined): Promise<void> {
    const key = this.keyOf(scope);
    // Recomputed from the stored values when another broker changed this scope between the read and the write.
    await guardedWrite(this.control, [key], (stored) => {
      const text = stored.get(key);
      const next = compute((text !== undefined && parseConfigValues(text)) || new Map<string, string>());
      if (next === undefined || (next.size === 0 && text === undefined)) return undefined;
      return new Map([[key, next.size === 0 ? null : encode(next)]]);
    });
  }

  private keyOf(scope: ConfigScope): string {
    if (scope.kind === 'broker') return this.keys.broker(this.nodeId);
    if (scope.kind === 'default') return this.keys.clusterDefault;
    return this.keys.group(scope.id);
  }

  /** The snapshot as the control state has it now. */
  private read(): DynamicConfigSnapshot {
    const parsed = (key: string, s: StoredKey): Map<string, string> => {
      const v = parseConfigValues(s.value);
      const seen = `${key}@${s.modRevision}`;
      if (!v && !this.badValues.has(seen)) {
        this.badValues.add(seen);
        this.log.warn({ key }, 'etcd: ignoring a dynamic config key whose value is not understood');
      }
      return v ?? new Map();
    };
    const values = (key: string): Map<string, string> => {
      const s = this.control.state.get(key);
      return s ? parsed(key, s) : new Map();
    };
    const groups = new Map<string, ConfigValues>();
    for (const [key, s] of this.control.state.under(this.keys.groups)) {
      const v = parsed(key, s);
      if (v.size > 0) groups.set(key.slice(this.keys.groups.length), v);
    }
    return { broker: values(this.keys.broker(this.nodeId)), clusterDefault: values(this.keys.clusterDefault), groups };
  }

  /** After each watch batch: a new snapshot, and the listeners told when it differs. */
  private refresh(): void {
    const prev = this.snapshot;
    const next = this.read();
    const groupsSame = prev.groups.size === next.groups.size && [...next.groups].every(([g, v]) => sameValues(v, prev.groups.get(g) ?? new Map()));
    if (groupsSame && sameValues(prev.broker, next.broker) && sameValues(prev.clusterDefault, next.clusterDefault)) return;
    this.snapshot = next;
    tellListeners(this.listeners, [], this.log, 'dynamic config');
  }

  private async migrate(path: string): Promise<void> {
    const local = await readConfigsFile(path);
    if (!local) return;
    const scopes: Array<[string, string, ConfigValues]> = [
      [this.keys.broker(this.nodeId), `broker ${this.nodeId}`, local.broker],
      [this.keys.clusterDefault, 'the cluster default', local.clusterDefault],
      ...[...local.groups].map(([g, v]): [string, string, ConfigValues] => [this.keys.group(g), `group ${g}`, v]),
    ];
    const { client, timeoutMs } = this.control;
    let uploaded = 0;
    for (const [key, what, values] of scopes) {
      if (values.size === 0) continue;
      const res = await client.if(key, 'Create', '==', 0).then(client.put(key).value(encode(values))).options(within(timeoutMs)).commit();
      if (res.succeeded) {
        uploaded++;
        await this.control.caughtUp(Number(res.header.revision));
        this.log.info({ scope: what, configs: Object.fromEntries(values) }, `uploaded the local dynamic configs of ${what} to the cluster`);
      } else this.log.warn({ scope: what, configs: Object.fromEntries(values) }, `the cluster already has dynamic configs for ${what}; the local ones are ignored`);
    }
    await rename(path, `${path}.uploaded`);
    this.log.info({ path, uploaded }, `${DYNAMIC_CONFIGS_FILE} moved aside: dynamic configs are kept in the cluster from now on`);
  }
}

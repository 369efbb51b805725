/**
 * The one owner of the configuration that changes at run time: dynamic broker configs (KIP-226,
 * BROKER resources "<node id>" and "" for the cluster default) and per-group configs (KIP-848,
 * GROUP resources). Changes are validated as Kafka validates them, applied at once (broker keys
 * through BrokerConfig's dynamic layers, which every reader consults on use; group keys through
 * groupSettings()), and persisted in <data dir>/dynamic-configs.json, replaced atomically, so they
 * survive a restart. Changes are serialized: each one starts from the result of the previous.
 *
 * The config handlers see only alterBroker(), alterGroup() and the read accessors.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode } from '../protocol/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import type { Logger } from '../util/logger.js';
import { brokerValueError, type BrokerConfig } from './config.js';
import { KEYS } from './keys.js';
import { dynamicElsewhere, isDynamicBrokerKey } from './dynamic-keys.js';
import { validateGroupConfigs } from './group-configs.js';
import { applyConfigOps, type AlterMode, type ConfigOp } from './config-ops.js';

export const DYNAMIC_CONFIGS_FILE = 'dynamic-configs.json';

/** A refused change: the error code and message to answer with. */
export class ConfigChangeError extends Error {
  override name = 'ConfigChangeError';
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

type Layer = 'dynamic-broker' | 'dynamic-default';

interface Stored {
  broker?: Record<string, string>;
  clusterDefault?: Record<string, string>;
  groups?: Record<string, Record<string, string>>;
}

const known = (name: string): boolean => Object.hasOwn(KEYS, name);

/** Kafka prints the offending key set as a Scala Set. */
const scalaSet = (names: string[]) => `Set(${names.join(', ')})`;

export class DynamicConfigs {
  private readonly groups = new Map<string, Map<string, string>>();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly config: BrokerConfig,
    private readonly path: string | undefined,
    private readonly log: Logger,
  ) {}

  /** Loads the persisted dynamic configs of `dataDir` (none without one) and applies them. */
  static async open(config: BrokerConfig, dataDir: string | undefined, log: Logger): Promise<DynamicConfigs> {
    const d = new DynamicConfigs(config, dataDir === undefined ? undefined : join(dataDir, DYNAMIC_CONFIGS_FILE), log);
    if (!d.path) return d;
    let stored: Stored;
    try {
      stored = JSON.parse(await readFile(d.path, 'utf8')) as Stored;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return d;
      throw new Error(`cannot read ${d.path}: ${(e as Error).message}`);
    }
    for (const [layer, values] of [['dynamic-broker', stored.broker], ['dynamic-default', stored.clusterDefault]] as const) {
      const kept = new Map<string, string>();
      for (const [k, v] of Object.entries(values ?? {})) {
        const why = isDynamicBrokerKey(k) ? brokerValueError(k, v) : `${k} cannot be changed at run time`;
        if (why) log.warn({ key: k, value: v }, `ignoring a stored dynamic broker config: ${why}`);
        else kept.set(k, v);
      }
      config.setDynamic(layer, kept);
    }
    for (const [g, values] of Object.entries(stored.groups ?? {})) d.groups.set(g, new Map(Object.entries(values)));
    return d;
  }

  // ------------------------------------------------------------------ broker

  /** The layer a BROKER resource name addresses: "" the cluster default, else this node. */
  static brokerLayer(resourceName: string): Layer {
    return resourceName === '' ? 'dynamic-default' : 'dynamic-broker';
  }

  /**
   * Changes one dynamic broker layer. Refusals follow Kafka's ConfigAdminManager and
   * DynamicBrokerConfig.validateConfigs: a key that cannot change at run time, or an invalid
   * value, is INVALID_REQUEST (KAFKA-13609 keeps it so); APPEND/SUBTRACT to a non-list key is
   * INVALID_CONFIG.
   */
  alterBroker(resourceName: string, ops: ConfigOp[], mode: AlterMode, validateOnly: boolean): Promise<void> {
    return this.serially(async () => {
      const layer = DynamicConfigs.brokerLayer(resourceName);
      const current = this.config.dynamicValues(layer);
      const next = applied(applyConfigOps(current, ops, mode, (name) => (known(name) && KEYS[name].type === 'list' ? (KEYS[name].default ?? '') : undefined)));
      const unknown = [...next.keys()].filter((k) => !known(k) && !dynamicElsewhere(k));
      if (unknown.length > 0) throw new ConfigChangeError(ErrorCode.INVALID_REQUEST, `Unknown broker configs: ${scalaSet(unknown)}`);
      const nonDynamic = [...next.keys()].filter((k) => !isDynamicBrokerKey(k) && !dynamicElsewhere(k));
      if (nonDynamic.length > 0) throw new ConfigChangeError(ErrorCode.INVALID_REQUEST, `Cannot update these configs dynamically: ${scalaSet(nonDynamic)}`);
      const noEffect = [...next.keys()].filter((k) => !isDynamicBrokerKey(k));
      if (noEffect.length > 0)
        throw new ConfigChangeError(ErrorCode.INVALID_REQUEST, `Cannot update these configs dynamically on Runnel, where they have no effect: ${scalaSet(noEffect)}`);
      for (const [k, v] of next) {
        const why = brokerValueError(k, v);
        if (why) throw new ConfigChangeError(ErrorCode.INVALID_REQUEST, why);
      }
      if (validateOnly || sameMap(current, next)) return;
      const before = this.config.dynamicValues(layer);
      this.config.setDynamic(layer, next);
      try {
        await this.persist();
      } catch (e) {
        this.config.setDynamic(layer, before);
        throw e;
      }
      this.log.info({ resource: resourceName === '' ? '<cluster default>' : resourceName, configs: Object.fromEntries(next) }, 'dynamic broker configs altered');
    });
  }

  // ------------------------------------------------------------------ groups

  /** A group's overrides (empty when it has none). */
  groupOverrides(groupId: string): ReadonlyMap<string, string> {
    return this.groups.get(groupId) ?? new Map();
  }

  /** What the consumer-protocol coordinator uses for a group: its overrides, else the broker's values. */
  groupSettings(groupId: string): { sessionTimeoutMs: number; heartbeatIntervalMs: number } {
    const o = this.groups.get(groupId);
    return {
      sessionTimeoutMs: Number(o?.get('consumer.session.timeout.ms') ?? this.config.int('group.consumer.session.timeout.ms')),
      heartbeatIntervalMs: Number(o?.get('consumer.heartbeat.interval.ms') ?? this.config.int('group.consumer.heartbeat.interval.ms')),
    };
  }

  /** Changes a group's overrides; the group need not exist (Kafka keeps configs of any group id). */
  alterGroup(groupId: string, ops: ConfigOp[], mode: AlterMode, validateOnly: boolean): Promise<void> {
    return this.serially(async () => {
      if (groupId === '') throw new ConfigChangeError(ErrorCode.INVALID_REQUEST, 'Default group resources are not allowed.');
      const current = this.groupOverrides(groupId);
      const next = applied(applyConfigOps(current, ops, mode, () => undefined));
      const checked = validateGroupConfigs(this.config, next);
      if (!checked.ok) throw new ConfigChangeError(ErrorCode.INVALID_CONFIG, checked.message);
      if (validateOnly || sameMap(current, checked.configs)) return;
      const before = this.groups.get(groupId);
      if (checked.configs.size === 0) this.groups.delete(groupId);
      else this.groups.set(groupId, checked.configs);
      try {
        await this.persist();
      } catch (e) {
        if (before) this.groups.set(groupId, before);
        else this.groups.delete(groupId);
        throw e;
      }
      this.log.info({ group: groupId, configs: Object.fromEntries(checked.configs) }, 'group configs altered');
    });
  }

  // ------------------------------------------------------------------ persistence

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async persist(): Promise<void> {
    if (!this.path) return;
    const stored: Stored = {
      broker: Object.fromEntries(this.config.dynamicValues('dynamic-broker')),
      clusterDefault: Object.fromEntries(this.config.dynamicValues('dynamic-default')),
      groups: Object.fromEntries([...this.groups].map(([g, m]) => [g, Object.fromEntries(m)])),
    };
    await writeFileAtomic(this.path, JSON.stringify(stored, null, 2) + '\n');
  }
}

/** The overrides ops produced, or their refusal as INVALID_CONFIG. */
function applied(r: { configs: Map<string, string> } | { invalid: string }): Map<string, string> {
  if ('invalid' in r) throw new ConfigChangeError(ErrorCode.INVALID_CONFIG, r.invalid);
  return r.configs;
}

function sameMap(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

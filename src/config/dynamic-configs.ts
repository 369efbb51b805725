/**
 * The one owner of the configuration that changes at run time: dynamic broker configs (KIP-226,
 * BROKER resources "<node id>" and "" for the cluster default) and per-group configs (KIP-848,
 * GROUP resources). Changes are validated as Kafka validates them, kept by a DynamicConfigStore
 * (dynamic-config-store.ts: <data dir>/dynamic-configs.json on a single node, etcd in a cluster)
 * and applied at once (broker keys through BrokerConfig's dynamic layers, which every reader
 * consults on use; group keys through groupSettings()). What the store reports as changed
 * elsewhere (another broker of the cluster altered the cluster default, or this broker's layer
 * while it was down) is applied the same way.
 *
 * The config handlers see only alterBroker(), alterGroup() and the read accessors.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { Logger } from '../util/logger.js';
import { ConfigError, brokerValueError, type BrokerConfig } from './config.js';
import { KEYS, keyDef } from './keys.js';
import { dynamicElsewhere, isDynamicBrokerKey, isPerBrokerKey, needsListenerPrefix } from './dynamic-keys.js';
import { validateGroupConfigs } from './group-configs.js';
import { applyConfigOps, type AlterMode, type ConfigOp } from './config-ops.js';
import { sameValues, type ConfigValues, type DynamicConfigStore } from './dynamic-config-store.js';

export { DYNAMIC_CONFIGS_FILE } from './dynamic-config-store.js';

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

/**
 * A component that reads dynamic broker keys when they change rather than on every use (a TLS
 * listener's keystore): `validate` sees the configuration a change would give (and refuses it
 * with a ConfigError), `applied` is called once a change is in place.
 */
export interface BrokerConfigWatcher {
  validate?(next: (key: string) => string | undefined): void;
  applied(): void;
}

const known = (name: string): boolean => Object.hasOwn(KEYS, name);

/** Kafka prints the offending key set as a Scala Set. */
const scalaSet = (names: string[]) => `Set(${names.join(', ')})`;

/** Values for a log line: secrets (ssl passwords, keys) as [hidden]. */
function loggable(values: ReadonlyMap<string, string>): Record<string, string> {
  return Object.fromEntries([...values].map(([k, v]) => [k, keyDef(k)?.sensitive ? '[hidden]' : v]));
}

/** Stored broker values this broker can apply: others (from a newer or older broker, or edited by hand) are left out with a log line. */
function usable(values: ConfigValues, log: Logger | undefined): Map<string, string> {
  const kept = new Map<string, string>();
  for (const [k, v] of values) {
    const why = isDynamicBrokerKey(k) ? brokerValueError(k, v) : `${k} cannot be changed at run time`;
    if (why) log?.warn({ key: k, value: keyDef(k)?.sensitive ? '[hidden]' : v }, `ignoring a stored dynamic broker config: ${why}`);
    else kept.set(k, v);
  }
  return kept;
}

export class DynamicConfigs {
  /** The raw stored layers last applied, so that an unchanged layer is not applied (nor warned about) again. */
  private readonly applied: Record<Layer, ConfigValues> = { 'dynamic-broker': new Map(), 'dynamic-default': new Map() };
  private readonly watchers = new Set<BrokerConfigWatcher>();

  private constructor(
    readonly config: BrokerConfig,
    private readonly store: DynamicConfigStore,
    private readonly log: Logger,
  ) {}

  /** Applies what `store` holds now, and then whatever it reports as changed. */
  static open(config: BrokerConfig, store: DynamicConfigStore, log: Logger): DynamicConfigs {
    const d = new DynamicConfigs(config, store, log);
    d.apply(false);
    // The store lives as long as the broker (in a cluster: as its etcd connection), and so does this subscription.
    store.onChange(() => d.apply(true));
    return d;
  }

  /** Puts the stored broker layers into the configuration (group configs are read from the store on use). */
  private apply(fromElsewhere: boolean): void {
    const s = this.store.current();
    for (const [layer, raw] of [['dynamic-broker', s.broker], ['dynamic-default', s.clusterDefault]] as const) {
      if (sameValues(this.applied[layer], raw)) continue;
      this.applied[layer] = raw;
      const next = usable(raw, this.log);
      this.config.setDynamic(layer, next);
      if (fromElsewhere)
        this.log.info({ resource: layer === 'dynamic-default' ? '<cluster default>' : String(this.config.nodeId), configs: loggable(next) }, 'dynamic broker configs from the cluster state applied');
      for (const w of this.watchers) w.applied();
    }
  }

  /** Registers a watcher (see BrokerConfigWatcher); returns its removal. */
  watchBroker(w: BrokerConfigWatcher): () => void {
    this.watchers.add(w);
    return () => this.watchers.delete(w);
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
  async alterBroker(resourceName: string, ops: ConfigOp[], mode: AlterMode, validateOnly: boolean): Promise<void> {
    let written: Map<string, string> | undefined;
    await this.store.update({ kind: resourceName === '' ? 'default' : 'broker' }, (stored) => {
      written = undefined;
      const current = usable(stored, undefined);
      // Stored values this broker cannot apply (another version's keys, or edited by hand) stay as they
      // are unless the change names them: in a cluster another broker may understand them. AlterConfigs
      // replaces everything.
      const kept = mode === 'incremental' ? [...stored].filter(([k]) => !current.has(k) && !ops.some((o) => o.name === k)) : [];
      const next = applied(applyConfigOps(current, ops, mode, (name) => (known(name) && KEYS[name].type === 'list' ? (KEYS[name].default ?? '') : undefined)));
      const unknown = [...next.keys()].filter((k) => !known(k) && !dynamicElsewhere(k));
      if (unknown.length > 0) throw new ConfigChangeError(ErrorCode.INVALID_REQUEST, `Unknown broker configs: ${scalaSet(unknown)}`);
      const nonDynamic = [...next.keys()].filter((k) => !isDynamicBrokerKey(k) && !dynamicElsewhere(k));
      if (nonDynamic.length > 0) throw new ConfigChangeError(ErrorCode.INVALID_REQUEST, `Cannot update these configs dynamically: ${scalaSet(nonDynamic)}`);
      const unprefixed = [...next.keys()].filter(needsListenerPrefix);
      if (unprefixed.length > 0)
        throw new ConfigChangeError(ErrorCode.INVALID_REQUEST, `These security configs can be dynamically updated only per-listener using the listener prefix: ${scalaSet(unprefixed)}`);
      const perBroker = resourceName === '' ? [...next.keys()].filter(isPerBrokerKey) : [];
      if (perBroker.length > 0) throw new ConfigChangeError(ErrorCode.INVALID_REQUEST, `Cannot update these configs at default cluster level, broker id must be specified: ${scalaSet(perBroker)}`);
      const noEffect = [...next.keys()].filter((k) => !isDynamicBrokerKey(k));
      if (noEffect.length > 0)
        throw new ConfigChangeError(ErrorCode.INVALID_REQUEST, `Cannot update these configs dynamically on Runnel, where they have no effect: ${scalaSet(noEffect)}`);
      for (const [k, v] of next) {
        const why = brokerValueError(k, v);
        if (why) throw new ConfigChangeError(ErrorCode.INVALID_REQUEST, why);
      }
      const result = new Map([...kept, ...next]);
      if (resourceName !== '') this.validateWatched(resourceName, result);
      if (validateOnly || sameValues(stored, result)) return undefined;
      return (written = result);
    });
    this.apply(false);
    if (written) this.log.info({ resource: resourceName === '' ? '<cluster default>' : resourceName, configs: loggable(written) }, 'dynamic broker configs altered');
    // Also when nothing changed: Kafka reloads a keystore altered to the same location (a renewed file in place).
    if (!validateOnly && resourceName !== '') for (const w of this.watchers) w.applied();
  }

  /** Lets the watchers refuse a per-broker layer: the configuration read with `layer` in place of this broker's. */
  private validateWatched(resourceName: string, layer: ReadonlyMap<string, string>): void {
    const next = (key: string): string | undefined => {
      if (layer.has(key)) return layer.get(key);
      return this.config.layers(key).find((l) => l.layer !== 'dynamic-broker')?.value ?? (Object.hasOwn(KEYS, key) ? KEYS[key].default : undefined);
    };
    for (const w of this.watchers) {
      try {
        w.validate?.(next);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        throw new ConfigChangeError(ErrorCode.INVALID_REQUEST, `Invalid config value for resource ConfigResource(type=BROKER, name='${resourceName}'): ${err.message}`);
      }
    }
  }

  // ------------------------------------------------------------------ groups

  /** A group's overrides (empty when it has none). */
  groupOverrides(groupId: string): ReadonlyMap<string, string> {
    return this.store.current().groups.get(groupId) ?? new Map();
  }

  /** What the consumer-protocol coordinator uses for a group: its overrides, else the broker's values. */
  groupSettings(groupId: string): { sessionTimeoutMs: number; heartbeatIntervalMs: number } {
    const o = this.store.current().groups.get(groupId);
    return {
      sessionTimeoutMs: Number(o?.get('consumer.session.timeout.ms') ?? this.config.int('group.consumer.session.timeout.ms')),
      heartbeatIntervalMs: Number(o?.get('consumer.heartbeat.interval.ms') ?? this.config.int('group.consumer.heartbeat.interval.ms')),
    };
  }

  /** Changes a group's overrides; the group need not exist (Kafka keeps configs of any group id). */
  async alterGroup(groupId: string, ops: ConfigOp[], mode: AlterMode, validateOnly: boolean): Promise<void> {
    if (groupId === '') throw new ConfigChangeError(ErrorCode.INVALID_REQUEST, 'Default group resources are not allowed.');
    let written: Map<string, string> | undefined;
    await this.store.update({ kind: 'group', id: groupId }, (current) => {
      written = undefined;
      const next = applied(applyConfigOps(current, ops, mode, () => undefined));
      const checked = validateGroupConfigs(this.config, next);
      if (!checked.ok) throw new ConfigChangeError(ErrorCode.INVALID_CONFIG, checked.message);
      if (validateOnly || sameValues(current, checked.configs)) return undefined;
      return (written = checked.configs);
    });
    if (written) this.log.info({ group: groupId, configs: Object.fromEntries(written) }, 'group configs altered');
  }
}

/** The overrides ops produced, or their refusal as INVALID_CONFIG. */
function applied(r: { configs: Map<string, string> } | { invalid: string }): Map<string, string> {
  if ('invalid' in r) throw new ConfigChangeError(ErrorCode.INVALID_CONFIG, r.invalid);
  return r.configs;
}

/**
 * Per-group configs (KIP-848 GROUP config resources, Kafka's GroupConfig): what a consumer-protocol
 * group overrides of the broker's group.consumer.* settings. Validated as Kafka's
 * GroupConfig.validate does (INVALID_CONFIG): known names, INT values of at least 1, then the bounds
 * of the broker's group.consumer.min/max.* keys and session > heartbeat, where a key the group does
 * not set counts with GroupConfig's own default.
 *
 * Kafka 4's share.* keys (share groups, KIP-932) are not served: Runnel has no share groups.
 */
import type { BrokerConfig } from './config.js';
import { KEYS } from './keys.js';
import { ConfigSource, ConfigType, type ConfigSynonym, type DescribedConfig } from './topic-configs.js';

interface GroupKeyDef {
  /** The broker key this group key overrides (GroupCoordinatorConfig.GROUP_PREFIX + name). */
  broker: string;
  /** GroupConfig's default, used when validating a set of overrides that leaves the key out. */
  default: number;
  min: string;
  max: string;
  doc: string;
}

export const GROUP_CONFIGS: Readonly<Record<string, GroupKeyDef>> = {
  'consumer.heartbeat.interval.ms': {
    broker: 'group.consumer.heartbeat.interval.ms',
    default: 5000,
    min: 'group.consumer.min.heartbeat.interval.ms',
    max: 'group.consumer.max.heartbeat.interval.ms',
    doc: 'The heartbeat interval given to the members of this consumer group.',
  },
  'consumer.session.timeout.ms': {
    broker: 'group.consumer.session.timeout.ms',
    default: 45000,
    min: 'group.consumer.min.session.timeout.ms',
    max: 'group.consumer.max.session.timeout.ms',
    doc: 'The timeout to detect client failures of this consumer group.',
  },
};

export const GROUP_CONFIG_NAMES: readonly string[] = Object.keys(GROUP_CONFIGS).sort();

const groupKeyDef = (name: string): GroupKeyDef | undefined => (Object.hasOwn(GROUP_CONFIGS, name) ? GROUP_CONFIGS[name] : undefined);

/** Validates a group's complete set of overrides; returns them normalized, or Kafka's message. */
export function validateGroupConfigs(broker: BrokerConfig, configs: ReadonlyMap<string, string>): { ok: true; configs: Map<string, string> } | { ok: false; message: string } {
  const out = new Map<string, string>();
  for (const [name, raw] of configs) {
    if (!groupKeyDef(name)) return { ok: false, message: `Unknown group config name: ${name}` };
    const v = raw.trim();
    if (!/^[+-]?\d+$/.test(v) || BigInt(v) > 2n ** 31n - 1n || BigInt(v) < -(2n ** 31n))
      return { ok: false, message: `Invalid value ${raw} for configuration ${name}: Not a number of type INT` };
    if (BigInt(v) < 1n) return { ok: false, message: `Invalid value ${raw} for configuration ${name}: Value must be at least 1` };
    out.set(name, BigInt(v).toString());
  }
  const value = (name: string) => Number(out.get(name) ?? GROUP_CONFIGS[name].default);
  for (const name of ['consumer.heartbeat.interval.ms', 'consumer.session.timeout.ms']) {
    const def = GROUP_CONFIGS[name];
    if (value(name) < broker.int(def.min)) return { ok: false, message: `${name} must be greater than or equal to ${def.min}` };
    if (value(name) > broker.int(def.max)) return { ok: false, message: `${name} must be less than or equal to ${def.max}` };
  }
  if (value('consumer.session.timeout.ms') <= value('consumer.heartbeat.interval.ms'))
    return { ok: false, message: 'consumer.session.timeout.ms must be greater than consumer.heartbeat.interval.ms' };
  return { ok: true, configs: out };
}

/**
 * A group config as DescribeConfigs shows it (Kafka's ConfigHelper.createGroupConfigEntry): the
 * group's override (GROUP_CONFIG), else the broker's group.consumer.* value (STATIC_BROKER_CONFIG
 * when set in server.properties, else DEFAULT_CONFIG), which the coordinator then uses.
 */
export function describeGroupConfig(broker: BrokerConfig, overrides: ReadonlyMap<string, string>, name: string): DescribedConfig {
  const def = GROUP_CONFIGS[name];
  const synonyms: ConfigSynonym[] = [];
  const override = overrides.get(name);
  if (override !== undefined) synonyms.push({ name, value: override, source: ConfigSource.GROUP_CONFIG });
  for (const l of broker.layers(def.broker)) if (l.layer === 'static') synonyms.push({ name: def.broker, value: l.value, source: ConfigSource.STATIC_BROKER_CONFIG });
  synonyms.push({ name: def.broker, value: KEYS[def.broker].default!, source: ConfigSource.DEFAULT_CONFIG });
  return {
    name,
    value: override ?? broker.get(def.broker)!,
    readOnly: false,
    source: synonyms[0].source,
    isSensitive: false,
    synonyms,
    type: ConfigType.INT,
    documentation: def.doc,
  };
}

/**
 * Kafka's topic-level config keys (TopicConfig / LogConfig of Kafka 4): their types, defaults,
 * validation and the broker keys they default to. Shared by CreateTopics, AlterConfigs,
 * IncrementalAlterConfigs and DescribeConfigs.
 *
 * Every key Kafka describes for a topic is accepted, validated and described; the ones that mean
 * something to a single Runnel node are applied by src/storage/log-config.ts (retention, segments,
 * flushes, cleanup policy, timestamps, max.message.bytes). The others (replication, compaction
 * tuning, tiered storage, throttles, preallocate) are stored and described but have no effect.
 *
 * Values are normalized as Kafka's ConfigDef would print them after parsing ("+5" → "5",
 * "TRUE" → "true", "compact, delete" → "compact,delete"), so what DescribeConfigs shows is what
 * the log obeys.
 */
import type { BrokerConfig } from './config.js';
import { KEYS, keyDef } from './keys.js';

/** DescribeConfigs ConfigSource ids. */
export const ConfigSource = {
  UNKNOWN: 0,
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  CLIENT_METRICS_CONFIG: 7,
  GROUP_CONFIG: 8,
} as const;

/** DescribeConfigs ConfigType ids (v3+). */
export const ConfigType = { UNKNOWN: 0, BOOLEAN: 1, STRING: 2, INT: 3, SHORT: 4, LONG: 5, DOUBLE: 6, LIST: 7, CLASS: 8, PASSWORD: 9 } as const;

type TopicKeyType = 'int' | 'long' | 'double' | 'bool' | 'string' | 'list';

/** A broker key a topic key defaults to; `factor` converts its unit to the topic key's (hours → ms). */
interface BrokerSynonym {
  key: string;
  factor?: bigint;
  /** Kafka's default for a broker key Runnel does not read (absent from keys.ts). */
  kafkaDefault?: string;
}

export interface TopicConfigDef {
  type: TopicKeyType;
  /** Kafka's default for the topic key, used when no broker synonym has a value. */
  default: string;
  min?: bigint;
  max?: bigint;
  /** Allowed values (string) or allowed elements (list). */
  values?: readonly string[];
  /** Extra check on the normalized value; returns why it is invalid. */
  check?: (value: string) => string | undefined;
  /** Broker keys that provide the default, in Kafka's order of precedence. */
  synonyms: readonly BrokerSynonym[];
  doc: string;
}

const LONG_MAX = '9223372036854775807';
const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX_N = 2n ** 63n - 1n;
const HOUR = 3_600_000n;
const MINUTE = 60_000n;

const syn = (key: string, more: Omit<BrokerSynonym, 'key'> = {}): BrokerSynonym => ({ key, ...more });

function level(lo: bigint, hi: bigint) {
  return (v: string): string | undefined => {
    const n = BigInt(v);
    return n === -1n || (n >= lo && n <= hi) ? undefined : `Value must be -1 (the codec's default) or between ${lo} and ${hi}`;
  };
}

function throttledReplicas(v: string): string | undefined {
  if (v === '' || v === '*') return undefined;
  const ok = v.split(',').every((p) => /^\d+:\d+$/.test(p.trim()));
  return ok ? undefined : "must be the literal '*' or a list of replicas in the format [partitionId]:[brokerId],[partitionId]:[brokerId],...";
}

export const TOPIC_CONFIGS: Readonly<Record<string, TopicConfigDef>> = {
  'cleanup.policy': { type: 'list', default: 'delete', values: ['compact', 'delete'], synonyms: [syn('log.cleanup.policy')], doc: 'delete: remove old segments by time or size; compact: keep the last record of each key (closed segments are compacted every log.cleaner.backoff.ms).' },
  'compression.type': { type: 'string', default: 'producer', values: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'], synonyms: [syn('compression.type')], doc: 'Codec the topic stores; producer keeps what the producer sent.' },
  'compression.gzip.level': { type: 'int', default: '-1', check: level(1n, 9n), synonyms: [syn('compression.gzip.level', { kafkaDefault: '-1' })], doc: 'gzip level when the broker recompresses (no effect in Runnel).' },
  'compression.lz4.level': { type: 'int', default: '9', check: level(1n, 17n), synonyms: [syn('compression.lz4.level', { kafkaDefault: '9' })], doc: 'lz4 level when the broker recompresses (no effect in Runnel).' },
  'compression.zstd.level': { type: 'int', default: '3', check: level(-131072n, 22n), synonyms: [syn('compression.zstd.level', { kafkaDefault: '3' })], doc: 'zstd level when the broker recompresses (no effect in Runnel).' },
  'delete.retention.ms': { type: 'long', default: '86400000', min: 0n, synonyms: [syn('log.cleaner.delete.retention.ms')], doc: 'How long tombstones are kept in a compacted topic.' },
  'file.delete.delay.ms': { type: 'long', default: '60000', min: 0n, synonyms: [syn('log.segment.delete.delay.ms', { kafkaDefault: '60000' })], doc: 'Delay before a deleted segment file is removed (Runnel removes at once).' },
  'flush.messages': { type: 'long', default: LONG_MAX, min: 1n, synonyms: [syn('log.flush.interval.messages')], doc: 'Records appended before the log is fsynced.' },
  'flush.ms': { type: 'long', default: LONG_MAX, min: 0n, synonyms: [syn('log.flush.interval.ms'), syn('log.flush.scheduler.interval.ms')], doc: 'Milliseconds between fsyncs of the log.' },
  'follower.replication.throttled.replicas': { type: 'list', default: '', check: throttledReplicas, synonyms: [], doc: "Replicas ('partition:broker,...' or '*') whose follower fetches follower.replication.throttled.rate limits while not caught up (in a cluster)." },
  'index.interval.bytes': { type: 'int', default: '4096', min: 0n, synonyms: [syn('log.index.interval.bytes')], doc: 'Bytes between two offset index entries.' },
  'leader.replication.throttled.replicas': { type: 'list', default: '', check: throttledReplicas, synonyms: [], doc: "Replicas ('partition:broker,...' or '*') whose leader serves followers outside the ISR at most leader.replication.throttled.rate (in a cluster)." },
  'local.retention.bytes': { type: 'long', default: '-2', min: -2n, synonyms: [syn('log.local.retention.bytes', { kafkaDefault: '-2' })], doc: 'Tiered storage: local size limit (no effect in Runnel).' },
  'local.retention.ms': { type: 'long', default: '-2', min: -2n, synonyms: [syn('log.local.retention.ms', { kafkaDefault: '-2' })], doc: 'Tiered storage: local time limit (no effect in Runnel).' },
  'max.compaction.lag.ms': { type: 'long', default: LONG_MAX, min: 1n, synonyms: [syn('log.cleaner.max.compaction.lag.ms', { kafkaDefault: LONG_MAX })], doc: 'Longest time a record stays uncompacted (no effect in Runnel).' },
  'max.message.bytes': { type: 'int', default: '1048588', min: 0n, synonyms: [syn('message.max.bytes')], doc: 'Largest record batch the topic accepts.' },
  'message.timestamp.after.max.ms': { type: 'long', default: '3600000', min: 0n, synonyms: [syn('log.message.timestamp.after.max.ms')], doc: 'How far in the future a CreateTime timestamp may be.' },
  'message.timestamp.before.max.ms': { type: 'long', default: LONG_MAX, min: 0n, synonyms: [syn('log.message.timestamp.before.max.ms')], doc: 'How far in the past a CreateTime timestamp may be.' },
  'message.timestamp.type': { type: 'string', default: 'CreateTime', values: ['CreateTime', 'LogAppendTime'], synonyms: [syn('log.message.timestamp.type')], doc: 'CreateTime keeps the producer timestamp; LogAppendTime stamps broker time.' },
  'min.cleanable.dirty.ratio': { type: 'double', default: '0.5', synonyms: [syn('log.cleaner.min.cleanable.ratio', { kafkaDefault: '0.5' })], doc: 'Dirty ratio above which a compacted log is cleaned (no effect in Runnel).' },
  'min.compaction.lag.ms': { type: 'long', default: '0', min: 0n, synonyms: [syn('log.cleaner.min.compaction.lag.ms', { kafkaDefault: '0' })], doc: 'Shortest time a record stays uncompacted (no effect in Runnel).' },
  'min.insync.replicas': { type: 'int', default: '1', min: 1n, synonyms: [syn('min.insync.replicas', { kafkaDefault: '1' })], doc: 'Replicas that must acknowledge an acks=all write (always met by the single replica).' },
  preallocate: { type: 'bool', default: 'false', synonyms: [syn('log.preallocate', { kafkaDefault: 'false' })], doc: 'Preallocate segment files (no effect in Runnel).' },
  'remote.log.copy.disable': { type: 'bool', default: 'false', synonyms: [], doc: 'Tiered storage: stop copying to remote storage (no effect in Runnel).' },
  'remote.log.delete.on.disable': { type: 'bool', default: 'false', synonyms: [], doc: 'Tiered storage: delete remote data when disabled (no effect in Runnel).' },
  'remote.storage.enable': { type: 'bool', default: 'false', check: (v) => (v === 'true' ? 'tiered storage is not available on Runnel' : undefined), synonyms: [], doc: 'Tiered storage; Runnel has none, so only false is accepted.' },
  'retention.bytes': { type: 'long', default: '-1', synonyms: [syn('log.retention.bytes')], doc: 'Size limit of each partition; -1 for none.' },
  'retention.ms': {
    type: 'long',
    default: '604800000',
    min: -1n,
    synonyms: [syn('log.retention.ms'), syn('log.retention.minutes', { factor: MINUTE }), syn('log.retention.hours', { factor: HOUR })],
    doc: 'How long segments are kept; -1 keeps them forever.',
  },
  'segment.bytes': { type: 'int', default: '1073741824', min: 1024n * 1024n, synonyms: [syn('log.segment.bytes')], doc: 'Size at which a segment is rolled (at least 1 MiB, as in Kafka 4).' },
  'segment.index.bytes': { type: 'int', default: '10485760', min: 4n, synonyms: [syn('log.index.size.max.bytes', { kafkaDefault: '10485760' })], doc: 'Size of a segment offset index (Runnel sizes its indexes itself).' },
  'segment.jitter.ms': { type: 'long', default: '0', min: 0n, synonyms: [syn('log.roll.jitter.ms'), syn('log.roll.jitter.hours', { factor: HOUR, kafkaDefault: '0' })], doc: 'Random jitter subtracted from segment.ms (no effect in Runnel).' },
  'segment.ms': { type: 'long', default: '604800000', min: 1n, synonyms: [syn('log.roll.ms'), syn('log.roll.hours', { factor: HOUR })], doc: 'Age at which a segment is rolled.' },
  'unclean.leader.election.enable': { type: 'bool', default: 'false', synonyms: [syn('unclean.leader.election.enable', { kafkaDefault: 'false' })], doc: 'Allow an out-of-sync replica to lead (no effect on a single node).' },
};

export const TOPIC_CONFIG_NAMES: readonly string[] = Object.keys(TOPIC_CONFIGS).sort();

/** The definition of a topic key; own properties only, so "constructor" or "__proto__" are unknown keys. */
export function topicConfigDef(name: string): TopicConfigDef | undefined {
  return Object.hasOwn(TOPIC_CONFIGS, name) ? TOPIC_CONFIGS[name] : undefined;
}

export function isListConfig(name: string): boolean {
  return topicConfigDef(name)?.type === 'list';
}

export function configTypeId(type: string): number {
  switch (type) {
    case 'bool':
      return ConfigType.BOOLEAN;
    case 'int':
      return ConfigType.INT;
    case 'long':
      return ConfigType.LONG;
    case 'double':
      return ConfigType.DOUBLE;
    case 'list':
      return ConfigType.LIST;
    case 'string':
    case 'enum':
      return ConfigType.STRING;
    default:
      return ConfigType.UNKNOWN;
  }
}

export type Checked = { ok: true; value: string } | { ok: false; message: string };

/** Parses and validates one topic config value the way Kafka's ConfigDef does; returns it normalized. */
export function checkTopicConfig(name: string, raw: string): Checked {
  const def = topicConfigDef(name);
  if (!def) return { ok: false, message: `Unknown topic config name: ${name}` };
  const fail = (why: string): Checked => ({ ok: false, message: `Invalid value ${raw} for configuration ${name}: ${why}` });
  const v = raw.trim();
  let value: string;
  switch (def.type) {
    case 'int':
    case 'long': {
      if (!/^[+-]?\d+$/.test(v)) return fail(`Not a number of type ${def.type.toUpperCase()}`);
      const n = BigInt(v);
      const [lo, hi] = def.type === 'int' ? [INT_MIN, INT_MAX] : [LONG_MIN, LONG_MAX_N];
      if (n < lo || n > hi) return fail(`Not a number of type ${def.type.toUpperCase()}`);
      if (def.min !== undefined && n < def.min) return fail(`Value must be at least ${def.min}`);
      if (def.max !== undefined && n > def.max) return fail(`Value must be no more than ${def.max}`);
      value = n.toString();
      break;
    }
    case 'double': {
      const n = Number(v);
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v) || !Number.isFinite(n)) return fail('Not a number of type DOUBLE');
      if (n < 0 || n > 1) return fail('Value must be between 0 and 1');
      value = String(n);
      break;
    }
    case 'bool':
      if (v.toLowerCase() !== 'true' && v.toLowerCase() !== 'false') return fail('Expected value to be either true or false');
      value = v.toLowerCase();
      break;
    case 'list': {
      const items = v === '' ? [] : v.split(',').map((s) => s.trim());
      if (def.values) for (const item of items) if (!def.values.includes(item)) return fail(`String must be one of: ${def.values.join(', ')}`);
      value = items.join(',');
      break;
    }
    default:
      if (def.values && !def.values.includes(v)) return fail(`String must be one of: ${def.values.join(', ')}`);
      value = v;
  }
  const why = def.check?.(value);
  return why ? fail(why) : { ok: true, value };
}

/**
 * Topic keys Kafka 3.x accepts and Kafka 4.0 removed (KIP-724, KIP-937): clients and tools written
 * for Kafka 2.x/3.x still set them (librdkafka's own test suite does), so they are accepted, checked
 * as Kafka 3.x checked them, and not stored: message.format.version and
 * message.downconversion.enable have had no effect since Kafka 3.0 record formats;
 * message.timestamp.difference.max.ms is the old name of the before/after pair (Kafka 3.6+ uses it
 * for each bound not set by its own key), so it becomes those overrides.
 */
const LEGACY_TOPIC_CONFIGS: Readonly<Record<string, (v: string) => string | undefined>> = {
  'message.format.version': (v) => (/^\d+\.\d+(\.\d+)?(-IV\d+)?$/.test(v) ? undefined : `${v} is not a valid message format version`),
  'message.downconversion.enable': (v) => (v.toLowerCase() === 'true' || v.toLowerCase() === 'false' ? undefined : 'Expected value to be either true or false'),
  'message.timestamp.difference.max.ms': (v) => (/^[+]?\d+$/.test(v) && BigInt(v) <= LONG_MAX_N ? undefined : 'Value must be at least 0'),
};

/**
 * Validates a complete set of topic overrides (names, values, and the cross-key rules Kafka
 * checks); returns them normalized with warnings about accepted legacy keys, or the message of
 * the first problem (INVALID_CONFIG).
 */
export function validateTopicConfigs(
  configs: Record<string, string>,
): { ok: true; configs: Record<string, string>; warnings: string[] } | { ok: false; message: string } {
  const out: Record<string, string> = {};
  const warnings: string[] = [];
  let difference: string | undefined;
  for (const [name, raw] of Object.entries(configs)) {
    if (Object.hasOwn(LEGACY_TOPIC_CONFIGS, name)) {
      const why = LEGACY_TOPIC_CONFIGS[name](raw.trim());
      if (why) return { ok: false, message: `Invalid value ${raw} for configuration ${name}: ${why}` };
      if (name === 'message.timestamp.difference.max.ms') {
        difference = BigInt(raw.trim()).toString();
        warnings.push(`${name} is deprecated (removed in Kafka 4.0): applied as message.timestamp.before.max.ms and message.timestamp.after.max.ms where those are not set`);
      } else warnings.push(`${name} was removed in Kafka 4.0 and has no effect: accepted and ignored`);
      continue;
    }
    const r = checkTopicConfig(name, raw);
    if (!r.ok) return r;
    out[name] = r.value;
  }
  if (difference !== undefined) {
    out['message.timestamp.before.max.ms'] ??= difference;
    out['message.timestamp.after.max.ms'] ??= difference;
  }
  const minLag = BigInt(out['min.compaction.lag.ms'] ?? TOPIC_CONFIGS['min.compaction.lag.ms'].default);
  const maxLag = BigInt(out['max.compaction.lag.ms'] ?? TOPIC_CONFIGS['max.compaction.lag.ms'].default);
  if (minLag > maxLag)
    return { ok: false, message: `conflict topic config setting min.compaction.lag.ms (${minLag}) > max.compaction.lag.ms (${maxLag})` };
  return { ok: true, configs: out, warnings };
}

// ---------------------------------------------------------------- values and sources

export interface ConfigSynonym {
  name: string;
  value: string | null;
  source: number;
}

/** One described config: what DescribeConfigs and CreateTopics v5+ report. */
export interface DescribedConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  source: number;
  isSensitive: boolean;
  synonyms: ConfigSynonym[];
  type: number;
  documentation: string | null;
}

function brokerDefault(s: BrokerSynonym): string | undefined {
  return KEYS[s.key] ? KEYS[s.key].default : s.kafkaDefault;
}

function convert(value: string, s: BrokerSynonym): string {
  return s.factor ? (BigInt(value) * s.factor).toString() : value;
}

const LAYER_SOURCE = { 'dynamic-broker': ConfigSource.DYNAMIC_BROKER_CONFIG, 'dynamic-default': ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, static: ConfigSource.STATIC_BROKER_CONFIG } as const;

/**
 * Kafka's ConfigHelper.configSynonyms: for each source in order of precedence (dynamic per-broker,
 * dynamic cluster default, server.properties, default), the keys of `names` that have a value there;
 * then everything ranked before `name` itself is dropped. So retention.ms with only
 * log.retention.hours set reports no synonyms and DEFAULT_CONFIG, as Kafka does.
 */
function layeredSynonyms(broker: BrokerConfig, name: string, names: readonly string[], defaultOf: (k: string) => string | undefined, only?: number): ConfigSynonym[] {
  const out: ConfigSynonym[] = [];
  for (const layer of ['dynamic-broker', 'dynamic-default', 'static'] as const)
    for (const k of names) {
      const hit = broker.layers(k).find((l) => l.layer === layer);
      if (hit) out.push({ name: k, value: hit.value, source: LAYER_SOURCE[layer] });
    }
  for (const k of names) {
    const d = defaultOf(k);
    if (d !== undefined) out.push({ name: k, value: d, source: ConfigSource.DEFAULT_CONFIG });
  }
  const kept = only === undefined ? out : out.filter((s) => s.source === only);
  const first = kept.findIndex((s) => s.name === name);
  return first < 0 ? [] : kept.slice(first);
}

/** The broker keys behind a topic key that have a value, in Kafka's order (see layeredSynonyms). */
function brokerSynonyms(broker: BrokerConfig, def: TopicConfigDef): ConfigSynonym[] {
  if (def.synonyms.length === 0) return [];
  const byKey = new Map(def.synonyms.map((s) => [s.key, s]));
  return layeredSynonyms(broker, def.synonyms[0].key, brokerKeySynonyms(def.synonyms[0].key).filter((k) => byKey.has(k) || KEYS[k]), (k) => {
    const s = byKey.get(k);
    return s ? brokerDefault(s) : KEYS[k]?.default;
  });
}

/** The value a topic has for `name` when it has no override: the broker's effective value, in the topic key's unit. */
export function topicDefault(broker: BrokerConfig, name: string): string {
  const def = TOPIC_CONFIGS[name];
  for (const s of def.synonyms) if (KEYS[s.key] && broker.isSet(s.key)) return convert(broker.get(s.key)!, s);
  for (const s of def.synonyms) {
    const d = brokerDefault(s);
    if (d !== undefined) return convert(d, s);
  }
  return def.default;
}

/**
 * A topic's config `name` as DescribeConfigs shows it: the override (TOPIC_CONFIG) or the broker's
 * value (its source is that of the first synonym Kafka would list, else DEFAULT_CONFIG).
 */
export function describeTopicConfig(broker: BrokerConfig, overrides: Record<string, string>, name: string): DescribedConfig {
  const def = TOPIC_CONFIGS[name];
  const synonyms = brokerSynonyms(broker, def);
  const override = overrides[name];
  if (override !== undefined) synonyms.unshift({ name, value: override, source: ConfigSource.TOPIC_CONFIG });
  return {
    name,
    value: override ?? topicDefault(broker, name),
    readOnly: false,
    source: synonyms.length > 0 ? synonyms[0].source : ConfigSource.DEFAULT_CONFIG,
    isSensitive: false,
    synonyms,
    type: configTypeId(def.type),
    documentation: def.doc,
  };
}

/** Kafka's DynamicBrokerConfig.brokerConfigSynonyms: keys that set the same broker setting, highest precedence first. */
function brokerKeySynonyms(name: string): string[] {
  switch (name) {
    case 'log.roll.ms':
    case 'log.roll.hours':
      return ['log.roll.ms', 'log.roll.hours'];
    case 'log.roll.jitter.ms':
    case 'log.roll.jitter.hours':
      return ['log.roll.jitter.ms', 'log.roll.jitter.hours'];
    case 'log.flush.interval.ms':
      return ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'];
    case 'log.retention.ms':
    case 'log.retention.minutes':
    case 'log.retention.hours':
      return ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'];
    default:
      return [name];
  }
}

/**
 * A broker config as DescribeConfigs shows it. For this node (`perBroker`), the effective value and
 * the source of the first synonym (dynamic per-broker, dynamic cluster default, server.properties,
 * default); for the cluster default resource (""), only its dynamic default layer, as Kafka.
 * Keys Kafka can change at run time (dynamic-keys.ts) are not read-only.
 */
export function describeBrokerConfig(broker: BrokerConfig, name: string, perBroker = true, dynamic: (key: string) => boolean = () => false): DescribedConfig {
  const synonyms = layeredSynonyms(broker, name, brokerKeySynonyms(name), (k) => KEYS[k]?.default, perBroker ? undefined : ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
  const def = keyDef(name)!;
  // Secrets (Kafka's PASSWORD keys) are described without their value, synonyms included.
  const secret = def.sensitive === true;
  return {
    name,
    value: secret ? null : perBroker ? (broker.get(name) ?? null) : (broker.dynamicValues('dynamic-default').get(name) ?? null),
    readOnly: !dynamic(name),
    source: synonyms.length > 0 ? synonyms[0].source : ConfigSource.DEFAULT_CONFIG,
    isSensitive: secret,
    synonyms: secret ? synonyms.map((s) => ({ ...s, value: null })) : synonyms,
    type: configTypeId(def.type),
    documentation: def.doc,
  };
}

/** The sorted list of broker keys DescribeConfigs shows: every declared key, and the listener-prefixed keys `config` sets. */
export function brokerConfigNames(config?: BrokerConfig): string[] {
  return [...Object.keys(KEYS), ...(config?.listenerKeys() ?? [])].sort();
}

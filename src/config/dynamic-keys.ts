/**
 * Which broker keys may change at run time (KIP-226), following Kafka's
 * DynamicBrokerConfig.AllDynamicConfigs, restricted to keys that mean something to Runnel.
 *
 * Served (applied live, because their readers look them up on every use): the log.* defaults
 * behind topic configs (DynamicLogConfig: the broker synonyms of topic keys, e.g. log.retention.ms
 * but not log.retention.hours, which Kafka does not make dynamic), message.max.bytes,
 * compression.type, log.cleaner.backoff.ms, log.cleaner.dedupe.buffer.size and
 * log.cleaner.io.buffer.load.factor (LogCleaner) and producer.id.expiration.ms
 * (DynamicProducerStateManagerConfig).
 *
 * Dynamic in Kafka but without meaning on Runnel (thread pools, listeners, SSL stores, connection
 * quotas, metric reporters, ...): refused with INVALID_REQUEST saying so, rather than stored and
 * silently ignored. Every other known key is refused as Kafka refuses it: "Cannot update these
 * configs dynamically".
 */

export const DYNAMIC_BROKER_KEYS: ReadonlySet<string> = new Set([
  // DynamicLogConfig: ServerTopicConfigSynonyms' broker keys.
  'log.retention.ms',
  'log.retention.bytes',
  'log.segment.bytes',
  'log.roll.ms',
  'log.index.interval.bytes',
  'log.flush.interval.messages',
  'log.flush.interval.ms',
  'log.cleanup.policy',
  'log.cleaner.delete.retention.ms',
  'log.message.timestamp.type',
  'log.message.timestamp.before.max.ms',
  'log.message.timestamp.after.max.ms',
  'compression.type',
  'message.max.bytes',
  // LogCleaner.RECONFIGURABLE_CONFIGS
  'log.cleaner.backoff.ms',
  'log.cleaner.dedupe.buffer.size',
  'log.cleaner.io.buffer.load.factor',
  // DynamicProducerStateManagerConfig
  'producer.id.expiration.ms',
  // DynamicConfig.Broker: the replication throttle (src/replication/replication-throttle.ts)
  'leader.replication.throttled.rate',
  'follower.replication.throttled.rate',
]);

/** Keys Kafka can change at run time that have no effect on a single Runnel node. */
const DYNAMIC_ELSEWHERE = [
  /^num\.(io|network|replica\.fetchers|recovery\.threads\.per\.data\.dir)(\.threads)?$/,
  /^background\.threads$/,
  /^(advertised\.)?listeners$/,
  /^listener\.security\.protocol\.map$/,
  /^listener\.name\./,
  /^ssl\./,
  /^sasl\./,
  /^max\.connections/,
  /^max\.connection\.creation\.rate$/,
  /^metric\.reporters$/,
  /^log\.cleaner\.(threads|io\.buffer\.size|io\.max\.bytes\.per\.second)$/,
  /^log\.(roll\.jitter\.ms|index\.size\.max\.bytes|preallocate|segment\.delete\.delay\.ms|cleaner\.(min|max)\.compaction\.lag\.ms|cleaner\.min\.cleanable\.ratio|local\.retention\.(ms|bytes))$/,
  /^(min\.insync\.replicas|unclean\.leader\.election\.enable|transaction\.partition\.verification\.enable|follower\.fetch\.last\.tiered\.offset\.enable)$/,
  /^compression\.(gzip|lz4|zstd)\.level$/,
  /^remote\.log\./,
  /^config\.providers$/,
];

/**
 * Kafka's SslConfigs.RECONFIGURABLE_CONFIGS, which it changes at run time only per listener
 * (listener.name.<l>.ssl.*) and only on one broker: a renewed keystore or truststore, applied at
 * once by the listener (src/security/tls/tls-listener.ts).
 */
const SSL_RECONFIGURABLE = /^ssl\.(keystore\.(type|location|password|key|certificate\.chain)|key\.password|truststore\.(type|location|password|certificates))$/;
const LISTENER_SSL_RECONFIGURABLE = /^listener\.name\.[A-Za-z_][A-Za-z0-9_]*\.(ssl\..+)$/;

export function isDynamicBrokerKey(name: string): boolean {
  return DYNAMIC_BROKER_KEYS.has(name) || SSL_RECONFIGURABLE.test(LISTENER_SSL_RECONFIGURABLE.exec(name)?.[1] ?? '');
}

/** Dynamic keys Kafka accepts only for one broker, not as the cluster default (DynamicBrokerConfig.perBrokerConfigs). */
export function isPerBrokerKey(name: string): boolean {
  return SSL_RECONFIGURABLE.test(LISTENER_SSL_RECONFIGURABLE.exec(name)?.[1] ?? '');
}

/** A reconfigurable security key given without its listener prefix, which Kafka refuses. */
export function needsListenerPrefix(name: string): boolean {
  return SSL_RECONFIGURABLE.test(name);
}

/** A key Kafka would change at run time but that means nothing on Runnel. */
export function dynamicElsewhere(name: string): boolean {
  return DYNAMIC_ELSEWHERE.some((r) => r.test(name));
}

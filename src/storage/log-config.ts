/**
 * The settings a partition's log obeys: Kafka's topic-level keys (retention.ms, segment.bytes, …)
 * over the broker's log.* defaults. Resolved on every use, so AlterConfigs applies live.
 */
import type { BrokerConfig } from '../config/config.js';

export interface LogConfig {
  segmentBytes: number;
  rollMs: number;
  indexIntervalBytes: number;
  /** -1: keep forever. */
  retentionMs: number;
  /** -1: no size limit. */
  retentionBytes: number;
  flushIntervalMessages: number;
  flushIntervalMs: number;
  fsyncOnAck: boolean;
  cleanupPolicy: string[];
  deleteRetentionMs: number;
  messageTimestampType: 'CreateTime' | 'LogAppendTime';
  maxMessageBytes: number;
  /** CreateTime bounds: how far in the past / future a batch's timestamps may be (Infinity: no bound). */
  timestampBeforeMaxMs: number;
  timestampAfterMaxMs: number;
  /** Topic compression.type: producer, uncompressed, gzip, snappy, lz4 or zstd. */
  compressionType: string;
}

const LONG_MAX = 2n ** 63n - 1n;

function num(v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const b = BigInt(v);
  return b >= LONG_MAX ? Infinity : Number(b);
}

export function resolveLogConfig(broker: BrokerConfig, topic: Record<string, string> = {}): LogConfig {
  const flushMs = topic['flush.ms'] ?? broker.get('log.flush.interval.ms') ?? broker.get('log.flush.scheduler.interval.ms');
  return {
    segmentBytes: num(topic['segment.bytes'], broker.int('log.segment.bytes')),
    rollMs: num(topic['segment.ms'], broker.rollMs),
    indexIntervalBytes: num(topic['index.interval.bytes'], broker.int('log.index.interval.bytes')),
    retentionMs: num(topic['retention.ms'], broker.retentionMs),
    retentionBytes: num(topic['retention.bytes'], broker.num('log.retention.bytes')),
    flushIntervalMessages: num(topic['flush.messages'], broker.num('log.flush.interval.messages')),
    flushIntervalMs: num(flushMs, Infinity),
    fsyncOnAck: broker.bool('runnel.fsync.on.ack'),
    cleanupPolicy: (topic['cleanup.policy'] ?? broker.get('log.cleanup.policy') ?? 'delete').split(',').map((s) => s.trim()),
    deleteRetentionMs: num(topic['delete.retention.ms'], broker.num('log.cleaner.delete.retention.ms')),
    messageTimestampType: (topic['message.timestamp.type'] ?? broker.get('log.message.timestamp.type')) as LogConfig['messageTimestampType'],
    maxMessageBytes: num(topic['max.message.bytes'], broker.int('message.max.bytes')),
    timestampBeforeMaxMs: num(topic['message.timestamp.before.max.ms'], broker.num('log.message.timestamp.before.max.ms')),
    timestampAfterMaxMs: num(topic['message.timestamp.after.max.ms'], broker.num('log.message.timestamp.after.max.ms')),
    compressionType: topic['compression.type'] ?? broker.get('compression.type') ?? 'producer',
  };
}

/**
 * Per-topic LogConfig, resolved once per topic-config object: AlterConfigs replaces the object and
 * a dynamic broker config change bumps the config's generation, so changes still apply at once.
 */
export function topicLogConfigs(broker: BrokerConfig, topicConfigs: (topic: string) => Record<string, string>): (topic: string) => LogConfig {
  const cache = new Map<string, { source: Record<string, string>; value: LogConfig; generation: number }>();
  return (topic) => {
    const source = topicConfigs(topic);
    const cached = cache.get(topic);
    if (cached && cached.source === source && cached.generation === broker.generation) return cached.value;
    const value = resolveLogConfig(broker, source);
    cache.set(topic, { source, value, generation: broker.generation });
    return value;
  };
}

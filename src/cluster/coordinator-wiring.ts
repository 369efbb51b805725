/**
 * How the group and transaction coordinators are wired to the partitions of their internal topics,
 * on one node and in a cluster alike (the broker's wiring calls these):
 * - `coordinatorPartitions`: a coordinator writes a partition through the handle the partition
 *   manager gives for it (only the leader's: in a cluster the ReplicaManager's, so a write resolves
 *   once replicated) and loads it from the local log;
 * - `followLeadership`: the ReplicaManager's onLeadership callback, electing and resigning the
 *   coordinators' partitions (Kafka's onElection / onResignation);
 * - `localMarkerHandle`: the handle a transaction marker goes through when this broker leads the
 *   partition (marker-sender.ts sends the rest to their leader);
 * - `CoordinatorTopics`: creates __consumer_offsets / __transaction_state on the first
 *   FindCoordinator of a cluster, as Kafka does, once enough brokers are alive.
 */
import { ErrorCode } from '../protocol/errors.js';
import { StorageError, type Log } from '../storage/log.js';
import type { PartitionHandle } from '../partitions/partition-handle.js';
import type { PartitionManager } from '../partitions/partition-manager.js';
import type { KvPartitions } from './kv-log.js';
import type { MetadataImage } from './metadata-image.js';
import type { TopicCatalog } from './topics.js';
import { OFFSETS_TOPIC, TXN_TOPIC } from './internal-topics.js';
import type { Logger } from '../util/logger.js';

/** The partitions of internal topic `topic` as a coordinator reaches them. */
export function coordinatorPartitions(topic: string, o: { partitions: PartitionManager; logs: { partition(topic: string, index: number): Log | undefined }; count(): number }): KvPartitions {
  return {
    count: o.count,
    handle: (p) => o.partitions.getPartitionOrError(topic, p).partition,
    log: (p) => o.logs.partition(topic, p),
  };
}

/**
 * The handle of a partition this broker leads, for a transaction marker; undefined when another
 * broker leads it or it does not exist (the marker goes elsewhere or nowhere). A log that is
 * offline here is an error: the transaction stays prepared until the marker can be written.
 */
export function localMarkerHandle(partitions: PartitionManager): (topic: string, index: number) => PartitionHandle | undefined {
  return (topic, index) => {
    const r = partitions.getPartitionOrError(topic, index);
    if (r.partition) return r.partition;
    if (r.errorCode === ErrorCode.KAFKA_STORAGE_ERROR) throw new StorageError(r.errorCode, r.message ?? `${topic}-${index} is offline`);
    return undefined;
  };
}

interface Coordinator {
  onElection(partition: number): Promise<void>;
  onResignation(partition: number): Promise<void>;
}

/** ReplicaManager's onLeadership: the coordinators follow the leadership of their topics' partitions. */
export function followLeadership(groups: Coordinator, transactions: Coordinator, log: Logger): (topic: string, partition: number, leader: boolean) => void {
  return (topic, partition, leader) => {
    const c = topic === OFFSETS_TOPIC ? groups : topic === TXN_TOPIC ? transactions : undefined;
    if (!c) return;
    const done = leader ? c.onElection(partition) : c.onResignation(partition);
    done.catch((err: unknown) => log.error({ topic, partition, leader, err: (err as Error)?.message ?? String(err) }, 'coordinator could not follow the partition leadership'));
  };
}

export interface CoordinatorTopicSettings {
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
}

/** Kafka's settings of the two internal topics (compacted; __transaction_state with its own min ISR). */
export function coordinatorTopicSettings(config: { int(key: string): number }, topic: string): CoordinatorTopicSettings {
  if (topic === TXN_TOPIC)
    return {
      partitions: config.int('transaction.state.log.num.partitions'),
      replicationFactor: config.int('transaction.state.log.replication.factor'),
      configs: { 'cleanup.policy': 'compact', 'min.insync.replicas': String(config.int('transaction.state.log.min.isr')) },
    };
  return { partitions: config.int('offsets.topic.num.partitions'), replicationFactor: config.int('offsets.topic.replication.factor'), configs: { 'cleanup.policy': 'compact' } };
}

/**
 * Kafka's FindCoordinator creation of an internal topic: with its partitions and replication
 * factor (offsets.topic.* / transaction.state.log.*), compacted, spread over the brokers alive;
 * COORDINATOR_NOT_AVAILABLE while fewer brokers are alive than the factor, as Kafka refuses.
 */
export class CoordinatorTopics {
  private creating = new Map<string, Promise<void>>();

  constructor(
    private readonly o: {
      topics: Pick<TopicCatalog, 'get' | 'createNew'>;
      image(): MetadataImage;
      settings(topic: string): CoordinatorTopicSettings;
      log: Logger;
    },
  ) {}

  /** 0 when `topic` exists; else starts creating it and answers COORDINATOR_NOT_AVAILABLE (the client retries). */
  async ensure(topic: string): Promise<number> {
    if (this.o.topics.get(topic)) return ErrorCode.NONE;
    const { partitions, replicationFactor, configs } = this.o.settings(topic);
    const ids = this.o.image().brokers().map((b) => b.id).sort((a, b) => a - b);
    if (ids.length < replicationFactor) {
      this.o.log.warn({ topic, alive: ids.length, replicationFactor }, 'cannot create a coordinator topic yet: fewer brokers alive than its replication factor');
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    let run = this.creating.get(topic);
    if (!run) {
      const replicas = Array.from({ length: partitions }, (_, i) => Array.from({ length: replicationFactor }, (_, r) => ids[(i + r) % ids.length]));
      run = this.o.topics
        .createNew(topic, partitions, configs, replicas)
        .then(() => this.o.log.info({ topic, partitions, replicationFactor }, 'created a coordinator topic'))
        .catch((err: unknown) => {
          // Another broker created it first: fine; anything else is retried by the next FindCoordinator.
          if (!this.o.topics.get(topic)) this.o.log.warn({ topic, err: (err as Error)?.message }, 'could not create a coordinator topic');
        })
        .finally(() => this.creating.delete(topic));
      this.creating.set(topic, run);
    }
    await run;
    return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
}

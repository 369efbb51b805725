/**
 * What differs between a single node and a member of a cluster, behind one interface: who owns the
 * metadata image (topics.json here, etcd there), how partitions are reached (one local replica, or
 * leaders and followers), where producer ids come from, and what happens when the broker starts
 * listening and when it stops. broker.ts wires everything else the same way for both.
 */
import type { TopicCatalog, TopicInfo } from '../cluster/topics.js';
import type { BrokerImage } from '../cluster/metadata-image.js';
import type { BrokerLogs } from '../storage/log-store.js';
import type { PartitionManager } from '../partitions/partition-manager.js';
import type { ProducerIdAllocator } from '../producers/producer-ids.js';
import type { MetadataSource } from '../handlers/types.js';
import type { ClusterMetricsSource } from '../metrics/cluster-metrics.js';

export interface Topology {
  readonly clusterId: string;
  readonly nodeId: number;
  readonly logs: BrokerLogs;
  /** The owner of the metadata image, as a topic catalogue and as the image's source. */
  readonly owner: TopicCatalog & MetadataSource;
  readonly partitions: PartitionManager;
  readonly producerIds: ProducerIdAllocator;
  /** Replication and controller metrics (cluster only). */
  readonly metrics?: ClusterMetricsSource;
  /** The internal topic (created when missing), or undefined while it cannot be created yet. */
  internalTopic(name: string, partitions: number, replicationFactor: number, configs: Record<string, string>): Promise<TopicInfo | undefined>;
  /** The broker listens: it is registered with the endpoints it is bound to and starts replicating. */
  listening(broker: BrokerImage): Promise<void>;
  /** Before the listener closes: a controlled shutdown moves leadership away (cluster only). */
  stopping(): Promise<void>;
  /** After the listener closed, before the logs close. */
  close(): Promise<void>;
}

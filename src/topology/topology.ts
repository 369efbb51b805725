/**
 * What differs between a single node and a member of a cluster, behind one interface: who owns the
 * metadata image (topics.json here, etcd there), how partitions are reached (one local replica, or
 * leaders and followers), where producer ids come from and client quotas are kept, and what happens
 * when the broker starts listening and when it stops. broker.ts wires everything else the same way
 * for both.
 */
import type { TopicCatalog } from '../cluster/topics.js';
import type { BrokerImage } from '../cluster/metadata-image.js';
import type { BrokerLogs } from '../storage/log-store.js';
import type { PartitionManager } from '../partitions/partition-manager.js';
import type { ProducerIdAllocator } from '../producers/producer-ids.js';
import type { MetadataSource } from '../handlers/types.js';
import type { ClusterMetricsSource } from '../metrics/cluster-metrics.js';
import type { PartitionReassignmentsPort } from '../ports/reassignments.js';
import type { BrokerRegistry } from '../cluster/broker-registry.js';
import type { LeaderElections } from '../ports/leader-elections.js';
import type { QuotaStore } from '../quotas/quota-store.js';
import type { ScramCredentialStore } from '../security/scram/credential-store.js';
import type { AclStore } from '../security/acl/acl-store.js';

export interface Topology {
  readonly clusterId: string;
  readonly nodeId: number;
  readonly logs: BrokerLogs;
  /** The owner of the metadata image, as a topic catalogue and as the image's source. */
  readonly owner: TopicCatalog & MetadataSource;
  readonly partitions: PartitionManager;
  readonly producerIds: ProducerIdAllocator;
  /** A member of a cluster (partitions led and followed, coordinators following leadership). */
  readonly clustered: boolean;
  /** Told when this broker starts or stops leading a partition (the coordinators follow it); a single node leads everything from the start. */
  onLeadership(fn: (topic: string, partition: number, leader: boolean) => void): void;
  /** Partition reassignments (cluster only). */
  readonly reassignments?: PartitionReassignmentsPort;
  /** Brokers known but not alive, and unregistering them (cluster only). */
  readonly brokerRegistry?: BrokerRegistry;
  /** Replication and controller metrics (cluster only). */
  readonly metrics?: ClusterMetricsSource;
  /** ElectLeaders made by the controller (cluster only). */
  readonly leaderElections?: LeaderElections;
  /** The client quotas as the cluster keeps them, over the control state's connection (cluster only; a single node keeps its own). */
  readonly quotaStore?: QuotaStore;
  /** The SCRAM credentials as the cluster keeps them in etcd (cluster only; a single node keeps its own). */
  readonly scramStore?: ScramCredentialStore;
  /** The ACLs as the cluster keeps them in etcd (cluster only; a single node keeps its own). */
  readonly aclStore?: AclStore;
  /** The broker listens: it is registered with the endpoints it is bound to and starts replicating. */
  listening(broker: BrokerImage): Promise<void>;
  /** Before the listener closes: a controlled shutdown moves leadership away (cluster only). */
  stopping(): Promise<void>;
  /** After the listener closed, before the logs close. */
  close(): Promise<void>;
}

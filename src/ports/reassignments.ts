/**
 * Partition reassignment as handlers see it (AlterPartitionReassignments, key 45): the change of
 * one partition's replica set, started or cancelled in the cluster's control state. Implemented
 * in a cluster by src/cluster/etcd/reassignment.ts; a single node has none (the handler answers
 * for it). Listing reads the metadata image (PartitionImage.addingReplicas / removingReplicas).
 */
import type { ReassignmentError } from '../cluster/reassignment.js';

export type { ReassignmentError } from '../cluster/reassignment.js';

export interface PartitionReassignmentsPort {
  /**
   * Starts a reassignment of topic-partition to `target` (already validated against the
   * registered brokers), or cancels the one in progress (`target` null). Undefined on success,
   * else Kafka's error for the partition.
   */
  alter(topic: string, partition: number, target: readonly number[] | null): Promise<ReassignmentError | undefined>;
}

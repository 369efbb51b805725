/**
 * The one way handlers reach partitions (Kafka's ReplicaManager.getPartitionOrError): a handle, or
 * the Kafka error a client should see instead.
 */
import type { PartitionHandle } from './partition-handle.js';

/** The partition's leader as this broker knows it (KIP-951: clients move at once), with an error. */
export interface LeaderHint {
  leaderId: number;
  leaderEpoch: number;
}

export type PartitionLookup =
  | { partition: PartitionHandle; errorCode: 0; message?: undefined; leader?: undefined }
  | { partition: undefined; errorCode: number; message?: string; leader?: LeaderHint };

export interface PartitionManager {
  /**
   * UNKNOWN_TOPIC_OR_PARTITION for a topic or partition the cluster does not have;
   * NOT_LEADER_OR_FOLLOWER for one this broker does not host; KAFKA_STORAGE_ERROR for one whose
   * log is offline after a failed write.
   */
  getPartitionOrError(topic: string, index: number): PartitionLookup;
  /** The partitions of a topic that this broker hosts (in index order). */
  partitions(topic: string): PartitionHandle[];
  /**
   * Fetch from follower (KIP-392), in a cluster only: a consumer's Fetch (v11+) may be served by a
   * follower too. The leader's or a follower's handle (`follower` says which), else as
   * getPartitionOrError.
   */
  getReadableOrError?(topic: string, index: number): PartitionLookup & { follower?: boolean };
  /**
   * The follower in the client's rack this leader names as preferred read replica (replica.selector.class),
   * or -1: not the leader, no selector, or the leader is the one to read from.
   */
  preferredReadReplica?(topic: string, index: number, clientRack: string, fetchOffset: number): number;
  /** Makes the log start offsets survive a crash (after DeleteRecords). */
  checkpointLogStartOffsets(): Promise<void>;
}

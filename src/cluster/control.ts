/**
 * The cluster's control state as the rest of the broker sees it (docs/cluster-design.md): an
 * image kept up to date from the shared store (etcd in a cluster), the topic changes handlers ask
 * for, and the compare-and-swap of one partition's state that leaders (ISR changes) and the
 * controller (leader elections) make. The replica manager and the coordinators depend on this,
 * never on etcd.
 */
import type { MetadataImage, PartitionImage } from './metadata-image.js';

/** The part of a partition's state a change names; epochs are the store's to bump. */
export interface PartitionStateChange {
  leader: number;
  isr: number[];
}

/** Outcome of a compare-and-swap: the new state, or 'stale' when the partition epoch no longer matches. */
export type AlterResult = { ok: true; state: PartitionImage } | { ok: false; reason: 'stale' | 'unknown' | 'fenced' };

export interface ClusterControl {
  /** The latest image seen (brokers alive now, topics, partition states, the controller). */
  image(): MetadataImage;
  /** Called with each new image, after it replaced the previous one; returns an unsubscribe. */
  onImage(fn: (next: MetadataImage, prev: MetadataImage) => void): () => void;
  /**
   * Kafka's AlterPartition: the leader of `partitionEpoch` changes the ISR (or the controller the
   * leader). Succeeds only if the stored partition epoch is still `partitionEpoch`; a new leader
   * bumps the leader epoch; every success bumps the partition epoch.
   */
  alterPartition(topic: string, partition: number, partitionEpoch: number, change: PartitionStateChange): Promise<AlterResult>;
  /** False while this broker's registration (its lease) is not known to be alive: it must not lead. */
  readonly registered: boolean;
  /** Called when `registered` changes. */
  onRegistration(fn: (registered: boolean) => void): () => void;
}

/** What the transaction coordinator keeps per transactional id, and what it needs and answers. */
import type { MarkerSender, TxnMarker } from './marker-sender.js';
import type { TxnState } from './txn-rules.js';
import type { TopicPartitionSet } from '../util/topic-partition.js';

export interface TxnMetadata {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  /** The producer id this one replaced when its epochs ran out (a retry may still name it), or -1. */
  previousProducerId: bigint;
  /** The epoch before the last bump a client was given: an InitProducerId retry may name it. */
  lastProducerEpoch: number;
  /** Set while a transaction version 2 end is prepared on an exhausted epoch: the id to move to. */
  nextProducerId: bigint;
  timeoutMs: number;
  state: TxnState;
  /** "topic\0partition" */
  partitions: TopicPartitionSet;
  groups: Set<string>;
  startTimestamp: number;
  lastUpdate: number;
  /**
   * A transition is being written to __transaction_state (Kafka's pendingTransitionInProgress):
   * not persisted. Checks made outside the per-id lock (Produce) answer CONCURRENT_TRANSACTIONS.
   */
  pending?: boolean;
}

/** What the coordinator needs from the rest of the broker. */
export interface TxnPorts {
  /** Where the markers of a transaction's partitions go: the leader of each (marker-sender.ts). */
  markers: MarkerSender;
  topicExists(topic: string, index: number): boolean;
  /**
   * Makes (commit) or discards (abort) the offsets a producer committed in its transaction. In a
   * cluster, a group coordinated elsewhere gets `marker` on its __consumer_offsets partition instead.
   */
  completeTxnOffsets(groupId: string, producerId: bigint, commit: boolean, producerEpoch: number, marker: TxnMarker): Promise<void>;
}

export interface EndTxnResult {
  errorCode: number;
  producerId: bigint;
  producerEpoch: number;
}

/**
 * The transaction coordinator as handlers see it: the port BrokerServices hands out, implemented by
 * TxnCoordinator (src/transactions/). The coordinator answers with Kafka error codes itself and
 * never rejects: a failed operation is answered as its one mapping, txnErrorCode, maps it.
 */
import type { EndTxnResult, TxnMetadata } from '../transactions/txn-metadata.js';
import type { TopicPartitionMap } from '../util/topic-partition.js';

export type { EndTxnResult, TxnMetadata } from '../transactions/txn-coordinator.js';
/** Old request versions answer INVALID_PRODUCER_EPOCH where newer ones answer PRODUCER_FENCED. */
export { PRODUCER_FENCED_SINCE, needsLegacyFencing, toLegacyFencing } from '../transactions/legacy-fencing.js';

export interface TxnCoordinatorPort {
  /**
   * Whether this broker coordinates the transactional id now: 0; NOT_COORDINATOR when another
   * broker leads its __transaction_state partition, COORDINATOR_LOAD_IN_PROGRESS while it loads.
   */
  coordinatorError(transactionalId: string): number;
  /** Whether a __transaction_state partition led here is still loading (ListTransactions). */
  loadInProgress(): boolean;
  /** Transactions by transactional id (DescribeTransactions, ListTransactions). */
  readonly txns: ReadonlyMap<string, TxnMetadata>;
  initProducer(transactionalId: string, timeoutMs: number, expected?: { producerId: bigint; producerEpoch: number }): Promise<{ errorCode: number; producerId: bigint; producerEpoch: number }>;
  addPartitions(transactionalId: string, producerId: bigint, producerEpoch: number, parts: Array<{ topic: string; partition: number }>, verifyOnly?: boolean): Promise<TopicPartitionMap<number>>;
  addOffsets(transactionalId: string, producerId: bigint, producerEpoch: number, groupId: string): Promise<number>;
  /** The error a transactional produce to this partition gets, 0 when it may write. */
  produceError(transactionalId: string, producerId: bigint, producerEpoch: number, topic: string, partition: number, apiVersion: number): Promise<number>;
  offsetCommitError(transactionalId: string, producerId: bigint, producerEpoch: number, groupId: string, apiVersion: number): Promise<number>;
  endTxn(transactionalId: string, producerId: bigint, producerEpoch: number, commit: boolean, v2?: boolean): Promise<EndTxnResult>;
}

/**
 * The transaction subsystem's one error mapping: a transaction coordinator operation that failed
 * (its state could not be written to __transaction_state, a marker could not be written, or a
 * bug) as the code the transaction APIs answer, logged once. The coordinator applies it at its
 * port (txn-coordinator.ts), so every handler, Produce's partition check included, gets a code.
 */
import { coordinatorErrorCode } from '../partitions/partition-errors.js';
import { ErrorCode } from '../protocol/errors.js';
import type { Logger } from '../util/logger.js';

export function txnErrorCode(err: unknown, log: Logger, where: Record<string, unknown>): number {
  return coordinatorErrorCode(err, log, where, 'transaction coordinator');
}

/**
 * A coordinator answer as a producer's partition response, mapped as Kafka's brokers map it:
 * PRODUCER_FENCED is INVALID_PRODUCER_EPOCH there, and CONCURRENT_TRANSACTIONS (an end still being
 * written) or a coordinator that could not store the change NOT_ENOUGH_REPLICAS, which every
 * client retries without refreshing metadata.
 */
export function producerFacing(code: number): number {
  if (code === ErrorCode.PRODUCER_FENCED) return ErrorCode.INVALID_PRODUCER_EPOCH;
  if (code === ErrorCode.CONCURRENT_TRANSACTIONS || code === ErrorCode.COORDINATOR_NOT_AVAILABLE || code === ErrorCode.NOT_COORDINATOR) return ErrorCode.NOT_ENOUGH_REPLICAS;
  return code;
}

/**
 * The transaction subsystem's one error mapping: a transaction coordinator operation that failed
 * (its state could not be written to __transaction_state, a marker could not be written, or a
 * bug) as the code the transaction APIs answer, logged once. The coordinator applies it at its
 * port (txn-coordinator.ts), so every handler, Produce's partition check included, gets a code.
 */
import { coordinatorErrorCode } from '../partitions/partition-errors.js';
import type { Logger } from '../util/logger.js';

export function txnErrorCode(err: unknown, log: Logger, where: Record<string, unknown>): number {
  return coordinatorErrorCode(err, log, where, 'transaction coordinator');
}

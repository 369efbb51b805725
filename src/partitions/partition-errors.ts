/**
 * The partition subsystem's one error mapping: what a failed partition operation (append, read,
 * time query, DeleteRecords, marker) answers, the same in every handler. As Kafka's
 * Errors.forException after ReplicaManager: the storage layer's own errors (StorageError) and the
 * batch checks' (BatchError) carry their code; bytes that do not decode are CORRUPT_MESSAGE; an
 * I/O error the storage layer did not wrap is KAFKA_STORAGE_ERROR (Kafka's IOException becomes a
 * KafkaStorageException); anything else is a bug, logged, and UNKNOWN_SERVER_ERROR.
 *
 * The coordinators, which keep their state in partitions, map a failed write of that state with
 * coordinatorErrorCode (below), each through its own function (groupErrorCode, txnErrorCode).
 */
import { ErrorCode } from '../protocol/errors.js';
import { BatchError } from '../protocol/record-batch.js';
import { DecodeError } from '../protocol/primitives/errors.js';
import { StorageError } from '../storage/log.js';
import type { Logger } from '../util/logger.js';

/** A Node.js system error (fs, EIO, ENOSPC...): it has a string code such as 'EIO'. */
function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

export interface ClassifiedError {
  code: number;
  message: string;
  /** What failed: a refusal with its own code, the disk, or a bug. */
  kind: 'refused' | 'io' | 'unexpected';
}

/** Any error as the Kafka code it stands for (not logged): the one classification every subsystem starts from. */
export function classifyError(err: unknown): ClassifiedError {
  if (err instanceof BatchError || err instanceof StorageError) return { code: err.errorCode, message: err.message, kind: err.errorCode === ErrorCode.KAFKA_STORAGE_ERROR ? 'io' : 'refused' };
  if (err instanceof DecodeError) return { code: ErrorCode.CORRUPT_MESSAGE, message: err.message, kind: 'refused' };
  if (isSystemError(err)) return { code: ErrorCode.KAFKA_STORAGE_ERROR, message: `I/O error: ${err.message}`, kind: 'io' };
  return { code: ErrorCode.UNKNOWN_SERVER_ERROR, message: 'unexpected server error', kind: 'unexpected' };
}

export function partitionErrorCode(err: unknown, log: Logger, where: Record<string, unknown>): { code: number; message: string } {
  const c = classifyError(err);
  if (c.kind === 'unexpected') log.error({ ...where, err }, 'unexpected error on a partition');
  else if (c.kind === 'io' && !(err instanceof StorageError)) log.error({ ...where, err: (err as Error).message }, 'I/O error on a partition');
  return { code: c.code, message: c.message };
}

/**
 * A coordinator operation that failed as the code its API answers, logged here once. A failed
 * write of the coordinator's state is mapped as Kafka's coordinators map a failed append to their
 * internal topic (GroupCoordinatorService, TransactionStateManager): the partition missing, short
 * of replicas or too slow is COORDINATOR_NOT_AVAILABLE, its leader moved or its disk failed
 * NOT_COORDINATOR (the client finds the coordinator again and retries either way), a record too
 * large UNKNOWN_SERVER_ERROR; an unexpected error is UNKNOWN_SERVER_ERROR.
 */
export function coordinatorErrorCode(err: unknown, log: Logger, where: Record<string, unknown>, coordinator: string): number {
  const c = classifyError(err);
  if (c.kind === 'unexpected') {
    log.error({ ...where, err }, `unexpected error in the ${coordinator}`);
    return ErrorCode.UNKNOWN_SERVER_ERROR;
  }
  log.error({ ...where, err: (err as Error).message, code: c.code }, `the ${coordinator} could not store its state`);
  switch (c.code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return c.code;
  }
}

/**
 * The partition subsystem's one error mapping: what a failed partition operation (append, read,
 * time query, DeleteRecords, marker) answers, the same in every handler. As Kafka's
 * Errors.forException after ReplicaManager: the storage layer's own errors (StorageError) and the
 * batch checks' (BatchError) carry their code; bytes that do not decode are CORRUPT_MESSAGE; an
 * I/O error the storage layer did not wrap is KAFKA_STORAGE_ERROR (Kafka's IOException becomes a
 * KafkaStorageException); anything else is a bug, logged, and UNKNOWN_SERVER_ERROR.
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

export function partitionErrorCode(err: unknown, log: Logger, where: Record<string, unknown>): { code: number; message: string } {
  if (err instanceof BatchError || err instanceof StorageError) return { code: err.errorCode, message: err.message };
  if (err instanceof DecodeError) return { code: ErrorCode.CORRUPT_MESSAGE, message: err.message };
  if (isSystemError(err)) {
    log.error({ ...where, err: err.message }, 'I/O error on a partition');
    return { code: ErrorCode.KAFKA_STORAGE_ERROR, message: `I/O error: ${err.message}` };
  }
  log.error({ ...where, err }, 'unexpected error on a partition');
  return { code: ErrorCode.UNKNOWN_SERVER_ERROR, message: 'unexpected server error' };
}

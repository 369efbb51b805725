/** The one place storage and batch failures become Kafka error codes for a partition. */
import { ErrorCode } from '../../protocol/errors.js';
import { BatchError } from '../../protocol/record-batch.js';
import { StorageError } from '../../storage/log.js';
import { DecodeError } from '../../protocol/primitives/errors.js';
import type { Logger } from '../../util/logger.js';

export function partitionErrorCode(err: unknown, log: Logger, where: Record<string, unknown>): { code: number; message: string } {
  if (err instanceof BatchError || err instanceof StorageError) return { code: err.errorCode, message: err.message };
  if (err instanceof DecodeError) return { code: ErrorCode.CORRUPT_MESSAGE, message: err.message };
  log.error({ ...where, err }, 'unexpected error on a partition');
  return { code: ErrorCode.UNKNOWN_SERVER_ERROR, message: 'unexpected server error' };
}

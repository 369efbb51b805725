/**
 * The group subsystem's one error mapping: a group coordinator operation that failed (its state
 * could not be written to __consumer_offsets, or a bug) as the code a group API answers, logged
 * once. Used by the coordinator for the answers it builds itself (JoinGroup, SyncGroup,
 * ConsumerGroupHeartbeat) and by the handlers for the writes they await (OffsetCommit,
 * TxnOffsetCommit, OffsetDelete, DeleteGroups).
 */
import { coordinatorErrorCode } from '../partitions/partition-errors.js';
import type { Logger } from '../util/logger.js';

export function groupErrorCode(err: unknown, log: Logger, where: Record<string, unknown>): number {
  return coordinatorErrorCode(err, log, where, 'group coordinator');
}

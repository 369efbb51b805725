import { ErrorCode } from '../../protocol/errors.js';
import type { HandlerContext } from '../types.js';

/**
 * What a request about one group gets before anything else, as Kafka checks it: INVALID_GROUP_ID
 * for an empty id, NOT_COORDINATOR (or COORDINATOR_LOAD_IN_PROGRESS) where this broker does not
 * coordinate the group; 0 when the request may go on.
 */
export function groupRequestError(ctx: HandlerContext, groupId: string): number {
  return groupId === '' ? ErrorCode.INVALID_GROUP_ID : ctx.broker.groups.coordinatorError(groupId);
}

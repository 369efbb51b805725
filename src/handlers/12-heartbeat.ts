/** Heartbeat (key 12), v0–v4: keeps a member's session alive; REBALANCE_IN_PROGRESS asks it to rejoin (classic members of a consumer group: src/groups/classic-members.ts). */
import type { HeartbeatRequest, HeartbeatResponse } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './types.js';

export default defineHandler<HeartbeatRequest, HeartbeatResponse>({
  apiKey: 12,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    if (req.groupId === '') return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_GROUP_ID };
    const notHere = ctx.broker.groups.coordinatorError(req.groupId);
    if (notHere) return { throttleTimeMs: 0, errorCode: notHere };
    const errorCode = ctx.broker.groups.heartbeat({ groupId: req.groupId, generationId: req.generationId, memberId: req.memberId, groupInstanceId: ctx.apiVersion >= 3 ? req.groupInstanceId : null });
    return { throttleTimeMs: 0, errorCode };
  },
});

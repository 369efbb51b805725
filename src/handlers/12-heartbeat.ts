/** Heartbeat (key 12), v0–v4: keeps a member's session alive; REBALANCE_IN_PROGRESS asks it to rejoin (classic members of a consumer group: src/groups/classic-members.ts). Needs READ on the group. */
import type { HeartbeatRequest, HeartbeatResponse } from '../protocol/messages/index.js';
import { HeartbeatRequestMeta } from '../protocol/messages/index.js';
import { groupRequestError } from './common/groups.js';
import { AclOp, groupDenied } from './common/authz.js';
import { defineHandler } from './types.js';

export default defineHandler<HeartbeatRequest, HeartbeatResponse>(HeartbeatRequestMeta, {
  handle(req, ctx) {
    const refused = groupDenied(ctx, AclOp.READ, req.groupId) || groupRequestError(ctx, req.groupId);
    if (refused) return { throttleTimeMs: 0, errorCode: refused };
    const errorCode = ctx.broker.groups.heartbeat({ groupId: req.groupId, generationId: req.generationId, memberId: req.memberId, groupInstanceId: ctx.apiVersion >= 3 ? req.groupInstanceId : null });
    return { throttleTimeMs: 0, errorCode };
  },
});

/** LeaveGroup (key 13), v0–v5: one member (v0–v2) or a batch (v3+, static members by instance id; v5 reasons); classic members of a consumer group leave it (src/groups/classic-members.ts). Needs READ on the group. */
import type { LeaveGroupRequest, LeaveGroupResponse } from '../protocol/messages/index.js';
import { LeaveGroupRequestMeta } from '../protocol/messages/index.js';
import { groupRequestError } from './common/groups.js';
import { AclOp, groupDenied } from './common/authz.js';
import { defineHandler } from './types.js';

export default defineHandler<LeaveGroupRequest, LeaveGroupResponse>(LeaveGroupRequestMeta, {
  handle(req, ctx) {
    const refused = groupDenied(ctx, AclOp.READ, req.groupId) || groupRequestError(ctx, req.groupId);
    if (refused) return { throttleTimeMs: 0, errorCode: refused, members: [] };
    const v = ctx.apiVersion;
    const who = v >= 3 ? req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, reason: v >= 5 ? m.reason : null })) : [{ memberId: req.memberId, groupInstanceId: null, reason: null }];
    const r = ctx.broker.groups.leave(req.groupId, who);
    if (v < 3) return { throttleTimeMs: 0, errorCode: r.members[0].errorCode || r.errorCode, members: [] };
    return { throttleTimeMs: 0, errorCode: r.errorCode, members: r.members };
  },
});

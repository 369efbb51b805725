/** SyncGroup (key 14), v0–v5: the leader hands out assignments; v5 checks protocol type and name. A classic member of a consumer group gets its server-side assignment (src/groups/classic-members.ts). Needs READ on the group. */
import type { SyncGroupRequest, SyncGroupResponse } from '../protocol/messages/index.js';
import { SyncGroupRequestMeta } from '../protocol/messages/index.js';
import { groupRequestError } from './common/groups.js';
import { AclOp, groupDenied } from './common/authz.js';
import { defineHandler } from './types.js';

export default defineHandler<SyncGroupRequest, SyncGroupResponse>(SyncGroupRequestMeta, {
  async handle(req, ctx) {
    const refused = groupDenied(ctx, AclOp.READ, req.groupId) || groupRequestError(ctx, req.groupId);
    if (refused) return { throttleTimeMs: 0, errorCode: refused, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
    const r = await ctx.broker.groups.sync({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: ctx.apiVersion >= 3 ? req.groupInstanceId : null,
      protocolType: ctx.apiVersion >= 5 ? req.protocolType : null,
      protocolName: ctx.apiVersion >= 5 ? req.protocolName : null,
      assignments: req.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
    });
    return { throttleTimeMs: 0, ...r };
  },
});

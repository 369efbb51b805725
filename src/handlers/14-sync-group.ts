/** SyncGroup (key 14), v0–v5: the leader hands out assignments; v5 checks protocol type and name. A classic member of a consumer group gets its server-side assignment (src/groups/classic-members.ts). */
import type { SyncGroupRequest, SyncGroupResponse } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './types.js';

export default defineHandler<SyncGroupRequest, SyncGroupResponse>({
  apiKey: 14,
  minVersion: 0,
  maxVersion: 5,
  async handle(req, ctx) {
    if (req.groupId === '') return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_GROUP_ID, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
    const notHere = ctx.broker.groups.coordinatorError(req.groupId);
    if (notHere) return { throttleTimeMs: 0, errorCode: notHere, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
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

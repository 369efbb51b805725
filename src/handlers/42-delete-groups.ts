/** DeleteGroups (key 42), v0–v2: only groups without members (NON_EMPTY_GROUP otherwise); their offsets go too. Each group needs DELETE (GROUP_AUTHORIZATION_FAILED). */
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../protocol/messages/index.js';
import { DeleteGroupsRequestMeta } from '../protocol/messages/index.js';
import { groupErrorCode } from '../ports/groups.js';
import { groupRequestError } from './common/groups.js';
import { defineHandler } from './types.js';
import { AclOp, groupDenied } from './common/authz.js';

export default defineHandler<DeleteGroupsRequest, DeleteGroupsResponse>(DeleteGroupsRequestMeta, {
  async handle(req, ctx) {
    const results = [];
    for (const groupId of req.groupsNames) {
      let errorCode: number;
      try {
        errorCode = groupDenied(ctx, AclOp.DELETE, groupId) || groupRequestError(ctx, groupId) || (await ctx.broker.groups.deleteGroup(groupId));
      } catch (err) {
        errorCode = groupErrorCode(err, ctx.log, { group: groupId });
      }
      results.push({ groupId, errorCode });
    }
    return { throttleTimeMs: 0, results };
  },
});

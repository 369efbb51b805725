/** DeleteGroups (key 42), v0–v2: only groups without members (NON_EMPTY_GROUP otherwise); their offsets go too. */
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { groupErrorCode } from '../ports/groups.js';
import { defineHandler } from './types.js';

export default defineHandler<DeleteGroupsRequest, DeleteGroupsResponse>({
  apiKey: 42,
  minVersion: 0,
  maxVersion: 2,
  async handle(req, ctx) {
    const results = [];
    for (const groupId of req.groupsNames) {
      let errorCode: number = ErrorCode.INVALID_GROUP_ID;
      try {
        if (groupId !== '') errorCode = ctx.broker.groups.coordinatorError(groupId) || (await ctx.broker.groups.deleteGroup(groupId));
      } catch (err) {
        errorCode = groupErrorCode(err, ctx.log, { group: groupId });
      }
      results.push({ groupId, errorCode });
    }
    return { throttleTimeMs: 0, results };
  },
});

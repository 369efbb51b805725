/**
 * DescribeGroups (key 15), v0–v6: state, protocol, members with their metadata and assignment.
 * Unknown groups, and consumer-protocol (KIP-848) groups, which this API does not describe, are
 * Dead (v6: with GROUP_ID_NOT_FOUND), as Kafka does.
 * Each group needs DESCRIBE (GROUP_AUTHORIZATION_FAILED for that group, before any other check);
 * authorized operations (v3+) are those the authorizer allows on the group, given for groups
 * answered without error.
 */
import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../protocol/messages/index.js';
import { DescribeGroupsRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { NOT_REQUESTED } from '../cluster/acl-operations.js';
import { AclOp, DENIED_MESSAGE, ResourceType, authorizedOperations, groupDenied } from './common/authz.js';

const DENIED = ErrorCode.GROUP_AUTHORIZATION_FAILED;
import { coordinatorMessage } from '../ports/groups.js';
import { defineHandler } from './types.js';

export default defineHandler<DescribeGroupsRequest, DescribeGroupsResponse>(DescribeGroupsRequestMeta, {
  handle(req, ctx) {
    const withOps = ctx.apiVersion >= 3 && req.includeAuthorizedOperations;
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((id) => {
        if (groupDenied(ctx, AclOp.DESCRIBE, id))
          return { errorCode: DENIED, errorMessage: ctx.apiVersion >= 6 ? DENIED_MESSAGE[DENIED] : null, groupId: id, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: NOT_REQUESTED };
        const ops = withOps ? authorizedOperations(ctx, ResourceType.GROUP, id) : NOT_REQUESTED;
        const g = ctx.broker.groups.group(id);
        if (id === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, errorMessage: 'group id is empty', groupId: id, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: NOT_REQUESTED };
        const notHere = ctx.broker.groups.coordinatorError(id);
        if (notHere) return { errorCode: notHere, errorMessage: ctx.apiVersion >= 6 ? coordinatorMessage(notHere) : null, groupId: id, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: NOT_REQUESTED };
        const consumer = ctx.broker.groups.consumer.groups.has(id);
        if (!g || consumer) return { errorCode: ctx.apiVersion >= 6 ? ErrorCode.GROUP_ID_NOT_FOUND : 0, errorMessage: ctx.apiVersion >= 6 ? (consumer ? `Group ${id} is not a classic group.` : `group ${id} not found`) : null, groupId: id, groupState: 'Dead', protocolType: '', protocolData: '', members: [], authorizedOperations: ctx.apiVersion >= 6 ? NOT_REQUESTED : ops };
        const stable = g.state === 'Stable';
        return {
          errorCode: 0,
          errorMessage: null,
          groupId: id,
          groupState: g.state,
          protocolType: g.protocolType ?? '',
          protocolData: stable ? (g.protocolName ?? '') : '',
          members: [...g.members.values()].map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberMetadata: stable ? (m.protocols.find((p) => p.name === g.protocolName)?.metadata ?? Buffer.alloc(0)) : Buffer.alloc(0),
            memberAssignment: stable ? m.assignment : Buffer.alloc(0),
          })),
          authorizedOperations: ops,
        };
      }),
    };
  },
});

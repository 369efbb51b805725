/**
 * DescribeGroups (key 15), v0–v6: state, protocol, members with their metadata and assignment.
 * Unknown groups, and consumer-protocol (KIP-848) groups, which this API does not describe, are
 * Dead (v6: with GROUP_ID_NOT_FOUND), as Kafka does.
 */
import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../protocol/messages/index.js';
import { DescribeGroupsRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { GROUP_OPERATIONS, NOT_REQUESTED } from '../cluster/acl-operations.js';
import { coordinatorMessage } from '../ports/groups.js';
import { defineHandler } from './types.js';

export default defineHandler<DescribeGroupsRequest, DescribeGroupsResponse>(DescribeGroupsRequestMeta, {
  handle(req, ctx) {
    const ops = ctx.apiVersion >= 3 && req.includeAuthorizedOperations ? GROUP_OPERATIONS : NOT_REQUESTED;
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((id) => {
        const g = ctx.broker.groups.group(id);
        if (id === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, errorMessage: 'group id is empty', groupId: id, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: NOT_REQUESTED };
        const notHere = ctx.broker.groups.coordinatorError(id);
        if (notHere) return { errorCode: notHere, errorMessage: ctx.apiVersion >= 6 ? coordinatorMessage(notHere) : null, groupId: id, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: NOT_REQUESTED };
        const consumer = ctx.broker.groups.consumer.groups.has(id);
        if (!g || consumer) return { errorCode: ctx.apiVersion >= 6 ? ErrorCode.GROUP_ID_NOT_FOUND : 0, errorMessage: ctx.apiVersion >= 6 ? (consumer ? `Group ${id} is not a classic group.` : `group ${id} not found`) : null, groupId: id, groupState: 'Dead', protocolType: '', protocolData: '', members: [], authorizedOperations: ops };
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

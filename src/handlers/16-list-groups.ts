/**
 * ListGroups (key 16), v0–v5: every group, filtered by state (v4+, case-insensitive) and type (v5+:
 * classic, or consumer for KIP-848 groups, whose states are Empty, Assigning, Reconciling, Stable).
 * Lists only the groups the client may DESCRIBE, unless it may DESCRIBE the cluster.
 */
import type { ListGroupsRequest, ListGroupsResponse } from '../protocol/messages/index.js';
import { ListGroupsRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './types.js';
import { AclOp, ResourceType, checker, clusterAllowed } from './common/authz.js';

export default defineHandler<ListGroupsRequest, ListGroupsResponse>(ListGroupsRequestMeta, {
  handle(req, ctx) {
    const states = new Set((ctx.apiVersion >= 4 ? req.statesFilter : []).map((s) => s.toLowerCase()));
    const types = new Set((ctx.apiVersion >= 5 ? req.typesFilter : []).map((s) => s.toLowerCase()));
    // As Kafka: the groups this broker coordinates; nothing while one of its partitions is loading.
    if (ctx.broker.groups.loadInProgress()) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, groups: [] };
    const consumer = ctx.broker.groups.consumer.groups;
    const classic = [...ctx.broker.groups.groups.values()]
      .filter((g) => g.state !== 'Dead' && !consumer.has(g.groupId)) // a consumer group keeps its offsets in an empty classic one
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state as string, groupType: 'classic' }));
    const modern = [...consumer.values()].map((g) => ({ groupId: g.groupId, protocolType: 'consumer', groupState: g.state() as string, groupType: 'consumer' }));
    // DESCRIBE on the cluster lists every group; otherwise only those with DESCRIBE (unlogged), as Kafka.
    const mayDescribe = clusterAllowed(ctx, AclOp.DESCRIBE, false) ? () => true : checker(ctx, AclOp.DESCRIBE, ResourceType.GROUP, false);
    const groups = [...classic, ...modern]
      .filter((g) => ctx.broker.groups.coordinatorError(g.groupId) === 0 && mayDescribe(g.groupId))
      .filter((g) => states.size === 0 || states.has(g.groupState.toLowerCase()))
      .filter((g) => types.size === 0 || types.has(g.groupType));
    return { throttleTimeMs: 0, errorCode: 0, groups };
  },
});

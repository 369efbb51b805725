/**
 * JoinGroup (key 11), v0–v9. From v4 a new member first gets MEMBER_ID_REQUIRED with its id and
 * joins again with it; v5+ static membership (group.instance.id); v8+ reason; v9 skip assignment
 * for a rejoining static leader. The state machine is in src/groups/group-coordinator.ts.
 * v0 has no rebalance timeout: the session timeout stands in, as in Kafka. A consumer group (KIP-848)
 * with members serves the JoinGroup itself, as a classic member (src/groups/classic-members.ts).
 * Needs READ on the group (GROUP_AUTHORIZATION_FAILED, before any other check), as Kafka.
 */
import type { JoinGroupRequest, JoinGroupResponse } from '../protocol/messages/index.js';
import { JoinGroupRequestMeta } from '../protocol/messages/index.js';
import { groupRequestError } from './common/groups.js';
import { AclOp, groupDenied } from './common/authz.js';
import { defineHandler } from './types.js';

export default defineHandler<JoinGroupRequest, JoinGroupResponse>(JoinGroupRequestMeta, {
  async handle(req, ctx) {
    const v = ctx.apiVersion;
    const base = { throttleTimeMs: 0, generationId: -1, protocolType: null, protocolName: v >= 7 ? null : '', leader: '', skipAssignment: false, memberId: req.memberId, members: [] };
    const refused = groupDenied(ctx, AclOp.READ, req.groupId) || groupRequestError(ctx, req.groupId);
    if (refused) return { ...base, errorCode: refused };
    const r = await ctx.broker.groups.join({
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId: v >= 5 ? req.groupInstanceId : null,
      clientId: ctx.header.clientId ?? '',
      clientHost: `/${ctx.client.remoteAddress.replace(/:\d+$/, '').replace(/^::ffff:/, '')}`,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: v >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      reason: v >= 8 ? req.reason : null,
      requireKnownMemberId: v >= 4,
      supportsSkipAssignment: v >= 9,
    });
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      generationId: r.generationId,
      protocolType: r.protocolType,
      protocolName: r.protocolName ?? (v >= 7 ? null : ''),
      leader: r.leader,
      skipAssignment: r.skipAssignment,
      memberId: r.memberId,
      members: r.members,
    };
  },
});

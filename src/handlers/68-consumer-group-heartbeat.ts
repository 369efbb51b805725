/**
 * ConsumerGroupHeartbeat (key 68), v0–v1: the consumer group protocol of KIP-848. Members join with
 * epoch 0, heartbeat with their epoch and the partitions they own, leave with -1 (static members
 * with -2); the broker assigns partitions (uniform or range) and hands them over only once their
 * previous owner has revoked them. v0: the broker makes up the member id of a new member; v1 (Kafka
 * 4): the client sends its own. The group logic is in src/groups/consumer-coordinator.ts.
 * A member joining a classic group in use (protocol type "consumer") upgrades it to a consumer group
 * when group.consumer.migration.policy allows (src/groups/migration.ts); classic members then stay
 * in it as classic members (src/groups/classic-members.ts). Deviation: a classic static member
 * replacing the last consumer-protocol member does not downgrade the group at that moment.
 * Needs READ on the group (GROUP_AUTHORIZATION_FAILED) and DESCRIBE on every topic in
 * subscribedTopicNames (TOPIC_AUTHORIZATION_FAILED), as Kafka. Deviation: topics matched by a
 * subscribed regex are not filtered by DESCRIBE (Kafka 4.1's coordinator does).
 */
import type { ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse } from '../protocol/messages/index.js';
import { ConsumerGroupHeartbeatRequestMeta } from '../protocol/messages/index.js';
import { coordinatorMessage } from '../ports/groups.js';
import { defineHandler } from './types.js';
import { ErrorCode } from '../protocol/errors.js';
import { AclOp, DENIED_MESSAGE, ResourceType, checker, groupDenied } from './common/authz.js';

export default defineHandler<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse>(ConsumerGroupHeartbeatRequestMeta, {
  note: 'Assignors uniform and range; regexes (v1) are JavaScript regular expressions (RE2 flags translated); online migration with classic members (group.consumer.migration.policy), except that a classic static member replacing the last consumer-protocol member does not downgrade the group at once; topics matched by a regex are not checked for DESCRIBE.',
  async handle(req, ctx) {
    const refusal = (errorCode: number, errorMessage: string | null) => ({ throttleTimeMs: 0, errorCode, errorMessage, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null });
    // As Kafka: READ on the group, then DESCRIBE on every subscribed topic named, before the coordinator.
    const denied = groupDenied(ctx, AclOp.READ, req.groupId);
    if (denied) return refusal(denied, DENIED_MESSAGE[denied]);
    const mayDescribe = checker(ctx, AclOp.DESCRIBE, ResourceType.TOPIC);
    if (req.subscribedTopicNames?.some((t) => !mayDescribe(t))) return refusal(ErrorCode.TOPIC_AUTHORIZATION_FAILED, null);
    // As Kafka: the coordinator is settled before the request is validated.
    const notHere = ctx.broker.groups.coordinatorError(req.groupId);
    if (notHere) return refusal(notHere, coordinatorMessage(notHere));
    const r = await ctx.broker.groups.consumer.heartbeat({
      groupId: req.groupId,
      memberId: req.memberId,
      memberEpoch: req.memberEpoch,
      instanceId: req.instanceId,
      rackId: req.rackId,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      subscribedTopicNames: req.subscribedTopicNames,
      subscribedTopicRegex: ctx.apiVersion >= 1 ? req.subscribedTopicRegex : null,
      serverAssignor: req.serverAssignor,
      topicPartitions: req.topicPartitions?.map((t) => ({ topicId: t.topicId, partitions: t.partitions })) ?? null,
      clientId: ctx.header.clientId ?? '',
      clientHost: `/${ctx.client.remoteAddress.replace(/:\d+$/, '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '')}`, // as Java prints an InetAddress
      apiVersion: ctx.apiVersion,
    });
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
      memberId: r.memberId,
      memberEpoch: r.memberEpoch,
      heartbeatIntervalMs: r.heartbeatIntervalMs,
      assignment: r.assignment === null ? null : { topicPartitions: r.assignment },
    };
  },
});

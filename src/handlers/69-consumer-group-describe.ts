/**
 * ConsumerGroupDescribe (key 69), v0–v1: consumer-protocol groups with their epochs, assignor and
 * members (current and target assignment; v1: member type, 1 = consumer, 0 = a classic member
 * inside the consumer group). A classic group or an
 * unknown id answers GROUP_ID_NOT_FOUND, an empty id INVALID_GROUP_ID, as Kafka does.
 * Each group needs DESCRIBE (GROUP_AUTHORIZATION_FAILED); with an authorizer, a group whose
 * members' current or target assignment names a topic the client may not DESCRIBE is answered
 * TOPIC_AUTHORIZATION_FAILED without members, as Kafka. Authorized operations are the group's.
 */
import type { ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse, ConsumerGroupDescribeResponseAssignment } from '../protocol/messages/index.js';
import { ConsumerGroupDescribeRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { NOT_REQUESTED } from '../cluster/acl-operations.js';
import { AclOp, ResourceType, authorizedOperations, authzEnabled, checker, groupDenied } from './common/authz.js';
import { coordinatorMessage, wireAssignment, type Assignment } from '../ports/groups.js';
import { defineHandler, type HandlerContext } from './types.js';

const CONSUMER_MEMBER = 1;
const CLASSIC_MEMBER = 0;

function named(ctx: HandlerContext, a: Assignment): ConsumerGroupDescribeResponseAssignment {
  const topicPartitions = [];
  for (const { topicId, partitions } of wireAssignment(a)) {
    const t = ctx.broker.topics.getById(topicId);
    if (t) topicPartitions.push({ topicId, topicName: t.name, partitions });
  }
  return { topicPartitions };
}

export default defineHandler<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse>(ConsumerGroupDescribeRequestMeta, {
  handle(req, ctx) {
    const none = { groupState: '', groupEpoch: 0, assignmentEpoch: 0, assignorName: '', members: [], authorizedOperations: NOT_REQUESTED };
    // As Kafka, with an authorizer: a group whose members' topics the client may not DESCRIBE is not shown.
    const mayDescribe = checker(ctx, AclOp.DESCRIBE, ResourceType.TOPIC);
    const hidesTopics = (members: Array<{ assignment: ConsumerGroupDescribeResponseAssignment; targetAssignment: ConsumerGroupDescribeResponseAssignment }>) =>
      authzEnabled(ctx) && members.some((m) => [m.assignment, m.targetAssignment].some((a) => a.topicPartitions.some((tp) => !mayDescribe(tp.topicName))));
    return {
      throttleTimeMs: 0,
      groups: req.groupIds.map((groupId) => {
        const denied = groupDenied(ctx, AclOp.DESCRIBE, groupId);
        if (denied) return { ...none, errorCode: denied, errorMessage: null, groupId };
        if (groupId === '') return { ...none, errorCode: ErrorCode.INVALID_GROUP_ID, errorMessage: null, groupId };
        const notHere = ctx.broker.groups.coordinatorError(groupId);
        if (notHere) return { ...none, errorCode: notHere, errorMessage: coordinatorMessage(notHere), groupId };
        const d = ctx.broker.groups.consumer.describe(groupId);
        const g = d.group;
        if (!g) return { ...none, errorCode: d.errorCode, errorMessage: d.errorMessage, groupId };
        const described = {
          errorCode: 0,
          errorMessage: null,
          groupId,
          groupState: g.state(),
          groupEpoch: g.groupEpoch,
          assignmentEpoch: g.assignmentEpoch,
          assignorName: d.assignor,
          members: [...g.members.values()].map((m) => ({
            memberId: m.memberId,
            instanceId: m.instanceId,
            rackId: m.rackId,
            memberEpoch: m.memberEpoch,
            clientId: m.clientId,
            clientHost: m.clientHost,
            subscribedTopicNames: m.subscribedTopicNames,
            subscribedTopicRegex: m.subscribedTopicRegex,
            assignment: named(ctx, m.assigned),
            targetAssignment: named(ctx, g.targets.get(m.memberId) ?? new Map()),
            memberType: m.classic ? CLASSIC_MEMBER : CONSUMER_MEMBER,
          })),
          authorizedOperations: req.includeAuthorizedOperations ? authorizedOperations(ctx, ResourceType.GROUP, groupId) : NOT_REQUESTED,
        };
        if (hidesTopics(described.members)) return { ...none, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'The group has described topic(s) that the client is not authorized to describe.', groupId };
        return described;
      }),
    };
  },
});

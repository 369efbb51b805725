/**
 * OffsetDelete (key 47), v0: removes committed offsets of a group, refused per partition with
 * GROUP_SUBSCRIBED_TO_TOPIC while a live consumer-protocol member subscribes to the topic.
 * Needs DELETE on the group (GROUP_AUTHORIZATION_FAILED at the top level) and READ on each topic
 * (TOPIC_AUTHORIZATION_FAILED for its partitions, before UNKNOWN_TOPIC_OR_PARTITION), as Kafka.
 */
import type { OffsetDeleteRequest, OffsetDeleteResponse } from '../protocol/messages/index.js';
import { OffsetDeleteRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { groupErrorCode } from '../ports/groups.js';
import { groupRequestError } from './common/groups.js';
import { defineHandler } from './types.js';
import { AclOp, ResourceType, checker, groupDenied } from './common/authz.js';

const GROUP_SUBSCRIBED_TO_TOPIC = 86;

export default defineHandler<OffsetDeleteRequest, OffsetDeleteResponse>(OffsetDeleteRequestMeta, {
  async handle(req, ctx) {
    const refused = groupDenied(ctx, AclOp.DELETE, req.groupId) || groupRequestError(ctx, req.groupId);
    if (refused) return { errorCode: refused, throttleTimeMs: 0, topics: [] };
    const g = ctx.broker.groups.group(req.groupId);
    const consumer = ctx.broker.groups.consumer.groups.get(req.groupId);
    if (!g && !consumer) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, throttleTimeMs: 0, topics: [] };
    // A consumer-protocol group's subscriptions are its members' topic names and resolved regexes.
    const subscribed = consumer ? consumer.subscribedTopicNames() : g!.members.size > 0 ? g!.subscribedTopics() : new Set<string>();
    const mayRead = checker(ctx, AclOp.READ, ResourceType.TOPIC);
    const topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: !mayRead(t.name) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : !ctx.broker.topics.get(t.name) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : subscribed === undefined || subscribed.has(t.name) ? GROUP_SUBSCRIBED_TO_TOPIC : 0,
      })),
    }));
    const deletable = topics.flatMap((t) => t.partitions.filter((p) => p.errorCode === 0).map((p) => ({ topic: t.name, partition: p.partitionIndex })));
    try {
      await ctx.broker.groups.deleteOffsets(req.groupId, deletable);
    } catch (err) {
      return { errorCode: groupErrorCode(err, ctx.log, { group: req.groupId }), throttleTimeMs: 0, topics: [] };
    }
    return { errorCode: 0, throttleTimeMs: 0, topics };
  },
});

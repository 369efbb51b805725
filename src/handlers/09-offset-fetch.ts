/**
 * OffsetFetch (key 9), v0–v9: committed offsets of one group (v0–v7; a null topic list from v2 means
 * all) or several groups (v8+). A partition without a commit answers offset -1 and no error, as
 * Kafka does. With requireStable (v7+), a partition with a commit pending in an open transaction
 * answers UNSTABLE_OFFSET_COMMIT.
 * Needs DESCRIBE on the group (GROUP_AUTHORIZATION_FAILED where the group's error goes: per group
 * v8+, top level v2–v7, each partition v0–v1) and on each topic: a named topic without it is
 * TOPIC_AUTHORIZATION_FAILED per partition, and "all topics" leaves it out, as Kafka.
 */
import type { OffsetFetchRequest, OffsetFetchResponse } from '../protocol/messages/index.js';
import { OffsetFetchRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { groupRequestError } from './common/groups.js';
import { defineHandler, type HandlerContext } from './types.js';
import type { TopicPartitionMap } from '../util/topic-partition.js';
import { AclOp, ResourceType, checker, groupDenied } from './common/authz.js';

interface Part {
  partitionIndex: number;
  committedOffset: bigint;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

function fetchGroup(ctx: HandlerContext, groupId: string, topics: Array<{ name: string; partitionIndexes: number[] }> | null, requireStable: boolean): Array<{ name: string; partitions: Part[] }> {
  const offsets = ctx.broker.groups.offsets(groupId);
  // DESCRIBE on each topic: all of a group's offsets leave out the others, named ones are refused.
  const mayDescribe = checker(ctx, AclOp.DESCRIBE, ResourceType.TOPIC);
  const wanted = topics ?? groupTopics(offsets).filter((t) => mayDescribe(t.name));
  return wanted.map((t) => ({
    name: t.name,
    partitions: t.partitionIndexes.map((p) => {
      if (!mayDescribe(t.name)) return { partitionIndex: p, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
      if (requireStable && ctx.broker.groups.hasPendingTxnOffset(groupId, t.name, p))
        return { partitionIndex: p, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT };
      const o = offsets.get(t.name, p);
      return { partitionIndex: p, committedOffset: o ? o.offset : -1n, committedLeaderEpoch: o ? o.leaderEpoch : -1, metadata: o ? o.metadata : '', errorCode: 0 };
    }),
  }));
}

function groupTopics(offsets: TopicPartitionMap<unknown>): Array<{ name: string; partitionIndexes: number[] }> {
  return [...offsets.topics()].map((name) => ({ name, partitionIndexes: offsets.partitionsOf(name).sort((a, b) => a - b) }));
}

export default defineHandler<OffsetFetchRequest, OffsetFetchResponse>(OffsetFetchRequestMeta, {
  handle(req, ctx) {
    if (ctx.apiVersion >= 8) {
      return {
        throttleTimeMs: 0,
        topics: [],
        errorCode: 0,
        groups: req.groups.map((g) => {
          // v9: a consumer-protocol member's id and epoch are checked (STALE_MEMBER_EPOCH, UNKNOWN_MEMBER_ID).
          const errorCode =
            groupDenied(ctx, AclOp.DESCRIBE, g.groupId) || groupRequestError(ctx, g.groupId) || (ctx.apiVersion >= 9 ? ctx.broker.groups.consumer.fetchError(g.groupId, g.memberId, g.memberEpoch) : 0);
          return { groupId: g.groupId, errorCode, topics: errorCode !== 0 ? [] : fetchGroup(ctx, g.groupId, g.topics, req.requireStable) };
        }),
      };
    }
    const denied = groupDenied(ctx, AclOp.DESCRIBE, req.groupId);
    if (!denied && req.groupId === '') return { throttleTimeMs: 0, topics: [], errorCode: ErrorCode.INVALID_GROUP_ID, groups: [] };
    const notHere = denied || ctx.broker.groups.coordinatorError(req.groupId);
    if (notHere) {
      // v0–v1 have no top-level error: it is each requested partition's, as Kafka answers them.
      if (ctx.apiVersion >= 2) return { throttleTimeMs: 0, topics: [], errorCode: notHere, groups: [] };
      const topics = (req.topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: notHere })) }));
      return { throttleTimeMs: 0, topics, errorCode: 0, groups: [] };
    }
    return { throttleTimeMs: 0, topics: fetchGroup(ctx, req.groupId, req.topics, ctx.apiVersion >= 7 && req.requireStable), errorCode: 0, groups: [] };
  },
});

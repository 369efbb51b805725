/**
 * OffsetForLeaderEpoch (key 23), v0–v4.
 *
 * Answered from the partition log's leader epoch cache, as Kafka's LeaderEpochFileCache.endOffsetFor:
 * the latest epoch ends at the log end offset; an older one gives the largest epoch <= it and the
 * start offset of the next higher epoch; an epoch below the first cached one ends where the first
 * starts; -1, an epoch above the latest, or an empty cache is UNDEFINED (epoch -1, offset -1) with
 * no error. The cache holds the epochs this log led in (from the metadata image) and those its
 * follower appends brought. The client's CurrentLeaderEpoch (v2+) is checked as Kafka does: -1
 * skips the check, an older epoch is FENCED_LEADER_EPOCH and a newer one UNKNOWN_LEADER_EPOCH.
 * Unknown topics and partitions are UNKNOWN_TOPIC_OR_PARTITION. Needs CLUSTER_ACTION on the cluster
 * or DESCRIBE on the topic (TOPIC_AUTHORIZATION_FAILED for its partitions first), as Kafka.
 *
 * Deviation: an end offset never passes the high watermark (the partition layer clamps it):
 * offsets assigned to appends still being written are not in the log yet. With one replica,
 * Kafka's log end and high watermark agree once a write is acknowledged.
 */
import type {
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochRequestOffsetForLeaderPartition,
  OffsetForLeaderEpochResponse,
  OffsetForLeaderEpochResponseEpochEndOffset,
} from '../protocol/messages/index.js';
import { OffsetForLeaderEpochRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler, type HandlerContext } from './types.js';
import { AclOp, ResourceType, checker, clusterAllowed } from './common/authz.js';

type EpochEndOffset = OffsetForLeaderEpochResponseEpochEndOffset;

const UNDEFINED = { leaderEpoch: -1, endOffset: -1n };

function endOffset(topic: string, req: OffsetForLeaderEpochRequestOffsetForLeaderPartition, ctx: HandlerContext): EpochEndOffset {
  const partition = req.partition;
  const { partition: p, errorCode } = ctx.broker.partitions.getPartitionOrError(topic, partition);
  if (!p) return { errorCode, partition, ...UNDEFINED };
  const current = req.currentLeaderEpoch;
  if (current !== -1 && current < p.leaderEpoch) return { errorCode: ErrorCode.FENCED_LEADER_EPOCH, partition, ...UNDEFINED };
  if (current !== -1 && current > p.leaderEpoch) return { errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH, partition, ...UNDEFINED };
  const end = p.endOffsetForEpoch(req.leaderEpoch);
  return { errorCode: ErrorCode.NONE, partition, leaderEpoch: end.leaderEpoch, endOffset: BigInt(end.endOffset) };
}

export default defineHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>(OffsetForLeaderEpochRequestMeta, {
  note: 'from the log\'s leader epoch cache (Kafka\'s endOffsetFor); end offsets capped at the high watermark',
  handle(req, ctx) {
    // Brokers have CLUSTER_ACTION; consumers (KIP-320) need DESCRIBE on each topic.
    const mayDescribe = clusterAllowed(ctx, AclOp.CLUSTER_ACTION, false) ? () => true : checker(ctx, AclOp.DESCRIBE, ResourceType.TOPIC);
    const denied = (partition: number): EpochEndOffset => ({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, partition, ...UNDEFINED });
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => (mayDescribe(t.topic) ? endOffset(t.topic, p, ctx) : denied(p.partition))) })),
    };
  },
});

/**
 * OffsetForLeaderEpoch (key 23), v0–v4.
 *
 * One broker that has led every partition since offset 0 in a single epoch (the partition's
 * leaderEpoch, 0): its epoch cache is the one entry (epoch, log start offset). Answers follow
 * Kafka's LeaderEpochFileCache.endOffsetFor: the current epoch ends at the log end offset; an
 * epoch above it, or -1, is UNDEFINED (epoch -1, offset -1) with no error; an epoch below it
 * (there are none here) ends where the current one starts. The client's CurrentLeaderEpoch (v2+)
 * is checked as Kafka does: -1 skips the check, an older epoch is FENCED_LEADER_EPOCH and a newer
 * one UNKNOWN_LEADER_EPOCH. Unknown topics and partitions are UNKNOWN_TOPIC_OR_PARTITION.
 *
 * The log end offset reported is the high watermark: offsets assigned to appends still being
 * written are not in the log yet (with one replica, Kafka's log end and high watermark agree once
 * a write is acknowledged).
 */
import type {
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochRequestOffsetForLeaderPartition,
  OffsetForLeaderEpochResponse,
  OffsetForLeaderEpochResponseEpochEndOffset,
} from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler, type HandlerContext } from './types.js';

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

export default defineHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>({
  apiKey: 23,
  minVersion: 0,
  maxVersion: 4,
  note: 'the metadata image\'s leader epoch (0 on one node); older epochs end at the log start',
  handle(req, ctx) {
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => endOffset(t.topic, p, ctx)) })),
    };
  },
});

/**
 * OffsetForLeaderEpoch (key 23), v0–v4.
 *
 * One broker that has led every partition since offset 0 in a single epoch (the partition's
 * leader epoch in the metadata image, which stays 0 on one node): its epoch cache is taken to be
 * the one entry (epoch, log start offset); an epoch raised through the metadata owner is not yet
 * looked up in the log's leader-epoch-checkpoint (an older epoch ends at the log start offset). Answers follow
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
import { leaderEpochOf } from './common/partitions.js';

type EpochEndOffset = OffsetForLeaderEpochResponseEpochEndOffset;

const UNDEFINED = { leaderEpoch: -1, endOffset: -1n };

function endOffset(topic: string, req: OffsetForLeaderEpochRequestOffsetForLeaderPartition, ctx: HandlerContext): EpochEndOffset {
  const partition = req.partition;
  const p = ctx.broker.topics.get(topic) ? ctx.broker.logs.partition(topic, partition) : undefined;
  if (!p) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, partition, ...UNDEFINED };
  const epoch = leaderEpochOf(ctx.broker, topic, partition);
  const current = req.currentLeaderEpoch;
  if (current !== -1 && current < epoch) return { errorCode: ErrorCode.FENCED_LEADER_EPOCH, partition, ...UNDEFINED };
  if (current !== -1 && current > epoch) return { errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH, partition, ...UNDEFINED };
  const asked = req.leaderEpoch;
  const ok = ErrorCode.NONE;
  if (asked === epoch) return { errorCode: ok, partition, leaderEpoch: asked, endOffset: BigInt(p.highWatermark) };
  if (asked === -1 || asked > epoch) return { errorCode: ok, partition, ...UNDEFINED };
  return { errorCode: ok, partition, leaderEpoch: asked, endOffset: BigInt(p.logStartOffset) };
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

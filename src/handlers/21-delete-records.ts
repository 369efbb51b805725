/**
 * DeleteRecords (key 21), v0–v2.
 *
 * Moves each partition's log start offset up to the given offset (-1: the high watermark) and
 * drops the segments wholly below it; the new log start offsets are checkpointed before the
 * answer, so they survive a crash. Each partition reports its new low watermark (its log start
 * offset; one replica). As in Kafka: an offset above the high watermark or negative (other than
 * -1) is OFFSET_OUT_OF_RANGE; an offset below the log start changes nothing; unknown topics and
 * partitions are UNKNOWN_TOPIC_OR_PARTITION; internal topics INVALID_TOPIC_EXCEPTION; a topic
 * whose cleanup.policy lacks "delete" POLICY_VIOLATION. Failed partitions have low watermark -1.
 * An offline partition (a failed write) is KAFKA_STORAGE_ERROR, as from every partition API.
 * timeoutMs is not needed: there are no followers to wait for.
 * Each topic needs DELETE (TOPIC_AUTHORIZATION_FAILED for its partitions, before any other check).
 */
import type { DeleteRecordsRequest, DeleteRecordsResponse, DeleteRecordsResponseDeleteRecordsPartitionResult } from '../protocol/messages/index.js';
import { DeleteRecordsRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { isInternalTopic } from '../cluster/topic-names.js';
import { partitionErrorCode } from '../partitions/partition-errors.js';
import { defineHandler, type HandlerContext } from './types.js';
import { AclOp, ResourceType, checker } from './common/authz.js';

type Result = DeleteRecordsResponseDeleteRecordsPartitionResult;

const failed = (partitionIndex: number, errorCode: number): Result => ({ partitionIndex, lowWatermark: -1n, errorCode });

async function deleteBefore(topic: string, partitionIndex: number, offset: bigint, ctx: HandlerContext, mayDelete: (topic: string) => boolean): Promise<Result> {
  if (!mayDelete(topic)) return failed(partitionIndex, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  const { partition: p, errorCode } = ctx.broker.partitions.getPartitionOrError(topic, partitionIndex);
  if (!p) return failed(partitionIndex, errorCode);
  if (isInternalTopic(topic)) return failed(partitionIndex, ErrorCode.INVALID_TOPIC_EXCEPTION);
  if (!p.config().cleanupPolicy.includes('delete')) return failed(partitionIndex, ErrorCode.POLICY_VIOLATION);
  const target = offset === -1n ? BigInt(p.highWatermark) : offset;
  if (target < 0n || target > BigInt(p.highWatermark)) return failed(partitionIndex, ErrorCode.OFFSET_OUT_OF_RANGE);
  try {
    const before = p.logStartOffset;
    const low = await p.deleteRecordsBefore(Number(target));
    if (low > before) ctx.broker.log.info({ topic, partition: partitionIndex, logStartOffset: low, by: ctx.header.clientId }, 'records deleted');
    return { partitionIndex, lowWatermark: BigInt(low), errorCode: ErrorCode.NONE };
  } catch (e) {
    return failed(partitionIndex, partitionErrorCode(e, ctx.log, { topic, partition: partitionIndex }).code);
  }
}

export default defineHandler<DeleteRecordsRequest, DeleteRecordsResponse>(DeleteRecordsRequestMeta, {
  async handle(req, ctx) {
    const topics = [];
    let moved = false;
    const mayDelete = checker(ctx, AclOp.DELETE, ResourceType.TOPIC);
    for (const t of req.topics) {
      const partitions: Result[] = [];
      for (const p of t.partitions) {
        const r = await deleteBefore(t.name, p.partitionIndex, p.offset, ctx, mayDelete);
        if (r.errorCode === ErrorCode.NONE) moved = true;
        partitions.push(r);
      }
      topics.push({ name: t.name, partitions });
    }
    if (moved) {
      try {
        await ctx.broker.partitions.checkpointLogStartOffsets();
      } catch (e) {
        // The new log start is in effect but might not survive a crash: say so.
        const { code } = partitionErrorCode(e, ctx.log, { what: 'checkpointing log start offsets' });
        for (const t of topics) for (const p of t.partitions) if (p.errorCode === ErrorCode.NONE) p.errorCode = code;
      }
    }
    return { throttleTimeMs: 0, topics };
  },
});

/**
 * ListOffsets (key 2), v0–v10.
 *
 * Special timestamps: -2 earliest (log start offset), -1 latest (high watermark, or the last
 * stable offset for read_committed), -3 the record with the largest timestamp (KIP-734), -4
 * earliest local (= earliest: no tiered storage), -5 latest tiered (KIP-1005: offset, timestamp
 * and leader epoch -1, as Kafka answers without tiered storage). Each is served from the version
 * that introduced it (Kafka's ReplicaManager timestampMinSupportedVersion: -3 v7, -4 v8, -5 v9,
 * -6 v11, not served here); an older version, or a negative timestamp that is no special one, gets
 * UNSUPPORTED_VERSION for that partition, checked before the partition is looked up.
 * A real timestamp finds, through the time index, the first record whose timestamp is >= it
 * (reading inside that one batch, decompressing if needed); -1/-1 when there is none.
 * v0 answers in its old layout (a list with one offset). Leader epoch 0 from v4.
 * Each topic needs DESCRIBE: TOPIC_AUTHORIZATION_FAILED for its partitions before any other check,
 * as Kafka's KafkaApis.
 */
import type { ListOffsetsRequest, ListOffsetsResponse, ListOffsetsResponseListOffsetsPartitionResponse } from '../protocol/messages/index.js';
import { ListOffsetsRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { findTopic, findPartition, leaderEpochError } from './common/partitions.js';
import { partitionErrorCode } from '../partitions/partition-errors.js';
import { defineHandler, type HandlerContext } from './types.js';
import type { PartitionHandle } from '../partitions/partition-handle.js';
import { AclOp, ResourceType, checker } from './common/authz.js';

const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;
const EARLIEST_LOCAL = -4n;
const LATEST_TIERED = -5n;

/** The first version that may ask for each special timestamp (v0 has its own layout for -1/-2). */
const SPECIAL_SINCE = new Map<bigint, number>([
  [LATEST, 0],
  [EARLIEST, 0],
  [MAX_TIMESTAMP, 7],
  [EARLIEST_LOCAL, 8],
  [LATEST_TIERED, 9],
]);

function unsupportedTimestamp(ts: bigint, version: number): boolean {
  if (ts >= 0n) return false;
  const since = SPECIAL_SINCE.get(ts);
  return since === undefined || version < since;
}

const NOT_FOUND = { offset: -1n, timestamp: -1n };

function offsetAndTime(r: { offset: number; timestamp: number } | undefined): { offset: bigint; timestamp: bigint } {
  return r ? { offset: BigInt(r.offset), timestamp: BigInt(r.timestamp) } : NOT_FOUND;
}

async function lookup(ctx: HandlerContext, log: PartitionHandle, ts: bigint, readCommitted: boolean): Promise<{ offset: bigint; timestamp: bigint }> {
  switch (ts) {
    case EARLIEST:
    case EARLIEST_LOCAL:
      return { offset: BigInt(log.logStartOffset), timestamp: -1n };
    case LATEST:
      return { offset: BigInt(readCommitted ? log.lastStableOffset : log.highWatermark), timestamp: -1n };
    case LATEST_TIERED:
      return { offset: -1n, timestamp: -1n };
    case MAX_TIMESTAMP:
      return offsetAndTime(await log.offsetOfMaxTimestamp());
    default:
      return offsetAndTime(await log.offsetForTimestamp(Number(ts)));
  }
}

export default defineHandler<ListOffsetsRequest, ListOffsetsResponse>(ListOffsetsRequestMeta, {
  note: 'no tiered storage: -4 (earliest local) is the log start, -5 (latest tiered) -1',
  async handle(req, ctx) {
    const readCommitted = ctx.apiVersion >= 2 && req.isolationLevel === 1;
    const mayDescribe = checker(ctx, AclOp.DESCRIBE, ResourceType.TOPIC);
    const topics = await Promise.all(
      req.topics.map(async (t) => {
        const found = mayDescribe(t.name) ? findTopic(ctx.broker, t.name) : { topic: undefined, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
        const partitions = await Promise.all(
          t.partitions.map(async (p): Promise<ListOffsetsResponseListOffsetsPartitionResponse> => {
            const out = { partitionIndex: p.partitionIndex, errorCode: 0, oldStyleOffsets: [] as bigint[], timestamp: -1n, offset: -1n, leaderEpoch: -1 };
            if (found.errorCode === ErrorCode.TOPIC_AUTHORIZATION_FAILED) return { ...out, errorCode: found.errorCode };
            if (unsupportedTimestamp(p.timestamp, ctx.apiVersion)) return { ...out, errorCode: ErrorCode.UNSUPPORTED_VERSION };
            if (!found.topic) return { ...out, errorCode: found.errorCode };
            const { partition: log, errorCode } = findPartition(ctx.broker, found.topic, p.partitionIndex);
            if (!log) return { ...out, errorCode };
            const epochError = leaderEpochError(p.currentLeaderEpoch, log);
            if (epochError) return { ...out, errorCode: epochError };
            try {
              const r = await lookup(ctx, log, p.timestamp, readCommitted);
              if (ctx.apiVersion === 0) return { ...out, oldStyleOffsets: r.offset >= 0n ? [r.offset] : [] };
              return { ...out, offset: r.offset, timestamp: r.timestamp, leaderEpoch: r.offset >= 0n ? log.leaderEpoch : -1 };
            } catch (err) {
              return { ...out, errorCode: partitionErrorCode(err, ctx.log, { topic: t.name, partition: p.partitionIndex }).code };
            }
          }),
        );
        return { name: t.name, partitions };
      }),
    );
    return { throttleTimeMs: 0, topics };
  },
});

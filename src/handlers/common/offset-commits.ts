/**
 * What OffsetCommit and TxnOffsetCommit share: per-partition answers, the partition checks, and the
 * write of the accepted offsets, whose failure is answered as the group subsystem maps it.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { groupErrorCode, type OffsetCommitEntry } from '../../ports/groups.js';
import { TopicPartitionMap } from '../../util/topic-partition.js';
import type { HandlerContext } from '../types.js';

interface CommitPartition {
  partitionIndex: number;
  committedOffset: bigint;
  committedLeaderEpoch: number;
  committedMetadata: string | null;
}

type CommitTopics<P> = Array<{ name: string; partitions: P[] }>;
type Answered = Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>;

/** Every partition of the request, answered with `code`. */
export function answerEach<P extends { partitionIndex: number }>(topics: CommitTopics<P>, code: (topic: string, partition: number) => number): Answered {
  return topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code(t.name, p.partitionIndex) })) }));
}

/**
 * Writes the offsets of existing partitions with `write`; an unknown topic or partition is
 * UNKNOWN_TOPIC_OR_PARTITION, `refuse` may refuse others (0: accepted), and a failed write is
 * answered for every accepted partition as groupErrorCode maps it.
 */
export async function commitOffsets<P extends CommitPartition>(
  topics: CommitTopics<P>,
  ctx: HandlerContext,
  opts: {
    leaderEpoch: (p: P) => number;
    refuse?: (p: P) => number;
    write: (entries: OffsetCommitEntry[]) => Promise<void>;
    where: Record<string, unknown>;
    /** READ on the topic (TOPIC_AUTHORIZATION_FAILED without it, before existence is checked). */
    mayCommit?: (topic: string) => boolean;
  },
): Promise<Answered> {
  const errors = new TopicPartitionMap<number>();
  const entries: OffsetCommitEntry[] = [];
  for (const t of topics) {
    const topic = ctx.broker.topics.get(t.name);
    for (const p of t.partitions) {
      const refused = opts.mayCommit?.(t.name) === false ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : !topic || p.partitionIndex < 0 || p.partitionIndex >= topic.partitions ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : (opts.refuse?.(p) ?? 0);
      if (refused) errors.set(t.name, p.partitionIndex, refused);
      else entries.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: opts.leaderEpoch(p), metadata: p.committedMetadata });
    }
  }
  let code: number = ErrorCode.NONE;
  try {
    await opts.write(entries);
  } catch (err) {
    code = groupErrorCode(err, ctx.log, opts.where);
  }
  return answerEach(topics, (t, p) => errors.get(t, p) ?? code);
}

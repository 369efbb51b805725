/**
 * TxnOffsetCommit (key 28), v0–v5: offsets committed inside a transaction; they become visible to
 * OffsetFetch only when the transaction commits. Up to v4 the group must have been added with
 * AddOffsetsToTxn (INVALID_TXN_STATE, or TRANSACTION_ABORTABLE from v4, when it was not); v5 is
 * transaction protocol version 2 (KIP-890), where this request adds the group to the transaction
 * itself. From v3 the member and generation are checked as for OffsetCommit, in Kafka's order
 * (src/groups/commit-rules.ts), except that a rebalance in progress does not refuse the commit.
 * Null metadata is stored and returned as "", as Kafka does.
 */
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { groupErrorCode, type OffsetCommitEntry } from '../ports/groups.js';
import { defineHandler } from './types.js';
import { TopicPartitionMap } from '../util/topic-partition.js';

export default defineHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponse>({
  apiKey: 28,
  minVersion: 0,
  maxVersion: 5,
  async handle(req, ctx) {
    const answer = (code: (t: string, p: number) => number): TxnOffsetCommitResponse => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code(t.name, p.partitionIndex) })) })),
    });
    if (req.groupId === '') return answer(() => ErrorCode.INVALID_GROUP_ID);
    // Sent to the group's coordinator: NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS for its group first.
    const notHere = ctx.broker.groups.coordinatorError(req.groupId);
    if (notHere) return answer(() => notHere);
    // The transaction is checked where this broker also coordinates its id (always on one node); a
    // transaction coordinated elsewhere is not verified from here (Kafka's v5 verification).
    const local = ctx.broker.transactions.coordinatorError(req.transactionalId) === 0;
    const txnError = local ? await ctx.broker.transactions.offsetCommitError(req.transactionalId, req.producerId, req.producerEpoch, req.groupId, ctx.apiVersion) : 0;
    if (txnError) return answer(() => txnError);
    // Before v3 the member fields take their defaults (-1, "", null): only a dead group refuses then.
    const groupError = ctx.broker.groups.commitError({ groupId: req.groupId, generationId: req.generationId, memberId: req.memberId, groupInstanceId: req.groupInstanceId, transactional: true, apiVersion: ctx.apiVersion });
    if (groupError) return answer(() => groupError);
    const errors = new TopicPartitionMap<number>();
    const entries: OffsetCommitEntry[] = [];
    for (const t of req.topics) {
      const topic = ctx.broker.topics.get(t.name);
      for (const p of t.partitions) {
        if (!topic || p.partitionIndex < 0 || p.partitionIndex >= topic.partitions) errors.set(t.name, p.partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        else entries.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata });
      }
    }
    try {
      await ctx.broker.groups.commitPending(req.groupId, req.producerId, req.producerEpoch, entries);
    } catch (err) {
      const code = groupErrorCode(err, ctx.log, { group: req.groupId, producerId: String(req.producerId) });
      return answer((t, p) => errors.get(t, p) ?? code);
    }
    return answer((t, p) => errors.get(t, p) ?? 0);
  },
});

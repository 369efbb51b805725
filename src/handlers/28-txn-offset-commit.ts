/**
 * TxnOffsetCommit (key 28), v0–v5: offsets committed inside a transaction; they become visible to
 * OffsetFetch only when the transaction commits. Up to v4 the group must have been added with
 * AddOffsetsToTxn (INVALID_TXN_STATE, or TRANSACTION_ABORTABLE from v4, when it was not); v5 is
 * transaction protocol version 2 (KIP-890), where this request adds the group to the transaction
 * itself. From v3 the member and generation are checked as for OffsetCommit, in Kafka's order
 * (src/groups/commit-rules.ts), except that a rebalance in progress does not refuse the commit.
 * Null metadata is stored and returned as "", as Kafka does.
 * Needs WRITE on the transactional id and READ on the group (TRANSACTIONAL_ID_ / GROUP_AUTHORIZATION_FAILED
 * for every partition) and READ on each topic (TOPIC_AUTHORIZATION_FAILED for its partitions).
 */
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../protocol/messages/index.js';
import { TxnOffsetCommitRequestMeta } from '../protocol/messages/index.js';
import { groupRequestError } from './common/groups.js';
import { defineHandler } from './types.js';
import { answerEach, commitOffsets } from './common/offset-commits.js';
import { ErrorCode } from '../protocol/errors.js';
import { AclOp, ResourceType, checker, groupDenied, transactionalIdDenied } from './common/authz.js';

export default defineHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponse>(TxnOffsetCommitRequestMeta, {
  async handle(req, ctx) {
    // WRITE on the transactional id, then READ on the group, then READ on each topic (kept whatever the group answers).
    const denied = transactionalIdDenied(ctx, AclOp.WRITE, req.transactionalId) || groupDenied(ctx, AclOp.READ, req.groupId);
    if (denied) return { throttleTimeMs: 0, topics: answerEach(req.topics, () => denied) };
    const mayRead = checker(ctx, AclOp.READ, ResourceType.TOPIC);
    const answer = (code: number): TxnOffsetCommitResponse => ({ throttleTimeMs: 0, topics: answerEach(req.topics, (t) => (mayRead(t) ? code : ErrorCode.TOPIC_AUTHORIZATION_FAILED)) });
    // Sent to the group's coordinator: NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS for its group first.
    const refused = groupRequestError(ctx, req.groupId);
    if (refused) return answer(refused);
    // The transaction is checked where this broker also coordinates its id (always on one node); a
    // transaction coordinated elsewhere is not verified from here (Kafka's v5 verification).
    const local = ctx.broker.transactions.coordinatorError(req.transactionalId) === 0;
    const txnError = local ? await ctx.broker.transactions.offsetCommitError(req.transactionalId, req.producerId, req.producerEpoch, req.groupId, ctx.apiVersion) : 0;
    if (txnError) return answer(txnError);
    // Before v3 the member fields take their defaults (-1, "", null): only a dead group refuses then.
    const groupError = ctx.broker.groups.commitError({ groupId: req.groupId, generationId: req.generationId, memberId: req.memberId, groupInstanceId: req.groupInstanceId, transactional: true, apiVersion: ctx.apiVersion });
    if (groupError) return answer(groupError);
    const topics = await commitOffsets(req.topics, ctx, {
      leaderEpoch: (p) => p.committedLeaderEpoch,
      write: (entries) => ctx.broker.groups.commitPending(req.groupId, req.producerId, req.producerEpoch, entries),
      where: { group: req.groupId, producerId: String(req.producerId) },
      mayCommit: mayRead,
    });
    return { throttleTimeMs: 0, topics };
  },
});

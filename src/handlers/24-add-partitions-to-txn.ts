/**
 * AddPartitionsToTxn (key 24), v0–v5: a producer adds partitions to its open transaction. v4+ is
 * the batched form (several transactional ids, verifyOnly) that Kafka brokers send to coordinators.
 * Errors per partition: INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED / INVALID_PRODUCER_EPOCH,
 * CONCURRENT_TRANSACTIONS while a previous end is in progress, UNKNOWN_TOPIC_OR_PARTITION with the
 * other partitions OPERATION_NOT_ATTEMPTED.
 */
import type { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult } from '../protocol/messages/index.js';
import { AddPartitionsToTxnRequestMeta } from '../protocol/messages/index.js';
import { defineHandler, type HandlerContext } from './types.js';

async function addOne(ctx: HandlerContext, id: string, pid: bigint, epoch: number, topics: Array<{ name: string; partitions: number[] }>, verifyOnly: boolean): Promise<AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult[]> {
  // Not this broker's transactional id (or still loading): every partition carries the error, as in Kafka.
  const notHere = id === '' ? 0 : ctx.broker.transactions.coordinatorError(id);
  if (notHere) return topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: notHere })) }));
  const parts = topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
  const codes = await ctx.broker.transactions.addPartitions(id, pid, epoch, parts, verifyOnly);
  return topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: codes.get(t.name, p) ?? 0 })) }));
}

export default defineHandler<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>(AddPartitionsToTxnRequestMeta, {
  async handle(req, ctx) {
    if (ctx.apiVersion <= 3) {
      const results = await addOne(ctx, req.v3AndBelowTransactionalId, req.v3AndBelowProducerId, req.v3AndBelowProducerEpoch, req.v3AndBelowTopics, false);
      return { throttleTimeMs: 0, errorCode: 0, resultsByTransaction: [], resultsByTopicV3AndBelow: results };
    }
    const resultsByTransaction = [];
    for (const t of req.transactions) resultsByTransaction.push({ transactionalId: t.transactionalId, topicResults: await addOne(ctx, t.transactionalId, t.producerId, t.producerEpoch, t.topics, t.verifyOnly) });
    return { throttleTimeMs: 0, errorCode: 0, resultsByTransaction, resultsByTopicV3AndBelow: [] };
  },
});

/**
 * AddPartitionsToTxn (key 24), v0–v5: a producer adds partitions to its open transaction. v4+ is
 * the batched form (several transactional ids, verifyOnly) that Kafka brokers send to coordinators.
 * Errors per partition: INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED / INVALID_PRODUCER_EPOCH,
 * CONCURRENT_TRANSACTIONS while a previous end is in progress, UNKNOWN_TOPIC_OR_PARTITION with the
 * other partitions OPERATION_NOT_ATTEMPTED.
 * Authorization, as Kafka: v4+ needs CLUSTER_ACTION (CLUSTER_AUTHORIZATION_FAILED at the top
 * level); v0–v3 WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED on every
 * partition); every version WRITE on each topic (TOPIC_AUTHORIZATION_FAILED, internal topics
 * always, the others then UNKNOWN_TOPIC_OR_PARTITION or OPERATION_NOT_ATTEMPTED). With no
 * authorizer configured these checks are skipped, internal topics included.
 */
import type { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult } from '../protocol/messages/index.js';
import { AddPartitionsToTxnRequestMeta } from '../protocol/messages/index.js';
import { defineHandler, type HandlerContext } from './types.js';
import { ErrorCode } from '../protocol/errors.js';
import { isInternalTopic } from '../cluster/topic-names.js';
import { AclOp, ResourceType, authzEnabled, checker, clusterDenied, transactionalIdDenied } from './common/authz.js';

type Topics = Array<{ name: string; partitions: number[] }>;

const each = (topics: Topics, code: (topic: string) => number) => topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: code(t.name) })) }));

/**
 * Kafka's checks before the coordinator: WRITE on the transactional id (clients, v0–v3), then WRITE
 * on each topic (internal ones never pass). Any failure fails the whole transaction's request:
 * TOPIC_AUTHORIZATION_FAILED, UNKNOWN_TOPIC_OR_PARTITION, and OPERATION_NOT_ATTEMPTED for the rest.
 */
function refused(ctx: HandlerContext, id: string, topics: Topics): AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult[] | undefined {
  if (!authzEnabled(ctx)) return undefined;
  const denied = ctx.apiVersion <= 3 ? transactionalIdDenied(ctx, AclOp.WRITE, id) : 0;
  if (denied) return each(topics, () => denied);
  const mayWrite = checker(ctx, AclOp.WRITE, ResourceType.TOPIC);
  const allowed = (t: string) => !isInternalTopic(t) && mayWrite(t);
  if (topics.every((t) => allowed(t.name))) return undefined;
  return each(topics, (t) => (!allowed(t) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : !ctx.broker.topics.get(t) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED));
}

async function addOne(ctx: HandlerContext, id: string, pid: bigint, epoch: number, topics: Topics, verifyOnly: boolean): Promise<AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult[]> {
  const denied = refused(ctx, id, topics);
  if (denied) return denied;
  // Not this broker's transactional id (or still loading): every partition carries the error, as in Kafka.
  const notHere = id === '' ? 0 : ctx.broker.transactions.coordinatorError(id);
  if (notHere) return topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: notHere })) }));
  const parts = topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
  const codes = await ctx.broker.transactions.addPartitions(id, pid, epoch, parts, verifyOnly);
  return topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: codes.get(t.name, p) ?? 0 })) }));
}

export default defineHandler<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>(AddPartitionsToTxnRequestMeta, {
  async handle(req, ctx) {
    // v4+ comes from brokers: CLUSTER_ACTION, or the whole request fails at the top level.
    const notBroker = ctx.apiVersion >= 4 ? clusterDenied(ctx, AclOp.CLUSTER_ACTION) : 0;
    if (notBroker) return { throttleTimeMs: 0, errorCode: notBroker, resultsByTransaction: [], resultsByTopicV3AndBelow: [] };
    if (ctx.apiVersion <= 3) {
      const results = await addOne(ctx, req.v3AndBelowTransactionalId, req.v3AndBelowProducerId, req.v3AndBelowProducerEpoch, req.v3AndBelowTopics, false);
      return { throttleTimeMs: 0, errorCode: 0, resultsByTransaction: [], resultsByTopicV3AndBelow: results };
    }
    const resultsByTransaction = [];
    for (const t of req.transactions) resultsByTransaction.push({ transactionalId: t.transactionalId, topicResults: await addOne(ctx, t.transactionalId, t.producerId, t.producerEpoch, t.topics, t.verifyOnly) });
    return { throttleTimeMs: 0, errorCode: 0, resultsByTransaction, resultsByTopicV3AndBelow: [] };
  },
});

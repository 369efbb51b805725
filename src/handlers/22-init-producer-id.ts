/**
 * InitProducerId (key 22), v0–v5. Without a transactional id (idempotent producers): a fresh
 * producer id with epoch 0 on every call, as Kafka does. With one: the transaction coordinator
 * gives the id's producer a new epoch (fencing the previous instance and aborting its open
 * transaction), or a first producer id; the timeout is checked against transaction.max.timeout.ms
 * (INVALID_TRANSACTION_TIMEOUT). Ids are never reused.
 * Authorization, as Kafka: WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
 * an idempotent producer needs IDEMPOTENT_WRITE on the cluster or WRITE on at least one topic
 * (CLUSTER_AUTHORIZATION_FAILED).
 */
import type { InitProducerIdRequest, InitProducerIdResponse } from '../protocol/messages/index.js';
import { InitProducerIdRequestMeta } from '../protocol/messages/index.js';
import { defineHandler, type HandlerContext } from './types.js';
import { ErrorCode } from '../protocol/errors.js';
import { AclOp, ResourceType, allowedOnAny, clusterAllowed, transactionalIdDenied } from './common/authz.js';

/** WRITE on the transactional id; without one, IDEMPOTENT_WRITE on the cluster or WRITE on some topic (Kafka's order). */
function initDenied(ctx: HandlerContext, transactionalId: string | null): number {
  if (transactionalId !== null) return transactionalIdDenied(ctx, AclOp.WRITE, transactionalId);
  if (clusterAllowed(ctx, AclOp.IDEMPOTENT_WRITE, false) || allowedOnAny(ctx, AclOp.WRITE, ResourceType.TOPIC)) return 0;
  return ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
}

export default defineHandler<InitProducerIdRequest, InitProducerIdResponse>(InitProducerIdRequestMeta, {
  async handle(req, ctx) {
    const denied = initDenied(ctx, req.transactionalId);
    if (denied) return { throttleTimeMs: 0, errorCode: denied, producerId: -1n, producerEpoch: -1 };
    if (req.transactionalId !== null) {
      const notHere = req.transactionalId === '' ? 0 : ctx.broker.transactions.coordinatorError(req.transactionalId);
      if (notHere) return { throttleTimeMs: 0, errorCode: notHere, producerId: -1n, producerEpoch: -1 };
      const expected = ctx.apiVersion >= 3 ? { producerId: req.producerId, producerEpoch: req.producerEpoch } : undefined;
      const r = await ctx.broker.transactions.initProducer(req.transactionalId, req.transactionTimeoutMs, expected);
      return { throttleTimeMs: 0, ...r };
    }
    const producerId = await ctx.broker.producerIds.allocate();
    return { throttleTimeMs: 0, errorCode: 0, producerId, producerEpoch: 0 };
  },
});

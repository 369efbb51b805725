/**
 * InitProducerId (key 22), v0–v5. Without a transactional id (idempotent producers): a fresh
 * producer id with epoch 0 on every call, as Kafka does. With one: the transaction coordinator
 * gives the id's producer a new epoch (fencing the previous instance and aborting its open
 * transaction), or a first producer id; the timeout is checked against transaction.max.timeout.ms
 * (INVALID_TRANSACTION_TIMEOUT). Ids are never reused.
 */
import type { InitProducerIdRequest, InitProducerIdResponse } from '../protocol/messages/index.js';
import { InitProducerIdRequestMeta } from '../protocol/messages/index.js';
import { defineHandler } from './types.js';

export default defineHandler<InitProducerIdRequest, InitProducerIdResponse>(InitProducerIdRequestMeta, {
  async handle(req, ctx) {
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

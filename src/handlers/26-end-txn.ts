/**
 * EndTxn (key 26), v0–v5: commit or abort. Answered once the markers are in every partition of
 * the transaction and its offsets are committed or discarded. v5 echoes the producer id and epoch
 * (transaction protocol version 1: they do not change).
 */
import type { EndTxnRequest, EndTxnResponse } from '../protocol/messages/index.js';
import { defineHandler } from './types.js';

export default defineHandler<EndTxnRequest, EndTxnResponse>({
  apiKey: 26,
  minVersion: 0,
  maxVersion: 5,
  async handle(req, ctx) {
    const errorCode = await ctx.broker.transactions.endTxn(req.transactionalId, req.producerId, req.producerEpoch, req.committed);
    return { throttleTimeMs: 0, errorCode, producerId: req.producerId, producerEpoch: req.producerEpoch };
  },
});

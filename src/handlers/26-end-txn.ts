/**
 * EndTxn (key 26), v0–v5: commit or abort. Answered once the markers are in every partition of
 * the transaction and its offsets are committed or discarded.
 *
 * v5 is transaction protocol version 2 (KIP-890), as in Kafka the version alone decides it: the
 * coordinator bumps the producer epoch (a new producer id once epochs run out), writes the markers
 * with the new epoch, and answers with the producer id and epoch to use next (-1 on error).
 * A retry with the epoch before the bump is answered with the same outcome; an abort with no
 * transaction open still bumps the epoch. See transactions/txn-rules.ts.
 * Needs WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
 */
import type { EndTxnRequest, EndTxnResponse } from '../protocol/messages/index.js';
import { EndTxnRequestMeta } from '../protocol/messages/index.js';
import { defineHandler } from './types.js';
import { AclOp, transactionalIdDenied } from './common/authz.js';

export default defineHandler<EndTxnRequest, EndTxnResponse>(EndTxnRequestMeta, {
  async handle(req, ctx) {
    const denied = transactionalIdDenied(ctx, AclOp.WRITE, req.transactionalId);
    if (denied) return { throttleTimeMs: 0, errorCode: denied, producerId: -1n, producerEpoch: -1 };
    const notHere = req.transactionalId === '' ? 0 : ctx.broker.transactions.coordinatorError(req.transactionalId);
    if (notHere) return { throttleTimeMs: 0, errorCode: notHere, producerId: -1n, producerEpoch: -1 };
    const r = await ctx.broker.transactions.endTxn(req.transactionalId, req.producerId, req.producerEpoch, req.committed, ctx.apiVersion >= 5);
    return { throttleTimeMs: 0, ...r };
  },
});

/** AddOffsetsToTxn (key 25), v0–v4: the transaction will commit offsets of this group (TxnOffsetCommit follows). Needs WRITE on the transactional id, then READ on the group. */
import type { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from '../protocol/messages/index.js';
import { AddOffsetsToTxnRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './types.js';
import { AclOp, groupDenied, transactionalIdDenied } from './common/authz.js';

export default defineHandler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse>(AddOffsetsToTxnRequestMeta, {
  async handle(req, ctx) {
    const denied = transactionalIdDenied(ctx, AclOp.WRITE, req.transactionalId) || groupDenied(ctx, AclOp.READ, req.groupId);
    if (denied) return { throttleTimeMs: 0, errorCode: denied };
    if (req.groupId === '') return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_GROUP_ID };
    const notHere = req.transactionalId === '' ? 0 : ctx.broker.transactions.coordinatorError(req.transactionalId);
    if (notHere) return { throttleTimeMs: 0, errorCode: notHere };
    const errorCode = await ctx.broker.transactions.addOffsets(req.transactionalId, req.producerId, req.producerEpoch, req.groupId);
    return { throttleTimeMs: 0, errorCode };
  },
});

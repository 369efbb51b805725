/**
 * InitProducerId (key 22), v0–v5, for idempotent producers: each call gets a fresh producer id
 * with epoch 0, as Kafka does when there is no transactional id (an epoch bump request from v3
 * is answered the same way: a new id is always safe). Ids are never reused.
 *
 * Transactional ids are not served yet (transactions are a later issue): such requests get
 * INVALID_REQUEST, a non-retriable error, rather than a coordinator that cannot finish them.
 */
import type { InitProducerIdRequest, InitProducerIdResponse } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './types.js';

export default defineHandler<InitProducerIdRequest, InitProducerIdResponse>({
  apiKey: 22,
  minVersion: 0,
  maxVersion: 5,
  note: 'idempotent producers; transactional ids not yet served',
  async handle(req, ctx) {
    if (req.transactionalId !== null) {
      ctx.log.info({ transactionalId: req.transactionalId, client: ctx.header.clientId }, 'transactional producer refused: transactions are not supported yet');
      return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, producerId: -1n, producerEpoch: -1 };
    }
    const producerId = await ctx.broker.producerIds.allocate();
    return { throttleTimeMs: 0, errorCode: 0, producerId, producerEpoch: 0 };
  },
});

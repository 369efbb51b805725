/**
 * DescribeTransactions (key 65), v0: state, timeout, start time, producer and partitions of
 * transactional ids. A group whose offsets are in the transaction shows as its __consumer_offsets
 * partition, as Kafka lists it. An empty id is INVALID_REQUEST, an unknown one TRANSACTIONAL_ID_NOT_FOUND.
 * Each id needs DESCRIBE (TRANSACTIONAL_ID_AUTHORIZATION_FAILED); topics the client may not DESCRIBE
 * are left out of the partitions listed.
 */
import type { DescribeTransactionsRequest, DescribeTransactionsResponse } from '../protocol/messages/index.js';
import { DescribeTransactionsRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { transactionPartitions } from '../cluster/internal-topics.js';
import { defineHandler } from './types.js';
import { AclOp, ResourceType, checker, transactionalIdDenied } from './common/authz.js';

export default defineHandler<DescribeTransactionsRequest, DescribeTransactionsResponse>(DescribeTransactionsRequestMeta, {
  handle(req, ctx) {
    const mayDescribe = checker(ctx, AclOp.DESCRIBE, ResourceType.TOPIC);
    return {
      throttleTimeMs: 0,
      transactionStates: req.transactionalIds.map((id) => {
        const denied = transactionalIdDenied(ctx, AclOp.DESCRIBE, id);
        if (denied) return { errorCode: denied, transactionalId: id, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: [] };
        const notHere = id === '' ? 0 : ctx.broker.transactions.coordinatorError(id);
        const t = notHere ? undefined : ctx.broker.transactions.txns.get(id);
        if (notHere) return { errorCode: notHere, transactionalId: id, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: [] };
        if (!t) return { errorCode: id === '' ? ErrorCode.INVALID_REQUEST : ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, transactionalId: id, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: [] };
        const byTopic = transactionPartitions(t.partitions, t.groups, ctx.broker.config.int('offsets.topic.num.partitions'));
        return {
          errorCode: 0,
          transactionalId: id,
          transactionState: t.state,
          transactionTimeoutMs: t.timeoutMs,
          transactionStartTimeMs: BigInt(t.startTimestamp),
          producerId: t.producerId,
          producerEpoch: t.producerEpoch,
          // Only the topics the client may DESCRIBE (the offsets topic stands for groups), as Kafka.
          topics: [...byTopic].filter(([topic]) => mayDescribe(topic)).map(([topic, partitions]) => ({ topic, partitions })),
        };
      }),
    };
  },
});

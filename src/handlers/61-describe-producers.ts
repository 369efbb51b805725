/**
 * DescribeProducers (key 61), v0: the idempotent and transactional producers a partition knows,
 * with their open transaction's start and the coordinator epoch of their last marker (-1 before
 * any), what `kafka-transactions.sh abort` needs to end a hanging transaction.
 * Each topic needs READ (TOPIC_AUTHORIZATION_FAILED for its partitions, before existence), as Kafka.
 */
import type { DescribeProducersRequest, DescribeProducersResponse } from '../protocol/messages/index.js';
import { DescribeProducersRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { findTopic, findPartition } from './common/partitions.js';
import { defineHandler } from './types.js';
import { AclOp, ResourceType, checker } from './common/authz.js';

export default defineHandler<DescribeProducersRequest, DescribeProducersResponse>(DescribeProducersRequestMeta, {
  handle(req, ctx) {
    const mayRead = checker(ctx, AclOp.READ, ResourceType.TOPIC);
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => {
        const found = mayRead(t.name) ? findTopic(ctx.broker, t.name) : { topic: undefined, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
        return {
          name: t.name,
          partitions: t.partitionIndexes.map((p) => {
            const { partition: log, errorCode } = found.topic ? findPartition(ctx.broker, found.topic, p) : { partition: undefined, errorCode: found.errorCode };
            if (!log) return { partitionIndex: p, errorCode, errorMessage: null, activeProducers: [] };
            const activeProducers = log.producers().map((e) => ({
              ...e,
              lastTimestamp: BigInt(e.lastTimestamp),
              currentTxnStartOffset: BigInt(e.currentTxnStartOffset),
            }));
            return { partitionIndex: p, errorCode: 0, errorMessage: null, activeProducers };
          }),
        };
      }),
    };
  },
});

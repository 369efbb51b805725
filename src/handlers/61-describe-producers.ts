/**
 * DescribeProducers (key 61), v0: the idempotent and transactional producers a partition knows,
 * with their open transaction's start and the coordinator epoch of their last marker (-1 before
 * any), what `kafka-transactions.sh abort` needs to end a hanging transaction.
 */
import type { DescribeProducersRequest, DescribeProducersResponse } from '../protocol/messages/index.js';
import { DescribeProducersRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { findTopic, findPartition } from './common/partitions.js';
import { defineHandler } from './types.js';

export default defineHandler<DescribeProducersRequest, DescribeProducersResponse>(DescribeProducersRequestMeta, {
  handle(req, ctx) {
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => {
        const found = findTopic(ctx.broker, t.name);
        return {
          name: t.name,
          partitions: t.partitionIndexes.map((p) => {
            const { partition: log, errorCode } = found.topic ? findPartition(ctx.broker, found.topic, p) : { partition: undefined, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
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

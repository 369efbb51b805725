/**
 * DescribeTopicPartitions (key 75), v0: what Kafka 4's kafka-topics.sh --describe uses.
 *
 * Topics by name, or every topic when the list is empty, in name order from the cursor's topic
 * (and, for that topic, from the cursor's partition). At most ResponsePartitionLimit partitions
 * are returned (capped to 2000, Kafka's max.request.partition.size.limit, and at least 1); when
 * more remain, NextCursor names the topic and partition to continue from. Partitions are
 * described from the metadata image as in Metadata (on one node: led by it in epoch 0, the only
 * replica and in sync; a leader the image does not know is -1); ELR lists are empty. As in Kafka: named topics that do not exist get UNKNOWN_TOPIC_OR_PARTITION
 * (INVALID_TOPIC_EXCEPTION for illegal names) and take no part of the limit; a cursor whose topic
 * is not among the named ones, or whose partition is negative, fails the request with
 * INVALID_REQUEST for every named topic.
 * Every topic needs DESCRIBE: when all are asked for the others are left out; named ones without
 * it come last with TOPIC_AUTHORIZATION_FAILED, the zero id and no operations. Topics' authorized
 * operations are those the authorizer allows.
 */
import type {
  DescribeTopicPartitionsRequest,
  DescribeTopicPartitionsResponse,
  DescribeTopicPartitionsResponseCursor,
  DescribeTopicPartitionsResponseTopic,
} from '../protocol/messages/index.js';
import { DescribeTopicPartitionsRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { ZERO_UUID } from '../protocol/primitives/values.js';
import { invalidTopicName } from '../cluster/topic-names.js';
import { NOT_REQUESTED, TOPIC_OPERATIONS } from '../cluster/acl-operations.js';
import { AclOp, ResourceType, authorizedOperations, checker } from './common/authz.js';
import { defineHandler } from './types.js';

const MAX_PARTITION_LIMIT = 2000;

function failedTopic(name: string, errorCode: number, topicAuthorizedOperations = TOPIC_OPERATIONS): DescribeTopicPartitionsResponseTopic {
  return { errorCode, name, topicId: ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations };
}

export default defineHandler<DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse>(DescribeTopicPartitionsRequestMeta, {
  handle(req, ctx) {
    const image = ctx.broker.metadata.image();
    const all = req.topics.length === 0;
    const cursor = req.cursor;
    const from = cursor?.topicName ?? '';
    const names = all ? image.topics().map((t) => t.name) : [...new Set(req.topics.map((t) => t.name))];
    const wanted = names.filter((n) => n >= from).sort();
    const invalid = (!all && cursor !== null && !wanted.includes(cursor.topicName)) || (cursor !== null && cursor.partitionIndex < 0);
    if (invalid) return { throttleTimeMs: 0, topics: req.topics.map((t) => failedTopic(t.name, ErrorCode.INVALID_REQUEST)), nextCursor: null };

    // DESCRIBE on each topic: all topics leave out the others; named ones are answered
    // TOPIC_AUTHORIZATION_FAILED after the rest, outside the partition limit, as Kafka.
    const mayDescribe = checker(ctx, AclOp.DESCRIBE, ResourceType.TOPIC, !all);
    const unauthorized = all ? [] : wanted.filter((n) => !mayDescribe(n)).map((n) => failedTopic(n, ErrorCode.TOPIC_AUTHORIZATION_FAILED, NOT_REQUESTED));
    const ops = (name: string) => authorizedOperations(ctx, ResourceType.TOPIC, name);

    let remaining = Math.max(Math.min(MAX_PARTITION_LIMIT, req.responsePartitionLimit), 1);
    const result: DescribeTopicPartitionsResponseTopic[] = [];
    let nextCursor: DescribeTopicPartitionsResponseCursor | null = null;
    for (const name of wanted.filter((n) => mayDescribe(n))) {
      if (remaining <= 0) {
        nextCursor = { topicName: name, partitionIndex: 0 };
        break;
      }
      const t = image.topic(name);
      if (!t) {
        if (!all) result.push(failedTopic(name, invalidTopicName(name) ? ErrorCode.INVALID_TOPIC_EXCEPTION : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ops(name)));
        continue;
      }
      const start = cursor !== null && name === cursor.topicName ? cursor.partitionIndex : 0;
      const end = Math.min(t.partitions, start + remaining);
      const partitions = [];
      for (let i = start; i < end; i++) {
        const p = t.partitionStates[i];
        partitions.push({
          errorCode: ErrorCode.NONE,
          partitionIndex: i,
          leaderId: image.broker(p.leader) ? p.leader : -1,
          leaderEpoch: p.leaderEpoch,
          replicaNodes: [...p.replicas],
          isrNodes: [...p.isr],
          eligibleLeaderReplicas: [],
          lastKnownElr: [],
          offlineReplicas: p.replicas.filter((r) => !image.broker(r)),
        });
      }
      remaining -= partitions.length;
      result.push({ errorCode: ErrorCode.NONE, name, topicId: t.id, isInternal: t.internal, partitions, topicAuthorizedOperations: ops(name) });
      if (end < t.partitions) {
        nextCursor = { topicName: name, partitionIndex: end };
        break;
      }
    }
    return { throttleTimeMs: 0, topics: [...result, ...unauthorized], nextCursor };
  },
});

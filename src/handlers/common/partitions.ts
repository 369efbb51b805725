/** Finding the topic a request names (by name, or by id in newer versions) and its partition. */
import { ErrorCode } from '../../protocol/errors.js';
import { ZERO_UUID } from '../../protocol/primitives/values.js';
import type { TopicInfo } from '../../cluster/topics.js';
import type { PartitionHandle } from '../../partitions/partition-handle.js';
import type { PartitionLookup } from '../../partitions/partition-manager.js';
import type { BrokerServices } from '../types.js';

export type TopicLookup = { topic: TopicInfo; errorCode: 0 } | { topic: undefined; errorCode: number };

/** By id when one is given (non-zero), else by name. */
export function findTopic(broker: BrokerServices, name: string | null, topicId: string = ZERO_UUID): TopicLookup {
  if (topicId !== ZERO_UUID) {
    const t = broker.topics.getById(topicId);
    return t ? { topic: t, errorCode: 0 } : { topic: undefined, errorCode: ErrorCode.UNKNOWN_TOPIC_ID };
  }
  const t = name === null ? undefined : broker.topics.get(name);
  return t ? { topic: t, errorCode: 0 } : { topic: undefined, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
}

/** The partition of a topic found by findTopic, or the error to answer (the partition manager's). */
export function findPartition(broker: BrokerServices, topic: TopicInfo, index: number): PartitionLookup {
  return broker.partitions.getPartitionOrError(topic.name, index);
}

/** The leader epoch check of Fetch, ListOffsets and OffsetForLeaderEpoch (this broker's epoch is the partition's). */
export function leaderEpochError(current: number, p: PartitionHandle): number {
  if (current < 0 || current === p.leaderEpoch) return ErrorCode.NONE;
  return current > p.leaderEpoch ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.FENCED_LEADER_EPOCH;
}

/** Finding the topic a request names (by name, or by id in newer versions) and its partition log. */
import { ErrorCode } from '../../protocol/errors.js';
import { ZERO_UUID } from '../../protocol/primitives/values.js';
import type { TopicInfo } from '../../cluster/topics.js';
import type { Log } from '../../storage/log.js';
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

export function findPartition(broker: BrokerServices, topic: TopicInfo, index: number): Log | undefined {
  if (index < 0 || index >= topic.partitions) return undefined;
  return broker.logs.partition(topic.name, index);
}

/** The partition's leader epoch in the metadata image; -1 when the image has no such partition. */
export function leaderEpochOf(broker: BrokerServices, topic: string, partition: number): number {
  return broker.metadata.image().partition(topic, partition)?.leaderEpoch ?? -1;
}

/**
 * The leader epoch check of Fetch, ListOffsets and OffsetForLeaderEpoch against the image's epoch
 * (leaderEpochOf): a newer one than ours is UNKNOWN_LEADER_EPOCH, an older one FENCED_LEADER_EPOCH.
 */
export function leaderEpochError(current: number, epoch: number): number {
  if (current < 0 || current === epoch) return ErrorCode.NONE;
  return current > epoch ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.FENCED_LEADER_EPOCH;
}

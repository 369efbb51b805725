/**
 * CreatePartitions (key 37), v0–v3.
 *
 * Raises a topic's partition count: the new partition logs are created, then the count is
 * recorded (see src/cluster/metadata-owner.ts). As in Kafka: a count that is not an increase is INVALID_PARTITIONS;
 * a manual assignment must have one replica list per new partition, of the topic's replication
 * factor, naming brokers of the metadata image (on one node: exactly [node id]), else
 * INVALID_REPLICA_ASSIGNMENT; a topic named twice gets
 * INVALID_REQUEST ("Duplicate topic name.") once; unknown topics UNKNOWN_TOPIC_OR_PARTITION.
 * validateOnly checks without changing anything. Each topic needs ALTER (TOPIC_AUTHORIZATION_FAILED,
 * checked after duplicates and before existence, as Kafka's controller).
 *
 * Deviations: a manual assignment may name live brokers only (Kafka also takes fenced ones when
 * each list has a live one). A topic may have at most 10,000 partitions (INVALID_PARTITIONS with a message).
 * Internal topics (__consumer_offsets) are refused with INVALID_REQUEST: groups are mapped to their
 * partitions by count, so a new count would move every group's state (Kafka allows it).
 */
import type {
  CreatePartitionsRequest,
  CreatePartitionsRequestCreatePartitionsTopic,
  CreatePartitionsResponse,
  CreatePartitionsResponseCreatePartitionsTopicResult,
} from '../protocol/messages/index.js';
import { CreatePartitionsRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { partitionIncreaseError } from '../cluster/topics.js';
import { err, errorOf, duplicateTopicNames, replicaListError, spreadReplicas, tooManyPartitions, MAX_PARTITIONS_PER_TOPIC, NO_ERROR, type ApiError } from './admin-common.js';
import { defineHandler, type HandlerContext } from './types.js';
import { AclOp, DENIED_MESSAGE, ResourceType, checker } from './common/authz.js';

function check(t: CreatePartitionsRequestCreatePartitionsTopic, ctx: HandlerContext): ApiError | undefined {
  const topic = ctx.broker.metadata.image().topic(t.name);
  if (!topic) return err(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
  if (topic.internal) return err(ErrorCode.INVALID_REQUEST, `Runnel does not add partitions to its internal topic ${t.name}: groups are mapped to its partitions.`);
  const refused = partitionIncreaseError(topic, t.count);
  if (refused) return err(refused.errorCode, refused.message);
  if (t.count > MAX_PARTITIONS_PER_TOPIC) return tooManyPartitions(t.count);
  if (t.assignments !== null) {
    const adding = t.count - topic.partitions;
    const given = t.assignments.length;
    if (given !== adding)
      return err(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        // Kafka says "only" whichever way the counts differ.
        `Attempted to add ${adding} additional partition(s), but only ${given} assignment(s) were specified.`,
      );
    for (const a of t.assignments) {
      const bad = replicaListError(a.brokerIds, ctx.broker.metadata.image(), topic.partitionStates[0]?.replicas.length);
      if (bad) return bad;
    }
  }
  return undefined;
}

/** Without an assignment, new partitions get as many replicas as the topic's first, spread over the brokers. */
function newReplicas(t: CreatePartitionsRequestCreatePartitionsTopic, ctx: HandlerContext): number[][] | undefined {
  const image = ctx.broker.metadata.image();
  const topic = image.topic(t.name);
  if (!topic) return undefined;
  const rf = Math.min(topic.partitionStates[0]?.replicas.length ?? 1, image.brokers().length);
  return spreadReplicas(image, topic.partitions, t.count - topic.partitions, rf, topic.partitionStates[0]?.replicas[0]);
}

export default defineHandler<CreatePartitionsRequest, CreatePartitionsResponse>(CreatePartitionsRequestMeta, {
  note: 'not for internal topics',
  async handle(req, ctx) {
    const dup = duplicateTopicNames(req.topics.map((t) => t.name));
    const results: CreatePartitionsResponseCreatePartitionsTopicResult[] = [];
    const answer = (name: string, e: ApiError) => results.push({ name, errorCode: e.code, errorMessage: e.message });
    const mayAlter = checker(ctx, AclOp.ALTER, ResourceType.TOPIC);
    for (const t of req.topics) {
      const refusal = dup.refusal(t.name);
      if (refusal !== undefined) {
        if (refusal) answer(t.name, refusal);
        continue;
      }
      if (!mayAlter(t.name)) {
        answer(t.name, err(ErrorCode.TOPIC_AUTHORIZATION_FAILED, DENIED_MESSAGE[ErrorCode.TOPIC_AUTHORIZATION_FAILED]));
        continue;
      }
      const bad = check(t, ctx);
      if (bad || req.validateOnly) {
        answer(t.name, bad ?? NO_ERROR);
        continue;
      }
      try {
        const before = ctx.broker.topics.get(t.name)?.partitions;
        const after = await ctx.broker.topics.setPartitions(t.name, t.count, t.assignments?.map((a) => [...a.brokerIds]) ?? newReplicas(t, ctx));
        ctx.broker.log.info({ topic: t.name, id: after.id, from: before, partitions: after.partitions, by: ctx.header.clientId }, 'partitions added');
        answer(t.name, NO_ERROR);
      } catch (e) {
        answer(t.name, errorOf(e, ctx, `adding partitions to ${t.name}`));
      }
    }
    return { throttleTimeMs: 0, results };
  },
});

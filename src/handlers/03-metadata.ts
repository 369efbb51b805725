/**
 * Metadata (key 3), v0–v13.
 *
 * Brokers, partitions (leader, leader epoch, replicas, ISR) and the controller come from the
 * metadata image (src/cluster/metadata-image.ts); a single node leads every partition in epoch 0
 * and is the controller. As in Kafka's KRaftMetadataCache, a partition whose leader the image does
 * not know is LEADER_NOT_AVAILABLE with leader -1, and replicas on unknown brokers are listed
 * offline (v0's filtering of such replicas with REPLICA_NOT_AVAILABLE is not done: one node never
 * has them). Topics are named (v0+) or, from
 * v10, given by id; a null list (v1+) or an empty one at v0 means every topic. Unknown topics are
 * created when auto.create.topics.enable is on and the request allows it (always before v4): as in
 * Kafka, that answer carries LEADER_NOT_AVAILABLE and the next request sees the topic. Names that
 * are not legal topic names get INVALID_TOPIC_EXCEPTION; unknown ids UNKNOWN_TOPIC_ID.
 *
 * Authorization (Kafka's KafkaApis): every topic needs DESCRIBE. When all topics are asked for,
 * the others are left out; a named topic without it is TOPIC_AUTHORIZATION_FAILED whether or not
 * it exists (an id without it: TOPIC_AUTHORIZATION_FAILED with the id and no name). Auto-creation
 * needs CREATE on the cluster or the topic (TOPIC_AUTHORIZATION_FAILED otherwise). The authorized
 * operations (v8+) are those the authorizer allows, on each topic and (v8–v10) on the cluster (0
 * without DESCRIBE on it).
 */
import type { MetadataRequest, MetadataResponse, MetadataResponseTopic } from '../protocol/messages/index.js';
import { MetadataRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { brokerEndpoints } from './common/leader-endpoints.js';
import { ZERO_UUID } from '../protocol/primitives/values.js';
import { invalidTopicName, isInternalTopic } from '../cluster/topic-names.js';
import type { MetadataImage, TopicImage } from '../cluster/metadata-image.js';
import { TOPIC_OPERATIONS, NOT_REQUESTED } from '../cluster/acl-operations.js';
import { AclOp, ResourceType, authorizedOperations, checker, clusterAuthorizedOperations, mayCreateTopic } from './common/authz.js';
import { defineHandler, type HandlerContext } from './types.js';

/** Partitions as the image has them; replicas on brokers the image does not know are offline. */
function describe(t: TopicImage, image: MetadataImage, includeOps: boolean): MetadataResponseTopic {
  const partitions = t.partitionStates.map((p) => ({
    errorCode: image.broker(p.leader) ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
    partitionIndex: p.partition,
    leaderId: image.broker(p.leader) ? p.leader : -1,
    leaderEpoch: p.leaderEpoch,
    replicaNodes: [...p.replicas],
    isrNodes: [...p.isr],
    offlineReplicas: p.replicas.filter((r) => !image.broker(r)),
  }));
  return {
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: t.id,
    isInternal: t.internal,
    partitions,
    topicAuthorizedOperations: includeOps ? TOPIC_OPERATIONS : NOT_REQUESTED,
  };
}

const DENIED = ErrorCode.TOPIC_AUTHORIZATION_FAILED;

function failed(errorCode: number, name: string | null, topicId = ZERO_UUID): MetadataResponseTopic {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: NOT_REQUESTED };
}

async function lookup(name: string, allowCreate: boolean, ctx: HandlerContext, includeOps: boolean): Promise<MetadataResponseTopic> {
  const { topics, config } = ctx.broker;
  const image = ctx.broker.metadata.image();
  const existing = image.topic(name);
  if (existing) return describe(existing, image, includeOps);
  const creating = allowCreate && config.bool('auto.create.topics.enable');
  if (creating && !mayCreateTopic(ctx, name)) return failed(DENIED, name);
  const invalid = invalidTopicName(name);
  if (invalid) return failed(ErrorCode.INVALID_TOPIC_EXCEPTION, name);
  if (!creating) return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name);
  if (topics.collidesWith(name)) return failed(ErrorCode.INVALID_TOPIC_EXCEPTION, name);
  // An internal topic is created as its coordinator needs it (partitions, replication factor, compaction), as Kafka's AutoTopicCreationManager does.
  if (isInternalTopic(name) && ctx.broker.coordinatorTopics) {
    const code = await ctx.broker.coordinatorTopics.ensure(name);
    return failed(code === ErrorCode.NONE || code === ErrorCode.COORDINATOR_NOT_AVAILABLE ? ErrorCode.LEADER_NOT_AVAILABLE : code, name);
  }
  const created = await topics.create(name, config.int('num.partitions'));
  ctx.broker.log.info({ topic: name, partitions: created.partitions, id: created.id, by: ctx.header.clientId }, 'topic auto-created');
  return failed(ErrorCode.LEADER_NOT_AVAILABLE, name);
}

export default defineHandler<MetadataRequest, MetadataResponse>(MetadataRequestMeta, {
  async handle(req, ctx) {
    const v = ctx.apiVersion;
    const image = ctx.broker.metadata.image();
    const includeOps = v >= 8 && req.includeTopicAuthorizedOperations;
    const allowCreate = v < 4 || req.allowAutoTopicCreation;
    const all = req.topics === null || (v === 0 && req.topics.length === 0);
    // Only topics the client may DESCRIBE: all topics are filtered silently, named ones denied (before existence).
    const mayDescribe = checker(ctx, AclOp.DESCRIBE, ResourceType.TOPIC, !all);
    let result: MetadataResponseTopic[];
    if (all) {
      result = image.topics().filter((t) => mayDescribe(t.name)).map((t) => describe(t, image, includeOps));
    } else {
      result = [];
      for (const t of req.topics!) {
        if (t.name !== null) result.push(mayDescribe(t.name) ? await lookup(t.name, allowCreate, ctx, includeOps) : failed(DENIED, t.name));
        else {
          const byId = image.topicById(t.topicId);
          // The topic name may be null only from v12; before that an unknown id is answered with ''.
          // A denied id is answered with the id and no name (ids are not secret, names are).
          if (byId && !mayDescribe(byId.name)) result.push(failed(DENIED, v >= 12 ? null : '', t.topicId));
          else result.push(byId ? describe(byId, image, includeOps) : failed(ErrorCode.UNKNOWN_TOPIC_ID, v >= 12 ? null : '', t.topicId));
        }
      }
    }
    // As Kafka, every answered topic (errors too) carries its operations when asked.
    if (includeOps) for (const t of result) if (t.name) t.topicAuthorizedOperations = authorizedOperations(ctx, ResourceType.TOPIC, t.name);
    return {
      throttleTimeMs: 0,
      brokers: brokerEndpoints(ctx),
      clusterId: image.clusterId,
      controllerId: image.controllerForClients(ctx.broker.nodeId),
      topics: result,
      clusterAuthorizedOperations: v >= 8 && v <= 10 && req.includeClusterAuthorizedOperations ? clusterAuthorizedOperations(ctx) : NOT_REQUESTED,
      errorCode: ErrorCode.NONE,
    };
  },
});

/**
 * DeleteTopics (key 20), v0–v6.
 *
 * Topics by name (v0–v5 TopicNames; v6 Topics with a name) or, from v6, by id. A deleted topic's
 * partition directories are removed before the answer; a topic created again under the same name
 * gets a new id and starts at offset 0. As in Kafka: delete.topic.enable=false refuses every topic
 * (TOPIC_DELETION_DISABLED, INVALID_REQUEST before v3); a name or id given twice gets one
 * INVALID_REQUEST result and nothing is deleted for it; an entry with both a name and an id, or
 * neither, is INVALID_REQUEST; unknown names get UNKNOWN_TOPIC_OR_PARTITION and unknown ids
 * UNKNOWN_TOPIC_ID. Messages are sent from v5.
 *
 * Authorization, as Kafka's controller: DELETE on the cluster, or else DESCRIBE and DELETE on each
 * topic. A name the client may not DESCRIBE is TOPIC_AUTHORIZATION_FAILED whether or not it exists
 * (no existence leak); an unknown id stays UNKNOWN_TOPIC_ID (ids are not secret), and a known one
 * without DELETE is TOPIC_AUTHORIZATION_FAILED without its name unless the name may be described.
 *
 * Deviations: results follow the request's order (Kafka shuffles them). Internal topics
 * (__consumer_offsets, __transaction_state) are not deleted (INVALID_REQUEST with a message): the
 * group coordinator keeps its state there. Kafka's broker allows it; its kafka-topics.sh refuses.
 */
import type { DeleteTopicsRequest, DeleteTopicsResponse, DeleteTopicsResponseDeletableTopicResult } from '../protocol/messages/index.js';
import { DeleteTopicsRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { ZERO_UUID } from '../protocol/primitives/values.js';
import { err, errorOf, duplicates, type ApiError } from './admin-common.js';
import { defineHandler, type HandlerContext } from './types.js';
import { AclOp, DENIED_MESSAGE, ResourceType, checker, clusterAllowed } from './common/authz.js';

interface Entry {
  name: string | null;
  topicId: string;
}

const result = (e: Entry, error: ApiError): DeleteTopicsResponseDeletableTopicResult => ({
  name: e.name,
  topicId: e.topicId,
  errorCode: error.code,
  errorMessage: error.message,
});

async function deleteOne(name: string, ctx: HandlerContext): Promise<DeleteTopicsResponseDeletableTopicResult> {
  const internal = ctx.broker.topics.get(name);
  if (internal?.internal)
    return result({ name, topicId: internal.id }, err(ErrorCode.INVALID_REQUEST, `Runnel does not delete its internal topic ${name}, which the broker itself uses.`));
  try {
    const t = await ctx.broker.topics.delete(name);
    if (!t) return result({ name, topicId: ZERO_UUID }, err(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.'));
    ctx.broker.log.info({ topic: t.name, id: t.id, partitions: t.partitions, by: ctx.header.clientId }, 'topic deleted');
    return result({ name: t.name, topicId: t.id }, err(ErrorCode.NONE));
  } catch (e) {
    return result({ name, topicId: ZERO_UUID }, errorOf(e, ctx, `deleting topic ${name}`));
  }
}

type Check = (topic: string) => boolean;

/**
 * Kafka's controller order: a name without DESCRIBE is TOPIC_AUTHORIZATION_FAILED whether or not
 * it exists, an unknown one UNKNOWN_TOPIC_OR_PARTITION, one without DELETE TOPIC_AUTHORIZATION_FAILED;
 * an id that names a topic without DELETE is TOPIC_AUTHORIZATION_FAILED, with the name only when
 * it may be described. undefined: go on.
 */
function refusal(e: Entry, name: string, ctx: HandlerContext, mayDescribe: Check, mayDelete: Check): DeleteTopicsResponseDeletableTopicResult | undefined {
  const denied = err(ErrorCode.TOPIC_AUTHORIZATION_FAILED, DENIED_MESSAGE[ErrorCode.TOPIC_AUTHORIZATION_FAILED]);
  if (e.name !== null) {
    if (!mayDescribe(name)) return result({ name, topicId: ZERO_UUID }, denied);
    if (!ctx.broker.topics.get(name)) return undefined;
    return mayDelete(name) ? undefined : result({ name, topicId: ZERO_UUID }, denied);
  }
  return mayDelete(name) ? undefined : result({ name: mayDescribe(name) ? name : null, topicId: e.topicId }, denied);
}

export default defineHandler<DeleteTopicsRequest, DeleteTopicsResponse>(DeleteTopicsRequestMeta, {
  note: 'internal topics are not deleted',
  async handle(req, ctx) {
    const v = ctx.apiVersion;
    const entries: Entry[] = v >= 6 ? req.topics : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    const responses: DeleteTopicsResponseDeletableTopicResult[] = [];
    if (!ctx.broker.config.bool('delete.topic.enable')) {
      const refusal = err(v < 3 ? ErrorCode.INVALID_REQUEST : ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled.');
      return { throttleTimeMs: 0, responses: entries.map((e) => result(e, refusal)) };
    }
    const { topics } = ctx.broker;
    // Every entry becomes a topic name to delete, or an answer now.
    const named = entries.map((e) => (e.name !== null ? e.name : topics.getById(e.topicId)?.name));
    const dupNames = duplicates(entries.filter((e) => e.name !== null && e.topicId === ZERO_UUID).map((e) => e.name!));
    const dupIds = duplicates(entries.filter((e) => e.name === null && e.topicId !== ZERO_UUID).map((e) => e.topicId));
    // A topic given both by name and by id: neither entry is acted on.
    const byName = new Set(entries.filter((e) => e.name !== null && e.topicId === ZERO_UUID).map((e) => e.name));
    const both = new Set(entries.flatMap((e, i) => (e.name === null && named[i] !== undefined && byName.has(named[i]!) ? [named[i]!] : [])));
    const reported = new Set<string>();
    // DELETE on the cluster allows every topic; otherwise DESCRIBE and DELETE on each.
    const clusterWide = clusterAllowed(ctx, AclOp.DELETE, false);
    const mayDescribe = clusterWide ? () => true : checker(ctx, AclOp.DESCRIBE, ResourceType.TOPIC);
    const mayDelete = clusterWide ? () => true : checker(ctx, AclOp.DELETE, ResourceType.TOPIC);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      const refused = named[i] !== undefined && !(e.name !== null && e.topicId !== ZERO_UUID) ? refusal(e, named[i]!, ctx, mayDescribe, mayDelete) : undefined;
      if (e.name === null && e.topicId === ZERO_UUID) {
        responses.push(result(e, err(ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.')));
      } else if (e.name !== null && e.topicId !== ZERO_UUID) {
        responses.push(result(e, err(ErrorCode.INVALID_REQUEST, 'You may not specify both topic name and topic id.')));
      } else if (e.name !== null && dupNames.has(e.name)) {
        if (!reported.has(`n:${e.name}`)) responses.push(result(e, err(ErrorCode.INVALID_REQUEST, 'Duplicate topic name.')));
        reported.add(`n:${e.name}`);
      } else if (e.name === null && dupIds.has(e.topicId)) {
        if (!reported.has(`i:${e.topicId}`)) responses.push(result(e, err(ErrorCode.INVALID_REQUEST, 'Duplicate topic id.')));
        reported.add(`i:${e.topicId}`);
      } else if (e.name === null && named[i] === undefined) {
        responses.push(result(e, err(ErrorCode.UNKNOWN_TOPIC_ID, 'This server does not host this topic ID.')));
      } else if (refused) {
        responses.push(refused);
      } else if (both.has(named[i]!)) {
        const t = topics.get(named[i]!)!;
        responses.push(result({ name: t.name, topicId: t.id }, err(ErrorCode.INVALID_REQUEST, 'The provided topic name maps to an ID that was already supplied.')));
      } else {
        responses.push(await deleteOne(named[i]!, ctx));
      }
    }
    return { throttleTimeMs: 0, responses };
  },
});

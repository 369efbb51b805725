/**
 * CreateTopics (key 19), v0–v7.
 *
 * Checks each topic in the order of Kafka's controller: its name (INVALID_TOPIC_EXCEPTION, also
 * for a '.'/'_' collision with an existing topic), existence (TOPIC_ALREADY_EXISTS), its configs
 * (INVALID_CONFIG: null values, unknown keys, bad values; see src/config/topic-configs.ts), then
 * the layout. A manual assignment needs numPartitions and replicationFactor -1 (else
 * INVALID_REQUEST) and every replica list must name brokers of the metadata image (else
 * INVALID_REPLICA_ASSIGNMENT); the assignment is kept in the image (topics.json, or etcd in a
 * cluster). Without one, -1 means num.partitions / default.replication.factor; 0 or below -1 gets
 * INVALID_PARTITIONS / INVALID_REPLICATION_FACTOR, and a replication factor above the number of
 * live brokers INVALID_REPLICATION_FACTOR; replicas are placed as Kafka's AdminUtils does (over
 * racks when brokers have broker.rack). A name given twice gets one
 * INVALID_REQUEST result ("Duplicate topic name.") and is not created. validateOnly checks
 * everything and creates nothing. v5+ results carry the partition count, replication factor and
 * the topic's resulting configs with their sources; v7 the topic id.
 *
 * Authorization, as Kafka's controller: CREATE on the cluster, or else on each topic
 * (TOPIC_AUTHORIZATION_FAILED, "Authorization failed.", before any other check but duplicates);
 * the resulting configs, partition count and replication factor only with DESCRIBE_CONFIGS on the
 * topic (topicConfigErrorCode TOPIC_AUTHORIZATION_FAILED, no configs and -1 otherwise).
 *
 * -1 for the defaults is accepted at every version, as Kafka's broker does: its Java client only
 * sends it from v4 (KIP-464), but kafkajs sends numPartitions and replicationFactor -1 at v3 when
 * they are not given.
 *
 * Deviations: a manual assignment may name live brokers only; Kafka also takes registered but
 * fenced (down) brokers as long as each list has a live one. Runnel caps a topic, and one request over all its topics, at 10,000 partitions
 * (INVALID_PARTITIONS with a message; validateOnly counts too): partitions are created, fsynced,
 * before the answer, ~3 ms each, and Kafka has no cap. A validateOnly result has the zero topic
 * id (Kafka makes one up). timeoutMs is ignored: creation is complete, on disk, when the response
 * is sent.
 */
import type {
  CreateTopicsRequest,
  CreateTopicsRequestCreatableTopic,
  CreateTopicsResponse,
  CreateTopicsResponseCreatableTopicResult,
} from '../protocol/messages/index.js';
import { CreateTopicsRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { ZERO_UUID } from '../protocol/primitives/values.js';
import { invalidTopicName } from '../cluster/topic-names.js';
import { nameTaken } from '../cluster/topics.js';
import { TOPIC_CONFIG_NAMES, describeTopicConfig, validateTopicConfigs } from '../config/topic-configs.js';
import {
  err,
  errorOf,
  duplicateTopicNames,
  replicaListError,
  spreadReplicas,
  tooManyPartitions,
  MAX_PARTITIONS_PER_TOPIC,
  MAX_NEW_PARTITIONS_PER_REQUEST,
  type ApiError,
} from './admin-common.js';
import { defineHandler, type HandlerContext } from './types.js';
import { AclOp, ResourceType, allowed, checker, clusterAllowed } from './common/authz.js';

interface Plan {
  partitions: number;
  /** One replica list per partition. */
  replicas: number[][];
  configs: Record<string, string>;
}

function failed(name: string, e: ApiError): CreateTopicsResponseCreatableTopicResult {
  return { name, topicId: ZERO_UUID, errorCode: e.code, errorMessage: e.message, topicConfigErrorCode: 0, numPartitions: -1, replicationFactor: -1, configs: [] };
}

function succeeded(name: string, topicId: string, plan: Plan, ctx: HandlerContext): CreateTopicsResponseCreatableTopicResult {
  // The resulting layout and configs only to a client that may DESCRIBE_CONFIGS the topic (unlogged), as Kafka's controller.
  if (!allowed(ctx, AclOp.DESCRIBE_CONFIGS, ResourceType.TOPIC, name, false))
    return { name, topicId, errorCode: ErrorCode.NONE, errorMessage: null, topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, numPartitions: -1, replicationFactor: -1, configs: [] };
  const configs = TOPIC_CONFIG_NAMES.map((n) => {
    const c = describeTopicConfig(ctx.broker.config, plan.configs, n);
    return { name: c.name, value: c.value, readOnly: c.readOnly, configSource: c.source, isSensitive: c.isSensitive };
  });
  return { name, topicId, errorCode: ErrorCode.NONE, errorMessage: null, topicConfigErrorCode: 0, numPartitions: plan.partitions, replicationFactor: plan.replicas[0]?.length ?? 1, configs };
}

/** The replica lists of the new topic's partitions, checked against the metadata image's brokers. */
function layout(t: CreateTopicsRequestCreatableTopic, ctx: HandlerContext): number[][] | ApiError {
  const { config } = ctx.broker;
  const image = ctx.broker.metadata.image();
  if (t.assignments.length > 0) {
    if (t.replicationFactor !== -1)
      return err(ErrorCode.INVALID_REQUEST, 'A manual partition assignment was specified, but replication factor was not set to -1.');
    if (t.numPartitions !== -1) return err(ErrorCode.INVALID_REQUEST, 'A manual partition assignment was specified, but numPartitions was not set to -1.');
    if (t.assignments.length > MAX_PARTITIONS_PER_TOPIC) return tooManyPartitions(t.assignments.length);
    const seen = new Set<number>();
    let rf: number | undefined;
    for (const a of t.assignments) {
      if (seen.has(a.partitionIndex))
        return err(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Found multiple manual partition assignments for partition ${a.partitionIndex}`);
      seen.add(a.partitionIndex);
      const bad = replicaListError(a.brokerIds, image, rf);
      if (bad) return bad;
      rf = a.brokerIds.length;
    }
    for (let i = 0; i < seen.size; i++)
      if (!seen.has(i)) return err(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'partitions should be a consecutive 0-based integer sequence');
    return [...t.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex).map((a) => [...a.brokerIds]);
  }
  const { numPartitions: np, replicationFactor: rf } = t;
  if (rf < -1 || rf === 0) return err(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.');
  if (np < -1 || np === 0) return err(ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.');
  const partitions = np === -1 ? config.int('num.partitions') : np;
  const replicas = rf === -1 ? config.int('default.replication.factor') : rf;
  const brokers = image.brokers().length;
  if (replicas > brokers)
    return err(
      ErrorCode.INVALID_REPLICATION_FACTOR,
      `Unable to replicate the partition ${replicas} time(s): The target replication factor of ${replicas} cannot be reached because only ${brokers} broker(s) are registered.`,
    );
  if (partitions > MAX_PARTITIONS_PER_TOPIC) return tooManyPartitions(partitions);
  return spreadReplicas(image, 0, partitions, replicas);
}

function plan(t: CreateTopicsRequestCreatableTopic, ctx: HandlerContext): Plan | ApiError {
  const invalid = invalidTopicName(t.name);
  if (invalid) return err(ErrorCode.INVALID_TOPIC_EXCEPTION, invalid);
  const taken = nameTaken(ctx.broker.topics, t.name);
  if (taken) return err(taken.errorCode, taken.message);
  const nulls = t.configs.filter((c) => c.value === null).map((c) => c.name);
  if (nulls.length > 0) return err(ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${nulls.join(',')}`);
  // fromEntries, not assignment: a key named "__proto__" must stay a (refused) key. Later wins.
  const checked = validateTopicConfigs(Object.fromEntries(t.configs.map((c) => [c.name, c.value!])));
  if (!checked.ok) return err(ErrorCode.INVALID_CONFIG, checked.message);
  for (const w of checked.warnings) ctx.broker.log.warn({ topic: t.name, by: ctx.header.clientId }, w);
  const replicas = layout(t, ctx);
  if (!Array.isArray(replicas)) return replicas;
  return { partitions: replicas.length, replicas, configs: checked.configs };
}

export default defineHandler<CreateTopicsRequest, CreateTopicsResponse>(CreateTopicsRequestMeta, {
  note: 'replication factor up to the number of live brokers; at most 10,000 new partitions per request',
  async handle(req, ctx) {
    const dup = duplicateTopicNames(req.topics.map((t) => t.name));
    const results: CreateTopicsResponseCreatableTopicResult[] = [];
    let budget = MAX_NEW_PARTITIONS_PER_REQUEST;
    const mayCreate = clusterAllowed(ctx, AclOp.CREATE, false) ? () => true : checker(ctx, AclOp.CREATE, ResourceType.TOPIC);
    for (const t of req.topics) {
      const refusal = dup.refusal(t.name);
      if (refusal !== undefined) {
        if (refusal) results.push(failed(t.name, refusal));
        continue;
      }
      if (!mayCreate(t.name)) {
        results.push(failed(t.name, err(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.')));
        continue;
      }
      const p = plan(t, ctx);
      if ('code' in p) {
        results.push(failed(t.name, p));
        continue;
      }
      if (p.partitions > budget) {
        const message = `Runnel creates at most ${MAX_NEW_PARTITIONS_PER_REQUEST} partitions per CreateTopics request; this topic would go past that.`;
        results.push(failed(t.name, err(ErrorCode.INVALID_PARTITIONS, message)));
        continue;
      }
      budget -= p.partitions;
      if (req.validateOnly) {
        results.push(succeeded(t.name, ZERO_UUID, p, ctx));
        continue;
      }
      try {
        const created = await ctx.broker.topics.createNew(t.name, p.partitions, p.configs, p.replicas);
        ctx.broker.log.info({ topic: created.name, id: created.id, partitions: created.partitions, configs: created.configs, by: ctx.header.clientId }, 'topic created');
        results.push(succeeded(t.name, created.id, p, ctx));
      } catch (e) {
        results.push(failed(t.name, errorOf(e, ctx, `creating topic ${t.name}`)));
      }
    }
    return { throttleTimeMs: 0, topics: results };
  },
});

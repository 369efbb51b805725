/**
 * What the topic-administration handlers share: Kafka's error-with-message pair, the limits one
 * request may ask for, duplicate detection, and the replica-assignment rules of a single broker.
 */
import { ErrorCode } from '../protocol/errors.js';
import { assignReplicas } from '../cluster/etcd/placement.js';
import { TopicError } from '../cluster/topics.js';
import { ConfigChangeError } from '../config/dynamic-configs.js';
import { classifyError } from '../partitions/partition-errors.js';
import type { MetadataImage } from '../cluster/metadata-image.js';
import type { HandlerContext } from './types.js';

export interface ApiError {
  code: number;
  message: string | null;
}

export const NO_ERROR: ApiError = { code: ErrorCode.NONE, message: null };

export const err = (code: number, message: string | null = null): ApiError => ({ code, message });

/** Partitions one topic may have (CreateTopics, CreatePartitions): Kafka has no such cap, Runnel's disk does. */
export const MAX_PARTITIONS_PER_TOPIC = 10_000;
/**
 * New partitions one CreateTopics request may create (or validate), over all its topics: creating
 * a partition fsyncs a few files (10,000 take ~30 s here) while other topic changes wait, and each
 * topic answered at v5+ carries ~30 configs.
 */
export const MAX_NEW_PARTITIONS_PER_REQUEST = 10_000;
/** Resources one DescribeConfigs request may describe: each answer is ~30 entries. */
export const MAX_RESOURCES_PER_REQUEST = 10_000;

/** The values that occur more than once. */
export function duplicates<T>(items: Iterable<T>): Set<T> {
  const seen = new Set<T>();
  const dup = new Set<T>();
  for (const i of items) (seen.has(i) ? dup : seen).add(i);
  return dup;
}

/**
 * Topic names a CreateTopics or CreatePartitions request gives more than once, as Kafka answers them:
 * `refusal(name)` is undefined for a name given once; for a repeated one it is INVALID_REQUEST
 * "Duplicate topic name." at its first mention and null at the later ones (which get no answer).
 */
export function duplicateTopicNames(names: string[]): { refusal(name: string): ApiError | null | undefined } {
  const dup = duplicates(names);
  const reported = new Set<string>();
  return {
    refusal(name) {
      if (!dup.has(name)) return undefined;
      if (reported.has(name)) return null;
      reported.add(name);
      return err(ErrorCode.INVALID_REQUEST, 'Duplicate topic name.');
    },
  };
}

/**
 * Kafka's checks of one manual replica list (ReplicationControlManager.validateManualPartitionAssignment):
 * not empty, every broker registered in the metadata image (on one node: the list must be exactly
 * [nodeId]) and named once, walked in ascending id order as Kafka does (so the message names the
 * smallest offender), and `rf` replicas, the count the other partitions have. Registered brokers
 * are the live ones here, so Kafka's "all brokers ... are fenced" refusal cannot arise.
 */
export function replicaListError(brokerIds: number[], image: MetadataImage, rf: number | undefined): ApiError | undefined {
  const bad = (message: string): ApiError => err(ErrorCode.INVALID_REPLICA_ASSIGNMENT, message);
  if (brokerIds.length === 0) return bad('The manual partition assignment includes an empty replica list.');
  let prev: number | undefined;
  for (const id of [...brokerIds].sort((a, b) => a - b)) {
    if (!image.broker(id)) return bad(`The manual partition assignment includes broker ${id}, but no such broker is registered.`);
    if (id === prev) return bad(`The manual partition assignment includes the broker ${id} more than once.`);
    prev = id;
  }
  if (rf !== undefined && brokerIds.length !== rf)
    return bad(
      `The manual partition assignment includes a partition with ${brokerIds.length} replica(s), but this is not consistent with previous partitions, which have ${rf} replica(s).`,
    );
  return undefined;
}

/**
 * Replica lists for `count` new partitions numbered from `first`, `rf` replicas each, spread over
 * the image's brokers round-robin (on one node: [nodeId] each). The caller has checked rf.
 */
/**
 * Replica lists for `count` new partitions (the first numbered `first`) with `rf` replicas each, as
 * Kafka's AdminUtils places them: leaders and followers spread evenly over the brokers of the image,
 * over racks when brokers have one (src/cluster/etcd/placement.ts). New partitions of an
 * existing topic continue from its partition 0's leader (`firstLeader`), as Kafka's addPartitions.
 */
export function spreadReplicas(image: MetadataImage, first: number, count: number, rf: number, firstLeader?: number): number[][] {
  const brokers = image.brokers().map((b) => ({ id: b.id, rack: b.rack }));
  const ids = brokers.map((b) => b.id).sort((a, b) => a - b);
  const startIndex = firstLeader === undefined ? undefined : Math.max(0, ids.indexOf(firstLeader));
  return assignReplicas(brokers, count, rf, { startPartitionId: first, startIndex });
}

export function tooManyPartitions(count: number): ApiError {
  return err(ErrorCode.INVALID_PARTITIONS, `Runnel allows at most ${MAX_PARTITIONS_PER_TOPIC} partitions per topic; ${count} were requested.`);
}

/**
 * The admin subsystem's one error mapping (topics, dynamic configs): a failed change as the error
 * to answer. A refusal of the topic catalog (TopicError) or of DynamicConfigs (ConfigChangeError)
 * carries its code; anything else is logged once here and answered as every subsystem classifies
 * it: the storage layer's code, KAFKA_STORAGE_ERROR for an I/O error, else UNKNOWN_SERVER_ERROR.
 */
export function errorOf(e: unknown, ctx: HandlerContext, what: string): ApiError {
  if (e instanceof TopicError || e instanceof ConfigChangeError) return err(e.errorCode, e.message);
  const c = classifyError(e);
  if (c.kind === 'unexpected') ctx.broker.log.error({ what, err: e }, 'unexpected error in an admin change');
  else ctx.broker.log.error({ what, err: (e as Error).message, code: c.code }, 'an admin change could not be stored');
  return err(c.code, `${what} failed: ${c.message}`);
}

/** Config resource types (ConfigResource.Type). */
export const ResourceType = { UNKNOWN: 0, TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8, CLIENT_METRICS: 16, GROUP: 32 } as const;

const RESOURCE_NAMES: Record<number, string> = { 8: 'BROKER_LOGGER', 16: 'CLIENT_METRICS', 32: 'GROUP' };

/** Resource types Kafka knows but Runnel does not serve: INVALID_REQUEST that says so. */
export function unsupportedResource(type: number): ApiError {
  const name = RESOURCE_NAMES[type];
  return err(ErrorCode.INVALID_REQUEST, name ? `Runnel does not support ${name} config resources` : `Unknown resource type ${type}`);
}

/** A BROKER resource name must be this node's id ("" is the cluster default where `allowEmpty`). */
export function brokerNameError(name: string, nodeId: number, allowEmpty: boolean): ApiError | undefined {
  if (name === '' && allowEmpty) return undefined;
  if (!/^-?\d+$/.test(name)) return err(ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${name}`);
  if (Number(name) !== nodeId)
    return err(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${nodeId}${allowEmpty ? ' or empty string' : ''}, but received ${name}`);
  return undefined;
}

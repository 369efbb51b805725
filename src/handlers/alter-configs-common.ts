/**
 * What AlterConfigs (key 33, replace every override) and IncrementalAlterConfigs (key 44, SET /
 * DELETE / APPEND / SUBTRACT per key) share, in the order of Kafka's broker-side preprocessing and
 * controller checks:
 *
 * - a resource given twice: both get INVALID_REQUEST ("Each resource must appear at most once.");
 * - a key given twice in one resource, or a null value (except for DELETE): INVALID_REQUEST;
 * - BROKER resources ("" for the cluster default or this node's id, else INVALID_REQUEST, as Kafka's
 *   ConfigAdminManager: a broker's own configs are changed on that broker): dynamic broker configs,
 *   validated, applied and persisted by src/config/dynamic-configs.ts (in a cluster kept in etcd and
 *   applied on every broker); keys Kafka cannot change at run time are INVALID_REQUEST ("Cannot
 *   update these configs dynamically");
 * - GROUP resources: per-group configs (consumer.session.timeout.ms, consumer.heartbeat.interval.ms),
 *   validated against the broker's bounds (INVALID_CONFIG), persisted, used by the coordinator at
 *   the group's next heartbeat; the group need not exist;
 * - BROKER_LOGGER resources (IncrementalAlterConfigs only): log levels, see broker-loggers.ts;
 * - TOPIC resources: the resulting overrides are validated (INVALID_CONFIG), then the topic must
 *   exist (UNKNOWN_TOPIC_OR_PARTITION), then they are persisted (unless validateOnly) and take
 *   effect at once: partition logs read their config on every use;
 * - other resource types: INVALID_REQUEST (see unsupportedResource).
 *
 * Authorization (after the duplicate and null checks): ALTER_CONFIGS on the topic
 * (TOPIC_AUTHORIZATION_FAILED), the group (GROUP_AUTHORIZATION_FAILED) or, for BROKER and
 * BROKER_LOGGER, the cluster (CLUSTER_AUTHORIZATION_FAILED), with Kafka's messages.
 */
import { ErrorCode } from '../protocol/errors.js';
import { invalidTopicName } from '../cluster/topic-names.js';
import { isListConfig, topicDefault, validateTopicConfigs } from '../config/topic-configs.js';
import { AlterOp, applyConfigOps, opName, type AlterMode, type ConfigOp } from '../config/config-ops.js';
import { ResourceType, err, errorOf, duplicates, unsupportedResource, NO_ERROR, type ApiError } from './admin-common.js';
import { alterLoggers } from './broker-loggers.js';
import type { HandlerContext } from './types.js';
import { AclOp, DENIED_MESSAGE, configResourceDenied } from './common/authz.js';
import { joinKey } from '../util/topic-partition.js';

export interface AlterResource {
  resourceType: number;
  resourceName: string;
  ops: ConfigOp[];
}

export interface AlterResult {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
}

async function alterTopic(res: AlterResource, mode: AlterMode, validateOnly: boolean, ctx: HandlerContext): Promise<ApiError> {
  const name = res.resourceName;
  if (name === '') return err(ErrorCode.INVALID_REQUEST, 'Default topic resources are not allowed.');
  const invalid = invalidTopicName(name);
  if (invalid) return err(ErrorCode.INVALID_TOPIC_EXCEPTION, invalid);
  const topic = ctx.broker.topics.get(name);
  const listBase = (key: string) => (isListConfig(key) ? topicDefault(ctx.broker.config, key) : undefined);
  const wanted = applyConfigOps(new Map(Object.entries(topic?.configs ?? {})), res.ops, mode, listBase);
  if ('invalid' in wanted) return err(ErrorCode.INVALID_CONFIG, wanted.invalid);
  const checked = validateTopicConfigs(Object.fromEntries(wanted.configs));
  if (!checked.ok) return err(ErrorCode.INVALID_CONFIG, checked.message);
  for (const w of checked.warnings) ctx.broker.log.warn({ topic: name, by: ctx.header.clientId }, w);
  if (!topic) return err(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
  if (validateOnly) return NO_ERROR;
  try {
    const t = await ctx.broker.topics.setConfigs(name, checked.configs);
    ctx.broker.log.info({ topic: name, configs: t.configs, by: ctx.header.clientId }, 'topic configs altered');
    return NO_ERROR;
  } catch (e) {
    return errorOf(e, ctx, `altering the configs of ${name}`);
  }
}

async function alterBroker(res: AlterResource, mode: AlterMode, validateOnly: boolean, ctx: HandlerContext): Promise<ApiError> {
  if (res.resourceName !== '') {
    // Kafka's ConfigAdminManager.validateResourceNameIsCurrentNodeId.
    if (!/^-?\d+$/.test(res.resourceName)) return err(ErrorCode.INVALID_REQUEST, `Node id must be an integer, but it is: ${res.resourceName}`);
    if (Number(res.resourceName) !== ctx.broker.nodeId)
      return err(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${ctx.broker.nodeId}, but received ${res.resourceName}`);
  }
  try {
    await ctx.broker.dynamicConfigs.alterBroker(res.resourceName, res.ops, mode, validateOnly);
    return NO_ERROR;
  } catch (e) {
    return errorOf(e, ctx, 'altering dynamic broker configs');
  }
}

async function alterGroup(res: AlterResource, mode: AlterMode, validateOnly: boolean, ctx: HandlerContext): Promise<ApiError> {
  try {
    await ctx.broker.dynamicConfigs.alterGroup(res.resourceName, res.ops, mode, validateOnly);
    return NO_ERROR;
  } catch (e) {
    return errorOf(e, ctx, `altering the configs of group ${res.resourceName}`);
  }
}

async function alterOne(res: AlterResource, mode: AlterMode, validateOnly: boolean, ctx: HandlerContext): Promise<ApiError> {
  if (duplicates(res.ops.map((o) => o.name)).size > 0) return err(ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys');
  const nulls = res.ops.filter((o) => o.value === null && (mode === 'replace' || o.op !== AlterOp.DELETE)).map((o) => o.name);
  if (nulls.length > 0) return err(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${nulls.join(', ')}`);
  // ALTER_CONFIGS, as Kafka's ConfigAdminManager checks it: after the request checks, before the resource's own.
  const legacyLogger = mode === 'replace' && res.resourceType === ResourceType.BROKER_LOGGER;
  const denied = legacyLogger ? 0 : configResourceDenied(ctx, AclOp.ALTER_CONFIGS, res.resourceType, res.resourceName);
  if (denied) return err(denied, DENIED_MESSAGE[denied]);
  const unknownOp = res.ops.find((o) => opName(o.op) === undefined);
  if (unknownOp) return err(ErrorCode.INVALID_REQUEST, `Unknown operation type ${unknownOp.op}`);
  switch (res.resourceType) {
    case ResourceType.TOPIC:
      return alterTopic(res, mode, validateOnly, ctx);
    case ResourceType.BROKER:
      return alterBroker(res, mode, validateOnly, ctx);
    case ResourceType.GROUP:
      return alterGroup(res, mode, validateOnly, ctx);
    case ResourceType.BROKER_LOGGER:
      // The legacy API never had BROKER_LOGGER (KIP-412 added it to IncrementalAlterConfigs only).
      return mode === 'replace' ? err(ErrorCode.INVALID_REQUEST, `Unknown resource type ${res.resourceType}`) : alterLoggers(res, validateOnly, ctx);
    default:
      return unsupportedResource(res.resourceType);
  }
}

/** A config in an AlterConfigs (no operation: SET) or IncrementalAlterConfigs request. */
interface RequestedConfig {
  name: string;
  value: string | null;
  configOperation?: number;
}

/** Either request, answered: AlterConfigs in 'replace' mode, IncrementalAlterConfigs in 'incremental'. */
export async function alterConfigs(
  req: { resources: Array<{ resourceType: number; resourceName: string; configs: RequestedConfig[] }>; validateOnly: boolean },
  mode: AlterMode,
  ctx: HandlerContext,
): Promise<{ throttleTimeMs: number; responses: AlterResult[] }> {
  const resources: AlterResource[] = req.resources.map((r) => ({
    resourceType: r.resourceType,
    resourceName: r.resourceName,
    ops: r.configs.map((c) => ({ name: c.name, op: mode === 'replace' ? AlterOp.SET : c.configOperation!, value: c.value })),
  }));
  const key = (r: AlterResource) => joinKey(r.resourceType, r.resourceName);
  const dup = duplicates(resources.map(key));
  const responses: AlterResult[] = [];
  for (const res of resources) {
    const e = dup.has(key(res)) ? err(ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.') : await alterOne(res, mode, req.validateOnly, ctx);
    responses.push({ errorCode: e.code, errorMessage: e.message, resourceType: res.resourceType, resourceName: res.resourceName });
  }
  return { throttleTimeMs: 0, responses };
}

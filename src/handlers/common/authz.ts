/**
 * Authorization as Kafka's request handlers ask for it (KafkaApis, ControllerApis and AuthHelper):
 * every check goes through the Authorizer port with the request's identity, built once per
 * request. With no authorizer configured (authorizer.enabled false) every check passes without
 * building anything, so the handlers' unsecured path does no extra work.
 *
 * What each API needs, and where its error lands, is in the handlers; the README's "What each
 * request needs" tables list it.
 */
import { AclOp, ResourceType, CLUSTER_NAME, type AclOpCode, type RequestIdentity, type ResourceTypeCode } from '../../ports/authorizer.js';
import { principalOf } from '../../security/principal.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { HandlerContext } from '../types.js';

export { AclOp, ResourceType };

const identities = new WeakMap<HandlerContext, RequestIdentity>();

/** The principal and client IP the authorizer sees, made once per request. */
export function identityOf(ctx: HandlerContext): RequestIdentity {
  let who = identities.get(ctx);
  if (!who) {
    who = { principal: principalOf(ctx.client), host: ctx.client.host };
    identities.set(ctx, who);
  }
  return who;
}

/** Whether an authorizer is configured: handlers skip work that only matters with one. */
export function authzEnabled(ctx: HandlerContext): boolean {
  return ctx.broker.authorizer.enabled;
}

/** Kafka's AuthHelper.authorize: may this request do `op` on the resource? */
export function allowed(ctx: HandlerContext, op: AclOpCode, type: ResourceTypeCode, name: string, logIfDenied = true): boolean {
  const a = ctx.broker.authorizer;
  return !a.enabled || a.authorize(identityOf(ctx), op, type, name, logIfDenied);
}

/** `op` on the cluster resource (kafka-cluster). */
export function clusterAllowed(ctx: HandlerContext, op: AclOpCode, logIfDenied = true): boolean {
  return allowed(ctx, op, ResourceType.CLUSTER, CLUSTER_NAME, logIfDenied);
}

/** Kafka's authorizeByResourceType: `op` allowed on at least one resource of `type`. */
export function allowedOnAny(ctx: HandlerContext, op: AclOpCode, type: ResourceTypeCode): boolean {
  const a = ctx.broker.authorizer;
  return !a.enabled || a.authorizeByResourceType(identityOf(ctx), op, type);
}

const ALWAYS = (): boolean => true;

/**
 * Kafka's filterByAuthorized as a predicate: each name is asked once per request however many
 * partitions name it (and a denial logged once).
 */
export function checker(ctx: HandlerContext, op: AclOpCode, type: ResourceTypeCode, logIfDenied = true): (name: string) => boolean {
  const a = ctx.broker.authorizer;
  if (!a.enabled) return ALWAYS;
  const who = identityOf(ctx);
  const seen = new Map<string, boolean>();
  return (name) => {
    let ok = seen.get(name);
    if (ok === undefined) seen.set(name, (ok = a.authorize(who, op, type, name, logIfDenied)));
    return ok;
  };
}

/** Kafka's AclEntry.supportedOperations: what an authorized-operations bit set can hold per resource type. */
const SUPPORTED: Partial<Record<ResourceTypeCode, readonly AclOpCode[]>> = {
  [ResourceType.TOPIC]: [AclOp.READ, AclOp.WRITE, AclOp.CREATE, AclOp.DESCRIBE, AclOp.DELETE, AclOp.ALTER, AclOp.DESCRIBE_CONFIGS, AclOp.ALTER_CONFIGS],
  [ResourceType.GROUP]: [AclOp.READ, AclOp.DESCRIBE, AclOp.DELETE],
  [ResourceType.CLUSTER]: [AclOp.CREATE, AclOp.CLUSTER_ACTION, AclOp.DESCRIBE_CONFIGS, AclOp.ALTER_CONFIGS, AclOp.IDEMPOTENT_WRITE, AclOp.ALTER, AclOp.DESCRIBE],
  [ResourceType.TRANSACTIONAL_ID]: [AclOp.DESCRIBE, AclOp.WRITE],
};

/**
 * Kafka's AuthHelper.authorizedOperations: the bit set (1 << AclOperation code) of the supported
 * operations allowed on the resource; every supported one without an authorizer. Not logged.
 */
export function authorizedOperations(ctx: HandlerContext, type: ResourceTypeCode, name: string): number {
  let bits = 0;
  for (const op of SUPPORTED[type] ?? []) if (allowed(ctx, op, type, name, false)) bits |= 1 << op;
  return bits;
}

/** Metadata v8–v10 and DescribeCluster: the cluster's operations, or 0 without DESCRIBE on it (as Kafka). */
export function clusterAuthorizedOperations(ctx: HandlerContext): number {
  return clusterAllowed(ctx, AclOp.DESCRIBE) ? authorizedOperations(ctx, ResourceType.CLUSTER, CLUSTER_NAME) : 0;
}

/** Kafka's default messages of the authorization errors (Errors.X.message()). */
export const DENIED_MESSAGE: Readonly<Record<number, string>> = {
  [ErrorCode.TOPIC_AUTHORIZATION_FAILED]: 'Topic authorization failed.',
  [ErrorCode.GROUP_AUTHORIZATION_FAILED]: 'Group authorization failed.',
  [ErrorCode.CLUSTER_AUTHORIZATION_FAILED]: 'Cluster authorization failed.',
  [ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED]: 'Transactional Id authorization failed.',
};

/** GROUP_AUTHORIZATION_FAILED when `op` on the group is denied, else 0. */
export function groupDenied(ctx: HandlerContext, op: AclOpCode, groupId: string): number {
  return allowed(ctx, op, ResourceType.GROUP, groupId) ? 0 : ErrorCode.GROUP_AUTHORIZATION_FAILED;
}

/** TRANSACTIONAL_ID_AUTHORIZATION_FAILED when `op` on the transactional id is denied, else 0. */
export function transactionalIdDenied(ctx: HandlerContext, op: AclOpCode, transactionalId: string): number {
  return allowed(ctx, op, ResourceType.TRANSACTIONAL_ID, transactionalId) ? 0 : ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
}

/** CLUSTER_AUTHORIZATION_FAILED when `op` on the cluster is denied, else 0. */
export function clusterDenied(ctx: HandlerContext, op: AclOpCode): number {
  return clusterAllowed(ctx, op) ? 0 : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
}

/** Auto-creation (Metadata, and Produce here): CREATE on the cluster, or else on the topic, as Kafka asks. */
export function mayCreateTopic(ctx: HandlerContext, name: string): boolean {
  return clusterAllowed(ctx, AclOp.CREATE, false) || allowed(ctx, AclOp.CREATE, ResourceType.TOPIC, name);
}

/** Config resource types (DescribeConfigs / AlterConfigs codes, not ACL resource types). */
const CONFIG = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8, CLIENT_METRICS: 16, GROUP: 32 } as const;

/**
 * DescribeConfigs (DESCRIBE_CONFIGS) and the AlterConfigs APIs (ALTER_CONFIGS), as Kafka's
 * KafkaApis / ConfigAdminManager: brokers, broker loggers and client metrics on the cluster,
 * topics and groups on themselves. The error to answer for the resource, or 0 (also for types
 * Kafka does not authorize because it refuses them).
 */
export function configResourceDenied(ctx: HandlerContext, op: AclOpCode, configType: number, name: string): number {
  switch (configType) {
    case CONFIG.BROKER:
    case CONFIG.BROKER_LOGGER:
    case CONFIG.CLIENT_METRICS:
      return clusterDenied(ctx, op);
    case CONFIG.TOPIC:
      return allowed(ctx, op, ResourceType.TOPIC, name) ? 0 : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
    case CONFIG.GROUP:
      return groupDenied(ctx, op, name);
    default:
      return 0;
  }
}

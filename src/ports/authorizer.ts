/**
 * The authorizer as handlers see it (Kafka's org.apache.kafka.server.authorizer.Authorizer, reduced
 * to what a request needs). Codes are Kafka's wire codes (AclOperation, ResourceType), so the ACL
 * APIs and the hot path share one vocabulary without string work per request.
 *
 * `authorize` is synchronous: it runs on every request that names a resource, against an
 * in-memory ACL cache kept current by the store (file on one node, etcd in a cluster).
 */
import type { AclAdmin } from './acls.js';

/** Kafka's AclOperation codes. */
export const AclOp = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const;
export type AclOpCode = (typeof AclOp)[keyof typeof AclOp];

/** Kafka's ResourceType codes. */
export const ResourceType = {
  UNKNOWN: 0,
  ANY: 1,
  TOPIC: 2,
  GROUP: 3,
  CLUSTER: 4,
  TRANSACTIONAL_ID: 5,
  DELEGATION_TOKEN: 6,
  USER: 7,
} as const;
export type ResourceTypeCode = (typeof ResourceType)[keyof typeof ResourceType];

/** The one cluster resource's name, as Kafka names it. */
export const CLUSTER_NAME = 'kafka-cluster';

/** Who asks: Kafka's principal string ("User:alice", "User:ANONYMOUS") and the client's IP. */
export interface RequestIdentity {
  principal: string;
  host: string;
}

export interface Authorizer {
  /** False when no authorizer.class.name is set: every check passes without looking at ACLs. */
  readonly enabled: boolean;
  /** Whether `who` may do `op` on the resource; a denial is logged by the authorizer (kafka.authorizer.logger). */
  authorize(who: RequestIdentity, op: AclOpCode, type: ResourceTypeCode, name: string, logIfDenied?: boolean): boolean;
  /**
   * Kafka's authorizeByResourceType: whether `who` may do `op` on at least one resource of `type`
   * (used where Kafka falls back to it, e.g. IDEMPOTENT_WRITE via WRITE on any topic).
   */
  authorizeByResourceType(who: RequestIdentity, op: AclOpCode, type: ResourceTypeCode): boolean;
  /** The ACLs behind the checks (DescribeAcls, CreateAcls, DeleteAcls); absent when no authorizer is configured. */
  readonly acls?: AclAdmin;
}

/** No authorizer configured: everything is allowed, as in Kafka. */
export const ALLOW_ALL: Authorizer = {
  enabled: false,
  authorize: () => true,
  authorizeByResourceType: () => true,
};

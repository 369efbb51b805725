/**
 * What the ACL APIs (29 DescribeAcls, 30 CreateAcls, 31 DeleteAcls) share: who asks, Kafka's
 * checks of a new ACL and of a filter, and the answers when the caller may not use them or no
 * authorizer is configured.
 */
import { ErrorCode } from '../protocol/errors.js';
import { PatternType, Permission, operationOf, patternTypeOf, permissionOf, resourceTypeOf, type AclAdmin, type AclBinding, type AclBindingFilter } from '../ports/acls.js';
import { AclOp, CLUSTER_NAME, ResourceType, type AclOpCode, type RequestIdentity } from '../ports/authorizer.js';
import { principalOf } from '../security/principal.js';
import { opName, patternTypeName, permissionName, resourceTypeName } from '../security/acl/acl-names.js';
import type { HandlerContext } from './types.js';

export function identity(ctx: HandlerContext): RequestIdentity {
  return { principal: principalOf(ctx.client), host: ctx.client.host };
}

/** A refusal of the whole request: its code and Kafka's message. */
export interface AclApiError {
  code: number;
  message: string;
}

/**
 * Kafka's gate of the ACL APIs (AclApis): the caller needs `op` (DESCRIBE to read, ALTER to change)
 * on the cluster, then an authorizer must be configured. The admin, or the error to answer.
 */
export function aclAdmin(ctx: HandlerContext, op: AclOpCode, disabledMessage: string): AclAdmin | AclApiError {
  const authz = ctx.broker.authorizer;
  if (!authz.authorize(identity(ctx), op, ResourceType.CLUSTER, CLUSTER_NAME)) return { code: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, message: 'Cluster authorization failed.' };
  if (!authz.enabled || !authz.acls) return { code: ErrorCode.SECURITY_DISABLED, message: disabledMessage };
  return authz.acls;
}

export const isApiError = (x: AclAdmin | AclApiError): x is AclApiError => 'code' in x;

/**
 * Why Kafka refuses to create this ACL (AclControlManager.validateNewAcl, AclApis, the principal
 * format of SecurityUtils.parseKafkaPrincipal), or undefined. Codes outside Kafka's enums read as UNKNOWN.
 */
export function creationError(c: { resourceType: number; resourceName: string; resourcePatternType: number; principal: string; operation: number; permissionType: number }): string | undefined {
  const type = resourceTypeOf(c.resourceType);
  if (type === ResourceType.UNKNOWN || type === ResourceType.ANY) return `Invalid resourceType ${resourceTypeName(type)}`;
  const pattern = patternTypeOf(c.resourcePatternType);
  if (pattern !== PatternType.LITERAL && pattern !== PatternType.PREFIXED) return `Invalid patternType ${patternTypeName(pattern)}`;
  const op = operationOf(c.operation);
  if (op === AclOp.UNKNOWN || op === AclOp.ANY) return `Invalid operation ${opName(op)}`;
  const perm = permissionOf(c.permissionType);
  if (perm !== Permission.ALLOW && perm !== Permission.DENY) return `Invalid permissionType ${permissionName(perm)}`;
  if (type === ResourceType.CLUSTER && c.resourceName !== CLUSTER_NAME) return `The only valid name for the CLUSTER resource is ${CLUSTER_NAME}`;
  if (c.resourceName === '') return 'Invalid empty resource name';
  if (c.principal.indexOf(':') < 1) return `expected a string in format principalType:principalName but got ${c.principal}`;
  return undefined;
}

export function creationBinding(c: { resourceType: number; resourceName: string; resourcePatternType: number; principal: string; host: string; operation: number; permissionType: number }): AclBinding {
  return {
    resourceType: c.resourceType as AclBinding['resourceType'],
    name: c.resourceName,
    patternType: c.resourcePatternType as AclBinding['patternType'],
    principal: c.principal,
    host: c.host,
    operation: c.operation as AclBinding['operation'],
    permission: c.permissionType as AclBinding['permission'],
  };
}

/** A request's filter fields as a filter (codes outside Kafka's enums become UNKNOWN). */
export function filterOf(f: { resourceTypeFilter: number; resourceNameFilter: string | null; patternTypeFilter: number; principalFilter: string | null; hostFilter: string | null; operation: number; permissionType: number }): AclBindingFilter {
  return {
    resourceType: resourceTypeOf(f.resourceTypeFilter),
    name: f.resourceNameFilter,
    patternType: patternTypeOf(f.patternTypeFilter),
    principal: f.principalFilter,
    host: f.hostFilter,
    operation: operationOf(f.operation),
    permission: permissionOf(f.permissionType),
  };
}

/** Kafka's AclControlManager.validateFilter: the message for a filter with an UNKNOWN element, or undefined. */
export function filterError(f: AclBindingFilter): string | undefined {
  if (f.resourceType === ResourceType.UNKNOWN || f.patternType === PatternType.UNKNOWN) return 'Unknown patternFilter.';
  if (f.operation === AclOp.UNKNOWN || f.permission === Permission.UNKNOWN) return 'Unknown entryFilter.';
  return undefined;
}

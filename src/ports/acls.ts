/**
 * ACLs as the ACL APIs (DescribeAcls, CreateAcls, DeleteAcls) see them: Kafka's AclBinding and
 * AclBindingFilter with wire codes, the filter matching rules of Kafka's ResourcePatternFilter and
 * AccessControlEntryFilter, and the administration side of an authorizer (`Authorizer.acls`).
 */
import { AclOp, ResourceType, type AclOpCode, type ResourceTypeCode } from './authorizer.js';

/** Kafka's PatternType codes: ANY and MATCH exist only in filters. */
export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
export type PatternTypeCode = (typeof PatternType)[keyof typeof PatternType];

/** Kafka's AclPermissionType codes. */
export const Permission = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;
export type PermissionCode = (typeof Permission)[keyof typeof Permission];

/** The resource name and host that match any. */
export const WILDCARD = '*';
export const WILDCARD_PRINCIPAL = 'User:*';

/** One ACL: a resource pattern and an access control entry (Kafka's AclBinding). */
export interface AclBinding {
  resourceType: ResourceTypeCode;
  name: string;
  patternType: PatternTypeCode;
  /** "Type:name", e.g. "User:alice". */
  principal: string;
  host: string;
  operation: AclOpCode;
  permission: PermissionCode;
}

/** Kafka's AclBindingFilter: null name/principal/host match any; ANY codes match any. */
export interface AclBindingFilter {
  resourceType: number;
  name: string | null;
  patternType: number;
  principal: string | null;
  host: string | null;
  operation: number;
  permission: number;
}

/** Codes outside Kafka's enums read as UNKNOWN, as Kafka's fromCode does. */
const known = (code: number, max: number): number => (Number.isInteger(code) && code >= 0 && code <= max ? code : 0);
export const resourceTypeOf = (code: number): number => known(code, ResourceType.USER);
export const operationOf = (code: number): number => known(code, AclOp.DESCRIBE_TOKENS);
export const patternTypeOf = (code: number): number => known(code, PatternType.PREFIXED);
export const permissionOf = (code: number): number => known(code, Permission.ALLOW);

/** Whether any element of a filter is UNKNOWN (Kafka's AclBindingFilter.isUnknown). */
export function filterIsUnknown(f: AclBindingFilter): boolean {
  return resourceTypeOf(f.resourceType) === 0 || patternTypeOf(f.patternType) === 0 || operationOf(f.operation) === 0 || permissionOf(f.permission) === 0;
}

/** Kafka's ResourcePatternFilter.matches. */
function patternMatches(f: AclBindingFilter, b: AclBinding): boolean {
  if (f.resourceType !== ResourceType.ANY && f.resourceType !== b.resourceType) return false;
  if (f.patternType !== PatternType.ANY && f.patternType !== PatternType.MATCH && f.patternType !== b.patternType) return false;
  if (f.name === null) return true;
  if (f.patternType === PatternType.ANY || f.patternType === b.patternType) return f.name === b.name;
  // MATCH: every pattern that would apply to a resource of that name.
  if (b.patternType === PatternType.LITERAL) return f.name === b.name || b.name === WILDCARD;
  return f.name.startsWith(b.name);
}

/** Kafka's AclBindingFilter.matches: the pattern filter and the entry filter (exact principal and host). */
export function filterMatches(f: AclBindingFilter, b: AclBinding): boolean {
  if (!patternMatches(f, b)) return false;
  if (f.principal !== null && f.principal !== b.principal) return false;
  if (f.host !== null && f.host !== b.host) return false;
  if (f.operation !== AclOp.ANY && f.operation !== b.operation) return false;
  return f.permission === Permission.ANY || f.permission === b.permission;
}

/** Two bindings are the same ACL. */
export function sameAcl(a: AclBinding, b: AclBinding): boolean {
  return a.resourceType === b.resourceType && a.name === b.name && a.patternType === b.patternType && a.principal === b.principal && a.host === b.host && a.operation === b.operation && a.permission === b.permission;
}

/** The ACL administration an authorizer offers (Kafka's Authorizer.acls / createAcls / deleteAcls). */
export interface AclAdmin {
  /** Every ACL the filter matches. */
  describe(filter: AclBindingFilter): AclBinding[];
  /** Stores the bindings (already validated; an existing one is kept once); resolves once this broker enforces them. */
  create(bindings: readonly AclBinding[]): Promise<void>;
  /** Deletes every ACL each filter matches; per filter, the ACLs it deleted. */
  delete(filters: readonly AclBindingFilter[]): Promise<AclBinding[][]>;
}

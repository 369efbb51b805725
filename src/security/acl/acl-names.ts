/**
 * Kafka's enum names for the ACL codes, as its tools, logs and toString()s print them (READ,
 * TOPIC, LITERAL, ALLOW), and the PascalCase names kafka-acls.sh also accepts (Read, IdempotentWrite).
 */
import { PatternType, Permission, type AclBinding, type PatternTypeCode, type PermissionCode } from '../../ports/acls.js';
import { AclOp, ResourceType, type AclOpCode, type ResourceTypeCode } from '../../ports/authorizer.js';

const invert = <T extends Record<string, number>>(o: T): string[] => {
  const out: string[] = [];
  for (const [k, v] of Object.entries(o)) out[v] = k;
  return out;
};

const OP_NAMES = invert(AclOp);
const RESOURCE_NAMES = invert(ResourceType);
const PATTERN_NAMES = invert(PatternType);
const PERMISSION_NAMES = invert(Permission);

export const opName = (code: number): string => OP_NAMES[code] ?? 'UNKNOWN';
export const resourceTypeName = (code: number): string => RESOURCE_NAMES[code] ?? 'UNKNOWN';
export const patternTypeName = (code: number): string => PATTERN_NAMES[code] ?? 'UNKNOWN';
export const permissionName = (code: number): string => PERMISSION_NAMES[code] ?? 'UNKNOWN';

/** Kafka's SecurityUtils.toPascalCase: TRANSACTIONAL_ID → TransactionalId. */
export function pascal(enumName: string): string {
  return enumName
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/**
 * Kafka's SecurityUtils lookup: the PascalCase name, or any case without underscores (readAs 'Read',
 * 'READ', 'idempotentwrite'); and the enum name in any case (IDEMPOTENT_WRITE, as fromString reads
 * it), which is how the ACL stores keep them (storedAcl).
 */
function byName(names: string[], text: string): number {
  const upper = text.toUpperCase();
  for (let code = 0; code < names.length; code++) {
    const n = names[code];
    if (n === undefined) continue;
    if (text === pascal(n) || upper === pascal(n).toUpperCase() || upper === n) return code;
  }
  return 0;
}

export const opByName = (text: string): AclOpCode => byName(OP_NAMES, text) as AclOpCode;
export const resourceTypeByName = (text: string): ResourceTypeCode => byName(RESOURCE_NAMES, text) as ResourceTypeCode;
export const patternTypeByName = (text: string): PatternTypeCode => byName(PATTERN_NAMES, text) as PatternTypeCode;
export const permissionByName = (text: string): PermissionCode => byName(PERMISSION_NAMES, text) as PermissionCode;

/** Kafka's StandardAcl.toString (the rule named in an authorizer log line). */
export function standardAclString(b: AclBinding): string {
  return `StandardAcl(resourceType=${resourceTypeName(b.resourceType)}, resourceName=${b.name}, patternType=${patternTypeName(b.patternType)}, principal=${b.principal}, host=${b.host}, operation=${opName(b.operation)}, permissionType=${permissionName(b.permission)})`;
}

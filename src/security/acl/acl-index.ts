/**
 * The ACLs indexed for authorize(), which runs for every resource a request names: per resource
 * type, LITERAL ACLs by exact name, the wildcard `*` ACLs apart, and PREFIXED ACLs by prefix with
 * the set of prefix lengths in use, so that a check costs one map lookup per distinct prefix length
 * rather than a scan. Rebuilt (never mutated) when the ACLs change.
 *
 * The decision is Kafka's StandardAuthorizerData.findAclRule: of the ACLs whose pattern applies to
 * the resource (the literal name, the wildcard, every prefix of the name), those whose principal
 * is the caller's or `User:*`, whose host is the caller's or `*` and whose operation is the one
 * asked for (ALL; for an ALLOW ACL also the implied ones) decide. Any DENY wins; otherwise any
 * ALLOW allows; if ACLs exist on the resource but none matched, the answer is deny; if none exist
 * at all, the caller's default (allow.everyone.if.no.acl.found) applies.
 */
import { PatternType, Permission, WILDCARD, WILDCARD_PRINCIPAL, type AclBinding } from '../../ports/acls.js';
import { AclOp } from '../../ports/authorizer.js';

interface Section {
  literal: Map<string, AclBinding[]>;
  wildcard: AclBinding[];
  prefixed: Map<string, AclBinding[]>;
  /** The distinct lengths of the prefixes in `prefixed`, ascending. */
  prefixLengths: number[];
}

/** The ACL that decided, or why none did. */
export type AclRule = { kind: 'acl'; allowed: boolean; acl: AclBinding } | { kind: 'no-match' } | { kind: 'no-acls' };

/** Operations an ALLOW ACL also grants DESCRIBE / DESCRIBE_CONFIGS with (Kafka's IMPLIES_DESCRIBE, IMPLIES_DESCRIBE_CONFIGS). */
const IMPLIES_DESCRIBE = new Set<number>([AclOp.DESCRIBE, AclOp.READ, AclOp.WRITE, AclOp.DELETE, AclOp.ALTER]);
const IMPLIES_DESCRIBE_CONFIGS = new Set<number>([AclOp.DESCRIBE_CONFIGS, AclOp.ALTER_CONFIGS]);

/** Whether one ACL (its pattern already applying) matches: true allow, false deny, undefined no match (Kafka's findResult). */
export function aclResult(acl: AclBinding, principal: string, host: string, op: number): boolean | undefined {
  if (acl.principal !== principal && acl.principal !== WILDCARD_PRINCIPAL) return undefined;
  if (acl.host !== WILDCARD && acl.host !== host) return undefined;
  const allow = acl.permission === Permission.ALLOW;
  if (acl.operation !== AclOp.ALL) {
    if (!allow) {
      // A DENY of READ does not deny DESCRIBE: implication is for ALLOW only.
      if (acl.operation !== op) return undefined;
    } else if (op === AclOp.DESCRIBE) {
      if (!IMPLIES_DESCRIBE.has(acl.operation)) return undefined;
    } else if (op === AclOp.DESCRIBE_CONFIGS) {
      if (!IMPLIES_DESCRIBE_CONFIGS.has(acl.operation)) return undefined;
    } else if (acl.operation !== op) return undefined;
  }
  return allow;
}

export class AclIndex {
  private readonly sections = new Map<number, Section>();

  constructor(readonly all: readonly AclBinding[]) {
    for (const acl of all) {
      let s = this.sections.get(acl.resourceType);
      if (!s) this.sections.set(acl.resourceType, (s = { literal: new Map(), wildcard: [], prefixed: new Map(), prefixLengths: [] }));
      if (acl.patternType === PatternType.PREFIXED) push(s.prefixed, acl.name, acl);
      else if (acl.name === WILDCARD) s.wildcard.push(acl);
      else push(s.literal, acl.name, acl);
    }
    for (const s of this.sections.values()) s.prefixLengths = [...new Set([...s.prefixed.keys()].map((k) => k.length))].sort((a, b) => a - b);
  }

  get size(): number {
    return this.all.length;
  }

  /** The rule for `principal` from `host` doing `op` on the resource (type, name). */
  find(principal: string, host: string, op: number, type: number, name: string): AclRule {
    const s = this.sections.get(type);
    if (!s) return NO_ACLS;
    const m: Matching = { allow: undefined, deny: undefined, any: false };
    scan(s.literal.get(name), principal, host, op, m);
    for (let i = 0; !m.deny && i < s.prefixLengths.length && s.prefixLengths[i] <= name.length; i++) {
      const len = s.prefixLengths[i];
      scan(s.prefixed.get(len === name.length ? name : name.slice(0, len)), principal, host, op, m);
    }
    if (!m.deny) scan(s.wildcard, principal, host, op, m);
    if (m.deny) return { kind: 'acl', allowed: false, acl: m.deny };
    if (m.allow) return { kind: 'acl', allowed: true, acl: m.allow };
    return m.any ? NO_MATCH : NO_ACLS;
  }

  /** The ACLs of one resource type (authorizeByResourceType scans them). */
  ofType(type: number): AclBinding[] {
    const s = this.sections.get(type);
    if (!s) return [];
    return [...s.literal.values(), s.wildcard, ...s.prefixed.values()].flat();
  }
}

const NO_ACLS: AclRule = { kind: 'no-acls' };
const NO_MATCH: AclRule = { kind: 'no-match' };

interface Matching {
  allow: AclBinding | undefined;
  deny: AclBinding | undefined;
  /** Some ACL applies to the resource (whoever it is for). */
  any: boolean;
}

/** Kafka's checkSection over one list of ACLs whose pattern applies: stops at the first DENY. */
function scan(acls: readonly AclBinding[] | undefined, principal: string, host: string, op: number, m: Matching): void {
  if (!acls) return;
  for (const acl of acls) {
    m.any = true;
    const r = aclResult(acl, principal, host, op);
    if (r === false) {
      m.deny = acl;
      return;
    }
    if (r === true) m.allow ??= acl;
  }
}

function push(m: Map<string, AclBinding[]>, key: string, acl: AclBinding): void {
  const list = m.get(key);
  if (list) list.push(acl);
  else m.set(key, [acl]);
}

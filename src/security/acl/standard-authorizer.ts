/**
 * Kafka's StandardAuthorizer over an ACL store: super.users may do anything, then the ACLs decide
 * (acl-index.ts: DENY wins, LITERAL / PREFIXED / `*` patterns, `User:*`, host `*`, implied
 * operations), and where no ACL exists on a resource, allow.everyone.if.no.acl.found. Decisions are
 * logged on the logger kafka.authorizer.logger as Kafka's audit lines: a denial at INFO when the
 * caller asked for the resource (logIfDenied), otherwise at TRACE; an allowed access at DEBUG.
 *
 * The index is rebuilt from the store on every change (rare), so authorize() is a few map lookups
 * against an immutable snapshot.
 */
import { PatternType, Permission, WILDCARD, WILDCARD_PRINCIPAL, filterMatches, type AclAdmin, type AclBinding, type AclBindingFilter } from '../../ports/acls.js';
import type { Authorizer, AclOpCode, RequestIdentity, ResourceTypeCode } from '../../ports/authorizer.js';
import { AclOp } from '../../ports/authorizer.js';
import type { Logger } from '../../util/logger.js';
import { AclIndex, type AclRule } from './acl-index.js';
import { opName, pascal, resourceTypeName, standardAclString } from './acl-names.js';
import type { AclStore } from './acl-store.js';

export interface AuthorizerSettings {
  /** Principals ("User:admin") allowed everything. */
  superUsers: ReadonlySet<string>;
  /** allow.everyone.if.no.acl.found: the answer for a resource without any ACL. */
  allowIfNoAcl: boolean;
}

type Rule = AclRule | { kind: 'super-user' };

/** IPv4 clients on a dual-stack socket show as ::ffff:a.b.c.d; Kafka's getHostAddress() gives a.b.c.d. */
const plainHost = (host: string): string => (host.startsWith('::ffff:') && host.includes('.') ? host.slice(7) : host);

export class StandardAuthorizer implements Authorizer, AclAdmin {
  readonly enabled = true;
  readonly acls: AclAdmin = this;
  private index: AclIndex;

  constructor(
    private readonly store: AclStore,
    private readonly settings: AuthorizerSettings,
    private readonly log: Logger,
  ) {
    this.index = new AclIndex(store.snapshot());
    store.onChange(() => {
      this.index = new AclIndex(store.snapshot());
    });
  }

  authorize(who: RequestIdentity, op: AclOpCode, type: ResourceTypeCode, name: string, logIfDenied = true): boolean {
    return this.decide(who, op, type, name, true, logIfDenied);
  }

  private decide(who: RequestIdentity, op: number, type: number, name: string, logIfAllowed: boolean, logIfDenied: boolean): boolean {
    const host = plainHost(who.host);
    let rule: Rule;
    if (this.settings.superUsers.has(who.principal)) rule = { kind: 'super-user' };
    else rule = this.index.find(who.principal, host, op, type, name);
    const allowed = rule.kind === 'super-user' || (rule.kind === 'acl' ? rule.allowed : rule.kind === 'no-acls' && this.settings.allowIfNoAcl);
    if (allowed) {
      if (logIfAllowed && this.log.isLevelEnabled('debug')) this.log.debug(this.audit(who.principal, host, op, type, name, true, rule));
      else if (this.log.isLevelEnabled('trace')) this.log.trace(this.audit(who.principal, host, op, type, name, true, rule));
    } else if (logIfDenied) {
      this.log.info(this.audit(who.principal, host, op, type, name, false, rule));
    } else if (this.log.isLevelEnabled('trace')) this.log.trace(this.audit(who.principal, host, op, type, name, false, rule));
    return allowed;
  }

  /** Kafka's audit line (StandardAuthorizerData.buildAuditMessage, without the request name, which the port does not carry). */
  private audit(principal: string, host: string, op: number, type: number, name: string, allowed: boolean, rule: Rule): string {
    const ruleText =
      rule.kind === 'super-user'
        ? 'SuperUser'
        : rule.kind === 'acl'
          ? `MatchingAcl(acl=${standardAclString(rule.acl)})`
          : rule.kind === 'no-acls' && this.settings.allowIfNoAcl
            ? 'DefaultAllow'
            : 'DefaultDeny';
    return `Principal = ${principal} is ${allowed ? 'Allowed' : 'Denied'} operation = ${opName(op)} from host = ${host} on resource = ${pascal(resourceTypeName(type))}:LITERAL:${name} based on rule ${ruleText}`;
  }

  /**
   * Kafka's Authorizer.authorizeByResourceType: allowed when a check on a made-up name passes (super
   * users, allow.everyone.if.no.acl.found, wildcard ACLs), or when some ALLOW ACL of the caller for
   * the operation (exactly, or ALL; no implied operations) names a resource that no DENY covers: a
   * wildcard DENY denies all, a literal DENY its name, a prefixed DENY every name it starts.
   */
  authorizeByResourceType(who: RequestIdentity, op: AclOpCode, type: ResourceTypeCode): boolean {
    if (this.decide(who, op, type, 'hardcode', true, false)) return true;
    const host = plainHost(who.host);
    const denyLiteral = new Set<string>();
    const denyPrefixed = new Set<string>();
    const allowLiteral: string[] = [];
    const allowPrefixed: string[] = [];
    let wildcardAllow = false;
    for (const acl of this.index.ofType(type)) {
      if (acl.host !== host && acl.host !== WILDCARD) continue;
      if (acl.principal !== who.principal && acl.principal !== WILDCARD_PRINCIPAL) continue;
      if (acl.operation !== op && acl.operation !== AclOp.ALL) continue;
      const literal = acl.patternType === PatternType.LITERAL;
      if (acl.permission === Permission.DENY) {
        if (literal && acl.name === WILDCARD) return false;
        (literal ? denyLiteral : denyPrefixed).add(acl.name);
      } else if (acl.permission === Permission.ALLOW) {
        if (literal && acl.name === WILDCARD) wildcardAllow = true;
        else (literal ? allowLiteral : allowPrefixed).push(acl.name);
      }
    }
    if (wildcardAllow) return true;
    const dominated = (name: string): boolean => {
      for (let i = 1; i <= name.length; i++) if (denyPrefixed.has(name.slice(0, i))) return true;
      return false;
    };
    return allowLiteral.some((n) => !denyLiteral.has(n) && !dominated(n)) || allowPrefixed.some((n) => !dominated(n));
  }

  describe(filter: AclBindingFilter): AclBinding[] {
    return this.index.all.filter((b) => filterMatches(filter, b));
  }

  async create(bindings: readonly AclBinding[]): Promise<void> {
    await this.store.create(bindings);
  }

  delete(filters: readonly AclBindingFilter[]): Promise<AclBinding[][]> {
    return this.store.delete(filters);
  }

  /** How many ACLs are enforced (the index's, so a change is counted once it applies). */
  get aclCount(): number {
    return this.index.size;
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

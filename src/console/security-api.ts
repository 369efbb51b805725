/**
 * The Security page's API, present when an authorizer is configured: the ACLs, listed, created and
 * deleted through the DescribeAcls, CreateAcls and DeleteAcls handlers as the logged-in user, so
 * each is refused (403, Kafka's CLUSTER_AUTHORIZATION_FAILED) unless that user may DESCRIBE or
 * ALTER the cluster, as kafka-acls.sh would be. Codes travel as Kafka's enum names (TOPIC,
 * LITERAL, READ, ALLOW). SCRAM users likewise: listed with their mechanisms and iterations through
 * DescribeUserScramCredentials (DESCRIBE on the cluster), created, updated and deleted through
 * AlterUserScramCredentials (ALTER on the cluster). A new password is salted in the console's server
 * as Kafka's admin client salts it, and is never logged nor sent back.
 */
import type { AclRow } from './admin.js';
import { HttpError, int, route, str, type ApiContext } from './api.js';
import { DEFAULT_ITERATIONS, mechanismByName, SCRAM_MECHANISMS, type ScramMechanismInfo } from '../security/scram/scram-formatter.js';
import { opByName, opName, patternTypeByName, patternTypeName, permissionByName, permissionName, resourceTypeByName, resourceTypeName } from '../security/acl/acl-names.js';

export interface NamedAcl {
  resourceType: string;
  resourceName: string;
  patternType: string;
  principal: string;
  host: string;
  operation: string;
  permission: string;
}

function named(a: AclRow): NamedAcl {
  return {
    resourceType: resourceTypeName(a.resourceType),
    resourceName: a.resourceName,
    patternType: patternTypeName(a.patternType),
    principal: a.principal,
    host: a.host,
    operation: opName(a.operation),
    permission: permissionName(a.permission),
  };
}

/** An ACL from the page's names; an unknown name is refused here (the handler would answer INVALID_REQUEST). */
function coded(b: Record<string, unknown>): AclRow {
  const code = (field: string, byName: (t: string) => number, fallback?: string): number => {
    const text = b[field] === undefined && fallback !== undefined ? fallback : str(b[field], field);
    const c = byName(text);
    if (c === 0) throw new HttpError(400, `${field}: unknown value '${text}'`);
    return c;
  };
  const principal = str(b.principal, 'principal');
  if (!principal.includes(':')) throw new HttpError(400, "principal must be of the form 'User:<name>'");
  return {
    resourceType: code('resourceType', resourceTypeByName),
    resourceName: str(b.resourceName, 'resourceName'),
    patternType: code('patternType', patternTypeByName, 'LITERAL'),
    principal,
    host: b.host === undefined ? '*' : str(b.host, 'host'),
    operation: code('operation', opByName),
    permission: code('permission', permissionByName, 'ALLOW'),
  };
}

function needAuthorizer(ctx: ApiContext): void {
  if (!ctx.broker.authorizer.enabled) throw new HttpError(404, 'no authorizer is configured (authorizer.class.name)');
}

route('GET', '/security', async (ctx) => {
  needAuthorizer(ctx);
  const acls = (await ctx.admin.listAcls()).map(named);
  acls.sort((x, y) => `${x.resourceType}/${x.resourceName}/${x.principal}/${x.operation}`.localeCompare(`${y.resourceType}/${y.resourceName}/${y.principal}/${y.operation}`));
  return { acls, users: await ctx.admin.scramUsers(), mechanisms: SCRAM_MECHANISMS.map((m) => m.name) };
});

function mechanismOf(v: unknown): ScramMechanismInfo {
  const name = str(v, 'mechanism');
  const m = mechanismByName(name);
  if (!m) throw new HttpError(400, `mechanism must be one of ${SCRAM_MECHANISMS.map((x) => x.name).join(', ')}`);
  return m;
}

route('GET', '/security/users', async (ctx) => {
  needAuthorizer(ctx);
  return { users: await ctx.admin.scramUsers() };
});

/** Creates or replaces a user's credential for one mechanism; the answer names no password. */
route('POST', '/security/users', async (ctx, _m, _q, body) => {
  needAuthorizer(ctx);
  const b = await body();
  const user = str(b.user, 'user');
  const mechanism = mechanismOf(b.mechanism);
  const iterations = b.iterations === undefined || b.iterations === '' ? DEFAULT_ITERATIONS : int(b.iterations, 'iterations', 1, 2 ** 31 - 1);
  const password = str(b.password, 'password');
  await ctx.admin.upsertScramUser(user, mechanism, iterations, password);
  return { user, mechanism: mechanism.name, iterations };
});

route('DELETE', '/security/users/:name', async (ctx, [user], _q, body) => {
  needAuthorizer(ctx);
  const mechanism = mechanismOf((await body()).mechanism);
  await ctx.admin.deleteScramUser(user, mechanism);
  return { deleted: user, mechanism: mechanism.name };
});

route('POST', '/security/acls', async (ctx, _m, _q, body) => {
  needAuthorizer(ctx);
  const acl = coded(await body());
  await ctx.admin.createAcl(acl);
  return named(acl);
});

route('DELETE', '/security/acls', async (ctx, _m, _q, body) => {
  needAuthorizer(ctx);
  const deleted = await ctx.admin.deleteAcl(coded(await body()));
  if (deleted === 0) throw new HttpError(404, 'no such ACL');
  return { deleted };
});

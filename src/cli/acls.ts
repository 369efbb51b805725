/**
 * `runnel acls`: kafka-acls.sh (Kafka's AclCommand) on Runnel's own client: the same flags and
 * checks, the --producer / --consumer / --idempotent shortcuts, --resource-pattern-type with the
 * ANY and MATCH filters for --list and --remove, the confirmation of --remove (unless --force), and
 * the same output:
 *   Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=t, patternType=LITERAL)`:
 *    	(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)
 *   Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=t, patternType=LITERAL)`:
 *   	(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)
 * A broker's refusal prints "Error while executing ACL command: <exception>: <message>" and exits 1.
 *
 * Deviations: Kafka prints resources and ACLs in hash order, this tool in the order the options and
 * the broker give them; no --bootstrap-controller; no stack trace after an error.
 */
import { createInterface } from 'node:readline';
import { Client } from '../client/client.js';
import { AclRequestError, createAcls, deleteAcls, describeAcls } from '../client/acls-admin.js';
import { PatternType, Permission, type AclBinding, type AclBindingFilter } from '../ports/acls.js';
import { AclOp, CLUSTER_NAME, ResourceType, type AclOpCode } from '../ports/authorizer.js';
import { opByName, opName, patternTypeName, permissionName, resourceTypeName } from '../security/acl/acl-names.js';
import { flagsFromHelp, parseFlags, UsageError } from './args.js';
import { exceptionName, readProperties } from './leader-election.js';
import { runFlagTool } from './tool.js';

const HELP = `Usage: runnel acls --bootstrap-server HOST:PORT (--add | --remove | --list) [options]

This tool helps to manage acls on kafka (kafka-acls.sh).

Actions (exactly one):
  --add                      Add ACLs
  --remove                   Remove ACLs (asks for confirmation unless --force)
  --list                     List ACLs for the resources given (all ACLs when none is)

Resources:
  --topic T                  Topic; '*' for all topics (repeatable)
  --group G                  Consumer group; '*' for all groups (repeatable)
  --cluster                  The cluster
  --transactional-id ID      Transactional id; '*' for all (repeatable)
  --delegation-token ID      Delegation token; '*' for all (repeatable)
  --user-principal NAME      User principal as a resource, for CreateTokens / DescribeTokens (repeatable)
  --resource-pattern-type T  literal (default) or prefixed; to list or remove also any (any pattern
                             type, exact name) or match (every pattern that applies to the name)

ACLs:
  --allow-principal P        Principal in Type:name form; User:'*' is every user (repeatable)
  --deny-principal P         Principal to deny; DENY wins over ALLOW (repeatable)
  --allow-host H             Host --allow-principal applies from (default *) (repeatable)
  --deny-host H              Host --deny-principal applies from (default *) (repeatable)
  --operation OP             Operation to allow or deny, default All (repeatable): Read, Write,
                             Create, Delete, Alter, Describe, ClusterAction, DescribeConfigs,
                             AlterConfigs, IdempotentWrite, CreateTokens, DescribeTokens, All
  --principal P              --list: only the ACLs of this principal (repeatable)
  --producer                 Producer ACLs: WRITE, DESCRIBE, CREATE on the topics; WRITE, DESCRIBE
                             on the transactional ids
  --consumer                 Consumer ACLs: READ, DESCRIBE on the topics, READ on the groups
  --idempotent               With --producer: IDEMPOTENT_WRITE on the cluster
  --force                    Do not ask for confirmation

Options:
  --bootstrap-server H:P     The broker to connect to (comma-separated list allowed). REQUIRED.
  --command-config FILE      Admin client properties (client.id, default.api.timeout.ms)
  --help                     Show this help
`;

/** A resource pattern (or pattern filter) as the tool builds it. */
export interface Resource {
  type: number;
  name: string;
  pattern: number;
}

/** An access control entry: principal, host, operation, permission. */
export interface Entry {
  principal: string;
  host: string;
  operation: number;
  permission: number;
}

/** Kafka's AclEntry.supportedOperations (ALL is accepted for every type). */
const SUPPORTED: Record<number, number[]> = {
  [ResourceType.TOPIC]: [AclOp.READ, AclOp.WRITE, AclOp.CREATE, AclOp.DESCRIBE, AclOp.DELETE, AclOp.ALTER, AclOp.DESCRIBE_CONFIGS, AclOp.ALTER_CONFIGS],
  [ResourceType.GROUP]: [AclOp.READ, AclOp.DESCRIBE, AclOp.DELETE, AclOp.DESCRIBE_CONFIGS, AclOp.ALTER_CONFIGS],
  [ResourceType.CLUSTER]: [AclOp.CREATE, AclOp.CLUSTER_ACTION, AclOp.DESCRIBE_CONFIGS, AclOp.ALTER_CONFIGS, AclOp.IDEMPOTENT_WRITE, AclOp.ALTER, AclOp.DESCRIBE],
  [ResourceType.TRANSACTIONAL_ID]: [AclOp.DESCRIBE, AclOp.WRITE],
  [ResourceType.DELEGATION_TOKEN]: [AclOp.DESCRIBE],
  [ResourceType.USER]: [AclOp.CREATE_TOKENS, AclOp.DESCRIBE_TOKENS],
};

/** Kafka's ResourcePattern / ResourcePatternFilter toString. */
export function patternString(r: Resource): string {
  return `ResourcePattern(resourceType=${resourceTypeName(r.type)}, name=${r.name}, patternType=${patternTypeName(r.pattern)})`;
}

/** Kafka's AccessControlEntry toString. */
export function entryString(e: Entry): string {
  return `(principal=${e.principal}, host=${e.host}, operation=${opName(e.operation)}, permissionType=${permissionName(e.permission)})`;
}

/** Kafka's PatternTypeConverter: an enum name in any case, UNKNOWN refused. */
function patternTypeOption(flags: Map<string, string[]>): number {
  const v = flags.get('--resource-pattern-type')?.[0];
  if (v === undefined) return PatternType.LITERAL;
  const code = (PatternType as Record<string, number>)[v.trim().toUpperCase()];
  if (code === undefined || code === PatternType.UNKNOWN) throw new UsageError(`Unknown resource-pattern-type: ${v}`);
  return code;
}

/** CommandLineUtils.checkInvalidArgs: `used` may not come with any of `invalid`. */
function checkInvalid(flags: Map<string, string[]>, used: string, invalid: string[]): void {
  if (!flags.has(`--${used}`)) return;
  for (const i of invalid) if (flags.has(`--${i}`)) throw new UsageError(`Option "[${used}]" can't be used with option "[${i}]"`);
}

/** AclCommandOptions.checkArgs, in Kafka's order. */
function checkArgs(flags: Map<string, string[]>): void {
  if (!flags.has('--bootstrap-server')) throw new UsageError('--bootstrap-server must be specified');
  if (['--add', '--remove', '--list'].filter((f) => flags.has(f)).length !== 1) throw new UsageError('Command must include exactly one action: --list, --add, --remove. ');
  checkInvalid(flags, 'list', ['producer', 'consumer', 'allow-host', 'allow-principal', 'deny-host', 'deny-principal']);
  checkInvalid(flags, 'producer', ['operation', 'deny-principal', 'deny-host']);
  checkInvalid(flags, 'consumer', ['operation', 'deny-principal', 'deny-host']);
  if (flags.has('--principal') && !flags.has('--list')) throw new UsageError('The --principal option is only available if --list is set');
  if (flags.has('--producer') && !flags.has('--topic')) throw new UsageError('With --producer you must specify a --topic');
  if (flags.has('--idempotent') && !flags.has('--producer')) throw new UsageError('The --idempotent option is only available if --producer is set');
  if (flags.has('--consumer') && (!flags.has('--topic') || !flags.has('--group') || (!flags.has('--producer') && (flags.has('--cluster') || flags.has('--transactional-id')))))
    throw new UsageError('With --consumer you must specify a --topic and a --group and no --cluster or --transactional-id option should be specified.');
}

/** A principal in Type:name form (SecurityUtils.parseKafkaPrincipal), or Kafka's error. */
function principal(text: string): string {
  const p = text.trim();
  if (p.indexOf(':') < 0) throw new CommandFailed(`expected a string in format principalType:principalName but got ${p}`);
  return p;
}

/** An error AclCommand's main catches: "Error while executing ACL command: <message>", exit 1. */
export class CommandFailed extends Error {}

/** AclCommand.getResourceFilter: the resources named on the command line, in its order. */
function resources(flags: Map<string, string[]>, pattern: number, dieIfNone: boolean): Resource[] {
  const out: Resource[] = [];
  const add = (type: number, name: string): void => {
    if (!out.some((r) => r.type === type && r.name === name && r.pattern === pattern)) out.push({ type, name, pattern });
  };
  for (const t of flags.get('--topic') ?? []) add(ResourceType.TOPIC, t.trim());
  if (pattern === PatternType.LITERAL && (flags.has('--cluster') || flags.has('--idempotent'))) add(ResourceType.CLUSTER, CLUSTER_NAME);
  for (const g of flags.get('--group') ?? []) add(ResourceType.GROUP, g.trim());
  for (const id of flags.get('--transactional-id') ?? []) add(ResourceType.TRANSACTIONAL_ID, id);
  for (const d of flags.get('--delegation-token') ?? []) add(ResourceType.DELEGATION_TOKEN, d.trim());
  for (const u of flags.get('--user-principal') ?? []) add(ResourceType.USER, u.trim());
  if (out.length === 0 && dieIfNone) throw new UsageError('You must provide at least one resource: --topic <topic> or --cluster or --group <group> or --delegation-token <Delegation Token ID>');
  return out;
}

/** AclCommand.getAcl: every allowed principal × operation × host, then the denied ones. */
function entries(flags: Map<string, string[]>, operations: number[]): Entry[] {
  const out: Entry[] = [];
  const hosts = (hostFlag: string, principalFlag: string): string[] => (flags.has(hostFlag) ? flags.get(hostFlag)!.map((h) => h.trim()) : flags.has(principalFlag) ? ['*'] : []);
  const side = (principalFlag: string, hostFlag: string, permission: number): void => {
    const principals = [...new Set((flags.get(principalFlag) ?? []).map(principal))];
    for (const p of principals) for (const operation of operations) for (const host of new Set(hosts(hostFlag, principalFlag))) out.push({ principal: p, host, operation, permission });
  };
  side('--allow-principal', '--allow-host', Permission.ALLOW);
  side('--deny-principal', '--deny-host', Permission.DENY);
  return out;
}

/** AclCommand.getResourceFilterToAcls: each resource with the ACLs to add or remove, the operations checked against its type. */
function resourceAcls(flags: Map<string, string[]>, pattern: number): Array<{ resource: Resource; acls: Entry[] }> {
  const out: Array<{ resource: Resource; acls: Entry[] }> = [];
  const put = (resource: Resource, acls: Entry[], merge: boolean): void => {
    const at = out.find((x) => x.resource.type === resource.type && x.resource.name === resource.name);
    if (!at) out.push({ resource, acls });
    else if (merge) at.acls = [...at.acls, ...acls.filter((a) => !at.acls.some((b) => entryString(a) === entryString(b)))];
    else at.acls = acls;
  };
  const rs = (): Resource[] => resources(flags, pattern, true);
  if (!flags.has('--producer') && !flags.has('--consumer')) {
    const ops = [...new Set((flags.get('--operation') ?? ['All']).map((o) => opByName(o.trim()) as number))];
    const acls = entries(flags, ops);
    for (const r of rs()) put(r, acls, false);
  }
  if (flags.has('--producer')) {
    for (const r of rs()) {
      if (r.type === ResourceType.TOPIC) put(r, entries(flags, [AclOp.WRITE, AclOp.DESCRIBE, AclOp.CREATE]), false);
      if (r.type === ResourceType.TRANSACTIONAL_ID) put(r, entries(flags, [AclOp.WRITE, AclOp.DESCRIBE]), false);
    }
    if (flags.has('--idempotent')) put({ type: ResourceType.CLUSTER, name: CLUSTER_NAME, pattern: PatternType.LITERAL }, entries(flags, [AclOp.IDEMPOTENT_WRITE]), false);
  }
  if (flags.has('--consumer')) {
    for (const r of rs()) {
      if (r.type === ResourceType.TOPIC) put(r, entries(flags, [AclOp.READ, AclOp.DESCRIBE]), true);
      if (r.type === ResourceType.GROUP) put(r, entries(flags, [AclOp.READ]), true);
    }
  }
  for (const { resource, acls } of out) {
    const valid = [AclOp.ALL, ...(SUPPORTED[resource.type] ?? [])].sort((a, b) => a - b);
    if (acls.some((a) => !valid.includes(a.operation as AclOpCode))) throw new UsageError(`ResourceType ${resourceTypeName(resource.type)} only supports operations [${valid.map(opName).join(', ')}]`);
  }
  return out;
}

const binding = (r: Resource, e: Entry): AclBinding => ({ resourceType: r.type, name: r.name, patternType: r.pattern, principal: e.principal, host: e.host, operation: e.operation, permission: e.permission }) as AclBinding;
const entryFilter = (r: Resource, e: Entry | undefined): AclBindingFilter => ({
  resourceType: r.type,
  name: r.name,
  patternType: r.pattern,
  principal: e?.principal ?? null,
  host: e?.host ?? null,
  operation: e?.operation ?? AclOp.ANY,
  permission: e?.permission ?? Permission.ANY,
});

/** The user's answer to a (y/n) question on stdin; no answer is no. */
async function confirm(flags: Map<string, string[]>, question: string): Promise<boolean> {
  if (flags.has('--force')) return true;
  process.stdout.write(`${question}\n`);
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of rl) return line.trim().toLowerCase() === 'y';
    return false;
  } finally {
    rl.close();
  }
}

const block = (acls: Entry[]): string => acls.map((a) => `\t${entryString(a)}`).join('\n');

/** What a command line asks for, checked as AclCommand checks it before connecting; UsageError or CommandFailed otherwise. */
export interface AclsPlan {
  action: 'add' | 'remove' | 'list';
  pattern: number;
  /** --add / --remove: each resource with its ACLs (none: --remove all of the resource's). */
  resources: Array<{ resource: Resource; acls: Entry[] }>;
  /** --list: the resources to list (none: every ACL) and the principals to show. */
  listFilters: Resource[];
  listPrincipals: string[];
}

export function planCommand(flags: Map<string, string[]>): AclsPlan {
  checkArgs(flags);
  const pattern = patternTypeOption(flags);
  const action = flags.has('--add') ? 'add' : flags.has('--remove') ? 'remove' : 'list';
  if (action === 'list') return { action, pattern, resources: [], listFilters: resources(flags, pattern, false), listPrincipals: (flags.get('--principal') ?? []).map(principal) };
  if (action === 'add' && pattern !== PatternType.LITERAL && pattern !== PatternType.PREFIXED) throw new UsageError(`A '--resource-pattern-type' value of '${patternTypeName(pattern)}' is not valid when adding acls.`);
  const plan = resourceAcls(flags, pattern);
  if (action === 'add' && plan.some((p) => p.acls.length === 0)) throw new UsageError('You must specify one of: --allow-principal, --deny-principal when trying to add ACLs.');
  return { action, pattern, resources: plan, listFilters: [], listPrincipals: [] };
}

/** The flags of a command line as `runnel acls` reads them. */
export function aclsFlags(argv: string[]): Map<string, string[]> {
  return parseFlags(argv, flagsFromHelp(HELP));
}

export function aclsCommand(argv: string[]): Promise<number> {
  return runFlagTool('acls', argv, HELP, async (flags) => {
    try {
      const plan = planCommand(flags);
      const props = flags.has('--command-config') ? readProperties(flags.get('--command-config')![0]) : new Map<string, string>();
      const timeoutMs = Number(props.get('default.api.timeout.ms') ?? 60_000) || 60_000;
      const client = await Client.connect(flags.get('--bootstrap-server')![0], { clientId: props.get('client.id') ?? 'runnel-acls', requestTimeoutMs: timeoutMs });
      try {
        if (plan.action === 'add') {
          for (const { resource, acls } of plan.resources) {
            process.stdout.write(`Adding ACLs for resource \`${patternString(resource)}\`: \n ${block(acls)}\n\n`);
            await createAcls(client.bootstrap, acls.map((a) => binding(resource, a)));
          }
        } else if (plan.action === 'remove') {
          for (const { resource, acls } of plan.resources) {
            const question =
              acls.length === 0
                ? `Are you sure you want to delete all ACLs for resource filter \`${patternString(resource)}\`? (y/n)`
                : `Are you sure you want to remove ACLs: \n ${block(acls)}\n from resource filter \`${patternString(resource)}\`? (y/n)`;
            if (!(await confirm(flags, question))) continue;
            await deleteAcls(client.bootstrap, acls.length === 0 ? [entryFilter(resource, undefined)] : acls.map((a) => entryFilter(resource, a)));
          }
        } else {
          await list(client, plan.listFilters, plan.listPrincipals);
        }
      } finally {
        await client.close();
      }
      return 0;
    } catch (err) {
      if (err instanceof CommandFailed) process.stderr.write(`Error while executing ACL command: ${err.message}\n`);
      else if (err instanceof AclRequestError) process.stderr.write(`Error while executing ACL command: ${kafkaException(err.code)}: ${err.detail ?? err.message}\n`);
      else throw err;
      return 1;
    }
  });
}

/** The Java exception of an error code: the *_AUTHORIZATION_FAILED codes are XAuthorizationException in Kafka. */
function kafkaException(code: number): string {
  return exceptionName(code).replace(/AuthorizationFailedException$/, 'AuthorizationException');
}

async function list(client: Client, filters: Resource[], principals: string[]): Promise<void> {
  const found: AclBinding[] = [];
  const any: AclBindingFilter = { resourceType: ResourceType.ANY, name: null, patternType: PatternType.ANY, principal: null, host: null, operation: AclOp.ANY, permission: Permission.ANY };
  if (filters.length === 0) found.push(...(await describeAcls(client.bootstrap, any)));
  else for (const r of filters) found.push(...(await describeAcls(client.bootstrap, entryFilter(r, undefined))));
  const byResource = new Map<string, { resource: Resource; acls: Entry[] }>();
  for (const b of found) {
    const resource = { type: b.resourceType, name: b.name, pattern: b.patternType };
    const key = patternString(resource);
    const at = byResource.get(key) ?? byResource.set(key, { resource, acls: [] }).get(key)!;
    const e = { principal: b.principal, host: b.host, operation: b.operation, permission: b.permission };
    if (!at.acls.some((x) => entryString(x) === entryString(e))) at.acls.push(e);
  }
  const print = (groups: Array<{ resource: Resource; acls: Entry[] }>): void => {
    for (const { resource, acls } of groups) process.stdout.write(`Current ACLs for resource \`${patternString(resource)}\`:\n${block(acls)}\n\n`);
  };
  if (principals.length === 0) return print([...byResource.values()]);
  for (const p of new Set(principals)) {
    process.stdout.write(`ACLs for principal \`${p}\`\n`);
    print([...byResource.values()].map((g) => ({ resource: g.resource, acls: g.acls.filter((a) => a.principal === p) })).filter((g) => g.acls.length > 0));
  }
}

/**
 * `runnel configs`: kafka-configs.sh (Kafka's ConfigCommand) for topics, brokers (one broker or the
 * cluster default), broker loggers and groups, with its flags, checks, output and exit codes.
 * Changes go through IncrementalAlterConfigs (deletions first, then additions) as the modern tool
 * sends them; a broker's own configs and loggers are described and altered on that broker, as
 * Kafka's admin client does. Client quotas (--entity-type clients|users|ips and their shorthand
 * flags) are quotaConfigsCommand's, in configs-quotas.ts.
 *
 * Deviations: client-metrics resources and --bootstrap-controller are not served; a group is
 * described whether or not it exists (Runnel has no ListConfigResources, and Kafka's tool does the
 * same against such a broker); an admin failure prints its exception line without a stack trace.
 */
import { readFile } from 'node:fs/promises';
import { Client } from '../client/client.js';
import type { Connection } from '../client/connection.js';
import { AlterOp, ResourceError, ResourceType, describeConfigs, incrementalAlterConfigs, type ConfigEntry } from '../client/configs-admin.js';
import { listGroups } from '../client/admin.js';
import { quotaConfigsCommand } from './configs-quotas.js';
import { toolClientConfig } from './client-config.js';
import { flagAt } from './args.js';
import { parseProperties } from '../config/properties.js';
import { invalidTopicName } from '../cluster/topic-names.js';

const HELP = `Usage: runnel configs --bootstrap-server HOST:PORT (--describe | --alter) ENTITY [options]

This tool helps to manipulate and describe entity config for a topic, client, user, broker, ip or
group, as kafka-configs.sh does.

Actions (exactly one):
  --describe                 List configs for the given entity (dynamic ones; --all: all of them)
  --alter                    Alter the configuration for the entity

Entity:
  --entity-type TYPE         topics, brokers, broker-loggers, groups (clients, users, ips: quotas;
                             users also SCRAM-SHA-256/512=[iterations=N,password=P])
  --entity-name NAME         topic name, broker id, group id, ...
  --entity-default           the default entity (brokers: the cluster default; clients, users, ips)
  --topic T | --broker ID | --broker-logger ID | --group G | --broker-defaults
  --client C | --user U | --ip IP | --client-defaults | --user-defaults | --ip-defaults

Options:
  --bootstrap-server H:P     The broker to connect to (comma-separated list allowed)
  --command-config FILE      Client properties: client.id, security.protocol, ssl.*, sasl.*
  --all                      --describe: all configs, static and default ones included
  --add-config 'k1=v1,k2=[v2,v3]'  Configs to set; square brackets group values with commas
  --add-config-file FILE     A properties file of configs to set
  --delete-config k1,k2      Configs to remove
  --help                     Show this help
`;

const VALUE_FLAGS = new Set(['--bootstrap-server', '--command-config', '--entity-type', '--entity-name', '--add-config', '--add-config-file', '--delete-config', '--topic', '--client', '--user', '--broker', '--broker-logger', '--ip', '--group', '--client-metrics']);
const SWITCHES = new Set(['--alter', '--describe', '--all', '--entity-default', '--client-defaults', '--user-defaults', '--broker-defaults', '--ip-defaults', '--help', '-h']);
/** Flags that may be given more than once. */
const REPEATABLE = new Set(['--entity-type', '--entity-name', '--entity-default', '--delete-config']);

/** ConfigCommand's entity flags and the entity type each stands for, in its order. */
const ENTITY_FLAGS: Array<[string, string]> = [
  ['--topic', 'topics'],
  ['--client', 'clients'],
  ['--user', 'users'],
  ['--broker', 'brokers'],
  ['--broker-logger', 'broker-loggers'],
  ['--ip', 'ips'],
  ['--client-metrics', 'client-metrics'],
  ['--group', 'groups'],
];
const DEFAULT_FLAGS: Array<[string, string]> = [
  ['--client-defaults', 'clients'],
  ['--user-defaults', 'users'],
  ['--broker-defaults', 'brokers'],
  ['--ip-defaults', 'ips'],
];
/** BROKER_SUPPORTED_CONFIG_TYPES: broker-loggers, then ConfigType's values. */
const ENTITY_TYPES = ['broker-loggers', 'topics', 'clients', 'users', 'brokers', 'ips', 'client-metrics', 'groups'];
const QUOTA_TYPES = new Set(['clients', 'users', 'ips']);
const QUOTA_FLAGS = new Set(['--client', '--user', '--ip', '--client-defaults', '--user-defaults', '--ip-defaults']);

/** An IllegalArgumentException (or InvalidConfigurationException) of ConfigCommand: its message alone, exit 1. */
class CommandError extends Error {
  constructor(
    message: string,
    /** printUsageAndExit: the message, then the help. */
    readonly usage = false,
  ) {
    super(message);
  }
}

interface Parsed {
  flags: Map<string, string[]>;
  /** --entity-name values and --entity-default ("") in command-line order. */
  namedOrDefault: string[];
}

function parse(argv: string[]): Parsed {
  const flags = new Map<string, string[]>();
  const namedOrDefault: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const { flag: name, value, inline, next } = flagAt(argv, i, (f) => VALUE_FLAGS.has(f));
    if (!VALUE_FLAGS.has(name) && (!SWITCHES.has(name) || inline)) throw new CommandError(`${argv[i].replace(/^--?/, '')} is not a recognized option`, true);
    if (value === undefined) throw new CommandError(`Option ${name} requires an argument`, true);
    i = next;
    const prev = flags.get(name);
    if (prev && !REPEATABLE.has(name)) throw new CommandError(`Option ${name} has multiple values`, true);
    flags.set(name, [...(prev ?? []), value]);
    if (name === '--entity-name') namedOrDefault.push(value);
    if (name === '--entity-default') namedOrDefault.push('');
  }
  return { flags, namedOrDefault };
}

function entityTypes({ flags }: Parsed): string[] {
  return [...(flags.get('--entity-type') ?? []), ...[...ENTITY_FLAGS, ...DEFAULT_FLAGS].filter(([f]) => flags.has(f)).map(([, t]) => t)];
}

function entityNames({ flags, namedOrDefault }: Parsed): string[] {
  return [...namedOrDefault, ...ENTITY_FLAGS.filter(([f]) => flags.has(f)).map(([f]) => flags.get(f)![0]), ...DEFAULT_FLAGS.filter(([f]) => flags.has(f)).map(() => '')];
}

/** Whether the command is about client quotas, by a look at the raw arguments (the quota tool parses them itself). */
function isQuotaCommand(argv: string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (QUOTA_FLAGS.has(a.split('=')[0])) return true;
    if (a === '--entity-type' && QUOTA_TYPES.has(argv[i + 1] ?? '')) return true;
    if (a.startsWith('--entity-type=') && QUOTA_TYPES.has(a.slice('--entity-type='.length))) return true;
  }
  return false;
}

const isBrokerId = (s: string): boolean => /^[+-]?\d+$/.test(s) && Math.abs(Number(s)) <= 2 ** 31;

/** ConfigCommandOptions.checkArgs, in its order. */
function checkArgs(p: Parsed): void {
  const { flags } = p;
  const actions = ['--alter', '--describe'].filter((a) => flags.has(a));
  if (actions.length !== 1) throw new CommandError('Command must include exactly one action: --describe, --alter', true);
  if (flags.has('--describe'))
    for (const other of ['--alter', '--add-config', '--delete-config'])
      if (flags.has(other)) throw new CommandError(`Option "[describe]" can't be used with option "[${other.slice(2)}]"`, true);
  const types = entityTypes(p);
  const dups = [...new Set(types.filter((t, i) => types.indexOf(t) !== i))];
  if (dups.length > 0) throw new CommandError(`Duplicate entity type(s) specified: ${dups.join(',')}`);
  if (!flags.has('--bootstrap-server')) throw new CommandError('Either --bootstrap-server or --bootstrap-controller must be specified.');
  for (const t of types)
    if (!ENTITY_TYPES.includes(t))
      throw new CommandError(`Invalid entity type ${t}, the entity type must be one of ${ENTITY_TYPES.join(', ')} with a --bootstrap-server or --bootstrap-controller argument`);
  if (types.length === 0) throw new CommandError('At least one entity type must be specified');
  if (types.length > 1) throw new CommandError("Only 'users' and 'clients' entity types may be specified together");
  const generic = flags.has('--entity-name') || flags.has('--entity-type') || flags.has('--entity-default');
  if (generic && [...ENTITY_FLAGS, ...DEFAULT_FLAGS].some(([f]) => flags.has(f))) throw new CommandError('--entity-{type,name,default} should not be used in conjunction with specific entity flags');
  const names = entityNames(p);
  const hasName = names.some((n) => n !== '');
  const hasDefault = names.some((n) => n === '');
  if (hasName && (types.includes('brokers') || types.includes('broker-loggers')))
    for (const f of ['--entity-name', '--broker', '--broker-logger']) {
      const id = flags.get(f)?.[0];
      if (id !== undefined && !isBrokerId(id)) throw new CommandError(`The entity name for ${types[0]} must be a valid integer broker id, but it is: ${id}`);
    }
  if (flags.has('--describe')) {
    if (!types.includes('brokers') && flags.has('--entity-default')) throw new CommandError(`--entity-default must not be specified with --describe of ${types.join(',')}`);
    if (types.includes('broker-loggers') && !hasName) throw new CommandError(`An entity name must be specified with --describe of ${types.join(',')}`);
  }
  if (flags.has('--alter')) {
    if (types.includes('brokers')) {
      if (!hasName && !hasDefault) throw new CommandError('An entity-name or default entity must be specified with --alter of users, clients, brokers or ips');
    } else if (!hasName) throw new CommandError(`An entity name must be specified with --alter of ${types.join(',')}`);
    const add = flags.has('--add-config');
    const file = flags.has('--add-config-file');
    if (add && file) throw new CommandError('Only one of --add-config or --add-config-file must be specified');
    if (!add && !file && !flags.has('--delete-config')) throw new CommandError('At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter');
  }
}

/** A comma or '=' outside square brackets (ConfigCommand's lookahead: no ']' before the next '[' or the end). */
const OUTSIDE_BRACKETS = '(?=[^\\]]*(?:\\[|$))';

/** ConfigCommand.parseConfigsToBeAdded: the file's properties, then --add-config's, in order. */
async function configsToAdd(flags: Map<string, string[]>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const file = flags.get('--add-config-file')?.[0];
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new CommandError(`${file} (${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message})`);
    }
    for (const [k, v] of parseProperties(text)) out.set(k, v);
  }
  const add = flags.get('--add-config')?.[0];
  if (add !== undefined) {
    const items = add.split(new RegExp(`,${OUTSIDE_BRACKETS}`));
    // Java's split drops trailing empty strings.
    while (items.length > 0 && items[items.length - 1] === '') items.pop();
    const pairs = items.map((s) => s.split(new RegExp(`\\s*=\\s*${OUTSIDE_BRACKETS}`)));
    if (pairs.some((pair) => pair.length !== 2))
      throw new CommandError('Invalid entity config: all configs to be added must be in the format "key=val" or  "key=[val1,val2]" to group values which contain commas.');
    for (const [k, v] of pairs) out.set(k.trim(), v.replace(/[[\]]/g, '').trim());
  }
  for (const k of out.keys()) if (!/^[$a-zA-Z0-9._-]*$/.test(k)) throw new CommandError(`Invalid character found for config key: ${k}`);
  return out;
}

function configsToDelete(flags: Map<string, string[]>): string[] {
  return (flags.get('--delete-config') ?? []).flatMap((v) => v.split(',')).map((s) => s.trim());
}

const singular = (type: string): string => type.slice(0, -1);

interface Target {
  resourceType: number;
  /** The source that makes an entry "dynamic" (what --describe without --all shows); undefined: all. */
  dynamicSource: string | undefined;
}

function target(type: string, name: string): Target {
  switch (type) {
    case 'topics':
      return { resourceType: ResourceType.TOPIC, dynamicSource: 'DYNAMIC_TOPIC_CONFIG' };
    case 'brokers':
      return { resourceType: ResourceType.BROKER, dynamicSource: name === '' ? 'DYNAMIC_DEFAULT_BROKER_CONFIG' : 'DYNAMIC_BROKER_CONFIG' };
    case 'broker-loggers':
      return { resourceType: ResourceType.BROKER_LOGGER, dynamicSource: undefined };
    case 'groups':
      return { resourceType: ResourceType.GROUP, dynamicSource: 'DYNAMIC_GROUP_CONFIG' };
    default:
      throw new CommandError(`Runnel does not serve ${type} config resources`);
  }
}

class Session {
  private brokerIds: number[] | undefined;

  constructor(readonly client: Client) {}

  async brokers(): Promise<number[]> {
    this.brokerIds ??= (await this.client.metadata([])).brokers.map((b) => b.nodeId).sort((a, b) => a - b);
    return this.brokerIds;
  }

  /** Where a resource's requests go: a broker's own configs and loggers to that broker, the rest anywhere. */
  async connection(type: string, name: string): Promise<Connection> {
    if ((type === 'brokers' || type === 'broker-loggers') && name !== '') {
      await this.brokers();
      return this.client.broker(Number(name));
    }
    return this.client.bootstrap;
  }

  /** ConfigCommand.getResourceConfig: the entries, dynamic ones only unless `all`, by name. */
  async resourceConfig(type: string, name: string, includeSynonyms: boolean, all: boolean): Promise<ConfigEntry[]> {
    if (type === 'topics' && name !== '') {
      const bad = invalidTopicName(name);
      if (bad) throw new ResourceError(17, bad, `topic '${name}'`);
    }
    const t = target(type, name);
    const entries = await describeConfigs(await this.connection(type, name), t.resourceType, name, includeSynonyms);
    return entries.filter((e) => all || t.dynamicSource === undefined || e.source === t.dynamicSource).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

async function describe(s: Session, type: string, name: string | undefined, all: boolean): Promise<void> {
  const missing = () => void process.stdout.write(`The ${singular(type)} '${name}' doesn't exist and doesn't have dynamic config.\n`);
  if (!all && name !== undefined) {
    if (type === 'topics') {
      const bad = invalidTopicName(name);
      if (bad) throw new ResourceError(17, bad, `topic '${name}'`);
      const topics = (await s.client.metadata()).topics.map((t) => t.name);
      if (!topics.includes(name)) return missing();
    } else if (type === 'brokers' || type === 'broker-loggers') {
      if (name !== '' && !(await s.brokers()).includes(Number(name))) return missing();
    }
  }
  let entities: string[];
  if (name !== undefined) entities = [name];
  else if (type === 'topics') entities = (await s.client.metadata()).topics.map((t) => t.name ?? '').sort();
  else if (type === 'brokers' || type === 'broker-loggers') entities = [...(await s.brokers()).map(String), ''];
  else if (type === 'groups') entities = (await listGroups(s.client)).map((g) => g.groupId).sort();
  else entities = [];
  for (const entity of entities) {
    if (entity === '') process.stdout.write(`Default configs for ${type} in the cluster are:\n`);
    else process.stdout.write(`${all ? 'All' : 'Dynamic'} configs for ${singular(type)} ${entity} are:\n`);
    for (const e of await s.resourceConfig(type, entity, true, all)) {
      const synonyms = e.synonyms.map((y) => `${y.source}:${y.name}=${y.value}`).join(', ');
      process.stdout.write(`  ${e.name}=${e.value} sensitive=${e.isSensitive} synonyms={${synonyms}}\n`);
    }
  }
}

async function alter(s: Session, type: string, name: string, flags: Map<string, string[]>): Promise<void> {
  const toAdd = await configsToAdd(flags);
  const toDelete = configsToDelete(flags);
  const ops = [...toDelete.map((k) => ({ name: k, op: AlterOp.DELETE, value: '' })), ...[...toAdd].map(([k, v]) => ({ name: k, op: AlterOp.SET, value: v }))];
  const t = target(type, name);
  if (type === 'broker-loggers') {
    const valid = new Set((await s.resourceConfig(type, name, true, false)).map((e) => e.name));
    const invalid = [...toDelete.filter((c) => !valid.has(c)), ...[...toAdd.keys()].filter((c) => !valid.has(c))];
    if (invalid.length > 0) throw new CommandError(`Invalid broker logger(s): ${invalid.join(',')}`);
  } else {
    const old = new Set((await s.resourceConfig(type, name, false, false)).map((e) => e.name));
    const invalid = toDelete.filter((c) => !old.has(c));
    if (invalid.length > 0) throw new CommandError(`Invalid config(s): ${invalid.join(',')}`);
  }
  await incrementalAlterConfigs(await s.connection(type, name), t.resourceType, name, ops);
  if (name !== '') process.stdout.write(`Completed updating config for ${singular(type)} ${name}.\n`);
  else process.stdout.write(`Completed updating default config for ${type} in the cluster.\n`);
}

/** Kafka's exception class for a broker's error code, as the tool's error line names it. */
const EXCEPTIONS: Record<number, string> = {
  3: 'UnknownTopicOrPartitionException',
  7: 'TimeoutException',
  17: 'InvalidTopicException',
  35: 'UnsupportedVersionException',
  40: 'InvalidConfigurationException',
  42: 'InvalidRequestException',
  69: 'GroupIdNotFoundException',
};

export async function configsCommand(argv: string[]): Promise<number> {
  if (isQuotaCommand(argv)) return quotaConfigsCommand(argv);
  let client: Client | undefined;
  try {
    const p = parse(argv);
    if (p.flags.has('--help') || p.flags.has('-h')) {
      process.stdout.write(HELP);
      return 0;
    }
    checkArgs(p);
    const type = entityTypes(p)[0];
    const names = entityNames(p);
    if (p.flags.has('--alter') && names.length !== 1) throw new CommandError('An entity name must be specified for every entity type');
    if (type === 'client-metrics') throw new CommandError('Runnel does not serve client-metrics config resources');
    try {
      client = await Client.connect(p.flags.get('--bootstrap-server')![0], toolClientConfig(p.flags, 'runnel-configs').options);
      const s = new Session(client);
      if (p.flags.has('--alter')) await alter(s, type, names[0], p.flags);
      else await describe(s, type, names[0], p.flags.has('--all'));
    } catch (e) {
      if (e instanceof CommandError) throw e;
      // Kafka prints the admin call's exception (an ExecutionException around the broker's error); other failures (the broker unreachable) as they are.
      const cause =
        e instanceof ResourceError ? `java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.${EXCEPTIONS[e.code] ?? 'ApiException'}: ${e.detail ?? e.message}` : (e as Error).message;
      process.stderr.write(`Error while executing config command with args '${argv.join(' ')}'\n${cause}\n`);
      return 1;
    }
    return 0;
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    process.stderr.write(`${e.message}\n${e.usage ? HELP : ''}`);
    return 1;
  } finally {
    await client?.close();
  }
}

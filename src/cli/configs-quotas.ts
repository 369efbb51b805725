/**
 * The client-quota part of `runnel configs`, as kafka-configs.sh (ConfigCommand) does it for entity
 * types users, clients and ips: --describe prints "Quota configs for <entity> are k=v, ..." per
 * entity (values as Java prints a double), --alter sets (--add-config) and removes (--delete-config)
 * keys through AlterClientQuotas and prints "Completed updating config for ...". Entities come from
 * --entity-type / --entity-name / --entity-default (users and clients may be combined) or from
 * --user / --client / --ip / --user-defaults / --client-defaults / --ip-defaults.
 *
 * src/cli/configs.ts calls quotaConfigsCommand with the whole argv of `runnel configs` when the
 * entity type is clients, users or ips.
 */
import * as m from '../protocol/messages/index.js';
import { Client } from '../client/client.js';
import { KafkaError } from '../client/errors.js';
import { flagAt, UsageError } from './args.js';
import { runTool } from './tool.js';
import { toolClientConfig } from './client-config.js';
import { alterScramConfigs, describeScramConfigs, hasScramConfigs } from './configs-scram.js';

const DESCRIBE_KEY = 48;
const ALTER_KEY = 49;
const TYPE_OF: Record<string, string> = { users: 'user', clients: 'client-id', ips: 'ip' };
const SHOWN_AS: Record<string, string> = { user: 'user-principal', 'client-id': 'client-id', ip: 'ip' };
const SPECIFIC: Record<string, string> = { '--user': 'users', '--client': 'clients', '--ip': 'ips' };
const DEFAULTS: Record<string, string> = { '--user-defaults': 'users', '--client-defaults': 'clients', '--ip-defaults': 'ips' };
const WITH_VALUE = new Set(['--bootstrap-server', '--entity-type', '--entity-name', '--add-config', '--delete-config', '--command-config', ...Object.keys(SPECIFIC)]);
const SWITCHES = new Set(['--describe', '--alter', '--entity-default', '--force', ...Object.keys(DEFAULTS)]);

interface Parsed {
  bootstrap: string;
  commandConfig?: string;
  action: '--describe' | '--alter';
  /** Entity types (users/clients/ips) in command-line order, and their names ("" = default) in order. */
  types: string[];
  names: string[];
  add: Map<string, string>;
  remove: string[];
}

/** 'k1=v1,k2=[v1,v2],k3=v3': commas inside brackets belong to the value. */
export function parseAddConfig(s: string): Map<string, string> {
  const out = new Map<string, string>();
  let depth = 0;
  let start = 0;
  const items: string[] = [];
  for (let i = 0; i <= s.length; i++) {
    const ch = s[i];
    if (ch === '[') depth++;
    else if (ch === ']') depth = Math.max(0, depth - 1);
    else if ((ch === ',' && depth === 0) || i === s.length) {
      if (i > start) items.push(s.slice(start, i));
      start = i + 1;
    }
  }
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`Invalid entity config: all configs to be added must be in the format "key=val".`);
    out.set(item.slice(0, eq).trim(), item.slice(eq + 1).trim().replace(/^\[(.*)\]$/, '$1'));
  }
  return out;
}

function parse(argv: string[]): Parsed {
  const types: string[] = [];
  const names: string[] = [];
  const specificTypes: string[] = [];
  const specificNames: string[] = [];
  const actions: string[] = [];
  let generic = false;
  let bootstrap = '';
  let commandConfig: string | undefined;
  const add = new Map<string, string>();
  const remove: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const { flag, value, next } = flagAt(argv, i, (f) => WITH_VALUE.has(f));
    if (!WITH_VALUE.has(flag) && !SWITCHES.has(flag)) throw new UsageError(`unknown option '${argv[i]}'`);
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    i = next;
    switch (flag) {
      case '--bootstrap-server':
        bootstrap = value;
        break;
      case '--command-config':
        commandConfig = value;
        break;
      case '--describe':
      case '--alter':
        actions.push(flag);
        break;
      case '--entity-type':
        generic = true;
        types.push(value);
        break;
      case '--entity-name':
        generic = true;
        names.push(value);
        break;
      case '--entity-default':
        generic = true;
        names.push('');
        break;
      case '--add-config':
        for (const [k, v] of parseAddConfig(value)) add.set(k, v);
        break;
      case '--delete-config':
        remove.push(...value.split(',').map((k) => k.trim()).filter((k) => k !== ''));
        break;
      default:
        if (SPECIFIC[flag]) {
          specificTypes.push(SPECIFIC[flag]);
          specificNames.push(value);
        } else if (DEFAULTS[flag]) {
          specificTypes.push(DEFAULTS[flag]);
          specificNames.push('');
        }
    }
  }
  if (actions.length !== 1) throw new UsageError('Command must include exactly one action: --describe, --alter');
  const action = actions[0] as Parsed['action'];
  if (action === '--describe' && (add.size > 0 || remove.length > 0)) throw new UsageError('--add-config and --delete-config go with --alter only');
  if (generic && specificTypes.length > 0) throw new UsageError('--entity-{type,name,default} should not be used in conjunction with specific entity flags');
  types.push(...specificTypes);
  names.push(...specificNames);
  if (types.length === 0) throw new UsageError('At least one entity type must be specified');
  const dup = types.filter((t, i) => types.indexOf(t) !== i);
  if (dup.length > 0) throw new UsageError(`Duplicate entity type(s) specified: ${[...new Set(dup)].join(',')}`);
  for (const t of types) if (!TYPE_OF[t]) throw new UsageError(`Invalid entity type ${t}, the entity type must be one of users, clients, ips for client quotas`);
  if (types.length > 1 && !(types.length === 2 && types.includes('users') && types.includes('clients')))
    throw new UsageError("Only 'users' and 'clients' entity types may be specified together");
  if (names.length > types.length) throw new UsageError('More entity names specified than entity types');
  if (action === '--alter') {
    if (names.length !== types.length) throw new UsageError('--entity-name or --entity-default must be specified with each --entity-type for --alter');
    if (add.size === 0 && remove.length === 0) throw new UsageError('At least one of --add-config or --delete-config must be specified with --alter');
  }
  if (bootstrap === '') throw new UsageError('missing required option --bootstrap-server');
  return { bootstrap, commandConfig, action, types, names, add, remove };
}

/** A double as Java's Double.toString prints it (1024.0, 12.5, 1.0E7, 1.0E-4). */
export function javaDouble(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(n);
  if (abs === 0 || (abs >= 1e-3 && abs < 1e7)) return Number.isInteger(n) ? `${n}.0` : String(n);
  const [mant, exp] = n.toExponential().split('e');
  return `${mant.includes('.') ? mant : `${mant}.0`}E${Number(exp)}`;
}

function entityLine(entity: m.DescribeClientQuotasResponseEntityData[]): string {
  const parts: string[] = [];
  for (const type of ['user', 'client-id', 'ip']) {
    const e = entity.find((x) => x.entityType === type);
    if (!e) continue;
    parts.push(e.entityName === null ? `the default ${SHOWN_AS[type]}` : `${SHOWN_AS[type]} '${e.entityName}'`);
  }
  return parts.join(', ');
}

async function describe(client: Client, p: Parsed): Promise<m.DescribeClientQuotasResponseEntryData[]> {
  const components = p.types.map((t, i) => {
    const name = p.names[i];
    const entityType = TYPE_OF[t];
    if (name === undefined) return { entityType, matchType: 2, match: null };
    return name === '' ? { entityType, matchType: 1, match: null } : { entityType, matchType: 0, match: name };
  });
  const res = await client.bootstrap.request<m.DescribeClientQuotasResponse>(DESCRIBE_KEY, { components, strict: true });
  if (res.errorCode !== 0) throw new KafkaError(res.errorCode, 'describe client quotas', res.errorMessage);
  return res.entries ?? [];
}

export function quotaConfigsCommand(argv: string[]): Promise<number> {
  return runTool('configs', async () => {
    const p = parse(argv);
    const flags = new Map(p.commandConfig === undefined ? [] : [['--command-config', [p.commandConfig]]]);
    const client = await Client.connect(p.bootstrap, toolClientConfig(flags, 'runnel-configs').options);
    try {
      if (p.action === '--describe') {
        for (const e of await describe(client, p)) {
          process.stdout.write(`Quota configs for ${entityLine(e.entity)} are ${e.values.map((v) => `${v.key}=${javaDouble(v.value)}`).join(', ')}\n`);
        }
        // As ConfigCommand: SCRAM credentials too, unless clients or a default user are described.
        if (p.types[0] === 'users' && p.types.length === 1 && !p.names.includes('')) await describeScramConfigs(client, p.names);
        return 0;
      }
      if (hasScramConfigs(p.add, p.remove)) {
        await alterScramConfigs(client, p.types, p.names, p.add, p.remove);
        process.stdout.write(`Completed updating config for user ${p.names[0]}.\n`);
        return 0;
      }
      // As kafka-configs.sh: a key to delete must be set now.
      const current = (await describe(client, p))[0]?.values.map((v) => v.key) ?? [];
      const invalid = p.remove.filter((k) => !current.includes(k));
      if (invalid.length > 0) throw new UsageError(`Invalid config(s): ${invalid.join(',')}`);
      const ops = [
        ...[...p.add].map(([key, v]) => {
          const value = Number(v);
          if (v.trim() === '' || Number.isNaN(value)) throw new UsageError(`Cannot parse quota configuration value for ${key}: ${v}`);
          return { key, value, remove: false };
        }),
        ...p.remove.map((key) => ({ key, value: 0, remove: true })),
      ];
      const entity = p.types.map((t, i) => ({ entityType: TYPE_OF[t], entityName: p.names[i] === '' ? null : p.names[i] }));
      const res = await client.bootstrap.request<m.AlterClientQuotasResponse>(ALTER_KEY, { entries: [{ entity, ops }], validateOnly: false });
      for (const r of res.entries) if (r.errorCode !== 0) throw new KafkaError(r.errorCode, 'alter client quotas', r.errorMessage);
      const head = p.names[0];
      process.stdout.write(head !== '' ? `Completed updating config for ${p.types[0].slice(0, -1)} ${head}.\n` : `Completed updating default config for ${p.types[0]} in the cluster.\n`);
      return 0;
    } finally {
      await client.close();
    }
  });
}

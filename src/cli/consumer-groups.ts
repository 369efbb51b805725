/** `runnel consumer-groups`: kafka-consumer-groups.sh on Runnel's own client. */
import * as m from '../protocol/messages/index.js';
import { exactlyOne, flagsFromHelp, option, UsageError } from './args.js';
import { ErrorCode } from '../protocol/errors.js';
import { required, runFlagTool } from './tool.js';
import { toolClientConfig } from './client-config.js';
import { Client, type TopicInfo } from '../client/client.js';
import { ApiKey } from '../client/connection.js';
import { deleteGroups, describeGroups, listGroups } from '../client/admin.js';
import { check, ClientError, errorName, KafkaError } from '../client/errors.js';
import { EARLIEST, LATEST, listOffsets } from '../client/consumer.js';
import { decodeAssignment } from '../client/group.js';

const HELP = `Usage: runnel consumer-groups --bootstrap-server HOST:PORT ACTION [options]

Lists, describes, deletes consumer groups and resets their offsets, as kafka-consumer-groups.sh does.

Actions (exactly one):
  --list                   List the groups
  --describe               Describe a group (--group G): per partition the committed offset, the
                           log end offset, the lag and the member it is assigned to
  --delete                 Delete a group (--group G); it must have no members
  --reset-offsets          Reset a group's committed offsets (--group G, --topic T or --all-topics,
                           one reset spec); the group must be inactive (no members)

Options:
  --bootstrap-server H:P   The broker to connect to (comma-separated list allowed)
  --command-config FILE    Client properties: client.id, security.protocol, ssl.*, sasl.*
  --group G                The group
  --topic T                --reset-offsets: the topic (T or T:P,P,... for some partitions)
  --all-topics             --reset-offsets: every topic the group has committed offsets for
  --to-earliest            Reset to the earliest offset
  --to-latest              Reset to the latest offset (the log end)
  --to-offset N            Reset to offset N (clamped to the partition's range)
  --to-datetime DT         Reset to the first offset at or after DT (YYYY-MM-DDTHH:mm:SS.sss,
                           local time unless it ends in Z or an offset like +01:00)
  --shift-by N             Move the committed offset by N (may be negative; clamped)
  --dry-run                Print the new offsets only (the default)
  --execute                Commit the new offsets
  --help                   Show this help
`;

/** The actions are the flags the help lists under "Actions". */
const ACTIONS = Object.keys(flagsFromHelp(HELP, 'Actions'));
const RESETS = ['--to-earliest', '--to-latest', '--to-offset', '--to-datetime', '--shift-by'] as const;

export function consumerGroupsCommand(argv: string[]): Promise<number> {
  return runFlagTool('consumer-groups', argv, HELP, async (flags) => {
    const action = exactlyOne(flags, ACTIONS);
    const bootstrap = required(flags, '--bootstrap-server');
    const group = option(flags, '--group');
    if (action !== '--list' && !group) throw new UsageError(`${action} needs --group`);
    const resets = RESETS.filter((r) => flags.has(r));
    if (action === '--reset-offsets') {
      if (resets.length !== 1) throw new UsageError(`--reset-offsets needs exactly one of ${RESETS.join(', ')}`);
      if (flags.has('--topic') === flags.has('--all-topics')) throw new UsageError('--reset-offsets needs one of --topic, --all-topics');
      if (flags.has('--dry-run') && flags.has('--execute')) throw new UsageError('--dry-run and --execute cannot be used together');
    } else if (resets.length > 0 || flags.has('--topic') || flags.has('--all-topics') || flags.has('--dry-run') || flags.has('--execute'))
      throw new UsageError('--topic, --all-topics, --to-*, --shift-by, --dry-run and --execute go with --reset-offsets only');
    const spec = action === '--reset-offsets' ? parseReset(resets[0], flags.get(resets[0])?.[0] ?? '') : undefined;

    const client = await Client.connect(bootstrap, toolClientConfig(flags, 'consumer-groups').options);
    try {
      switch (action) {
        case '--list': {
          const groups = await listGroups(client);
          process.stdout.write(groups.map((g) => `${g.groupId}\n`).sort().join(''));
          return 0;
        }
        case '--describe':
          return await describe(client, group!);
        case '--delete': {
          const [r] = await deleteGroups(client, [group!]);
          if (!r || r.errorCode !== 0)
            throw new ClientError(`Deletion of some consumer groups failed: Group '${group}' could not be deleted due to: ${errorName(r?.errorCode ?? -1)}`);
          process.stdout.write(`Deletion of requested consumer groups ('${group}') was successful.\n`);
          return 0;
        }
        case '--reset-offsets':
          return await resetOffsets(client, group!, spec!, option(flags, '--topic'), flags.has('--execute'));
        default:
          throw new Error(`the help lists action ${action}, which is not served`);
      }
    } finally {
      await client.close();
    }
  });
}

type ResetSpec =
  | { kind: 'earliest' | 'latest' }
  | { kind: 'offset'; offset: bigint }
  | { kind: 'datetime'; ts: bigint }
  | { kind: 'shift'; by: bigint };

function parseReset(flag: string, v: string): ResetSpec {
  switch (flag) {
    case '--to-earliest':
      return { kind: 'earliest' };
    case '--to-latest':
      return { kind: 'latest' };
    case '--to-offset':
      if (!/^\d+$/.test(v)) throw new UsageError(`--to-offset takes a non-negative integer, not '${v}'`);
      return { kind: 'offset', offset: BigInt(v) };
    case '--shift-by':
      if (!/^[-+]?\d+$/.test(v)) throw new UsageError(`--shift-by takes an integer, not '${v}'`);
      return { kind: 'shift', by: BigInt(v) };
    default: {
      // Kafka's format: yyyy-MM-dd'T'HH:mm:ss.SSS, optionally with a zone (Z, +hh:mm)
      const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})?$/.test(v);
      const ms = ok ? Date.parse(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : NaN;
      if (Number.isNaN(ms)) throw new UsageError(`--to-datetime takes YYYY-MM-DDTHH:mm:SS.sss, not '${v}'`);
      return { kind: 'datetime', ts: BigInt(ms) };
    }
  }
}

/** Committed offsets of a group: topic → partition → offset (all topics when `topics` is undefined). */
async function committedOffsets(client: Client, group: string, topics?: Map<string, number[]>): Promise<Map<string, Map<number, bigint>>> {
  const conn = await client.coordinator(group);
  const v = conn.version(ApiKey.OffsetFetch);
  const wanted = topics ? [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes })) : null;
  const body =
    v >= 8
      ? { groups: [{ ...m.defaultOffsetFetchRequestGroup(), groupId: group, topics: wanted }], requireStable: false }
      : { groupId: group, topics: wanted, requireStable: false };
  const res = await conn.request<m.OffsetFetchResponse>(ApiKey.OffsetFetch, body, v);
  if (v >= 8) check(res.groups[0]?.errorCode ?? 0, `fetch offsets of group '${group}'`);
  else check(res.errorCode, `fetch offsets of group '${group}'`);
  const out = new Map<string, Map<number, bigint>>();
  const list: Array<{ name: string; partitions: Array<{ partitionIndex: number; committedOffset: bigint; errorCode: number }> }> =
    v >= 8 ? (res.groups[0]?.topics ?? []) : res.topics;
  for (const t of list)
    for (const p of t.partitions) {
      if (p.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) continue;
      check(p.errorCode, `fetch offset of ${t.name}-${p.partitionIndex}`);
      if (p.committedOffset < 0n) continue;
      let per = out.get(t.name);
      if (!per) out.set(t.name, (per = new Map()));
      per.set(p.partitionIndex, p.committedOffset);
    }
  return out;
}

/** ListOffsets of `parts` of a topic at `ts` (EARLIEST, LATEST or a timestamp), per leader. */
async function offsetsAt(client: Client, topic: TopicInfo, parts: number[], ts: bigint): Promise<Map<number, bigint>> {
  const byLeader = new Map<number, number[]>();
  for (const p of parts) {
    const leader = topic.partitions.find((x) => x.partition === p)?.leader ?? -1;
    byLeader.set(leader, [...(byLeader.get(leader) ?? []), p]);
  }
  const out = new Map<number, bigint>();
  for (const [leader, ps] of byLeader) for (const [p, o] of await listOffsets(await client.broker(leader), topic.name, ps, ts)) out.set(p, o);
  return out;
}

async function describeOne(client: Client, group: string): Promise<m.DescribeGroupsResponseDescribedGroup> {
  const [g] = await describeGroups(client, [group]);
  if (!g) throw new KafkaError(-1, `describe group '${group}'`, 'empty response');
  if (g.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) return { ...g, errorCode: 0, groupState: 'Dead', members: [] };
  check(g.errorCode, `describe group '${group}'`, g.errorMessage);
  return g;
}

interface Row {
  topic: string;
  partition: number;
  current: bigint | undefined;
  end: bigint | undefined;
  consumerId: string;
  host: string;
  clientId: string;
}

async function describe(client: Client, group: string): Promise<number> {
  const g = await describeOne(client, group);
  if (g.groupState === 'Dead') throw new ClientError(`Consumer group '${group}' does not exist.`);
  // which member holds which partition (classic groups with the consumer protocol)
  const owner = new Map<string, m.DescribeGroupsResponseDescribedGroupMember>();
  const membersWithout: m.DescribeGroupsResponseDescribedGroupMember[] = [];
  for (const mem of g.members) {
    let assigned = 0;
    if (g.protocolType === 'consumer' && mem.memberAssignment.length > 0) {
      try {
        for (const [t, ps] of decodeAssignment(mem.memberAssignment))
          for (const p of ps) {
            owner.set(`${t}\0${p}`, mem);
            assigned++;
          }
      } catch {
        // not a ConsumerProtocolAssignment: leave its partitions unknown
      }
    }
    if (assigned === 0) membersWithout.push(mem);
  }
  const committed = await committedOffsets(client, group);
  const parts = new Map<string, Set<number>>();
  for (const [t, per] of committed) for (const p of per.keys()) (parts.get(t) ?? parts.set(t, new Set()).get(t)!).add(p);
  for (const key of owner.keys()) {
    const [t, p] = key.split('\0');
    (parts.get(t) ?? parts.set(t, new Set()).get(t)!).add(Number(p));
  }
  const rows: Row[] = [];
  for (const [t, ps] of [...parts].sort((a, b) => a[0].localeCompare(b[0]))) {
    let ends = new Map<number, bigint>();
    try {
      const info = await client.topic(t);
      ends = await offsetsAt(client, info, [...ps], LATEST);
    } catch (err) {
      if (!(err instanceof KafkaError)) throw err;
    }
    for (const p of [...ps].sort((a, b) => a - b)) {
      const mem = owner.get(`${t}\0${p}`);
      rows.push({ topic: t, partition: p, current: committed.get(t)?.get(p), end: ends.get(p), consumerId: mem?.memberId ?? '-', host: mem?.clientHost ?? '-', clientId: mem?.clientId ?? '-' });
    }
  }
  for (const mem of membersWithout) rows.push({ topic: '-', partition: -1, current: undefined, end: undefined, consumerId: mem.memberId, host: mem.clientHost, clientId: mem.clientId });

  let out = '';
  if (g.members.length === 0) out += `\nConsumer group '${group}' has no active members.\n`;
  if (g.groupState === 'PreparingRebalance' || g.groupState === 'CompletingRebalance') out += `\nWarning: Consumer group '${group}' is rebalancing.\n`;
  const s = (v: bigint | undefined): string => (v === undefined ? '-' : String(v));
  const table = rows.map((r) => [group, r.topic, r.partition < 0 ? '-' : String(r.partition), s(r.current), s(r.end), r.current !== undefined && r.end !== undefined ? String(r.end - r.current) : '-', r.consumerId, r.host, r.clientId]);
  const header = ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'];
  out += '\n' + formatTable(header, table, [undefined, undefined, 10, 15, 15, 15, undefined, undefined]);
  process.stdout.write(out);
  return 0;
}

/** Columns left-aligned and space-separated as Kafka's tool prints them: the width of the widest cell, or a fixed minimum. */
function formatTable(header: string[], rows: string[][], minWidths: Array<number | undefined>): string {
  const widths = header.map((h, i) => Math.max(minWidths[i] ?? 0, h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join(' ') + '\n';
  return line(header) + rows.map(line).join('');
}

async function resetOffsets(client: Client, group: string, spec: ResetSpec, topicArg: string | undefined, execute: boolean): Promise<number> {
  const g = await describeOne(client, group);
  if (g.groupState !== 'Empty' && g.groupState !== 'Dead')
    throw new ClientError(`Assignments can only be reset if the group '${group}' is inactive, but the current state is ${g.groupState}.`);
  // the partitions to reset
  const targets = new Map<string, number[]>();
  let committed: Map<string, Map<number, bigint>>;
  if (topicArg !== undefined) {
    const [name, list] = topicArg.split(':', 2);
    const info = await client.topic(name);
    const all = info.partitions.map((p) => p.partition);
    let ps = all;
    if (list !== undefined) {
      ps = list.split(',').map((x) => {
        if (!/^\d+$/.test(x.trim())) throw new UsageError(`--topic takes T or T:P,P,..., not '${topicArg}'`);
        return Number(x);
      });
      for (const p of ps) if (!all.includes(p)) throw new ClientError(`partition ${p} of topic '${name}' does not exist`);
    }
    targets.set(name, ps);
    committed = await committedOffsets(client, group, targets);
  } else {
    committed = await committedOffsets(client, group);
    for (const [t, per] of committed) targets.set(t, [...per.keys()].sort((a, b) => a - b));
  }
  const plan: Array<{ topic: string; partition: number; offset: bigint }> = [];
  for (const [t, ps] of [...targets].sort((a, b) => a[0].localeCompare(b[0]))) {
    const info = await client.topic(t);
    const earliest = await offsetsAt(client, info, ps, EARLIEST);
    const latest = await offsetsAt(client, info, ps, LATEST);
    const at = spec.kind === 'datetime' ? await offsetsAt(client, info, ps, spec.ts) : undefined;
    for (const p of [...ps].sort((a, b) => a - b)) {
      const lo = earliest.get(p) ?? 0n;
      const hi = latest.get(p) ?? 0n;
      const clamp = (o: bigint): bigint => (o < lo ? lo : o > hi ? hi : o);
      let offset: bigint;
      switch (spec.kind) {
        case 'earliest':
          offset = lo;
          break;
        case 'latest':
          offset = hi;
          break;
        case 'offset':
          offset = clamp(spec.offset);
          break;
        case 'datetime': {
          const o = at?.get(p) ?? -1n;
          offset = o < 0n ? hi : o;
          break;
        }
        case 'shift': {
          const cur = committed.get(t)?.get(p);
          if (cur === undefined) throw new ClientError(`--shift-by: group '${group}' has no committed offset for ${t}-${p}`);
          offset = clamp(cur + spec.by);
          break;
        }
      }
      plan.push({ topic: t, partition: p, offset });
    }
  }
  if (execute && plan.length > 0) {
    const conn = await client.coordinator(group);
    const byTopic = new Map<string, Array<{ partition: number; offset: bigint }>>();
    for (const x of plan) byTopic.set(x.topic, [...(byTopic.get(x.topic) ?? []), x]);
    const res = await conn.request<m.OffsetCommitResponse>(ApiKey.OffsetCommit, {
      groupId: group,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1n,
      topics: [...byTopic].map(([name, ps]) => ({
        ...m.defaultOffsetCommitRequestTopic(),
        name,
        partitions: ps.map((x) => ({ ...m.defaultOffsetCommitRequestPartition(), partitionIndex: x.partition, committedOffset: x.offset, committedMetadata: '' })),
      })),
    });
    for (const t of res.topics) for (const p of t.partitions) check(p.errorCode, `commit offset of ${t.name}-${p.partitionIndex}`);
  }
  const rows = plan.map((x) => [group, x.topic, String(x.partition), String(x.offset)]);
  process.stdout.write('\n' + formatTable(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], rows, [undefined, undefined, 10]));
  return 0;
}

/**
 * `runnel leader-election`: kafka-leader-election.sh (Kafka's LeaderElectionCommand) on Runnel's own
 * client. The same flags, the same JSON file, the same output lines and exit codes:
 *   Successfully completed leader election (PREFERRED) for partitions t-0, t-1
 *   Valid replica already elected for partitions t-2
 *   Error completing leader election (PREFERRED) for partition: t-3: <exception>: <message>
 * then exit 1 ("N replica(s) could not be elected" on stderr) when any partition failed, and
 * "Timeout waiting for election results" (exit 1) when the broker answered REQUEST_TIMED_OUT.
 * Kafka prints the partitions of a set in hash order; this tool sorts them (topic, partition).
 */
import { readFileSync } from 'node:fs';
import * as m from '../protocol/messages/index.js';
import { Client } from '../client/client.js';
import { ApiKey } from '../client/connection.js';
import { errorName } from '../client/errors.js';
import { ErrorCode } from '../protocol/errors.js';
import { ELECTION_MESSAGES } from '../cluster/etcd/preferred-election.js';
import { flagsOrHelp, UsageError } from './args.js';
import { runTool } from './tool.js';
import { toolClientConfig } from './client-config.js';

const HELP = `Usage: runnel leader-election --bootstrap-server HOST:PORT --election-type TYPE TARGET [options]

Elects partition leaders, as kafka-leader-election.sh does.

  --bootstrap-server H:P     The broker to connect to (comma-separated list allowed). REQUIRED.
  --election-type TYPE       preferred: make the first replica of the assignment the leader (when it
                             is alive and in sync); unclean: elect any live replica for a partition
                             that has no leader (may lose acknowledged records). REQUIRED.
Target (exactly one):
  --all-topic-partitions     Every partition that needs an election of that type
  --topic T --partition P    One partition
  --path-to-json-file FILE   The partitions listed in FILE:
                             {"partitions": [{"topic": "foo", "partition": 1}, ...]}
Options:
  --command-config FILE      Admin client properties (default.api.timeout.ms, client.id,
                             security.protocol, ssl.*, sasl.*)
  --admin.config FILE        The same (deprecated in Kafka)
  --help                     Show this help
`;

const SPEC = {
  '--bootstrap-server': { value: true },
  '--election-type': { value: true },
  '--all-topic-partitions': {},
  '--topic': { value: true },
  '--partition': { value: true },
  '--path-to-json-file': { value: true },
  '--admin.config': { value: true },
  '--command-config': { value: true },
};

/** Kafka's AdminCommandFailedException / AdminOperationException: its message on stderr, exit 1. */
class CommandFailed extends Error {}

interface TopicPartition {
  topic: string;
  partition: number;
}

const tpString = (tp: TopicPartition) => `${tp.topic}-${tp.partition}`;
const byName = (a: TopicPartition, b: TopicPartition) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition);

/** Kafka's replica election JSON: {"partitions":[{"topic":..,"partition":..}]}, no duplicates. */
export function parseElectionJson(text: string): TopicPartition[] {
  let js: unknown;
  try {
    js = JSON.parse(text);
  } catch (e) {
    throw new CommandFailed(`Invalid JSON in the replica election data: ${(e as Error).message}`);
  }
  if (js === null || js === undefined || typeof js !== 'object' || Array.isArray(js)) throw new CommandFailed('Replica election data is empty');
  const list = (js as { partitions?: unknown }).partitions;
  if (list === undefined) throw new CommandFailed('Replica election data is missing "partitions" field');
  if (!Array.isArray(list)) throw new CommandFailed('Replica election data: "partitions" is not an array');
  const out: TopicPartition[] = list.map((p: unknown) => {
    const o = p as { topic?: unknown; partition?: unknown } | null;
    if (!o || typeof o.topic !== 'string') throw new CommandFailed(`Replica election data: each partition needs a string "topic": ${JSON.stringify(p)}`);
    if (!Number.isInteger(o.partition) || (o.partition as number) > 2 ** 31 - 1 || (o.partition as number) < -(2 ** 31)) throw new CommandFailed(`Replica election data: each partition needs an integer "partition": ${JSON.stringify(p)}`);
    return { topic: o.topic, partition: o.partition as number };
  });
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const tp of out) (seen.has(tpString(tp)) ? dups : seen).add(tpString(tp));
  if (dups.size > 0) throw new CommandFailed(`Replica election data contains duplicate partitions: ${[...dups].join(',')}`);
  return out;
}

/** The Java exception Kafka's admin client raises for an error code (its toString is printed). */
export function exceptionName(code: number): string {
  if (code === ErrorCode.REQUEST_TIMED_OUT) return 'org.apache.kafka.common.errors.TimeoutException';
  const camel = errorName(code)
    .toLowerCase()
    .split(/[_ ]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  return `org.apache.kafka.common.errors.${camel}Exception`;
}

function validate(flags: Map<string, string[]>): void {
  const missing = ['bootstrap-server', 'election-type'].filter((f) => !flags.has(`--${f}`));
  if (missing.length > 0) throw new CommandFailed(`Missing required option(s): ${missing.join(', ')}`);
  if (flags.has('--admin.config') && flags.has('--command-config')) throw new UsageError('Option "[admin.config]" can\'t be used with option "[command-config]"');
  const targets = ['topic', 'all-topic-partitions', 'path-to-json-file'];
  if (targets.filter((t) => flags.has(`--${t}`)).length !== 1) throw new CommandFailed(`One and only one of the following options is required: ${targets.join(', ')}`);
  if (flags.has('--topic') && !flags.has('--partition')) throw new CommandFailed('Missing required option(s): partition');
  if (!flags.has('--topic') && flags.has('--partition')) throw new CommandFailed('Option partition is only allowed if topic is used');
}

function electionType(v: string): { code: 0 | 1; name: 'PREFERRED' | 'UNCLEAN' } {
  const t = v.trim().toUpperCase();
  if (t === 'PREFERRED') return { code: 0, name: 'PREFERRED' };
  if (t === 'UNCLEAN') return { code: 1, name: 'UNCLEAN' };
  throw new UsageError(`Value for option election-type: '${v}' is not one of [PREFERRED, UNCLEAN]`);
}

export function leaderElectionCommand(argv: string[]): Promise<number> {
  return runTool('leader-election', async () => {
    const flags = flagsOrHelp(argv, SPEC, HELP);
    if (!flags) return 0;
    try {
      validate(flags);
    } catch (e) {
      if (!(e instanceof CommandFailed)) throw e;
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    const type = electionType(flags.get('--election-type')![0]);
    let partitions: TopicPartition[] | null = null;
    try {
      if (flags.has('--path-to-json-file')) partitions = parseElectionJson(readFileSync(flags.get('--path-to-json-file')![0], 'utf8'));
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\n`);
      return 1;
    }
    if (flags.has('--topic')) {
      const p = flags.get('--partition')![0];
      if (!/^-?\d+$/.test(p.trim())) throw new UsageError(`Cannot parse argument '${p}' of option partition`);
      partitions = [{ topic: flags.get('--topic')![0], partition: Number(p) }];
    }
    if (flags.has('--admin.config')) process.stdout.write('Option --admin.config has been deprecated and will be removed in a future version. Use --command-config instead.\n');
    const { props, options } = toolClientConfig(flags, 'runnel-leader-election', { fileFlags: ['--admin.config', '--command-config'] });
    const timeoutMs = Number(props.get('default.api.timeout.ms') ?? 30_000) || 30_000;
    const client = await Client.connect(flags.get('--bootstrap-server')![0], { ...options, requestTimeoutMs: timeoutMs + 5_000 });
    try {
      return await elect(client, type, partitions, timeoutMs);
    } finally {
      await client.close();
    }
  });
}

async function elect(client: Client, type: { code: 0 | 1; name: string }, partitions: TopicPartition[] | null, timeoutMs: number): Promise<number> {
  const byTopic = new Map<string, number[]>();
  for (const tp of partitions ?? []) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
  const res = await client.bootstrap.request<m.ElectLeadersResponse>(ApiKey.ElectLeaders, {
    electionType: type.code,
    topicPartitions: partitions === null ? null : [...byTopic].map(([topic, ps]) => ({ ...m.defaultElectLeadersRequestTopicPartitions(), topic, partitions: ps })),
    timeoutMs,
  });
  if (res.errorCode === ErrorCode.REQUEST_TIMED_OUT) {
    process.stdout.write('Timeout waiting for election results\n');
    process.stderr.write('Timeout waiting for election results\n');
    return 1;
  }
  if (res.errorCode !== 0) {
    process.stderr.write(`${exceptionName(res.errorCode)}: ${errorName(res.errorCode)}\n`);
    return 1;
  }
  const succeeded: TopicPartition[] = [];
  const noop: TopicPartition[] = [];
  const failed: Array<TopicPartition & { code: number; message: string }> = [];
  for (const t of res.replicaElectionResults) {
    for (const p of t.partitionResult) {
      const tp = { topic: t.topic, partition: p.partitionId };
      if (p.errorCode === 0) succeeded.push(tp);
      else if (p.errorCode === ErrorCode.ELECTION_NOT_NEEDED) noop.push(tp);
      else failed.push({ ...tp, code: p.errorCode, message: p.errorMessage ?? ELECTION_MESSAGES[p.errorCode] ?? errorName(p.errorCode) });
    }
  }
  if (succeeded.length > 0) process.stdout.write(`Successfully completed leader election (${type.name}) for partitions ${succeeded.sort(byName).map(tpString).join(', ')}\n`);
  if (noop.length > 0) process.stdout.write(`Valid replica already elected for partitions ${noop.sort(byName).map(tpString).join(', ')}\n`);
  if (failed.length === 0) return 0;
  for (const f of failed.sort(byName)) process.stdout.write(`Error completing leader election (${type.name}) for partition: ${tpString(f)}: ${exceptionName(f.code)}: ${f.message}\n`);
  process.stderr.write(`${failed.length} replica(s) could not be elected\n`);
  return 1;
}
